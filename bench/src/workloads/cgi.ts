/**
 * Workload `cgi` (@stdhttp/cgihttpserver): a trivial shell CGI script over HTTP/1.1 keep-alive.
 * Every contender serves the same temporary directory, made once per run of bench (its
 * `cgi-bin/hello.sh`, mode 0755, prints `Content-Type: text/plain` and `hello\n`; removed when
 * bench exits), each in its own process:
 *
 * - ours: `CGIHTTPRequestHandler.withOptions({ directory })` (HTTP/1.1, quiet log) on the package's
 *   `ThreadingHTTPServer` (`src/procs/cgi-server.ts`, `src/procs/stdhttp-cgi.ts`);
 * - CPython's `python3 -m http.server --cgi` (3.13 from pyenv when present), run as a user runs it:
 *   its default protocol, HTTP/1.0, so every answer ends with a close and wrk reconnects. With
 *   `--protocol HTTP/1.1` CPython sends the script's output with neither a Content-Length nor
 *   chunked framing and keeps the connection open: no client can tell where the answer ends
 *   (a raw socket waited 3 s for more, curl for 20 s), so that mode cannot be measured at all;
 * - lighttpd's mod_cgi when installed (one process, a generated configuration, no access log).
 *
 * Case `cgi-shell` drives each server with wrk (10 connections) after checking its answer; case
 * `spawn-cost` times ways of starting `/bin/true` (`src/procs/spawn-cost.ts`), to inform how our
 * CGI should start scripts.
 * @module
 */
import { spawnSync } from "node:child_process";
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { Child, childOptions, type ChildOptions } from "../child.js";
import { runAutocannon } from "../drivers/autocannon.js";
import type { HttpLoadSpec } from "../drivers/types.js";
import { runWrk } from "../drivers/wrk.js";
import type { CgiServerConfig } from "../procs/cgi-server.js";
import type { SpawnCostConfig, SpawnCostResult, SpawnKind } from "../procs/spawn-cost.js";
import type { BenchCase, Contender, Measurement, RateUnit, RunOptions, Workload } from "../types.js";
import { findPython } from "./static.js";
import { canConnect, freePort } from "../ports.js";
import { processTree } from "../proc-tree.js";

/** The script every contender runs, its URL path and the body it must answer. */
export const CGI_PATH = "/cgi-bin/hello.sh";
export const CGI_SCRIPT = "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nhello\\n'\n";
/** A static file beside the scripts, asked for during the load (how responsive the server stays). */
export const STATIC_PATH = "/static.txt";
export const CGI_BODY = "hello\n";

/** Connections wrk keeps in `cgi-shell` (`--connections` overrides). */
export const CGI_CONNECTIONS = 10;

/**
 * Requests lighttpd serves on one keep-alive connection (default 1,000). It accepts larger numbers
 * but stores this one in 16 bits; at a few thousand requests per second over 10 connections, no
 * connection gets near it in a run.
 */
export const LIGHTTPD_KEEPALIVE_REQUESTS = 65535;

/** Shown like any rate; higher is better (`us / peer` is the peer's time per spawn over ours). */
const SPAWN_UNIT = "spawns/s" as unknown as RateUnit;

// ---------------------------------------------------------------------------------------------
// The served directory

let servedDir: string | null = null;

/**
 * The directory every contender serves (`cgi-bin/hello.sh`), made on first use and removed when
 * bench exits. It and `cgi-bin/` are 0755 (mkdtemp makes 0700): CPython's CGI, run as root,
 * switches to `nobody` before it executes the script, and nobody must reach it.
 */
export function cgiDir(): string {
  if (servedDir !== null) return servedDir;
  const dir = mkdtempSync(join(tmpdir(), "bench-cgi-"));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, "cgi-bin"), { mode: 0o755 });
  writeFileSync(join(dir, CGI_PATH), CGI_SCRIPT, { mode: 0o755 });
  writeFileSync(join(dir, STATIC_PATH), "static\n", { mode: 0o644 });
  chmodSync(join(dir, CGI_PATH), 0o755); // the umask may have removed bits
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  servedDir = dir;
  return dir;
}

