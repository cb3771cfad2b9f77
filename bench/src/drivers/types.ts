/**
 * What an HTTP load generator (wrk, autocannon) is asked to do.
 * @module
 */

/** One load run against an HTTP server. */
export interface HttpLoadSpec {
  /** e.g. `http://127.0.0.1:41234/` */
  url: string;
  connections: number;
  /** Requests sent back to back on each connection (1 = no pipelining). */
  pipelining: number;
  /** Seconds. */
  duration: number;
  /** Run the load generator pinned to this CPU (`taskset -c`), or anywhere for `null`. */
  cpu: number | null;
}

/** `[command, args]`, prefixed with `taskset -c <cpu>` when a CPU is given. */
export function pinned(cpu: number | null, command: string, args: string[]): [string, string[]] {
  return cpu === null ? [command, args] : ["taskset", ["-c", String(cpu), command, ...args]];
}
