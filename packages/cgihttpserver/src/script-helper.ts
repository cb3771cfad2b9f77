/**
 * Starting CGI scripts through a small helper process instead of forking the server: `fork()`
 * copies the page tables of the whole Node process and blocks its event loop until the child has
 * exec'd (~6 ms per script for a 55 MB server, measured by bench's `spawn-cost`), while the helper
 * is a few MB and starts scripts in the background: with `os.posix_spawn` when Python 3.8+ is
 * installed (`helper-source-python.ts`: vfork-style, nothing copied), else by forking a Perl
 * (`helper-source.ts`). Both speak the same line protocol. The script's stdin, stdout and stderr
 * are FIFOs in a private directory, made ahead in batches by the helper; the server opens its
 * ends first (so nothing blocks), then asks the helper to start the script. Linux only (a FIFO
 * opened read-write never blocks there); `spawn-script.ts` is the fallback.
 * @module
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { constants as fsConstants, openSync, readFileSync, rmSync, statfsSync, statSync } from "node:fs";
import { Socket } from "node:net";
import { constants as osConstants, tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { PassThrough, type Writable } from "node:stream";
import { helperProgram, markBroken, type HelperProgram } from "./helper-program.js";
import { groupEnded, groupStarted, killTree, TimeLimit } from "./script-groups.js";
import type { RunningScript, SpawnRequest } from "./spawn-script.js";
import { FifoOutputs } from "./script-output.js";

/** How long a script whose outputs are closed may go without an exit report between two checks of its pid. */
const EXIT_REPORT_GRACE_MS = 1000;

/** Whether process `pid` exists and is not a zombie (Linux `/proc`). */
function processRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat.charAt(stat.lastIndexOf(")") + 2) !== "Z";
  } catch {
    return false;
  }
}

/** `statfs` type of tmpfs (Linux `TMPFS_MAGIC`). */
const TMPFS_MAGIC = 0x01021994;

/** Whether `dir` is on tmpfs; with `shared`, also a sticky world-writable directory (as `/tmp`). */
function onTmpfs(dir: string, shared: boolean): boolean {
  try {
    if (statfsSync(dir).type !== TMPFS_MAGIC) return false;
    return !shared || (statSync(dir).mode & 0o1777) === 0o1777;
  } catch {
    return false;
  }
}

let fifoParentDir: string | undefined;

/**
 * Where the helpers' FIFO directories go: `os.tmpdir()` when `TMPDIR` is set or it is in memory
 * (tmpfs), else `/dev/shm` when that is a tmpfs shared as `/tmp` is (sticky, world-writable: a
 * helper running as `nobody` makes its directory there too), else `os.tmpdir()`. Two FIFOs are
 * made per script: on a disk file system each is a journalled inode (`mkfifo` took 84 us on the
 * benchmark VM's ext4 `/tmp`, 1.9 us on tmpfs), which cost the helper more than starting the script.
 * @internal
 */
export function fifoParent(): string {
  if (fifoParentDir === undefined) {
    const tmp = tmpdir();
    const chosen = (process.env.TMPDIR ?? "") !== "" || onTmpfs(tmp, false);
    fifoParentDir = !chosen && onTmpfs("/dev/shm", true) ? "/dev/shm" : tmp;
  }
  return fifoParentDir;
}

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

/**
 * No helper could start a script: none is installed, or it could not start (a temporary directory
 * it cannot create, for instance) or exited. With `cgiLauncher: "auto"` the script is spawned
 * instead.
 */
export class CgiHelperUnavailable extends Error {
  override name = "CgiHelperUnavailable";
  /** Stable code: `ERR_CGI_HELPER_UNAVAILABLE`. */
  readonly code = "ERR_CGI_HELPER_UNAVAILABLE";
}

