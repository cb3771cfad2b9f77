/**
 * Command-line parsing: `pnpm bench [workload|case ...] [--duration s] [--warmup s]
 * [--connections n] [--driver wrk|autocannon] [--rounds n] [--fixture native|node|nginx] [--pin] [--cpu-prof] [--json] [--list]`.
 * @module
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { RunOptions } from "./types.js";

/** The parsed command line. */
export interface CliArgs {
  options: RunOptions;
  /** Workload names or case ids to run; empty means all. */
  selectors: string[];
  json: boolean;
  list: boolean;
  help: boolean;
}

/** Usage text printed by `--help`. */
export const USAGE = `usage: pnpm bench [workload|case ...] [options]

  workload|case      run only these (e.g. "echo", "client-1m"); default: all
  --duration <s>     seconds each contender is timed (default 5)
  --warmup <s>       untimed seconds before timing (default: 20% of duration, at most 2)
  --connections <n>  override the workload's connections / requests in flight
  --driver <name>    HTTP load generator: wrk (default when installed) or autocannon
  --rounds <n>       run each contender n times, interleaved; report the median (default 1)
  --pin              pin servers to CPU 0 and load generators / clients to CPU 1 (taskset)
  --cpu-prof         write a CPU profile of every Node child under results/cpu-prof/<time>/
                     (or --cpu-prof-dir <dir>) and print each one's top self-time functions
  --fixture <kind>   server of the client workload: native (C, default), node or nginx
  --json             print JSON instead of the table
  --list             list workloads and cases
  --verbose          progress on stderr
`;

function defaultProfileDir(): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return fileURLToPath(new URL(`../results/cpu-prof/${stamp}`, import.meta.url));
}

function positiveNumber(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${raw}"`);
  return n;
}

/**
 * Parse `argv` (without node and the script). `wrkInstalled` picks the default driver.
 *
 * @example
 * parseCli(["echo", "--duration", "2"], true).options.duration; // 2
 */
export function parseCli(argv: string[], wrkInstalled: boolean): CliArgs {
  const { values, positionals } = parseArgs({
    args: argv.filter((a) => a !== "--"),
    allowPositionals: true,
    options: {
      duration: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      driver: { type: "string" },
      rounds: { type: "string" },
      fixture: { type: "string" },
      pin: { type: "boolean", default: false },
      "cpu-prof": { type: "boolean", default: false },
      "cpu-prof-dir": { type: "string" },
      json: { type: "boolean", default: false },
      list: { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const duration = positiveNumber("duration", values.duration, 5);
  const warmup = values.warmup === "0" ? 0 : positiveNumber("warmup", values.warmup, Math.min(2, duration * 0.2));
  const connections = values.connections === undefined ? null : Math.round(positiveNumber("connections", values.connections, 1));
  const driver = values.driver ?? (wrkInstalled ? "wrk" : "autocannon");
  if (driver !== "wrk" && driver !== "autocannon") throw new Error(`--driver must be wrk or autocannon, got "${driver}"`);
  const fixture = values.fixture ?? "native";
  if (fixture !== "native" && fixture !== "node" && fixture !== "nginx") throw new Error(`--fixture must be native, node or nginx, got "${fixture}"`);
  return {
    options: {
      duration,
      warmup,
      connections,
      driver,
      verbose: values.verbose,
      rounds: Math.round(positiveNumber("rounds", values.rounds, 1)),
      pin: values.pin,
      cpuProfDir: values["cpu-prof-dir"] ?? (values["cpu-prof"] ? defaultProfileDir() : null),
      fixture,
    },
    selectors: positionals,
    json: values.json,
    list: values.list,
    help: values.help,
  };
}
