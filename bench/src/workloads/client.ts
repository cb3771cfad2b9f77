/**
 * Workload `client` (@stdhttp/httplib): HTTP clients against one local fixture server with
 * prebuilt answers: by default the C one (`scripts/http_fixture.c`: sendfile, a thread per
 * connection), so that the server is never what limits a client; `--fixture node` uses the
 * `node:net` one (`procs/http-fixture`), `--fixture nginx` a real nginx (`./client-nginx`). Each client runs in its own process for a fixed time
 * and counts completed requests; the body is always read fully into one Buffer.
 *
 * Besides the peers (undici, node:http), two references: CPython's `http.client` (what the
 * Python API we re-create does) and a minimal `node:net` client (about the least any Node client can do per request).
 * @module
 */
import { fileURLToPath } from "node:url";
import { Child, childOptions } from "../child.js";
import { BIG_PATH, SMALL_PATH } from "../fixtures.js";
import { buildNative } from "../native.js";
import { startNginx } from "./client-nginx.js";
import type { ClientKind, HttpClientConfig } from "../procs/http-client.js";
import { measurementFromResult, resultTimeoutMs } from "../result.js";
import type { BenchCase, Contender, Measurement, RunOptions, Workload } from "../types.js";

const PYTHON_CLIENT = fileURLToPath(new URL("../../scripts/http_client.py", import.meta.url));

/** The fixture server, started; `warning` says when the native one was asked for but could not be built. */
interface Fixture {
  port: number;
  warning: string | null;
  stop(): Promise<void>;
}

function childFixture(child: Child, port: number, warning: string | null): Fixture {
  return { port, warning, stop: () => child.stop() };
}

async function startFixture(options: RunOptions): Promise<Fixture> {
  let warning: string | null = null;
  if (options.fixture === "nginx") {
    // No fallback: whoever asks for nginx wants nginx's numbers (startNginx says what is missing).
    const server = await startNginx(childOptions(options, "server"));
    return { port: server.port, warning, stop: () => server.stop() };
  }
  if (options.fixture === "native") {
    const build = buildNative("http_fixture");
    if (build.path !== null) {
      const child = Child.spawn(build.path, ["0"], "http_fixture", childOptions(options, "server"));
      return childFixture(child, await child.announcedPort(), warning);
    }
    warning = `native fixture unavailable (${build.error}); the node:net fixture served this run`;
  }
  const child = Child.fork("http-fixture", [], childOptions(options, "server"));
  return childFixture(child, await child.announcedPort(), warning);
}

function withWarning(m: Measurement, warning: string | null): Measurement {
  return warning === null ? m : { ...m, warnings: [...m.warnings, warning] };
}

/** Starts the fixture, runs one client child against its port (`start`), and stops both. */
async function withFixture(options: RunOptions, start: (port: number) => { child: Child; result: Promise<Measurement> }): Promise<Measurement> {
  const server = await startFixture(options);
  let client: Child | null = null;
  try {
    const started = start(server.port);
    client = started.child;
    return withWarning(await started.result, server.warning);
  } finally {
    await client?.stop();
    await server.stop();
  }
}

function runClient(kind: ClientKind, path: string, inflight: number, options: RunOptions): Promise<Measurement> {
  return withFixture(options, (port) => {
    const config: HttpClientConfig = {
      kind,
      port,
      path,
      inflight: options.connections ?? inflight,
      warmup: options.warmup,
      duration: options.duration,
    };
    const child = Child.fork("http-client", [JSON.stringify(config)], childOptions(options, "load"));
    return { child, result: child.waitMessage("result", resultTimeoutMs(options.warmup, options.duration)).then(measurementFromResult) };
  });
}

function runPython(path: string, options: RunOptions): Promise<Measurement> {
  return withFixture(options, (port) => {
    const args = [PYTHON_CLIENT, String(port), path, String(options.warmup), String(options.duration)];
    const child = Child.spawn("python3", ["-u", ...args], "python3 http_client.py", childOptions(options, "load"));
    // A failure (timeout, exit) already carries the child's stderr tail (Child.waitLine).
    const result = child
      .waitLine(/^RESULT (.*)$/m, resultTimeoutMs(options.warmup, options.duration))
      .then((m) => measurementFromResult({ type: "result", ...(JSON.parse(m[1]) as Record<string, unknown>) }));
    return { child, result };
  });
}

function contenders(path: string, inflight: number): Contender[] {
  const list: Contender[] = [
    {
      name: inflight === 1 ? "@stdhttp HTTPConnection" : "@stdhttp HTTPConnectionPool",
      isUs: true,
      run: (o) => runClient("stdhttp", path, inflight, o),
    },
    { name: "undici", isUs: false, run: (o) => runClient("undici", path, inflight, o) },
    { name: "node:http", isUs: false, run: (o) => runClient("node-http", path, inflight, o) },
  ];
  // http.client has no pool (threads would measure the GIL): sequential cases only.
  if (inflight === 1) list.push({ name: "CPython http.client (ref)", isUs: false, run: (o) => runPython(path, o) });
  list.push({ name: "node:net minimal client (ref)", isUs: false, run: (o) => runClient("raw-net", path, inflight, o) });
  return list;
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
  description: "@stdhttp/httplib HTTPConnection vs undici vs node:http keep-alive Agent (CPython and a minimal node:net client as references)",
  cases,
};
