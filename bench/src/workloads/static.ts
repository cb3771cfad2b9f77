/**
 * Workload `static` (@stdhttp/simplehttpserver): static files over HTTP/1.1 keep-alive. Every
 * contender serves the same temporary directory, made once per run of bench (`small.bin`, 1 KiB;
 * `big.bin`, 1 MiB; removed when bench exits), each in its own process:
 *
 * - ours: `SimpleHTTPRequestHandler.withOptions({ directory })` on `ThreadingHTTPServer`
 *   (`src/procs/stdhttp-static.ts`);
 * - sirv 3 in production mode (`sirv(dir, { dev: false, etag: true })` on `node:http`);
 * - http-server 14 (its library, as its CLI `http-server -s -c3600` builds it);
 * - CPython's `python3 -m http.server --protocol HTTP/1.1` (3.13 from pyenv when present, else any
 *   python3 >= 3.11), run as a user runs it (request log on stderr);
 * - nginx when installed (one process, `sendfile on`, `tcp_nopush on`, no access log; the
 *   configuration of `client-nginx.ts`, rooted in the same directory).
 *
 * Cases: `static-1k` and `static-1m` drive each server with wrk (or autocannon) after checking its
 * answers byte for byte; `static-1g-rss` reads the peak RSS (`VmHWM`) of each Node server after
 * 50 clients (`--connections` changes it) each downloaded a 1 GiB file completely.
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { Agent, request } from "node:http";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { Child, childOptions, type ChildOptions } from "../child.js";
import { runAutocannon } from "../drivers/autocannon.js";
import type { HttpLoadSpec } from "../drivers/types.js";
import { runWrk } from "../drivers/wrk.js";
import { BIG_BODY } from "../fixtures.js";
import type { DrainLoadConfig } from "../procs/drain-load.js";
import type { StaticServerConfig } from "../procs/static-server.js";
import type { BenchCase, Contender, Measurement, RateUnit, RunOptions, Workload } from "../types.js";
import { findNginx, nginxConfig, nginxVersion } from "./client-nginx.js";
import { ask } from "./idle-conns.js";
import { canConnect, freePort } from "../ports.js";

/** The files every contender serves: name and exact bytes. */
export const SMALL_FILE = "small.bin";
export const BIG_FILE = "big.bin";
export const HUGE_FILE = "huge.bin";

/** 1 KiB of `(7 i + 3) % 251`: not a prefix of `big.bin`, so the two cannot be mixed up unnoticed. */
export const SMALL_BYTES: Buffer = (() => {
  const buf = Buffer.allocUnsafe(1024);
  for (let i = 0; i < buf.length; i++) buf[i] = (7 * i + 3) % 251;
  return buf;
})();
/** 1 MiB of `i % 251` (the `client` workload's body). */
export const BIG_BYTES: Buffer = BIG_BODY;
/** Size of `huge.bin`: 1 GiB. */
export const HUGE_SIZE = 2 ** 30;

/** Concurrent downloads of `huge.bin` in `static-1g-rss` (`--connections` overrides). */
export const RSS_CLIENTS = 50;
/**
 * A server whose RSS passes this many bytes during `static-1g-rss` is killed (its row then says so):
 * a server that buffers whole files would otherwise take 50 GiB of the shared machine.
 */
export const RSS_ABORT_BYTES = 2e9;
/** The brief's absolute target for ours in `static-1g-rss`: peak RSS below this many MB (10^6 bytes). */
export const RSS_TARGET_MB = 150;

/**
 * `RateUnit` has no memory unit and `types.ts` is shared (the same device as `idle-conns`): the
 * table prints any unit string as it is. Higher is better, as for every rate: concurrent 1 GiB
 * downloads per GB of the server's peak RSS, so `us / peer` is the peer's peak RSS over ours.
 */
const RSS_UNIT = "clients/GB" as unknown as RateUnit;

// ---------------------------------------------------------------------------------------------
// The served directory

let servedDir: string | null = null;

/** The directory every contender serves (`small.bin`, `big.bin`), made on first use and removed when bench exits. */
export function staticDir(): string {
  if (servedDir !== null) return servedDir;
  const dir = mkdtempSync(join(tmpdir(), "bench-static-"));
  writeFileSync(join(dir, SMALL_FILE), SMALL_BYTES);
  writeFileSync(join(dir, BIG_FILE), BIG_BYTES);
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  servedDir = dir;
  return dir;
}

/** Where the 1 GiB file is kept between runs (written once; 1 GiB of disk under the temp directory). */
export function hugeCachePath(): string {
  return join(tmpdir(), "stdhttp-bench-huge-1GiB.bin");
}

/**
 * The 1 GiB file: reused when present with the right size, else written once (1 MiB of `i % 251`
 * repeated). A real file rather than a sparse one: reading holes takes other paths in the kernel
 * (no disk blocks, zero pages) than the files a static server meets.
 */
