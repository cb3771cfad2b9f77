/**
 * Workload `slowloris` (@stdhttp/basehttpserver under slow clients): 1,000 connections
 * (`--connections` changes it) each send a request head one byte every 5 s, while a real
 * client (wrk, 1 thread, 10 keep-alive connections; autocannon when wrk is not installed)
 * makes normal `GET`s. Reported per server: the real client's req/s, p50 and p99 under that
 * load and without it (a run before the slow clients connect), the server's CPU time per slow
 * byte (the second 5 s with only the slow clients), and when the server closed slow connections, if it
 * did. With wrk the real client also runs paced (each connection pausing 1 ms between requests,
 * `scripts/paced.lua`), with and without the slow clients: both servers then answer the same rate
 * and their p50/p99 compare directly (unpaced, each runs at its own saturation). Each contender stops by itself after at most about 40 s (30 s of slow clients).
 * Ours (`ThreadingHTTPServer`, HTTP/1.1 handler) and node:http keep their default timeouts
 * (a 60 s header timeout on both).
 * @module
 */
import { Child, childOptions } from "../child.js";
import { checkKeepAlive } from "../drivers/http-check.js";
import { driveHttp } from "../drivers/http-load.js";
import { runWrkLatency, type LatencyMeasurement } from "../drivers/wrk-latency.js";
import { HELLO_BODY } from "../fixtures.js";
import type { HoldServerConfig } from "../procs/hold-server.js";
import type { SlowLoadConfig, SlowLoadResult } from "../procs/slow-load.js";
import { formatLatency } from "../table.js";
import type { BenchCase, Contender, Measurement, RunOptions, Workload } from "../types.js";
import { ask } from "./idle-conns.js";

/** Slow connections by default. */
export const DEFAULT_SLOW_CONNECTIONS = 1000;
/** Seconds between two bytes on one slow connection. */
const INTERVAL_SECONDS = 5;
/** Connections of the real client. */
const REAL_CONNECTIONS = 10;
/** Paced real client: each connection waits this long (ms) after an answer (about 8-10k req/s with 10 connections). */
const PACE_MS = 1;
/** Seconds the slow clients are kept at least (from the moment all are connected). */
const MIN_HOLD_SECONDS = 30;

/**
 * When the server closed slow connections, in words.
 *
 * @example
 * describeCloses({ opened: 1000, closedAt: [], answers: {} }, 30); // "none of 1000 closed by the server within 30 s"
 */
export function describeCloses(result: Pick<SlowLoadResult, "opened" | "closedAt" | "answers">, holdSeconds: number): string {
  const closed = result.closedAt;
  if (closed.length === 0) return `none of ${result.opened} closed by the server within ${holdSeconds} s`;
  const answers = Object.entries(result.answers)
    .map(([line, n]) => `${JSON.stringify(line)} x${n}`)
    .join(", ");
  const at = (q: number): string => closed[Math.min(closed.length - 1, Math.floor(q * closed.length))].toFixed(1);
  return `${closed.length} of ${result.opened} closed by the server, first at ${at(0)} s, median ${at(0.5)} s, last ${at(1)} s (answers: ${answers})`;
}

/** `<req/s> req/s, p50 <ms>, p99 <ms>` of one real-client run. */
function describeRun(m: LatencyMeasurement): string {
  const rate = Math.round(m.opsPerSec).toLocaleString("en-US");
  return `${rate} req/s, p50 ${formatLatency(m.p50Ms)}, p99 ${formatLatency(m.p99Ms)}`;
}

/** The real client: wrk (warm-up run, then `seconds` timed) or, without wrk, the autocannon driver (no median). */
async function realClient(url: string, options: RunOptions, seconds: number): Promise<LatencyMeasurement> {
  if (options.driver !== "wrk") {
    const m = await driveHttp({ url, connections: REAL_CONNECTIONS, pipelining: 1 }, { ...options, duration: seconds });
    return { ...m, p50Ms: null };
  }
  const cpu = childOptions(options, "load").cpu ?? null;
  if (options.warmup > 0) await runWrkLatency({ url, connections: REAL_CONNECTIONS, duration: options.warmup, cpu });
  return runWrkLatency({ url, connections: REAL_CONNECTIONS, duration: seconds, cpu });
}

/**
 * The real client paced (wrk only, no warm-up): each connection pauses {@link PACE_MS} between
 * requests, so both servers get the same rate and their latencies compare directly; null without wrk.
 */