// ---------------------------------------------------------------------------------------------
// The check before timing

/** How a server delimits its answers to the script, and whether it kept the connection. */
export interface CgiAnswerShape {
  framing: "chunked" | "Content-Length" | "close";
  keptAlive: boolean;
}

interface Answer {
  status: number;
  body: string;
  framing: CgiAnswerShape["framing"];
  reusedSocket: boolean;
}

function get(url: string, agent: Agent, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (s: string) => (body += s));
      res.on("end", () => {
        const te = res.headers["transfer-encoding"] ?? "";
        const framing = /chunked/i.test(te) ? "chunked" : res.headers["content-length"] !== undefined ? "Content-Length" : "close";
        resolve({ status: res.statusCode ?? 0, body, framing, reusedSocket: req.reusedSocket });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(timeoutMs, () =>
      req.destroy(
        new Error(
          `check failed: GET ${CGI_PATH}: no complete answer within ${timeoutMs} ms (an answer with neither Content-Length nor chunked framing on a connection kept open never ends)`,
        ),
      ),
    );
    req.end();
  });
}

/**
 * The check every contender passes before it is timed: `GET /cgi-bin/hello.sh` twice (on one
 * connection when the server keeps it), both `200` with exactly `hello\n`. Resolves with how the
 * answers were delimited; throws `check failed: ...` otherwise.
 *
 * @example
 * await checkCgiServer(`http://127.0.0.1:${port}`); // { framing: "chunked", keptAlive: true }
 */
export async function checkCgiServer(base: string, timeoutMs = 5000): Promise<CgiAnswerShape> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const answers: Answer[] = [];
    for (let i = 0; i < 2; i++) {
      const a = await get(base + CGI_PATH, agent, timeoutMs);
      if (a.status !== 200 || a.body !== CGI_BODY) {
        throw new Error(`check failed: GET ${CGI_PATH} answered ${a.status} ${JSON.stringify(a.body.slice(0, 80))}, expected 200 ${JSON.stringify(CGI_BODY)}`);
      }
      answers.push(a);
    }
    return { framing: answers[1].framing, keptAlive: answers[1].reusedSocket };
  } finally {
    agent.destroy();
  }
}

/** One note saying how the answers travel. */
export function describeShape(shape: CgiAnswerShape): string {
  if (shape.framing === "close") return "answers close-delimited: a new connection per request (wrk counts each close as a read error)";
  return `answers ${shape.framing}${shape.keptAlive ? ", connection kept alive" : ", but the connection was not reused"}`;
}

// ---------------------------------------------------------------------------------------------
// The servers

type ServerKind = "stdhttp" | "stdhttp-spawn" | "cpython" | "lighttpd";

