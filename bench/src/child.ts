/**
 * Child processes from the parent's side. Every server under test and every load generator
 * runs in its own process, so no two of them share an event loop (or a JIT, or a GC).
 * Children talk back through Node's IPC channel ({@link Child.fork}) or, for non-Node
 * peers such as CPython, through a line on stdout ({@link Child.spawn}).
 * @module
 */
import { fork, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunOptions } from "./types.js";

/** How to start a child: profile it, pin it to one CPU. */
export interface ChildOptions {
  /** Run under `--cpu-prof`, writing to `<cpuProfDir>/<name>/`. */
  cpuProfDir?: string | null;
  /** Pin the process (all its threads) to this CPU with `taskset`; `null`: let the OS place it. */
  cpu?: number | null;
}

/**
 * What a child is to the measurement: the `server` under test, the `load` (load generators, and
 * clients under test, which then have CPU 1 to themselves), or a `fixture` that only serves the
 * contender (the origin behind a proxy), which shares the load's CPU so that the contender has
 * its CPU to itself.
 */
export type ChildRole = "server" | "load" | "fixture";

/**
 * The child options for a role under `options`: with `--pin`, servers go to CPU 0, load
 * generators, clients under test and fixtures to CPU 1.
 */
export function childOptions(options: RunOptions, role: ChildRole): ChildOptions {
  return { cpuProfDir: options.cpuProfDir, cpu: options.pin ? (role === "server" ? 0 : 1) : null };
}

/** A message a Node child sends over IPC: `{ type: "ready", ... }`, `{ type: "result", ... }`. */
export interface ChildMessage {
  type: string;
  [key: string]: unknown;
}

const TAIL = 2000;

/** A running child process with its stderr tail kept for error reports. */
export class Child {
  readonly proc: ChildProcess;
  readonly label: string;
  /** Started by {@link Child.fork} (talks over IPC) rather than {@link Child.spawn} (stdout lines). */
  private readonly ipc: boolean;
  private stderrTail = "";
  private stdoutBuf = "";
  private exitCode: number | null | undefined = undefined;
  private readonly exited: Promise<void>;

  private constructor(proc: ChildProcess, label: string, ipc: boolean) {
    this.proc = proc;
    this.label = label;
    this.ipc = ipc;
    proc.stderr?.setEncoding("utf8");
    proc.stderr?.on("data", (s: string) => {
      this.stderrTail = (this.stderrTail + s).slice(-TAIL);
    });
    proc.stdout?.setEncoding("utf8");
    proc.stdout?.on("data", (s: string) => {
      this.stdoutBuf = (this.stdoutBuf + s).slice(-TAIL * 4);
    });
    this.exited = new Promise<void>((resolve) => {
      proc.once("exit", (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        resolve();
      });
      proc.once("error", (err) => {
        this.stderrTail += `\n${err.message}`;
        this.exitCode = -1;
        resolve();
      });
    });
  }

  /**
   * Run `src/procs/<name>.ts` (compiled to `dist/procs/<name>.js`) with an IPC channel.
   *
   * @example
   * const server = Child.fork("echo-server", ["net"]);
   * const { port } = await server.waitMessage("ready");
   */
  static fork(name: string, args: string[], options: ChildOptions = {}): Child {
    const script = fileURLToPath(new URL(`./procs/${name}.js`, import.meta.url));
    const dir = options.cpuProfDir ?? null;
    // A profile is written when the child exits (it exits through process.exit, see procs/ipc.ts).
    const execArgv = dir === null ? [] : ["--cpu-prof", `--cpu-prof-dir=${join(dir, name)}`];
    const proc = fork(script, args, { stdio: ["ignore", "pipe", "pipe", "ipc"], execArgv });
    return new Child(proc, `${name} ${args.join(" ")}`.trim(), true).pinOrKill(options.cpu ?? null);
  }

