/**
 * Workload `idle-conns` (@stdhttp/basehttpserver, memory): what an idle keep-alive connection
 * costs the server. N connections (default 10,000; `--connections` changes it) each make one
 * `GET` on 127.0.0.1, check the answer and stay open; the server process's RSS (`VmRSS` from
 * `/proc/<pid>/status`, after a forced full GC in the server) is read before connecting, at
 * N/2 and at N. Ours (`ThreadingHTTPServer`, HTTP/1.1 handler, keepAliveTimeout 600 s) and
 * node:http (keepAliveTimeout 600 s) run one after the other, each in its own process.
 *
 * The rate column is connections per MiB of RSS (1024 / KiB per connection): higher is better,
 * so `us / peer` is the peer's KiB per connection divided by ours. The note under the table
 * gives KiB per connection, split into JS heap, external memory and the rest (native: libuv,
 * Node's C++ socket objects, malloc).
 *
 * With `BENCH_HEAPSNAPSHOT_DIR=<dir>` in the environment, each server also writes a heap
 * snapshot before connecting and at N (`<dir>/<kind>-<N>-base.heapsnapshot`, `-full`).
 * @module
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Child, childOptions, type ChildMessage } from "../child.js";
import { checkKeepAlive } from "../drivers/http-check.js";
import { HELLO_BODY } from "../fixtures.js";
import type { HoldServerConfig } from "../procs/hold-server.js";
import type { IdleLoadConfig } from "../procs/idle-load.js";
import type { BenchCase, Contender, Measurement, RateUnit, RunOptions, Workload } from "../types.js";

/** Idle connections opened by default. */
export const DEFAULT_IDLE_CONNECTIONS = 10_000;
/** Keep-alive timeout of both servers (seconds): far longer than a run. */
const KEEP_ALIVE_SECONDS = 600;
/** The brief's target for ours, KiB of RSS per idle connection. */
const TARGET_KIB = 6;
/**
 * `RateUnit` has no memory unit and `types.ts` is shared; the table and the report print any
 * unit string as it is, and `rateOf()` reads `opsPerSec` for every unit but `MB/s`.
 */
const UNIT = "conn/MiB" as unknown as RateUnit;

/** `VmRSS` of a `/proc/<pid>/status` text, in bytes. */
export function parseVmRss(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!m) throw new Error("no VmRSS line in /proc/<pid>/status");
  return Number(m[1]) * 1024;
}

/** The soft `Max open files` limit of a `/proc/<pid>/limits` text (`Infinity` for unlimited). */
export function parseMaxOpenFiles(limits: string): number {
  const m = /^Max open files\s+(\S+)/m.exec(limits);
  if (!m) throw new Error("no 'Max open files' line in /proc/<pid>/limits");
  return m[1] === "unlimited" ? Infinity : Number(m[1]);
}

/** One reading of the server's memory, bytes. */
export interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Connections the server's listening socket counts as open. */
  connections: number;
}

/** KiB per connection between two samples `count` connections apart, by kind of memory. */
export interface PerConnection {
  rssKiB: number;
  heapUsedKiB: number;
  heapTotalKiB: number;
  externalKiB: number;
  /**
   * RSS not explained by live JS objects or external memory: native memory (libuv handles,
   * Node's C++ socket objects, malloc) plus heap pages committed beyond the live objects.
   */
  otherKiB: number;
}

/**
 * Per-connection growth from `before` to `after` over `count` connections.
 *
 * @example
 * perConnection(base, full, 10_000).rssKiB; // 8.5
 */
export function perConnection(before: MemorySample, after: MemorySample, count: number): PerConnection {
  const kib = (a: number, b: number): number => (b - a) / count / 1024;
  const rssKiB = kib(before.rss, after.rss);
  const heapUsedKiB = kib(before.heapUsed, after.heapUsed);
  const externalKiB = kib(before.external, after.external);
  return {
    rssKiB,
    heapUsedKiB,
    heapTotalKiB: kib(before.heapTotal, after.heapTotal),
    externalKiB,
    otherKiB: rssKiB - heapUsedKiB - externalKiB,
  };
}

/** Send `message` to a forked child and wait for its answer of type `reply`. */
export async function ask(child: Child, message: { type: string; [key: string]: unknown }, reply = message.type, timeoutMs = 120_000): Promise<ChildMessage> {
  const answer = child.waitMessage(reply, timeoutMs);
  child.proc.send(message);
  return answer;
}

