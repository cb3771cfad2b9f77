/**
 * Workload `client` (@stdhttp/httplib): HTTP clients against one local fixture server
 * (`procs/http-fixture`, raw node:net, prebuilt answers). Each client runs in its own process
 * for a fixed time and counts completed requests; the body is always read fully into one Buffer.
 * @module
 */
import { Child, childOptions } from "../child.js";
import { BIG_PATH, SMALL_PATH } from "../fixtures.js";
import type { ClientKind, HttpClientConfig } from "../procs/http-client.js";
import { measurementFromResult, resultTimeoutMs } from "../result.js";
import type { BenchCase, Contender, Measurement, RunOptions, Workload } from "../types.js";

async function runClient(kind: ClientKind, path: string, inflight: number, options: RunOptions): Promise<Measurement> {
  const server = Child.fork("http-fixture", [], childOptions(options, "server"));
  let client: Child | null = null;
  try {
    const ready = await server.waitMessage("ready");
    const config: HttpClientConfig = {
      kind,
      port: Number(ready.port),
      path,
      inflight: options.connections ?? inflight,
      warmup: options.warmup,
      duration: options.duration,
    };
    client = Child.fork("http-client", [JSON.stringify(config)], childOptions(options, "load"));
    return measurementFromResult(await client.waitMessage("result", resultTimeoutMs(options.warmup, options.duration)));
  } finally {
    await client?.stop();
    await server.stop();
  }
}

function contenders(path: string, inflight: number): Contender[] {
  return [
    {
      name: inflight === 1 ? "@stdhttp HTTPConnection" : "@stdhttp HTTPConnectionPool",
      isUs: true,
      run: (o) => runClient("stdhttp", path, inflight, o),
    },
    { name: "undici", isUs: false, run: (o) => runClient("undici", path, inflight, o) },
    { name: "node:http", isUs: false, run: (o) => runClient("node-http", path, inflight, o) },
  ];
}

const cases: BenchCase[] = [
  {
    id: "client-seq",
    description: "sequential keep-alive GETs, 1 in flight, 14-byte body",
    unit: "req/s",
    contenders: contenders(SMALL_PATH, 1),
    targets: { undici: 1.2 },
  },
  {
    id: "client-10",
    description: "10 GETs in flight (10 keep-alive connections), 14-byte body",
    unit: "req/s",
    contenders: contenders(SMALL_PATH, 10),
    targets: { undici: 1.0 },
  },
  {
    id: "client-1m",
    description: "sequential GETs of a 1 MiB body, read fully into one Buffer",
    unit: "req/s",
    contenders: contenders(BIG_PATH, 1),
    targets: { undici: 3 },
  },
];

/** The `client` workload. */
export const client: Workload = {
  name: "client",
  description: "@stdhttp/httplib HTTPConnection vs undici vs node:http keep-alive Agent",
  cases,
};
