/**
 * Drive an HTTP server with the chosen load generator: an untimed warm-up run, then the
 * timed run whose numbers are kept.
 * @module
 */
import { childOptions } from "../child.js";
import type { Measurement, RunOptions } from "../types.js";
import { runAutocannon } from "./autocannon.js";
import type { HttpLoadSpec } from "./types.js";
import { runWrk } from "./wrk.js";

/**
 * Warm up for `options.warmup` seconds, then measure for `options.duration` seconds.
 *
 * @example
 * const m = await driveHttp({ url, connections: 10, pipelining: 1 }, options);
 */
export async function driveHttp(spec: Omit<HttpLoadSpec, "duration" | "cpu">, options: RunOptions): Promise<Measurement> {
  const run = options.driver === "wrk" ? runWrk : runAutocannon;
  const cpu = childOptions(options, "load").cpu ?? null;
  if (options.warmup > 0) await run({ ...spec, duration: options.warmup, cpu });
  return run({ ...spec, duration: options.duration, cpu });
}