/** Make sure process `pid` may hold `needed` descriptors (raising its limits with `prlimit` when it may not). */
export function ensureFdLimit(pid: number, needed: number): void {
  const limit = parseMaxOpenFiles(readFileSync(`/proc/${pid}/limits`, "utf8"));
  if (limit >= needed) return;
  const want = Math.max(65536, needed);
  const r = spawnSync("prlimit", ["--pid", String(pid), `--nofile=${want}:${want}`], { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    throw new Error(`${needed} descriptors needed, the limit is ${limit} and prlimit failed (${r.error?.message ?? r.stderr.trim()}): run as root or raise ulimit -n`);
  }
}

async function sample(server: Child): Promise<MemorySample> {
  const m = await ask(server, { type: "memory" });
  const pid = server.proc.pid!;
  return {
    rss: parseVmRss(readFileSync(`/proc/${pid}/status`, "utf8")),
    heapUsed: Number(m.heapUsed),
    heapTotal: Number(m.heapTotal),
    external: Number(m.external),
    arrayBuffers: Number(m.arrayBuffers),
    connections: Number(m.connections),
  };
}

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface LoadCounts {
  open: number;
  failed: number;
  closedByServer: number;
  firstError: string | null;
}

async function openIdle(load: Child, count: number): Promise<LoadCounts> {
  const c = (await ask(load, { type: "open", count }, "opened")) as unknown as LoadCounts;
  if (c.failed > 0 || c.closedByServer > 0) {
    throw new Error(`check failed: ${c.failed} connections failed (${c.firstError ?? "?"}), ${c.closedByServer} closed by the server while idle`);
  }
  return c;
}

/** Wait (at most 10 s) until the server counts `expected` open connections; its last sample. */
async function sampleWhen(server: Child, expected: number): Promise<MemorySample> {
  let s = await sample(server);
  for (let i = 0; i < 50 && s.connections !== expected; i++) {
    await settle(200);
    s = await sample(server);
  }
  if (s.connections !== expected) throw new Error(`the server counts ${s.connections} open connections, expected ${expected}`);
  return s;
}

async function snapshot(server: Child, kind: string, n: number, label: string): Promise<void> {
  const dir = process.env.BENCH_HEAPSNAPSHOT_DIR;
  if (!dir) return;
  await ask(server, { type: "snapshot", path: join(dir, `${kind}-${n}-${label}.heapsnapshot`) });
}

function kib(x: number): string {
  return `${x.toFixed(2)} KiB`;
}

async function runIdle(kind: HoldServerConfig["kind"], options: RunOptions): Promise<Measurement> {
  const n = options.connections ?? DEFAULT_IDLE_CONNECTIONS;
  const half = Math.floor(n / 2);
  const config: HoldServerConfig = { kind, keepAliveTimeout: KEEP_ALIVE_SECONDS };
  const server = Child.fork("hold-server", [JSON.stringify(config)], childOptions(options, "server"));
  let load: Child | null = null;
  try {
    const port = await server.announcedPort();
    await checkKeepAlive(`http://127.0.0.1:${port}/`, HELLO_BODY);
    ensureFdLimit(server.proc.pid!, n + 256);
    const loadConfig: IdleLoadConfig = { port, expected: HELLO_BODY, concurrency: 128 };
    load = Child.fork("idle-load", [JSON.stringify(loadConfig)], childOptions(options, "load"));
    await load.waitMessage("ready");
    ensureFdLimit(load.proc.pid!, n + 256);

    // Warm-up: the code paths of a connection compiled, the allocator's first growth done.
    const warm = Math.min(500, Math.max(1, Math.ceil(n / 10)));
    await openIdle(load, warm);
    await ask(load, { type: "close-all" }, "closed");
    const base = await sampleWhen(server, 0);
    await snapshot(server, kind, n, "base");

    await openIdle(load, half);
    await settle(300);
    const mid = await sampleWhen(server, half);
    await openIdle(load, n - half);
    await settle(300);
    const full = await sampleWhen(server, n);
    await snapshot(server, kind, n, "full");
    const status = (await ask(load, { type: "status" })) as unknown as LoadCounts;
    if (status.open !== n) throw new Error(`only ${status.open} of ${n} connections stayed open (${status.closedByServer} closed by the server)`);

    const all = perConnection(base, full, n);
    const second = perConnection(mid, full, n - half);
    const notes = [
      `${kib(all.rssKiB)} RSS per idle connection (${n.toLocaleString("en-US")} connections: ${(base.rss / 2 ** 20).toFixed(1)} -> ${(full.rss / 2 ** 20).toFixed(1)} MiB)`,
      `JS heap: live objects ${kib(all.heapUsedKiB)} (pages committed ${kib(all.heapTotalKiB)}), external ${kib(all.externalKiB)}, rest of RSS (native, heap slack) ${kib(all.otherKiB)}`,
      `second half alone: ${kib(second.rssKiB)} RSS, ${kib(second.heapUsedKiB)} heap used`,
    ];
    if (kind === "stdhttp") notes.push(`target <= ${TARGET_KIB} KiB: ${all.rssKiB <= TARGET_KIB ? "ok" : "MISSED"}`);
    // Each round's details (the table keeps the median round's only).
    if (options.verbose) process.stderr.write(`# ${kind}: ${notes.join("; ")}\n`);
    return { opsPerSec: 1024 / all.rssKiB, bytesPerSec: null, p99Ms: null, ops: n, warnings: notes };
  } finally {
    await load?.stop();
    await server.stop();
  }
}

function contenders(): Contender[] {
  return [
    { name: "@stdhttp ThreadingHTTPServer", isUs: true, run: (o) => runIdle("stdhttp", o) },
    { name: "node:http", isUs: false, run: (o) => runIdle("node-http", o) },
  ];
}

const cases: BenchCase[] = [
  {
    id: "idle-conns",
    description: `RSS per idle keep-alive connection after one GET (${DEFAULT_IDLE_CONNECTIONS.toLocaleString("en-US")} connections; --connections changes it)`,
    unit: UNIT,
    contenders: contenders(),
    targets: {},
  },
];

/** The `idle-conns` workload. */
export const idleConns: Workload = {
  name: "idle-conns",
  description: "memory of idle keep-alive connections: @stdhttp/basehttpserver vs node:http (KiB of RSS each)",
  cases,
};
