/**
 * `pnpm bench`: parse the command line, run the selected workloads side by side, print one
 * table (or JSON). Exit code 0 even when a target is missed (the table says so); 2 on bad usage.
 * @module
 */
import { spawnSync } from "node:child_process";
import { parseCli, USAGE, type CliArgs } from "./args.js";
import { selectCases, WORKLOADS } from "./registry.js";
import { rowsOf } from "./report.js";
import { summarizeProfiles } from "./profile.js";
import { machineInfo, runCases } from "./runner.js";
import { formatTable } from "./table.js";

function wrkInstalled(): boolean {
  return spawnSync("wrk", ["-v"], { stdio: "ignore" }).error === undefined;
}

async function main(): Promise<void> {
  let args: CliArgs;
  try {
    args = parseCli(process.argv.slice(2), wrkInstalled());
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (args.list) {
    for (const w of WORKLOADS) {
      process.stdout.write(`${w.name}: ${w.description}\n`);
      for (const c of w.cases) process.stdout.write(`  ${c.id}: ${c.description}\n`);
    }
    return;
  }
  let cases;
  try {
    cases = selectCases(WORKLOADS, args.selectors);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
    return;
  }
  const machine = machineInfo();
  const { options } = args;
  const progress = args.options.verbose || !args.json ? (line: string) => process.stderr.write(`# ${line}\n`) : undefined;
  progress?.(
    `${machine.date}, ${machine.nproc} x ${machine.cpuModel}, load ${machine.loadAvg1.toFixed(2)}, node ${machine.node}; ${options.duration} s timed + ${options.warmup} s warm-up per contender` +
      `${options.rounds > 1 ? `, ${options.rounds} rounds (median)` : ""}; HTTP driver ${options.driver}`,
  );
  const results = await runCases(cases, options, progress);
  const rows = results.flatMap(rowsOf);
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ machine, options, rows }, null, 2)}\n`);
  } else {
    process.stdout.write(formatTable(rows));
  }
  if (options.cpuProfDir !== null) {
    const summary = await summarizeProfiles(options.cpuProfDir);
    (args.json ? process.stderr : process.stdout).write(`\n${summary}`);
  }
}

void main();
