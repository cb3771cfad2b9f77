/**
 * Workload `hello` (@stdhttp/basehttpserver): a "Hello, world!" page over HTTP/1.1 keep-alive,
 * driven by wrk (1 thread) or autocannon, against ours, node:http and CPython's
 * `ThreadingHTTPServer` (HTTP/1.1, quiet log, otherwise stock). Each server runs in its own process.
 * @module
 */
import { fileURLToPath } from "node:url";
import { Child, childOptions } from "../child.js";
import { checkKeepAlive, checkPipelined } from "../drivers/http-check.js";
import { driveHttp } from "../drivers/http-load.js";
import { HELLO_BODY } from "../fixtures.js";
import type { HelloServerConfig } from "../procs/hello-server.js";
import type { BenchCase, Contender, Measurement, RunOptions, Workload } from "../types.js";

const PYTHON_SERVER = fileURLToPath(new URL("../../scripts/hello_server.py", import.meta.url));

type ServerKind = HelloServerConfig["kind"] | "cpython";

async function startServer(kind: ServerKind, options: RunOptions): Promise<{ child: Child; port: number }> {
  const child =
    kind === "cpython"
      ? Child.spawn("python3", ["-u", PYTHON_SERVER], "python3 hello_server.py", childOptions(options, "server"))
      : Child.fork("hello-server", [JSON.stringify({ kind } satisfies HelloServerConfig)], childOptions(options, "server"));
  return { child, port: await child.announcedPort() };
}

async function runHello(kind: ServerKind, connections: number, pipelining: number, options: RunOptions): Promise<Measurement> {
  const { child, port } = await startServer(kind, options);
  try {
    const url = `http://127.0.0.1:${port}/`;
    await checkKeepAlive(url, HELLO_BODY);
    if (pipelining > 1) await checkPipelined(port, HELLO_BODY, pipelining);
    return await driveHttp({ url, connections: options.connections ?? connections, pipelining }, options);
  } finally {
    await child.stop();
  }
}

function contenders(connections: number, pipelining: number): Contender[] {
  return [
    { name: "@stdhttp ThreadingHTTPServer", isUs: true, run: (o) => runHello("stdhttp", connections, pipelining, o) },
    { name: "node:http", isUs: false, run: (o) => runHello("node-http", connections, pipelining, o) },
    { name: "CPython ThreadingHTTPServer", isUs: false, run: (o) => runHello("cpython", connections, pipelining, o) },
  ];
}

const cases: BenchCase[] = [
  {
    id: "hello-c10",
    description: "GET / (13-byte body), keep-alive, 10 connections, 1 load thread",
    unit: "req/s",
    contenders: contenders(10, 1),
    targets: {},
  },
  {
    id: "hello-c50",
    description: "GET / (13-byte body), keep-alive, 50 connections, 1 load thread",
    unit: "req/s",
    contenders: contenders(50, 1),
    targets: {},
  },
  {
    id: "hello-pipelined",
    description: "GET / pipelined 16 deep on each of 10 connections (wrk Lua script / autocannon -p)",
    unit: "req/s",
    contenders: contenders(10, 16),
    targets: {},
  },
];

/** The `hello` workload. */
export const hello: Workload = {
  name: "hello",
  description: "HTTP hello page: @stdhttp/basehttpserver vs node:http vs CPython http.server (wrk)",
  cases,
};
