/**
 * wrk with its latency distribution kept: the same run as `runWrk` (`wrk -t1 -c<n> -d<s>
 * --latency`), reporting the median too (the `slowloris` workload compares p50 and p99).
 * @module
 */
import { fileURLToPath } from "node:url";
import type { Measurement } from "../types.js";
import { execWrk, parseWrk, parseWrkDuration } from "./wrk.js";
import type { HttpLoadSpec } from "./types.js";

/** A wrk measurement with its median latency (ms; `null` when wrk printed none). */
export interface LatencyMeasurement extends Measurement {
  p50Ms: number | null;
}

/**
 * Parse wrk's `--latency` report, median included.
 *
 * @example
 * parseWrkLatency(stdout).p50Ms; // from "     50%  210.00us" -> 0.21
 */
export function parseWrkLatency(output: string): LatencyMeasurement {
  const m = parseWrk(output);
  const p50 = /^\s*50(?:\.0+)?%\s+(\S+)/m.exec(output);
  return { ...m, p50Ms: p50 ? parseWrkDuration(p50[1]) : null };
}

const PACED_SCRIPT = fileURLToPath(new URL("../../scripts/paced.lua", import.meta.url));

/** What {@link runWrkLatency} runs: a load spec, optionally paced (`pauseMs` after each answer, per connection). */
export type LatencySpec = Omit<HttpLoadSpec, "pipelining"> & { pauseMs?: number };

/**
 * Run wrk (one thread, no pipelining) for `spec.duration` whole seconds. With `pauseMs`, each
 * connection waits that long after an answer before its next request (`scripts/paced.lua`): the
 * same offered load for every server, instead of each at its saturation.
 */
export function runWrkLatency(spec: LatencySpec): Promise<LatencyMeasurement> {
  return execWrk(wrkLatencyArgs(spec), spec.cpu).then(parseWrkLatency);
}

/**
 * wrk's arguments for {@link runWrkLatency}.
 *
 * @example
 * wrkLatencyArgs({ url, connections: 10, duration: 3, cpu: null, pauseMs: 1 }); // [..., "-s", ".../paced.lua", url, "--", "1"]
 */
export function wrkLatencyArgs(spec: LatencySpec): string[] {
  const args = ["-t1", `-c${spec.connections}`, `-d${Math.max(1, Math.round(spec.duration))}s`, "--latency", "--timeout", "10s"];
  if (spec.pauseMs !== undefined) args.push("-s", PACED_SCRIPT, spec.url, "--", String(spec.pauseMs));
  else args.push(spec.url);
  return args;
}