  /**
   * Run any program (a non-Node peer); it reports through stdout lines, unless `stdoutFile` is
   * given: its stdout then goes to that file (appended), as a daemon's log would, and is not read
   * by bench (reading a busy log through a pipe costs the machine CPU that no contender is charged for).
   */
  static spawn(command: string, args: string[], label = command, options: ChildOptions = {}, stdoutFile: string | null = null): Child {
    const out = stdoutFile === null ? "pipe" : openSync(stdoutFile, "a");
    try {
      const proc = spawn(command, args, { stdio: ["ignore", out, "pipe"] });
      return new Child(proc, label, false).pinOrKill(options.cpu ?? null);
    } finally {
      if (typeof out === "number") closeSync(out);
    }
  }

  /** Pin every thread of the child to `cpu` (no-op for `null`); kills it and throws when `taskset` fails. */
  private pinOrKill(cpu: number | null): this {
    if (cpu === null || this.proc.pid === undefined) return this;
    const r = spawnSync("taskset", ["-a", "-p", "-c", String(cpu), String(this.proc.pid)], { encoding: "utf8" });
    if (r.error || r.status !== 0) {
      this.proc.kill("SIGKILL");
      throw new Error(`taskset failed: ${r.error?.message ?? r.stderr.trim()}`);
    }
    return this;
  }

  /** Last lines the child wrote to stderr (for error messages). */
  get stderr(): string {
    return this.stderrTail.trim();
  }

  /**
   * The port a server child announces once listening: its IPC `{ type: "ready", port }` message
   * (forked children) or a `PORT <n>` stdout line (spawned ones). Stops the child when it fails to.
   */
  async announcedPort(): Promise<number> {
    try {
      if (this.ipc) return Number((await this.waitMessage("ready")).port);
      return Number((await this.waitLine(/^PORT (\d+)$/m))[1]);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Wait for the first IPC message of `type`; reject on an `error` message, on exit, or after `timeoutMs`. */
  waitMessage(type: string, timeoutMs = 30_000): Promise<ChildMessage> {
    return this.waitFor(timeoutMs, `an IPC "${type}" message`, (done, fail) => {
      const onMessage = (msg: unknown): void => {
        const m = msg as ChildMessage;
        if (m.type === type) done(m);
        else if (m.type === "error") fail(new Error(String(m.message)));
      };
      this.proc.on("message", onMessage);
      return () => this.proc.off("message", onMessage);
    });
  }

  /** Wait for a stdout line matching `pattern` (also looks at what was already printed). */
  waitLine(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    return this.waitFor(timeoutMs, `a stdout line matching ${String(pattern)}`, (done) => {
      const check = (): void => {
        const m = this.stdoutBuf.match(pattern);
        if (m) done(m);
      };
      this.proc.stdout?.on("data", check);
      queueMicrotask(check);
      return () => this.proc.stdout?.off("data", check);
    });
  }

  /** Ask the child to end (SIGTERM), and kill it if it has not within 5 s. Resolves once it exited. */
  async stop(): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.proc.kill("SIGTERM");
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  private waitFor<T>(
    timeoutMs: number,
    what: string,
    listen: (done: (value: T) => void, fail: (err: Error) => void) => () => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let unlisten = (): void => {};
      const finish = (err: Error | null, value?: T): void => {
        clearTimeout(timer);
        unlisten();
        if (err) reject(err);
        else resolve(value as T);
      };
      const timer = setTimeout(() => finish(this.failure(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
      unlisten = listen(
        (value) => finish(null, value),
        (err) => finish(err),
      );
      void this.exited.then(() => finish(this.failure(`exited (code ${String(this.exitCode)}) before ${what}`)));
    });
  }

  private failure(what: string): Error {
    const tail = this.stderr ? `: ${this.stderr.split("\n").slice(-6).join(" | ")}` : "";
    return new Error(`${this.label}: ${what}${tail}`);
  }
}
