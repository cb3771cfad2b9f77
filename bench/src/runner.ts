/**
 * Runs the selected cases: each contender in turn (never two at once, so they do not compete
 * for the two cores), catching each failure into its row so one broken contender never hides
 * the others' numbers.
 * @module
 */
import { cpus } from "node:os";
import { rateOf, type CaseResult } from "./report.js";
import { formatLatency, formatRate } from "./table.js";
import type { BenchCase, ContenderResult, RunOptions } from "./types.js";

/** Where and when a run happened (recorded with every JSON report). */
export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  node: string;
  date: string;
}

/** The machine this process runs on. */
export function machineInfo(): MachineInfo {
  const list = cpus();
  return { nproc: list.length, cpuModel: list[0]?.model ?? "unknown", node: process.version, date: new Date().toISOString() };
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, " ").trim();
}

/**
 * Run every contender of every case in order; `onProgress` hears about each step.
 *
 * @example
 * const results = await runCases(selectCases(WORKLOADS, ["echo"]), options);
 */
export async function runCases(
  cases: BenchCase[],
  options: RunOptions,
  onProgress: (line: string) => void = () => {},
): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  for (const benchCase of cases) {
    const results: ContenderResult[] = [];
    for (const c of benchCase.contenders) {
      onProgress(`${benchCase.id} / ${c.name} ...`);
      try {
        const measurement = await c.run(options);
        results.push({ contender: c.name, isUs: c.isUs, measurement, error: null });
        onProgress(
          `${benchCase.id} / ${c.name}: ${formatRate(rateOf(measurement, benchCase.unit), benchCase.unit)}, p99 ${formatLatency(measurement.p99Ms)}`,
        );
      } catch (err) {
        results.push({ contender: c.name, isUs: c.isUs, measurement: null, error: message(err) });
        onProgress(`${benchCase.id} / ${c.name}: ${message(err)}`);
      }
    }
    out.push({ benchCase, results });
  }
  return out;
}
