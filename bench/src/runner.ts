/**
 * Runs the selected cases: each contender in turn (never two at once, so they do not compete
 * for the two cores), catching each failure into its row so one broken contender never hides
 * the others' numbers. With `rounds` > 1 the contenders take turns round after round (so a
 * noisy neighbour hurts them alike) and each reports its median round.
 * @module
 */
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { rateOf, type CaseResult } from "./report.js";
import { formatLatency, formatRate } from "./table.js";
import type { BenchCase, Contender, ContenderResult, Measurement, RunOptions } from "./types.js";

/** Where and when a run happened (recorded with every JSON report). */
export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  node: string;
  date: string;
  /** 1-minute load average when the run started (how busy the shared machine was). */
  loadAvg1: number;
}

/** The machine this process runs on. */
export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    nproc: list.length,
    cpuModel: list[0]?.model ?? "unknown",
    node: process.version,
    date: new Date().toISOString(),
    loadAvg1: loadavg()[0] ?? 0,
  };
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, " ").trim();
}

function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9.-]+/g, "_").replace(/^_+|_+$/g, "");
}

/** The median measurement by rate (the lower middle one for an even count). */
export function medianByRate(runs: Measurement[], rate: (m: Measurement) => number): Measurement | null {
  const sorted = [...runs].sort((a, b) => rate(a) - rate(b));
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? null;
}

interface Tally {
  contender: Contender;
  runs: Measurement[];
  errors: string[];
}

/**
 * Run every contender of every case, `options.rounds` times each; `onProgress` hears about each step.
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
    const rate = (m: Measurement): number => rateOf(m, benchCase.unit);
    const tallies: Tally[] = benchCase.contenders.map((contender) => ({ contender, runs: [], errors: [] }));
    for (let round = 1; round <= options.rounds; round++) {
      for (const t of tallies) {
        const name = `${benchCase.id} / ${t.contender.name}${options.rounds > 1 ? ` (round ${round})` : ""}`;
        onProgress(`${name} ...`);
        const cpuProfDir =
          options.cpuProfDir === null ? null : join(options.cpuProfDir, benchCase.id, slug(t.contender.name), `r${round}`);
        try {
          const m = await t.contender.run({ ...options, cpuProfDir });
          t.runs.push(m);
          const cpu = m.serverCpuUsPerOp === undefined ? "" : `, server CPU ${m.serverCpuUsPerOp.toFixed(2)} us/op`;
          onProgress(`${name}: ${formatRate(rate(m), benchCase.unit)}, p99 ${formatLatency(m.p99Ms)}${cpu}`);
        } catch (err) {
          t.errors.push(message(err));
          onProgress(`${name}: ${message(err)}`);
        }
      }
    }
    const results: ContenderResult[] = tallies.map((t) => {
      const median = medianByRate(t.runs, rate);
      const failed = t.errors.length > 0 && median ? [`${t.errors.length} of ${options.rounds} rounds failed: ${t.errors[0]}`] : [];
      return {
        contender: t.contender.name,
        isUs: t.contender.isUs,
        measurement: median ? { ...median, warnings: [...median.warnings, ...failed] } : null,
        error: median ? null : (t.errors[0] ?? "no run"),
        roundRates: t.runs.map(rate),
      };
    });
    out.push({ benchCase, results });
  }
  return out;
}
