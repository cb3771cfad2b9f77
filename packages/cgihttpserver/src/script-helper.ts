/**
 * Starting CGI scripts through a small helper process (`helper-source.ts`) instead of forking the
 * server: `fork()` copies the page tables of the whole Node process and blocks its event loop
 * until the child has exec'd (~6 ms per script for a 55 MB server, measured by bench's
 * `spawn-cost`), while the helper is a few MB and forks in the background. The script's stdin,
 * stdout and stderr are FIFOs in a private directory, made ahead in batches by the helper; the
 * server opens its ends first (so nothing blocks), then asks the helper to start the script.
 * Linux only (a FIFO opened read-write never blocks there); `spawn-script.ts` is the fallback.
 * @module
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { constants as fsConstants, existsSync, openSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { constants as osConstants, tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { PassThrough } from "node:stream";
import { HELPER_SOURCE } from "./helper-source.js";
import { groupEnded, groupStarted, killGroup, TimeLimit } from "./script-groups.js";
import type { RunningScript, SpawnRequest } from "./spawn-script.js";

/** Where Perl is looked for. */
const PERL_PATHS = ["/usr/bin/perl", "/bin/perl", "/usr/local/bin/perl"];
/** FIFOs made per batch, and the stock below which the next batch is asked for. */
const BATCH = 48;
const LOW_WATER = 16;

const SIGNAL_NAMES = new Map<number, string>(Object.entries(osConstants.signals).map(([name, n]) => [n, name]));

/** One script started through the helper, until its exit is reported. */
interface Job {
  pid: number | null;
  killRequested: boolean;
  exited: boolean;
  /** What the child said when it could not exec (its exit follows). */
  startError: string | null;
  started(pid: number): void;
  failed(message: string): void;
  exit(code: number, signal: number): void;
  /** The helper is gone: the exit status will never be known (the script may still run). */
  orphan(): void;
}

/** Why the helper could not start on this system, once it failed to (then `"auto"` spawns). */
let brokenReason: string | null = null;

/**
 * Whether scripts can be started with the helper on this system: Linux, Perl found, and no
 * earlier helper failed to start (a temporary directory it cannot create, for instance).
 */
export function helperAvailable(): boolean {
  return process.platform === "linux" && brokenReason === null && findPerl() !== null;
}

let perlPath: string | null | undefined;

function findPerl(): string | null {
  if (perlPath === undefined) perlPath = PERL_PATHS.find((p) => existsSync(p)) ?? null;
  return perlPath;
}

/** Shell-free field encoding of the `r` request: `LENGTH\n` then the UTF-8 bytes. */
function fields(values: string[]): Buffer[] {
  const out: Buffer[] = [];
  for (const v of values) {
    const bytes = Buffer.from(v, "utf8");
    out.push(Buffer.from(`${bytes.length}\n`, "latin1"), bytes);
  }
  return out;
}

/** The helper of one user (the server's, or `nobody` when the server runs as root). */
class ScriptHelper {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly dir: string;
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;
  private nextFifo = 1;
  private readonly fifos: string[] = [];
  private making: Promise<void> | null = null;
  private batchDone: ((err: Error | null) => void) | null = null;
  private ready: Promise<void>;
  private lineBuffer = "";
  private stderrTail = "";
  dead = false;

