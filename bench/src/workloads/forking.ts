/**
 * Workload `forking` (@stdhttp/socketserver ForkingMixIn): a CPU-bound handler served by
 * `ForkingTCPServer` (worker processes, all cores) vs `ThreadingTCPServer` (one event loop).
 * The ratio is the multi-core speed-up forking buys; on this 2-core machine the ceiling is ~2.
 * The server is never pinned to one CPU (its workers would inherit the pin).
 * @module
 */
import { childOptions } from "../child.js";
import type { ForkingServerConfig } from "../procs/forking-server.js";
import { runWithEchoLoad } from "./echo.js";
import type { BenchCase, Measurement, RunOptions, Workload } from "../types.js";

const CONNECTIONS = 8;
const ROUNDS = 1000;

function runForking(kind: ForkingServerConfig["kind"], options: RunOptions): Promise<Measurement> {
  const serverConfig: ForkingServerConfig = { kind, rounds: ROUNDS, maxChildren: CONNECTIONS };
  return runWithEchoLoad("forking-server", serverConfig, 64, CONNECTIONS, options, { ...childOptions(options, "server"), cpu: null });
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
