/**
 * Workload `echo` (@stdhttp/socketserver): round trips through an echo server.
 * Ours is `ThreadingTCPServer` + a line-echoing `StreamRequestHandler`; the peer is a plain
 * `node:net` server writing back each chunk. Load comes from `procs/echo-load` in a third process.
 * @module
 */
import { Child, childOptions, type ChildOptions } from "../child.js";
import type { EchoLoadConfig } from "../procs/echo-load.js";
import type { EchoServerConfig } from "../procs/echo-server.js";
import { measurementFromResult, resultTimeoutMs } from "../result.js";
import type { BenchCase, Contender, Measurement, RunOptions, Workload } from "../types.js";

const DEFAULT_CONNECTIONS = 50;

/** CPU time (user + system, microseconds) a server child has used so far: asks it over IPC (`procs/echo-server`). */
async function serverCpu(server: Child): Promise<number> {
  const answer = server.waitMessage("cpu", 10_000);
  server.proc.send({ type: "cpu" });
  const msg = await answer;
  return Number(msg.user) + Number(msg.system);
}

/**
 * Start a server child (`procs/<serverProc>`), wait for its `ready` port, then drive it with
 * `procs/echo-load` (`connections` connections, `size`-byte lines) and return the measurement.
 * With `measureServerCpu` (the server answers `{ type: "cpu" }`), also the server's CPU time per
 * round trip over the timed window: sampled when the load announces the window and again when
 * its result arrives (a few connection closes after the window are counted too: negligible).
 * Shared with the `forking` workload, which passes its own server and child options.
 */
export async function runWithEchoLoad(
  serverProc: string,
  serverConfig: object,
  size: number,
  defaultConnections: number,
  options: RunOptions,
  serverOptions: ChildOptions = childOptions(options, "server"),
  measureServerCpu = false,
): Promise<Measurement> {
  const server = Child.fork(serverProc, [JSON.stringify(serverConfig)], serverOptions);
  let load: Child | null = null;
  try {
    const loadConfig: EchoLoadConfig = {
      port: await server.announcedPort(),
      connections: options.connections ?? defaultConnections,
      size,
      warmup: options.warmup,
      duration: options.duration,
    };
    load = Child.fork("echo-load", [JSON.stringify(loadConfig)], childOptions(options, "load"));
    const timeoutMs = resultTimeoutMs(options.warmup, options.duration);
    const result = load.waitMessage("result", timeoutMs);
    result.catch(() => undefined);
    let cpuBefore = 0;
    if (measureServerCpu) {
      await load.waitMessage("measuring", timeoutMs);
      cpuBefore = await serverCpu(server);
    }
    const measurement = measurementFromResult(await result);
    if (measureServerCpu) measurement.serverCpuUsPerOp = ((await serverCpu(server)) - cpuBefore) / measurement.ops;
    return measurement;
  } finally {
    await load?.stop();
    await server.stop();
  }
}

function runEcho(kind: EchoServerConfig["kind"], size: number, options: RunOptions): Promise<Measurement> {
  const serverConfig: EchoServerConfig = { kind, maxLineLength: Math.max(65536, size * 2) };
  return runWithEchoLoad("echo-server", serverConfig, size, DEFAULT_CONNECTIONS, options, childOptions(options, "server"), true);
}

function contenders(size: number): Contender[] {
  return [
    { name: "@stdhttp ThreadingTCPServer", isUs: true, run: (o) => runEcho("stdhttp", size, o) },
    { name: "node:net", isUs: false, run: (o) => runEcho("net", size, o) },
  ];
}

const cases: BenchCase[] = [
  {
    id: "echo-64b",
    description: "64-byte lines, 50 connections, one round trip in flight per connection",
    unit: "rt/s",
    contenders: contenders(64),
    targets: { "node:net": 0.9 },
  },
  {
    id: "echo-16k",
    description: "16 KiB lines, 50 connections, one round trip in flight per connection",
    unit: "rt/s",
    contenders: contenders(16 * 1024),
    targets: { "node:net": 0.9 },
  },
  {
    id: "echo-64k",
    description: "64 KiB lines, 50 connections, echo throughput (payload MB/s one way)",
    unit: "MB/s",
    contenders: contenders(64 * 1024),
    targets: { "node:net": 0.9 },
  },
];

/** The `echo` workload. */
export const echo: Workload = {
  name: "echo",
  description: "@stdhttp/socketserver ThreadingTCPServer echo vs a node:net echo server",
  cases,
};
