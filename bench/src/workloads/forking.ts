/**
 * Workload `forking` (@stdhttp/socketserver ForkingMixIn): a CPU-bound handler served by
 * `ForkingTCPServer` (worker processes, all cores) vs `ThreadingTCPServer` (one event loop).
 * The ratio is the multi-core speed-up forking buys; on this 2-core machine the ceiling is ~2.
 * The server is never pinned to one CPU (its workers would inherit the pin).
 * @module
 */
import { Child, childOptions } from "../child.js";
import type { EchoLoadConfig } from "../procs/echo-load.js";
import type { ForkingServerConfig } from "../procs/forking-server.js";
import { measurementFromResult, resultTimeoutMs } from "../result.js";
import type { BenchCase, Measurement, RunOptions, Workload } from "../types.js";

const CONNECTIONS = 8;
const ROUNDS = 1000;

async function runForking(kind: ForkingServerConfig["kind"], options: RunOptions): Promise<Measurement> {
  const serverConfig: ForkingServerConfig = { kind, rounds: ROUNDS, maxChildren: CONNECTIONS };
  const server = Child.fork("forking-server", [JSON.stringify(serverConfig)], { ...childOptions(options, "server"), cpu: null });
  let load: Child | null = null;
  try {
    const ready = await server.waitMessage("ready");
    const loadConfig: EchoLoadConfig = {
      port: Number(ready.port),
      connections: options.connections ?? CONNECTIONS,
      size: 64,
      warmup: options.warmup,
      duration: options.duration,
    };
    load = Child.fork("echo-load", [JSON.stringify(loadConfig)], childOptions(options, "load"));
    return measurementFromResult(await load.waitMessage("result", resultTimeoutMs(options.warmup, options.duration)));
  } finally {
    await load?.stop();
    await server.stop();
  }
}

const cases: BenchCase[] = [
  {
    id: "forking-cpu",
    description: `CPU-bound lines (${ROUNDS} SHA-256 rounds each), ${CONNECTIONS} connections: worker processes vs one event loop`,
    unit: "rt/s",
    contenders: [
      { name: "@stdhttp ForkingTCPServer", isUs: true, run: (o) => runForking("forking", o) },
      { name: "@stdhttp ThreadingTCPServer", isUs: false, run: (o) => runForking("threading", o) },
    ],
    targets: { "@stdhttp ThreadingTCPServer": 1.3 },
  },
];

/** The `forking` workload. */
export const forking: Workload = {
  name: "forking",
  description: "@stdhttp/socketserver ForkingTCPServer vs ThreadingTCPServer on a CPU-bound handler (multi-core speed-up)",
  cases,
};
