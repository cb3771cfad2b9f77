/**
 * Child process: one HTTP client under test, which is also the load generator. Checks
 * one response, then `inflight` concurrent ones, byte for byte; then keeps `inflight` requests
 * going for `warmup` + `duration` seconds and reports `{ type: "result", ops, seconds, p99Ms, bytes }`
 * for the timed part. Every timed response is checked for status 200 and body length.
 * Config (argv[2], JSON): {@link HttpClientConfig}.
 * @module
 */
import { performance } from "node:perf_hooks";
import { bodyFor } from "../fixtures.js";
import { LatencyRecorder } from "../stats.js";
import type { BenchClient, ClientFactory } from "./clients/types.js";
import { exitWithParent, fail, readConfig, send, sleep } from "./ipc.js";

/** Which client to run. */
export type ClientKind = "stdhttp" | "undici" | "node-http" | "raw-net";

/** What the parent asks of this child. */
export interface HttpClientConfig {
  kind: ClientKind;
  port: number;
  path: string;
  inflight: number;
  warmup: number;
  duration: number;
}

// Loaded on demand: only the client under test is in this process. Loading every client's
// library in every child (undici's is large) made V8 collect garbage for all of them.
const FACTORIES: Record<ClientKind, () => Promise<ClientFactory>> = {
  stdhttp: async () => (await import("./clients/stdhttp.js")).createStdhttpClient,
  undici: async () => (await import("./clients/undici.js")).createUndiciClient,
  "node-http": async () => (await import("./clients/node-http.js")).createNodeHttpClient,
  "raw-net": async () => (await import("./clients/raw-net.js")).createRawNetClient,
};

async function check(client: BenchClient, path: string, expected: Buffer, count: number): Promise<void> {
  const responses = await Promise.all(Array.from({ length: count }, () => client.get(path)));
  for (const r of responses) {
    if (r.status !== 200) throw new Error(`check failed: GET ${path} answered status ${r.status}`);
    if (!r.body.equals(expected)) {
      throw new Error(`check failed: GET ${path} body differs (${r.body.length} bytes, expected ${expected.length})`);
    }
  }
}

async function main(): Promise<void> {
  exitWithParent();
  const config = readConfig<HttpClientConfig>();
  const expected = bodyFor(config.path);
  if (!expected) throw new Error(`no fixture body for ${config.path}`);
  const client = await (await FACTORIES[config.kind]())(config.port, config.inflight);
  await check(client, config.path, expected, 1);
  await check(client, config.path, expected, config.inflight);

  const state = { phase: "warmup" as "warmup" | "measure" | "done", ops: 0, failure: null as Error | null };
  const latencies = new LatencyRecorder();
  const worker = async (): Promise<void> => {
    while (state.phase !== "done" && !state.failure) {
      const sent = performance.now();
      const r = await client.get(config.path);
      if (r.status !== 200 || r.body.length !== expected.length) {
        state.failure = new Error(`bad response during the run: status ${r.status}, ${r.body.length} body bytes`);
      } else if (state.phase === "measure") {
        state.ops++;
        latencies.record(performance.now() - sent);
      }
    }
  };
  const workers = Array.from({ length: config.inflight }, () =>
    worker().catch((err: unknown) => {
      state.failure ??= err instanceof Error ? err : new Error(String(err));
    }),
  );

  await sleep(config.warmup);
  state.phase = "measure";
  state.ops = 0;
  latencies.reset();
  const start = performance.now();
  await sleep(config.duration);
  const seconds = (performance.now() - start) / 1000;
  const ops = state.ops;
  state.phase = "done";
  // Let the last requests finish (a failure among them still fails the run), but do not wait
  // forever on a client that lost one.
  const settled = await Promise.race([Promise.all(workers).then(() => true), sleep(5).then(() => false)]);
  if (state.failure) throw state.failure;
  const warnings = settled ? [] : ["requests still unanswered 5 s after the timed window"];
  if (settled) await client.close();
  await send({ type: "result", ops, seconds, p99Ms: latencies.percentile(99), bytes: ops * expected.length, warnings });
  process.exit(0);
}

void main().catch(fail);
