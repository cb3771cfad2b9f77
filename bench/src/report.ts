/**
 * From raw contender results to report rows: the rate in the case's unit and the
 * `us / peer` ratio checked against the case's target. Pure functions (tested).
 * @module
 */
import type { BenchCase, ContenderResult, Measurement, RateUnit } from "./types.js";

/** Everything measured for one case. */
export interface CaseResult {
  benchCase: Pick<BenchCase, "id" | "description" | "unit" | "targets">;
  results: ContenderResult[];
}

/** One row of the report, before formatting. */
export interface ReportRow {
  workload: string;
  /** What the case measures. */
  description: string;
  contender: string;
  isUs: boolean;
  unit: RateUnit;
  /** The rate in `unit` (`null` when the contender has no measurement). */
  rate: number | null;
  p99Ms: number | null;
  /** `us / peer` on peer rows (`null` on our row or when either side is missing). */
  ratio: number | null;
  /** The minimum ratio asked for against this peer, if any. */
  target: number | null;
  /** Whether `ratio` reaches `target` (`null` without both). */
  meetsTarget: boolean | null;
  error: string | null;
  warnings: string[];
  /** The rate of each successful round (see `--rounds`). */
  roundRates: number[];
}

/** The number a case compares: bytes/s shown as MB/s (10^6 bytes) for `MB/s` cases, operations/s otherwise. */
export function rateOf(m: Measurement, unit: RateUnit): number {
  if (unit === "MB/s") return (m.bytesPerSec ?? 0) / 1e6;
  return m.opsPerSec;
}

/**
 * Rows of one case, with ratios computed against our contender.
 *
 * @example
 * rowsOf({ benchCase, results }).map((r) => r.ratio); // [null, 0.97] for [us, peer]
 */
export function rowsOf({ benchCase, results }: CaseResult): ReportRow[] {
  const us = results.find((r) => r.isUs);
  const usRate = us?.measurement ? rateOf(us.measurement, benchCase.unit) : null;
  return results.map((r) => {
    const rate = r.measurement ? rateOf(r.measurement, benchCase.unit) : null;
    const ratio = !r.isUs && usRate !== null && rate !== null && rate > 0 ? usRate / rate : null;
    const target = r.isUs ? null : (benchCase.targets[r.contender] ?? null);
    return {
      workload: benchCase.id,
      description: benchCase.description,
      contender: r.contender,
      isUs: r.isUs,
      unit: benchCase.unit,
      rate,
      p99Ms: r.measurement?.p99Ms ?? null,
      ratio,
      target,
      meetsTarget: ratio !== null && target !== null ? ratio >= target : null,
      error: r.error,
      warnings: r.measurement?.warnings ?? [],
      roundRates: r.roundRates,
    };
  });
}
