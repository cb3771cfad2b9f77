/**
 * The shapes every workload, contender and driver shares: what a run is asked to do
 * ({@link RunOptions}), what one contender measured ({@link Measurement}) and how a workload
 * describes itself to the registry ({@link Workload}).
 * @module
 */

/** What the command line asked for, handed to every workload. */
export interface RunOptions {
  /** Seconds each contender is timed (after its warm-up). */
  duration: number;
  /** Seconds each contender runs before timing starts (JIT, connection set-up). */
  warmup: number;
  /** Overrides a workload's default number of connections (or requests in flight), when given. */
  connections: number | null;
  /** HTTP load generator for server workloads. */
  driver: "wrk" | "autocannon";
  /** Print progress lines on stderr. */
  verbose: boolean;
  /** Times each contender is run, interleaved with the others; the median run is reported. */
  rounds: number;
  /** Pin servers to CPU 0 and load generators / clients to CPU 1 (`taskset`). */
  pin: boolean;
  /** Directory receiving a `--cpu-prof` profile of every Node child, or `null`. */
  cpuProfDir: string | null;
  /**
   * Server of the `client` workload: `native` (C, `scripts/http_fixture.c`, built on demand; falls
   * back to `node` with a warning when it cannot be built), `node` (`src/procs/http-fixture.ts`) or
   * `nginx` (`src/workloads/client-nginx.ts`: nginx must be installed, no fallback).
   */
  fixture: "native" | "node" | "nginx";
}

/** Unit of a {@link Measurement}'s rate. */
export type RateUnit = "req/s" | "rt/s" | "ops/s" | "MB/s";

/** What one contender did in one case. A failed or unavailable contender has `error` set and no numbers. */
export interface Measurement {
  /** Completed operations per second (requests, round trips, ...). */
  opsPerSec: number;
  /** Payload bytes per second, where the case moves bulk data. */
  bytesPerSec: number | null;
  /** 99th percentile latency of one operation, in milliseconds. */
  p99Ms: number | null;
  /** Operations counted during the timed window. */
  ops: number;
  /** Non-fatal trouble seen while timing (socket errors, non-2xx answers). */
  warnings: string[];
  /** CPU time (user + system) the server process used per operation in the timed window, in microseconds, where measured (`echo`). */
  serverCpuUsPerOp?: number;
}

/** One contender's row: its measurement, or why there is none. */
export interface ContenderResult {
  contender: string;
  /** True for the @stdhttp implementation the ratios are computed for. */
  isUs: boolean;
  measurement: Measurement | null;
  /** Why there is no measurement: the check failed, the implementation is missing, it crashed. */
  error: string | null;
  /** The rate of every successful round, in run order (one entry unless `--rounds` > 1). */
  roundRates: number[];
}

/** One contender of a case: a name and how to measure it. */
export interface Contender {
  /** Shown in the table, e.g. `"node:net"`, `"@stdhttp ThreadingTCPServer"`. */
  name: string;
  /** True for ours (exactly one per case). */
  isUs: boolean;
  /**
   * Check the contender answers correctly, then time it. Throw (with a clear message) when the
   * check fails or the contender cannot run: the runner records the message in place of numbers.
   */
  run(options: RunOptions): Promise<Measurement>;
}

/** One line group of the table: a named case with its contenders and targets. */
export interface BenchCase {
  /** Unique id, `<workload>-<variant>`, e.g. `echo-64b`; selectable on the command line. */
  id: string;
  /** One line saying what is measured. */
  description: string;
  /** Which rate the table shows and the ratio compares. */
  unit: RateUnit;
  contenders: Contender[];
  /** Minimum `us / peer` ratio per peer contender name (the brief's targets). */
  targets: Record<string, number>;
}

/** A workload: one file under `src/workloads/`, registered in `src/registry.ts`. */
export interface Workload {
  /** Name used on the command line, e.g. `echo`. */
  name: string;
  /** What the workload exercises (shown by `--list`). */
  description: string;
  /** The cases it runs, in order. */
  cases: BenchCase[];
}
