/**
 * What the `client` workload needs from each HTTP client under test.
 * @module
 */

/** A complete response: status and the whole body in one Buffer. */
export interface FullResponse {
  status: number;
  body: Buffer;
}

/** One client under test, set up for `inflight` concurrent requests to one origin. */
export interface BenchClient {
  /** `GET path`, body read fully into one Buffer. */
  get(path: string): Promise<FullResponse>;
  /** Close its connections. */
  close(): Promise<void>;
}

/** Builds a client for `http://127.0.0.1:<port>` that will carry `inflight` requests at once. */
export type ClientFactory = (port: number, inflight: number) => Promise<BenchClient>;
