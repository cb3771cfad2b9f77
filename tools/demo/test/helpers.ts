/**
 * Test helpers: the demo command (`demo.mjs --no-build ...`, the packages are built by turbo
 * before the tests) run as a child process, with its output collected; curl through a proxy;
 * whether a port on 127.0.0.1 still accepts connections.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";

/** The demo's command. */
export const DEMO = fileURLToPath(new URL("../demo.mjs", import.meta.url));

/** A running (or finished) `demo.mjs`. */
export interface DemoRun {
  process: ChildProcess;
  /** What it printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in its stdout, waiting for more output as needed. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Its exit status (null when killed by a signal) once it has exited. */
  exited: Promise<number | null>;
}

const runs = new Set<DemoRun>();

/** Starts `node demo.mjs --no-build ...args`. */
export function runDemo(args: string[]): DemoRun {
  const child = spawn(process.execPath, [DEMO, "--no-build", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const waiters = new Set<() => void>();
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    out += text;
    for (const wake of waiters) wake();
  });
  child.stderr.setEncoding("utf8").on("data", (text: string) => (err += text));
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  const run: DemoRun = {
    process: child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(out);
          if (match) {
            waiters.delete(check);
            resolve(match);
          }
        };
        waiters.add(check);
        check();
        void exited.then((code) => {
          if (waiters.delete(check)) reject(new Error(`demo exited (${code}) before printing ${pattern}:\n${out}\n${err}`));
        });
      }),
  };
  runs.add(run);
  void exited.then(() => runs.delete(run));
  return run;
}

/** Stops every demo a test left running (SIGTERM: the demo stops its own children) and waits for them. */
export async function stopDemos(): Promise<void> {
  await Promise.all([...runs].map((run) => (run.process.kill("SIGTERM"), run.exited)));
}

/** Runs curl with `args`; resolves with its stdout (rejects when curl fails). */
export function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("curl", ["--silent", "--show-error", "--max-time", "20", ...args], { encoding: "utf8" }, (error, stdout, stderr) => {
      if (error) reject(new Error(`curl ${args.join(" ")}: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/** Resolves true when something accepts a TCP connection on 127.0.0.1:`port`. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