  constructor(perl: string, uid: number | undefined, gid: number | undefined) {
    this.dir = join(tmpdir(), `stdhttp-cgi-${process.pid}-${randomBytes(6).toString("hex")}`);
    this.child = spawn(perl, ["-e", HELPER_SOURCE, this.dir], { stdio: ["pipe", "pipe", "pipe"], env: {}, uid, gid, windowsHide: true });
    let readyResolve!: () => void;
    let readyReject!: (err: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      readyResolve = resolve;
      readyReject = reject;
    });
    this.ready.catch(() => undefined);
    let isReady = false;
    this.child.stdout.setEncoding("latin1");
    this.child.stdout.on("data", (text: string) => {
      this.lineBuffer += text;
      let nl: number;
      while ((nl = this.lineBuffer.indexOf("\n")) >= 0) {
        const line = this.lineBuffer.slice(0, nl);
        this.lineBuffer = this.lineBuffer.slice(nl + 1);
        if (line === "ready") {
          isReady = true;
          readyResolve();
        } else this.onLine(line);
      }
    });
    this.child.stderr.setEncoding("utf8").on("data", (s: string) => (this.stderrTail = (this.stderrTail + s).slice(-2000)));
    const die = (why: string): void => {
      if (this.dead) return;
      this.dead = true;
      const err = new Error(`CGI helper ${why}${this.stderrTail.trim() === "" ? "" : `: ${this.stderrTail.trim()}`}`);
      if (!isReady) readyReject(err);
      this.batchDone?.(err);
      // Scripts already started go on (and can still be killed); only their exit status is unknown.
      for (const job of this.jobs.values()) {
        if (job.pid === null) job.failed(err.message);
        else job.orphan();
      }
      if (!isReady) brokenReason = err.message;
      this.jobs.clear();
      this.removeDir();
    };
    this.child.once("error", (err) => die(`could not start (${err.message})`));
    this.child.once("exit", (code, signal) => die(`exited (${signal ?? code})`));
    this.child.stdin.on("error", () => undefined);
    // The helper never keeps the server alive; the scripts' own pipes do while they run.
    this.child.unref();
    (this.child.stdin as unknown as Socket).unref?.();
    (this.child.stdout as unknown as Socket).unref?.();
    (this.child.stderr as unknown as Socket).unref?.();
  }

  private onLine(line: string): void {
    const [kind, a, b, c] = line.split(" ");
    if (kind === "f") {
      const done = this.batchDone;
      this.batchDone = null;
      done?.(a === "ok" ? null : new Error(`CGI helper could not make its FIFOs: ${line.slice(6)}`));
      return;
    }
    const job = this.jobs.get(Number(a));
    if (job === undefined) return;
    const message = (): string => line.split(" ").slice(2).join(" ");
    if (kind === "s") job.started(Number(b));
    else if (kind === "n") {
      this.jobs.delete(Number(a));
      job.failed(message());
    } else if (kind === "e") job.startError = message();
    else if (kind === "x") {
      this.jobs.delete(Number(a));
      if (job.startError !== null) job.failed(job.startError);
      else job.exit(Number(b), Number(c));
    }
  }

  /** Make the next batch of FIFOs (one at a time). */
  private refill(): Promise<void> {
    if (this.making !== null) return this.making;
    const names = Array.from({ length: BATCH }, () => `p${this.nextFifo++}`);
    this.making = this.ready
      .then(
        () =>
          new Promise<void>((resolve, reject) => {
            if (this.dead) return reject(new Error("CGI helper exited"));
            this.batchDone = (err) => (err === null ? resolve() : reject(err));
            this.child.stdin.write(`f ${names.join(" ")}\n`);
          }),
      )
      .then(() => {
        this.fifos.push(...names);
      })
      .finally(() => {
        this.making = null;
      });
    return this.making;
  }

  private async takeFifos(n: number): Promise<string[]> {
    while (this.fifos.length < n) await this.refill();
    const taken = this.fifos.splice(0, n);
    if (this.fifos.length < LOW_WATER) this.refill().catch(() => undefined);
    return taken;
  }

  /** Start `req` (its uid/gid are this helper's). */
  start(req: SpawnRequest, hasInput: boolean): RunningScript {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let resolveExit!: (status: number | string) => void;
    let rejectExit!: (err: Error) => void;
    const exited = new Promise<number | string>((resolve, reject) => {
      resolveExit = resolve;
      rejectExit = reject;
    });
    exited.catch(() => undefined);
    const sockets: Socket[] = [];
    let outputsOpen = 2;
    let exitStatus: number | string | null = null;
    const settle = (): void => {
      if (exitStatus !== null && outputsOpen === 0) {
        job.exited = true;
        if (job.pid !== null) groupEnded(job.pid);
        limit.clear();
        resolveExit(exitStatus);
      }
    };
    let markStarted!: () => void;
    let markFailed!: () => void;
    const startedOnce = new Promise<void>((resolve, reject) => {
      markStarted = resolve;
      markFailed = reject;
    });
    startedOnce.catch(() => undefined);
    const job: Job = {
      pid: null,
      killRequested: false,
      exited: false,
      startError: null,
      started(pid) {
        job.pid = pid;
        groupStarted(pid);
        markStarted();
        if (job.killRequested) killGroup(pid);
      },
      failed(message) {
        job.exited = true;
        if (job.pid !== null) groupEnded(job.pid);
        markFailed();
        for (const s of sockets) s.destroy();
        stdin.destroy();
        stdout.end();
        stderr.end();
        limit.clear();
        rejectExit(new Error(message));
      },
      exit(code, signal) {
        job.exited = true;
        markFailed();
        if (job.pid !== null) groupEnded(job.pid);
        // A script that ends without reading its input: the rest of the body goes nowhere.
        if (fifoIn !== null) fifoIn.destroy();
        exitStatus = signal !== 0 ? (SIGNAL_NAMES.get(signal) ?? `signal ${signal}`) : code;
        settle();
      },
      orphan() {
        markFailed();
        exitStatus = "unknown (the CGI helper exited)";
        settle();
      },
    };
    let fifoIn: Socket | null = null;
    const kill = (): void => {
      if (job.exited) return;
      if (job.pid === null) job.killRequested = true;
      else killGroup(job.pid);
    };
    const limit = new TimeLimit(req.timeout, kill);
    const id = this.nextId++;
    const begin = async (): Promise<void> => {
      const names = await this.takeFifos(hasInput ? 3 : 2);
      if (this.dead) throw new Error("CGI helper exited");
      const [out, err, input] = names;
      const readEnd = (name: string, into: PassThrough): void => {
        // Non-blocking read ends open at once; epoll reports nothing until the script has opened
        // its end, so no early EOF.
        const fd = openSync(join(this.dir, name), fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
        const socket = new Socket({ fd, readable: true, writable: false });
        sockets.push(socket);
        socket.on("error", (e) => into.destroy(e));
        socket.once("close", () => {
          outputsOpen--;
          settle();
        });
        socket.pipe(into);
      };
      readEnd(out, stdout);
      readEnd(err, stderr);
      if (input !== undefined) {
        // Read-write: the helper's read open does not wait for a writer. The body waits in the
        // FIFO until the script reads it; the end of input is our close.
        const fd = openSync(join(this.dir, input), fsConstants.O_RDWR | fsConstants.O_NONBLOCK);
        fifoIn = new Socket({ fd, readable: false, writable: true });
        fifoIn.on("error", () => undefined);
        // The script is gone (or will not read): what is still to be written goes nowhere.
        fifoIn.once("close", () => stdin.destroy());
        sockets.push(fifoIn);
        // Its end waits for the script's start: closed before the helper opened the FIFO, the
        // FIFO would be dropped with the body in it.
        const inputSocket = fifoIn;
        stdin.pipe(inputSocket, { end: false });
        stdin.once("end", () => void startedOnce.then(() => inputSocket.end(), () => inputSocket.destroy()));
      } else stdin.resume();
      this.jobs.set(id, job);
      const values = [req.cwd, input ?? "", out, err, req.command, String(req.args.length), ...req.args];
      for (const [k, v] of Object.entries(req.env)) values.push(k, v);
      this.child.stdin.write(Buffer.concat([Buffer.from(`r ${id} ${values.length}\n`, "latin1"), ...fields(values)]));
    };
    begin().catch((err: Error) => job.failed(err.message));
    return {
      stdin,
      stdout,
      stderr,
      exited,
      get timedOut() {
        return limit.timedOut;
      },
      kill,
    };
  }

  /** Stop the helper (scripts already running go on) and remove its directory. */
  close(): void {
    this.child.stdin.end();
    this.removeDir();
  }

  removeDir(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const helpers = new Map<string, ScriptHelper>();
let exitHook = false;

/**
 * Start `req` through the helper of its user (started on first use, again after it died).
 * `hasInput`: whether a request body will be written to stdin (else stdin is /dev/null).
 */
export function startWithHelper(req: SpawnRequest, hasInput: boolean): RunningScript {
  const perl = findPerl();
  if (perl === null) throw new Error("perl not found");
  if (!exitHook) {
    exitHook = true;
    // Their scripts are killed by script-groups.ts's own hook.
    process.on("exit", () => {
      for (const h of helpers.values()) h.close();
    });
  }
  const key = `${req.uid ?? ""}:${req.gid ?? ""}`;
  let helper = helpers.get(key);
  if (helper === undefined || helper.dead) {
    helper = new ScriptHelper(perl, req.uid, req.gid);
    helpers.set(key, helper);
  }
  return helper.start(req, hasInput);
}