interface RunningServer {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Where lighttpd is looked for after PATH (root's sbin directories are often not on a user's PATH). */
const SBIN_DIRS = ["/usr/sbin", "/usr/local/sbin"];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The lighttpd binary: `$LIGHTTPD`, else `lighttpd` on PATH or in `extraDirs`; null if none is executable. */
export function findLighttpd(env: NodeJS.ProcessEnv = process.env, extraDirs: readonly string[] = SBIN_DIRS): string | null {
  if (env.LIGHTTPD !== undefined && env.LIGHTTPD !== "") return executable(env.LIGHTTPD) ? env.LIGHTTPD : null;
  for (const dir of [...(env.PATH ?? "").split(delimiter), ...extraDirs]) {
    if (dir !== "" && executable(join(dir, "lighttpd"))) return join(dir, "lighttpd");
  }
  return null;
}

/**
 * lighttpd's configuration: `documentRoot` on 127.0.0.1:`port`, mod_cgi executing `*.sh` under
 * `/cgi-bin/` directly (`""`: the script's own `#!` line), keep-alive on, no access log (mod_accesslog
 * is not loaded), its error log in `prefix`.
 */
export function lighttpdConfig(prefix: string, documentRoot: string, port: number): string {
  return `# written by bench (cgi workload)
server.document-root = "${documentRoot}"
server.bind = "127.0.0.1"
server.port = ${port}
server.modules = ( "mod_cgi" )
server.errorlog = "${prefix}/error.log"
server.max-keep-alive-requests = ${LIGHTTPD_KEEPALIVE_REQUESTS}
server.max-keep-alive-idle = 60
$HTTP["url"] =~ "^/cgi-bin/" {
  cgi.assign = ( ".sh" => "" )
}
`;
}

async function startLighttpd(dir: string, options: ChildOptions): Promise<RunningServer> {
  const binary = findLighttpd();
  if (binary === null) throw new Error("lighttpd not installed (looked at $LIGHTTPD, PATH, /usr/sbin, /usr/local/sbin; apt-get install lighttpd)");
  const prefix = mkdtempSync(join(tmpdir(), "bench-cgi-lighttpd-"));
  const cleanup = (): void => rmSync(prefix, { recursive: true, force: true });
  let child: Child | null = null;
  try {
    const port = await freePort();
    const conf = join(prefix, "lighttpd.conf");
    writeFileSync(conf, lighttpdConfig(prefix, dir, port));
    const started = Child.spawn(binary, ["-D", "-f", conf], "lighttpd", options);
    child = started;
    const errorLog = (): string => {
      try {
        return readFileSync(join(prefix, "error.log"), "utf8").trim().split("\n").slice(-3).join(" | ");
      } catch {
        return started.stderr;
      }
    };
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
      const { exitCode, signalCode } = started.proc;
      if (exitCode !== null || signalCode !== null) throw new Error(`lighttpd exited (${String(exitCode ?? signalCode)}) before listening: ${started.stderr || errorLog()}`);
      if (Date.now() > deadline) throw new Error(`lighttpd did not accept connections on 127.0.0.1:${port} within 10 s: ${errorLog()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return {
      port,
      pid: started.proc.pid!,
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
  if (kind === "lighttpd") return startLighttpd(dir, childOpts);
  let child: Child;
  let port: number;
  if (kind === "cpython") {
    // `-u`: the "Serving HTTP on ... port N" line reaches the pipe at once; otherwise stock (HTTP/1.0,
    // request log on stderr, a DeprecationWarning on the first CGI request).
    const args = ["-u", "-m", "http.server", "--cgi", "-b", "127.0.0.1", "-d", dir, "0"];
    child = Child.spawn(findPython(), args, "python3 -m http.server --cgi", childOpts);
    try {
      port = Number((await child.waitLine(/ port (\d+) /))[1]);
    } catch (err) {
      await child.stop();
      throw err;
    }
  } else {
    const config: CgiServerConfig = { directory: dir, launcher: kind === "stdhttp-spawn" ? "spawn" : "auto" };
    child = Child.fork("cgi-server", [JSON.stringify(config)], childOpts);
    port = await child.announcedPort();
  }
  return { port, pid: child.proc.pid!, stop: () => child.stop() };
}

// ---------------------------------------------------------------------------------------------
// Measuring

let clockTicks: number | null = null;

/**
 * CPU time (user + system, microseconds) of process `pid` so far: its own, and that of its children
 * it has waited for (`cutime` + `cstime` of `/proc/<pid>/stat`).
 */
export function processCpuSplit(pid: number): { selfUs: number; childrenUs: number } {
  clockTicks ??= Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields 14-17 of stat(5) (utime, stime, cutime, cstime) are the 12th-15th after the command name.
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
  const us = (ticks: number): number => (ticks / clockTicks!) * 1e6;
  return { selfUs: us(f[11] + f[12]), childrenUs: us(f[13] + f[14]) };
}

/**
 * The server process's own CPU time, and that of everything it started (the CGI scripts, and a
 * helper process that starts them, as @stdhttp/cgihttpserver's): every live descendant's own
 * time plus the time of the children each process of the tree has reaped.
 */
export function serverTreeCpu(pid: number): { selfUs: number; childrenUs: number } {
  let selfUs = 0;
  let childrenUs = 0;
  for (const p of processTree(pid)) {
    let split: { selfUs: number; childrenUs: number };
    try {
      split = processCpuSplit(p);
    } catch {
      continue; // exited meanwhile: its time is in its parent's children time
    }
    if (p === pid) selfUs += split.selfUs;
    else childrenUs += split.selfUs;
    childrenUs += split.childrenUs;
  }
  return { selfUs, childrenUs };
}

/** Latencies (ms) of the static-file requests made during the load, and the failures. */
interface ProbeResult {
  ms: number[];
  failed: number;
}

/**
 * During the timed load, `GET /static.txt` on a new connection every 20 ms, one at a time: how
 * long a request that needs no script waits while the server is busy starting scripts (a server
 * whose event loop is blocked by fork() answers it late).
 */
async function probeStatic(port: number, seconds: number): Promise<ProbeResult> {
  const out: ProbeResult = { ms: [], failed: 0 };
  const end = Date.now() + seconds * 1000;
  await new Promise((r) => setTimeout(r, 200));
  while (Date.now() < end) {
    const t0 = performance.now();
    const ok = await new Promise<boolean>((resolve) => {
      const req = request({ host: "127.0.0.1", port, path: STATIC_PATH, agent: false, timeout: 10_000 }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode === 200));
        res.on("error", () => resolve(false));
      });
      req.on("error", () => resolve(false));
      req.on("timeout", () => req.destroy());
      req.end();
    });
    if (ok) out.ms.push(performance.now() - t0);
    else out.failed++;
    await new Promise((r) => setTimeout(r, 20));
  }
  return out;
}

function describeProbe(p: ProbeResult): string {
  if (p.ms.length === 0) return `static file during the load: no answer (${p.failed} failed)`;
  const sorted = [...p.ms].sort((a, b) => a - b);
  const at = (q: number): string => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))].toFixed(1);
  return `static file during the load: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms (${sorted.length} requests${p.failed > 0 ? `, ${p.failed} failed` : ""})`;
}

/** Check, warm up, then time `GET /cgi-bin/hello.sh` with the HTTP driver; notes say how answers travel and where the CPU went. */
async function runCgi(kind: ServerKind, options: RunOptions): Promise<Measurement> {
  const server = await startServer(kind, cgiDir(), options);
  try {
    const shape = await checkCgiServer(`http://127.0.0.1:${server.port}`);
    const run = options.driver === "wrk" ? runWrk : runAutocannon;
    const spec: HttpLoadSpec = {
      url: `http://127.0.0.1:${server.port}${CGI_PATH}`,
      connections: options.connections ?? CGI_CONNECTIONS,
      pipelining: 1,
      duration: options.duration,
      cpu: childOptions(options, "load").cpu ?? null,
    };
    if (options.warmup > 0) await run({ ...spec, duration: options.warmup });
    const cpu0 = serverTreeCpu(server.pid);
    const t0 = process.hrtime.bigint();
    const probe = probeStatic(server.port, options.duration);
    const m = await run(spec);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const probed = await probe;
    const cpu1 = serverTreeCpu(server.pid);
    const self = cpu1.selfUs - cpu0.selfUs;
    const children = cpu1.childrenUs - cpu0.childrenUs;
    const perReq = (us: number): string => (m.ops > 0 ? `${Math.round(us / m.ops)} us/req` : "-");
    const core = (us: number): string => `${Math.round((us / 1e6 / seconds) * 100)}% of a core`;
    const notes = [
      describeShape(shape),
      `CPU: server ${perReq(self)} (${core(self)}), its CGI processes ${perReq(children)} (${core(children)})`,
      describeProbe(probed),
    ];
    if (options.verbose) process.stderr.write(`# cgi-shell / ${kind}: ${notes.join("; ")}\n`);
    return { ...m, warnings: [...notes, ...m.warnings], serverCpuUsPerOp: m.ops > 0 ? (self + children) / m.ops : undefined };
  } finally {
    await server.stop();
  }
}

/** Ask a `spawn-cost` child to time one way of starting `/bin/true`. */
async function runSpawnCost(kind: SpawnKind, options: RunOptions): Promise<Measurement> {
  const config: SpawnCostConfig = { kind, seconds: options.duration, warmupSeconds: options.warmup, python: findPython() };
  const child = Child.fork("spawn-cost", [JSON.stringify(config)], childOptions(options, "load"));
  try {
    const r = (await child.waitMessage("result", (options.duration + options.warmup) * 1000 + 60_000)) as unknown as SpawnCostResult;
    if (r.spawns === 0) throw new Error("no program started within the timed window");
    const msPer = (r.seconds * 1000) / r.spawns;
    const notes = [`${msPer.toFixed(3)} ms per spawn (${r.spawns.toLocaleString("en-US")} in ${r.seconds.toFixed(1)} s)`];
    if (r.blockedMs !== null) notes.push(`${r.blockedMs.toFixed(3)} ms of it inside spawn() (event loop blocked: fork, then wait for exec)`);
    if (kind.startsWith("node")) notes.push(`the Node process forked had ${(r.rssBytes / 2 ** 20).toFixed(0)} MiB RSS`);
    if (options.verbose) process.stderr.write(`# spawn-cost / ${kind}: ${notes.join("; ")}\n`);
    return { opsPerSec: r.spawns / r.seconds, bytesPerSec: null, p99Ms: r.p99Ms, ops: r.spawns, warnings: notes };
  } finally {
    await child.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Cases

const NAMES: Record<ServerKind, string> = {
  stdhttp: "@stdhttp CGIHTTPRequestHandler",
  "stdhttp-spawn": "@stdhttp, cgiLauncher spawn",
  cpython: "CPython CGIHTTPRequestHandler",
  lighttpd: "lighttpd mod_cgi",
};

const SPAWN_NAMES: Record<SpawnKind, string> = {
  "node-pipes": "node child_process.spawn",
  "node-ignore": "node spawn, stdio ignore",
  "sh-loop": "sh loop, fork+exec",
  "sh-coprocess": "sh helper, fork+exec",
  "python-posix-spawn": "python3 helper, posix_spawn",
};

const cases: BenchCase[] = [
  {
    id: "cgi-shell",
    description: `GET ${CGI_PATH} (a /bin/sh script printing hello), keep-alive where the server keeps it, ${CGI_CONNECTIONS} connections, 1 load thread`,
    unit: "req/s",
    contenders: (["stdhttp", "stdhttp-spawn", "cpython", "lighttpd"] as const).map((kind) => ({
      name: NAMES[kind],
      isUs: kind === "stdhttp",
      run: (o: RunOptions) => runCgi(kind, o),
    })),
    targets: { [NAMES.cpython]: 3, [NAMES.lighttpd]: 0.7 },
  },
  {
    id: "spawn-cost",
    description: "start /bin/true and wait for it, one at a time (informative: how our CGI should start scripts); the note gives ms per spawn",
    unit: SPAWN_UNIT,
    contenders: (Object.keys(SPAWN_NAMES) as SpawnKind[]).map(
      (kind): Contender => ({ name: SPAWN_NAMES[kind], isUs: kind === "node-pipes", run: (o: RunOptions) => runSpawnCost(kind, o) }),
    ),
    targets: {},
  },
];

/** The `cgi` workload. */
export const cgi: Workload = {
  name: "cgi",
  description: "CGI: @stdhttp/cgihttpserver vs CPython's CGIHTTPRequestHandler and lighttpd mod_cgi (wrk); the cost of starting a program",
  cases,
};
