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
}