export async function ensureHugeFile(): Promise<string> {
  const path = hugeCachePath();
  if (existsSync(path) && statSync(path).size === HUGE_SIZE) return path;
  const part = `${path}.${process.pid}.part`;
  const fh = await open(part, "w");
  try {
    for (let off = 0; off < HUGE_SIZE; off += BIG_BYTES.length) await fh.write(BIG_BYTES, 0, BIG_BYTES.length, off);
  } finally {
    await fh.close();
  }
  renameSync(part, path);
  return path;
}

/** Put `huge.bin` into the served directory (a hard link to the cached file; a symlink across file systems). Returns its path. */
export async function linkHugeFile(dir: string): Promise<string> {
  const source = await ensureHugeFile();
  const target = join(dir, HUGE_FILE);
  rmSync(target, { force: true });
  try {
    linkSync(source, target);
  } catch {
    symlinkSync(source, target);
  }
  return target;
}

// ---------------------------------------------------------------------------------------------
// The check before timing

interface BinaryAnswer {
  status: number;
  body: Buffer;
  reusedSocket: boolean;
}

function getBytes(url: string, agent: Agent): Promise<BinaryAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), reusedSocket: req.reusedSocket }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${url}: no answer within 5 s`)));
    req.end();
  });
}

function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

function expectBytes(path: string, answer: BinaryAnswer, expected: Buffer): void {
  if (answer.status !== 200) throw new Error(`check failed: GET ${path} answered ${answer.status}`);
  if (answer.body.length !== expected.length) {
    throw new Error(`check failed: GET ${path} answered ${answer.body.length} bytes, expected ${expected.length}`);
  }
  if (!answer.body.equals(expected)) {
    throw new Error(`check failed: GET ${path} answered the right length but other bytes (first difference at byte ${firstDifference(answer.body, expected)})`);
  }
}

/**
 * The check every contender passes before it is timed: `GET /small.bin` twice on one keep-alive
 * connection, both `200` with exactly `small.bin`'s bytes, then `GET /big.bin`: `200`, 1 MiB,
 * exactly `big.bin`'s bytes. Throws `check failed: ...` otherwise.
 *
 * @example
 * await checkStaticServer(`http://127.0.0.1:${port}`);
 */
export async function checkStaticServer(base: string): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const small = `/${SMALL_FILE}`;
    const first = await getBytes(base + small, agent);
    expectBytes(small, first, SMALL_BYTES);
    const second = await getBytes(base + small, agent);
    expectBytes(small, second, SMALL_BYTES);
    if (!second.reusedSocket) throw new Error("check failed: the server closed the keep-alive connection");
    const big = `/${BIG_FILE}`;
    expectBytes(big, await getBytes(base + big, agent), BIG_BYTES);
  } finally {
    agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// The servers

type NodeKind = StaticServerConfig["kind"];
type ServerKind = NodeKind | "cpython" | "nginx";

/** A running contender: its port and how to stop it. `pid` is the serving process. */
interface RunningServer {
  port: number;
  pid: number;
  child: Child;
  stop(): Promise<void>;
}

/** The Python the brief names: pyenv's 3.13.0 when present, else `python3` when it is 3.11 or newer (`--protocol` came in 3.11). */
export function findPython(): string {
  const pyenv = join(homedir(), ".pyenv", "versions", "3.13.0", "bin", "python3");
  if (existsSync(pyenv)) return pyenv;
  const r = spawnSync("python3", ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], { encoding: "utf8" });
  if (r.error || r.status !== 0) throw new Error(`python3 not found (${r.error?.message ?? r.stderr.trim()})`);
  const [major, minor] = r.stdout.trim().split(".").map(Number);
  if (major < 3 || (major === 3 && minor < 11)) throw new Error(`python3 is ${r.stdout.trim()}; http.server --protocol needs 3.11 or newer`);
  return "python3";
}

