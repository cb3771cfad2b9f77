/**
 * Turning what a load-generating child reports into a {@link Measurement}.
 * @module
 */
import type { ChildMessage } from "./child.js";
import type { Measurement } from "./types.js";

function num(msg: ChildMessage, key: string): number {
  const v = msg[key];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`child result lacks a numeric "${key}"`);
  return v;
}

/**
 * Build a measurement from a child's `{ type: "result", ops, seconds, p99Ms, bytes? }`.
 *
 * @example
 * const m = measurementFromResult(await load.waitMessage("result", timeoutMs));
 */
export function measurementFromResult(msg: ChildMessage): Measurement {
  const ops = num(msg, "ops");
  const seconds = num(msg, "seconds");
  if (ops === 0) throw new Error("no operation completed during the timed window");
  const p99 = msg.p99Ms;
  const bytes = msg.bytes;
  const warnings = Array.isArray(msg.warnings) ? msg.warnings.map(String) : [];
  return {
    ops,
    opsPerSec: ops / seconds,
    bytesPerSec: typeof bytes === "number" ? bytes / seconds : null,
    p99Ms: typeof p99 === "number" ? p99 : null,
    warnings,
  };
}

/** How long to wait for a child's result: warm-up + duration + a margin for start-up and the check. */
export function resultTimeoutMs(warmup: number, duration: number): number {
  return (warmup + duration + 60) * 1000;
}