function pacedClient(url: string, options: RunOptions, seconds: number): Promise<LatencyMeasurement | null> {
  if (options.driver !== "wrk") return Promise.resolve(null);
  const cpu = childOptions(options, "load").cpu ?? null;
  return runWrkLatency({ url, connections: REAL_CONNECTIONS, duration: seconds, cpu, pauseMs: PACE_MS });
}

async function cpuMicros(server: Child): Promise<number> {
  const c = await ask(server, { type: "cpu" });
  return Number(c.user) + Number(c.system);
}

async function runSlowloris(kind: HoldServerConfig["kind"], options: RunOptions): Promise<Measurement> {
  const slowCount = options.connections ?? DEFAULT_SLOW_CONNECTIONS;
  const hold = Math.max(MIN_HOLD_SECONDS, 2 * INTERVAL_SECONDS + options.warmup + 2 * options.duration + 5);
  const config: HoldServerConfig = { kind, keepAliveTimeout: null };
  const server = Child.fork("hold-server", [JSON.stringify(config)], childOptions(options, "server"));
  let slow: Child | null = null;
  try {
    const port = await server.announcedPort();
    const url = `http://127.0.0.1:${port}/`;
    await checkKeepAlive(url, HELLO_BODY);
    const quiet = await realClient(url, options, options.duration);
    const quietPaced = await pacedClient(url, options, options.duration);

    const slowConfig: SlowLoadConfig = { port, connections: slowCount, intervalSeconds: INTERVAL_SECONDS, holdSeconds: hold };
    slow = Child.fork("slow-load", [JSON.stringify(slowConfig)], childOptions(options, "load"));
    const ready = await slow.waitMessage("ready", 60_000);
    if (Number(ready.opened) !== slowCount) throw new Error(`only ${String(ready.opened)} of ${slowCount} slow connections could be opened`);
    const result = slow.waitMessage("result", (hold + 30) * 1000);

    // One interval with only the slow clients, in which every connection sends its first byte
    // (and the server finishes setting them up); the next one is measured: the server's CPU time
    // per slow byte, with nothing else to do.
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_SECONDS * 1000));
    const cpu0 = await cpuMicros(server);
    const bytes0 = Number((await ask(slow, { type: "count" })).bytesSent);
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_SECONDS * 1000));
    const cpu1 = await cpuMicros(server);
    const bytes1 = Number((await ask(slow, { type: "count" })).bytesSent);
    const perByte = (cpu1 - cpu0) / Math.max(1, bytes1 - bytes0);

    const loaded = await realClient(url, options, options.duration);
    const loadedPaced = await pacedClient(url, options, options.duration);
    const closes = (await result) as unknown as SlowLoadResult;
    const notes = [
      `under ${slowCount} slow connections: ${describeRun(loaded)}; without them: ${describeRun(quiet)}`,
      ...(loadedPaced !== null && quietPaced !== null
        ? [`paced (${PACE_MS} ms between requests per connection, the same load for both servers): under the slow connections ${describeRun(loadedPaced)}; without them ${describeRun(quietPaced)}`]
        : []),
      `server CPU ${perByte.toFixed(0)} us per slow byte (${bytes1 - bytes0} bytes in ${INTERVAL_SECONDS} s, ${((cpu1 - cpu0) / (INTERVAL_SECONDS * 1e4)).toFixed(1)}% of a core)`,
      describeCloses(closes, hold),
      ...loaded.warnings,
    ];
    // Each round's details (the table keeps the median round's only).
    if (options.verbose) process.stderr.write(`# ${kind}: ${notes.join("; ")}\n`);
    return { opsPerSec: loaded.opsPerSec, bytesPerSec: null, p99Ms: loaded.p99Ms, ops: loaded.ops, warnings: notes };
  } finally {
    await slow?.stop();
    await server.stop();
  }
}

function contenders(): Contender[] {
  return [
    { name: "@stdhttp ThreadingHTTPServer", isUs: true, run: (o) => runSlowloris("stdhttp", o) },
    { name: "node:http", isUs: false, run: (o) => runSlowloris("node-http", o) },
  ];
}

const cases: BenchCase[] = [
  {
    id: "slowloris",
    description: `GET / by wrk (${REAL_CONNECTIONS} connections) while ${DEFAULT_SLOW_CONNECTIONS.toLocaleString("en-US")} connections send a head one byte every ${INTERVAL_SECONDS} s (--connections changes their number)`,
    unit: "req/s",
    contenders: contenders(),
    targets: {},
  },
];

/** The `slowloris` workload. */
export const slowloris: Workload = {
  name: "slowloris",
  description: "slow clients (a head byte every 5 s on 1,000 connections) vs real clients' latency: @stdhttp/basehttpserver vs node:http",
  cases,
};