/**
 * The `r` request for job `id`: the line with the number of fields and the byte length of their
 * block, then the fields joined by NUL bytes (no quoting, nothing a shell would read; the helper
 * splits the block with one call, where reading a length per field cost the Python helper ~40 us
 * per script). One string, written once (UTF-8, as the length counts). No field may hold a NUL:
 * the handler refuses such requests (400), and a NUL that got here anyway would split a field, so
 * the helper, counting the fields, answers `n` (not started) and nothing runs.
 * @internal
 */
export function startRequest(id: number, values: readonly string[]): string {
  const block = values.join("\0");
  return `r ${id} ${values.length} ${Buffer.byteLength(block, "utf8")}\n${block}`;
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

  constructor(
    readonly program: HelperProgram,
    uid: number | undefined,
    gid: number | undefined,
  ) {
    this.dir = join(fifoParent(), `stdhttp-cgi-${process.pid}-${randomBytes(6).toString("hex")}`);
    this.child = spawn(program.path, program.args(this.dir), { stdio: ["pipe", "pipe", "pipe"], env: {}, uid, gid, windowsHide: true });
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
      if (!isReady) markBroken(program.kind, err.message);
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

  /**
   * Start `req` (its uid/gid are this helper's): resolves once the script's pipes are open and
   * the helper has been asked to start it. Rejects with {@link CgiHelperUnavailable} when the
   * helper could not start or exited before that.
   */
  async start(req: SpawnRequest, hasInput: boolean): Promise<RunningScript> {
    let names: string[];
    try {
      names = await this.takeFifos(hasInput ? 3 : 2);
    } catch (err) {
      throw new CgiHelperUnavailable((err as Error).message);
    }
    if (this.dead) throw new CgiHelperUnavailable("CGI helper exited");
    const [out, err, input] = names;

    let resolveExit!: (status: number | string) => void;
    let rejectExit!: (err: Error) => void;
    const exited = new Promise<number | string>((resolve, reject) => {
      resolveExit = resolve;
      rejectExit = reject;
    });
    exited.catch(() => undefined);
    let outputsOpen = 2;
    let exitStatus: number | string | null = null;
    let exitWatch: ReturnType<typeof setTimeout> | null = null;
    let goneChecks = 0;
    // Set once the helper said whether the script started (its input may end only after that).
    let startKnown: (() => void) | null = null;
    let startFailed: (() => void) | null = null;
    const finish = (): void => {
      job.exited = true;
      // What the script left running in its group stays under the time limit.
      const pid = job.pid;
      if (pid !== null) limit.afterExit(pid, () => groupEnded(pid));
      else limit.clear();
      if (exitWatch !== null) clearTimeout(exitWatch);
    };
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      if (exitStatus !== null && outputsOpen === 0) {
        settled = true;
        finish();
        resolveExit(exitStatus);
      } else if (exitStatus === null && outputsOpen === 0 && exitWatch === null && !job.exited) {
        // The outputs are closed and the exit report normally follows within milliseconds. Should
        // it never come (a helper bug), the request must not wait forever: once the script is
        // gone (or an unreaped zombie) for two checks in a row, its status is given up on.
        exitWatch = setTimeout(watchExit, EXIT_REPORT_GRACE_MS);
        exitWatch.unref();
      }
    };
    const watchExit = (): void => {
      exitWatch = null;
      if (exitStatus !== null || job.exited) return;
      if (job.pid !== null && processRunning(job.pid)) goneChecks = 0;
      else if (++goneChecks >= 2) {
        exitStatus = "unknown (the CGI helper reported no exit)";
        startFailed?.();
        settle();
        return;
      }
      exitWatch = setTimeout(watchExit, EXIT_REPORT_GRACE_MS);
      exitWatch.unref();
    };

    // Non-blocking read ends open at once; epoll reports nothing until the script has opened its
    // end, so no early EOF (a read would: the outputs are polled only once the script started).
    // They are read when the script has exited, polled while it runs, and read through sockets
    // when it runs long (FifoOutputs).
    const outputClosed = (): void => {
      outputsOpen--;
      settle();
    };
    const flags = fsConstants.O_RDONLY | fsConstants.O_NONBLOCK;
    const outputs = new FifoOutputs(openSync(join(this.dir, out), flags), openSync(join(this.dir, err), flags), outputClosed);
    const { stdout, stderr } = outputs;
    let fifoIn: Socket | null = null;
    let stdin: Writable | null = null;
    if (input !== undefined) {
      // Read-write: the helper's read open does not wait for a writer. The body waits in the
      // FIFO until the script reads it; the end of input is our close.
      const fd = openSync(join(this.dir, input), fsConstants.O_RDWR | fsConstants.O_NONBLOCK);
      const inputSocket = new Socket({ fd, readable: false, writable: true });
      fifoIn = inputSocket;
      inputSocket.on("error", () => undefined);
      const pass = new PassThrough();
      // The script is gone (or will not read): what is still to be written goes nowhere.
      inputSocket.once("close", () => pass.destroy());
      pass.pipe(inputSocket, { end: false });
      // Our end waits for the script's start: closed before the helper opened the FIFO, the FIFO
      // would be dropped with the body in it.
      const started = new Promise<void>((resolve, reject) => {
        startKnown = resolve;
        startFailed = reject;
      });
      started.catch(() => undefined);
      pass.once("end", () => void started.then(() => inputSocket.end(), () => inputSocket.destroy()));
      stdin = pass;
    }

    const job: Job = {
      pid: null,
      killRequested: false,
      exited: false,
      startError: null,
      started(pid) {
        job.pid = pid;
        if (!job.exited) outputs.started();
        groupStarted(pid);
        startKnown?.();
        if (job.killRequested) killTree(pid);
      },
      failed(message) {
        if (exitStatus !== null) return;
        finish();
        startFailed?.();
        // Nobody ever opened their write ends: they end here (the reader sees no output).
        outputs.end();
        fifoIn?.destroy();
        rejectExit(new Error(message));
      },
      exit(code, signal) {
        if (exitStatus !== null) return; // given up on already (see watchExit)
        job.exited = true;
        startFailed?.();
        // A script that ends without reading its input: the rest of the body goes nowhere.
        fifoIn?.destroy();
        exitStatus = signal !== 0 ? (SIGNAL_NAMES.get(signal) ?? `signal ${signal}`) : code;
        // What the script wrote is in its FIFOs now: read at once, unless something holds them open.
        outputs.collect();
        settle();
      },
      orphan() {
        if (exitStatus !== null) return;
        startFailed?.();
        exitStatus = "unknown (the CGI helper exited)";
        // No exit report will come: the outputs end when the script (and what it started) closes them.
        outputs.stream();
        settle();
      },
    };
    const kill = (): void => {
      if (job.exited) return;
      if (job.pid === null) job.killRequested = true;
      else killTree(job.pid);
    };
    const limit = new TimeLimit(req.timeout, kill, [stdout, stderr]);
    const id = this.nextId++;
    this.jobs.set(id, job);
    const values = [req.cwd, input ?? "", out, err, req.command, String(req.args.length), ...req.args];
    for (const [k, v] of Object.entries(req.env)) values.push(k, v);
    this.child.stdin.write(startRequest(id, values), "utf8");
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

  /** Stop the helper (it kills the process groups of the scripts still running) and remove its directory. */
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
export function startWithHelper(req: SpawnRequest, hasInput: boolean): Promise<RunningScript> {
  const program = helperProgram();
  if (program === null) return Promise.reject(new CgiHelperUnavailable("no helper program (Python 3.8+ or Perl) on this system"));
  if (!exitHook) {
    exitHook = true;
    // Their scripts are killed by script-groups.ts's own hook.
    process.on("exit", () => {
      for (const h of helpers.values()) h.close();
    });
  }
  const key = `${req.uid ?? ""}:${req.gid ?? ""}`;
  let helper = helpers.get(key);
  if (helper === undefined || helper.dead || helper.program !== program) {
    helper?.close();
    helper = new ScriptHelper(program, req.uid, req.gid);
    helpers.set(key, helper);
  }
  return helper.start(req, hasInput);
}