/** nginx with `client-nginx.ts`'s configuration in a temporary prefix whose `www` is a symlink to `dir`. */
async function startNginx(dir: string, options: ChildOptions): Promise<RunningServer> {
  const binary = findNginx();
  if (binary === null) throw new Error("nginx not installed (looked at $NGINX, PATH, /usr/sbin, /usr/local/sbin; apt-get install nginx-light)");
  if (nginxVersion(binary) === null) throw new Error(`${binary} -v fails`);
  const prefix = mkdtempSync(join(tmpdir(), "bench-static-nginx-"));
  const cleanup = (): void => rmSync(prefix, { recursive: true, force: true });
  let child: Child | null = null;
  try {
    mkdirSync(join(prefix, "tmp"));
    symlinkSync(dir, join(prefix, "www"));
    const port = await freePort();
    const conf = join(prefix, "nginx.conf");
    writeFileSync(conf, nginxConfig(prefix, port, { purpose: "static workload" }));
    const started = Child.spawn(binary, ["-p", prefix, "-c", conf, "-e", join(prefix, "error.log")], "nginx", options);
    child = started;
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
      const { exitCode, signalCode } = started.proc;
      if (exitCode !== null || signalCode !== null) throw new Error(`nginx exited (${String(exitCode ?? signalCode)}) before listening: ${started.stderr}`);
      if (Date.now() > deadline) throw new Error(`nginx did not accept connections on 127.0.0.1:${port} within 10 s: ${started.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return {
      port,
      pid: started.proc.pid!,
      child: started,
      async stop() {
        await started.stop();
        cleanup();
      },
    };
  } catch (err) {
    await child?.stop();
    cleanup();
    throw err;
  }
}

async function startServer(kind: ServerKind, dir: string, options: RunOptions): Promise<RunningServer> {
  const childOpts = childOptions(options, "server");
  if (kind === "nginx") return startNginx(dir, childOpts);
  let child: Child;
  if (kind === "cpython") {
    // `-u`: the "Serving HTTP on ... port N" line reaches the pipe at once; the server itself is stock.
    const args = ["-u", "-m", "http.server", "--protocol", "HTTP/1.1", "-b", "127.0.0.1", "-d", dir, "0"];
    child = Child.spawn(findPython(), args, "python3 -m http.server", childOpts);
  } else {
    child = Child.fork("static-server", [JSON.stringify({ kind, directory: dir } satisfies StaticServerConfig)], childOpts);
  }
  let port: number;
  if (kind === "cpython") {
    try {
      port = Number((await child.waitLine(/ port (\d+) /))[1]);
    } catch (err) {
      await child.stop();
      throw err;
    }
  } else {
    port = await child.announcedPort();
  }
  return { port, pid: child.proc.pid!, child, stop: () => child.stop() };
}

// ---------------------------------------------------------------------------------------------
// Measuring

let clockTicks: number | null = null;

/** CPU time (user + system) process `pid` used so far, in microseconds (`/proc/<pid>/stat`). */
export function processCpuUs(pid: number): number {
  clockTicks ??= Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 of stat(5) (utime, stime) are the 12th and 13th after the command name.
  return ((Number(fields[11]) + Number(fields[12])) / clockTicks) * 1e6;
}

/** `VmHWM` (peak resident set size) of a `/proc/<pid>/status` text, in bytes. */
export function parseVmHwm(status: string): number {
  const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  if (!m) throw new Error("no VmHWM line in /proc/<pid>/status");
  return Number(m[1]) * 1024;
}

/** `VmRSS` of process `pid` in bytes; `NaN` once it is gone. */
export function vmRss(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Bytes as `N.N MB` (10^6). */
export function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Check, warm up, then time `GET path` with the HTTP driver; the server's CPU per request is sampled over the timed run. */
async function runHttp(kind: ServerKind, path: string, bodyBytes: number, connections: number, options: RunOptions): Promise<Measurement> {
  const server = await startServer(kind, staticDir(), options);
  try {
    await checkStaticServer(`http://127.0.0.1:${server.port}`);
    const run = options.driver === "wrk" ? runWrk : runAutocannon;
    const spec: HttpLoadSpec = {
      url: `http://127.0.0.1:${server.port}${path}`,
      connections: options.connections ?? connections,
      pipelining: 1,
      duration: options.duration,
      cpu: childOptions(options, "load").cpu ?? null,
    };
    if (options.warmup > 0) await run({ ...spec, duration: options.warmup });
    const cpu0 = processCpuUs(server.pid);
    const m = await run(spec);
    const cpuUs = processCpuUs(server.pid) - cpu0;
    return { ...m, bytesPerSec: m.opsPerSec * bodyBytes, serverCpuUsPerOp: m.ops > 0 ? cpuUs / m.ops : undefined };
  } finally {
    await server.stop();
  }
}

interface DrainResult {
  seconds: number;
  bytes: number;
  completed: number;
  failures: number;
  firstError: string | null;
  cpuUs: number;
}

/** `static-1g-rss` for one Node server: `clients` complete downloads of `huge.bin` at once, then the server's `VmHWM`. */
async function runRss(kind: NodeKind, options: RunOptions): Promise<Measurement> {
  const clients = options.connections ?? RSS_CLIENTS;
  const dir = staticDir();
  // Linked before the server starts: sirv's production mode lists the directory once, at start-up.
  const huge = await linkHugeFile(dir);
  let server: RunningServer | null = null;
  let load: Child | null = null;
  try {
    server = await startServer(kind, dir, options);
    await checkStaticServer(`http://127.0.0.1:${server.port}`);
    const rssBefore = vmRss(server.pid);
    const config: DrainLoadConfig = { port: server.port, path: `/${HUGE_FILE}`, clients, expectedLength: HUGE_SIZE, idleTimeoutSeconds: 60 };
    load = Child.fork("drain-load", [JSON.stringify(config)], childOptions(options, "load"));
    await load.waitMessage("ready");
    const cpu0 = processCpuUs(server.pid);
    const pid = server.pid;
    let aborted: string | null = null;
    const watchdog = setInterval(() => {
      const rss = vmRss(pid);
      if (aborted === null && rss > RSS_ABORT_BYTES) {
        aborted = `the server's RSS passed ${mb(RSS_ABORT_BYTES)} (${mb(rss)}): killed`;
        process.kill(pid, "SIGKILL");
      }
    }, 100);
    let r: DrainResult;
    let serverCpuUs: number;
    let peak: number;
    try {
      r = (await ask(load, { type: "start" }, "result", 1_800_000)) as unknown as DrainResult;
      if (aborted !== null) throw new Error(aborted);
      serverCpuUs = processCpuUs(pid) - cpu0;
      peak = parseVmHwm(readFileSync(`/proc/${pid}/status`, "utf8"));
    } catch (err) {
      throw aborted === null ? err : new Error(aborted);
    } finally {
      clearInterval(watchdog);
    }
    if (r.failures > 0) throw new Error(`check failed: ${r.failures} of ${clients} downloads of /${HUGE_FILE} failed (${r.firstError ?? "?"})`);
    const notes = [
      `peak RSS ${mb(peak)} (VmHWM; ${mb(rssBefore)} before the downloads)`,
      `${clients} x 1 GiB in ${r.seconds.toFixed(1)} s (${Math.round(r.bytes / r.seconds / 1e6).toLocaleString("en-US")} MB/s)`,
      `CPU while downloading: server ${Math.round((serverCpuUs / 1e6 / r.seconds) * 100)}%, load ${Math.round((r.cpuUs / 1e6 / r.seconds) * 100)}% of a core`,
    ];
    if (kind === "stdhttp") notes.push(`target < ${RSS_TARGET_MB} MB: ${peak / 1e6 < RSS_TARGET_MB ? "ok" : "MISSED"}`);
    if (options.verbose) process.stderr.write(`# ${kind}: ${notes.join("; ")}\n`);
    return { opsPerSec: clients / (peak / 1e9), bytesPerSec: r.bytes / r.seconds, p99Ms: null, ops: r.completed, warnings: notes };
  } finally {
    await load?.stop();
    await server?.stop();
    try {
      unlinkSync(huge);
    } catch {
      // already gone
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Cases

const NAMES: Record<ServerKind, string> = {
  stdhttp: "@stdhttp SimpleHTTPRequestHandler",
  sirv: "sirv",
  "http-server": "http-server",
  cpython: "CPython http.server",
  nginx: "nginx",
};

function httpContenders(path: string, bodyBytes: number, connections: number): Contender[] {
  const kinds: ServerKind[] = ["stdhttp", "sirv", "http-server", "cpython", "nginx"];
  return kinds.map((kind) => ({ name: NAMES[kind], isUs: kind === "stdhttp", run: (o: RunOptions) => runHttp(kind, path, bodyBytes, connections, o) }));
}

function rssContenders(): Contender[] {
  const kinds: NodeKind[] = ["stdhttp", "sirv", "http-server"];
  return kinds.map((kind) => ({ name: NAMES[kind], isUs: kind === "stdhttp", run: (o: RunOptions) => runRss(kind, o) }));
}

const cases: BenchCase[] = [
  {
    id: "static-1k",
    description: `GET /${SMALL_FILE} (1 KiB file), keep-alive, 10 connections, 1 load thread`,
    unit: "req/s",
    contenders: httpContenders(`/${SMALL_FILE}`, SMALL_BYTES.length, 10),
    targets: { [NAMES.sirv]: 2 },
  },
  {
    id: "static-1m",
    description: `GET /${BIG_FILE} (1 MiB file), keep-alive, 10 connections, 1 load thread; MB/s of file bytes`,
    unit: "MB/s",
    contenders: httpContenders(`/${BIG_FILE}`, BIG_BYTES.length, 10),
    targets: { [NAMES.sirv]: 1.5 },
  },
  {
    id: "static-1g-rss",
    description: `peak RSS (VmHWM) of each Node server while ${RSS_CLIENTS} clients each download /${HUGE_FILE} (1 GiB) completely; rate: clients per GB of peak RSS`,
    unit: RSS_UNIT,
    contenders: rssContenders(),
    targets: {},
  },
];

/** The `static` workload. */
export const staticFiles: Workload = {
  name: "static",
  description: "static files: @stdhttp/simplehttpserver vs sirv, http-server, CPython http.server, nginx (wrk; peak RSS under 1 GiB downloads)",
  cases,
};
