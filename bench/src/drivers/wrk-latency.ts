/**
 * wrk with its latency distribution kept: the same run as `runWrk` (`wrk -t1 -c<n> -d<s>
 * --latency`), reporting the median too (the `slowloris` workload compares p50 and p99).
 * @module
 */
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

/** Run wrk (one thread, no pipelining) for `spec.duration` whole seconds. */
export function runWrkLatency(spec: Omit<HttpLoadSpec, "pipelining">): Promise<LatencyMeasurement> {
  const args = ["-t1", `-c${spec.connections}`, `-d${Math.max(1, Math.round(spec.duration))}s`, "--latency", "--timeout", "10s", spec.url];
  return execWrk(args, spec.cpu).then(parseWrkLatency);
}
