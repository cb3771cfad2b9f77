/**
 * Child process: the server of the `idle-conns` and `slowloris` workloads, `node-http` or
 * `stdhttp` (@stdhttp/basehttpserver's `ThreadingHTTPServer` with the package README's HTTP/1.1
 * handler), answering `GET` with the hello page. Sends `{ type: "ready", port }`, then answers
 * the parent's questions about itself over IPC:
 *
 * - `{ type: "memory" }`: runs a full GC (twice), then answers `{ type: "memory", heapUsed,
 *   heapTotal, external, arrayBuffers, rss, connections }` (bytes; `connections`: sockets the
 *   listening socket holds open). The parent reads `VmRSS` from `/proc/<pid>/status` itself.
 * - `{ type: "cpu" }`: `{ type: "cpu", user, system }` (microseconds, `process.cpuUsage()`).
 * - `{ type: "snapshot", path }`: `v8.writeHeapSnapshot(path)`, then `{ type: "snapshot", path }`.
 *
 * Config (argv[2], JSON): {@link HoldServerConfig}.
 * @module
 */
import { createServer } from "node:http";
import type { Server } from "node:net";
import { setFlagsFromString, writeHeapSnapshot } from "node:v8";
import { runInNewContext } from "node:vm";
import { HELLO_BODY } from "../fixtures.js";
import { exitWithParent, fail, readConfig, send } from "./ipc.js";
import { listenOnLoopback, serveOnLoopback } from "./listen.js";
import { helloHandler } from "./stdhttp-hello.js";

/** What the parent asks of this child. */
export interface HoldServerConfig {
  kind: "node-http" | "stdhttp";
  /**
   * Seconds an idle keep-alive connection is kept (ours: `keepAliveTimeout`; node:http:
   * `server.keepAliveTimeout`); `null` keeps each server's default. Every other limit keeps
   * its default (header timeout 60 s on both).
   */
  keepAliveTimeout: number | null;
}

/** A forced full GC without `--expose-gc` on the command line (`Child.fork` sets the flags). */
function exposeGc(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

async function startNode(config: HoldServerConfig): Promise<Server> {
  const body = Buffer.from(HELLO_BODY);
  const server = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": body.length });
    res.end(body);
  });
  if (config.keepAliveTimeout !== null) server.keepAliveTimeout = config.keepAliveTimeout * 1000;
  await listenOnLoopback(server);
  return server;
}

async function startStdhttp(config: HoldServerConfig): Promise<Server> {
  // Imported here, not at the top: the node:http contender must run even when ours is not built.
  const { ThreadingHTTPServer } = await import("@stdhttp/basehttpserver");
  const Hello = await helloHandler(HELLO_BODY);
  const options = config.keepAliveTimeout === null ? {} : { keepAliveTimeout: config.keepAliveTimeout };
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], Hello, options);
  await serveOnLoopback(server);
  return server.socket;
}

function connections(server: Server): Promise<number> {
  return new Promise((resolve) => server.getConnections((err, n) => resolve(err ? -1 : n)));
}

async function main(): Promise<void> {
  exitWithParent();
  const config = readConfig<HoldServerConfig>();
  const gc = exposeGc();
  const server = config.kind === "node-http" ? await startNode(config) : await startStdhttp(config);
  process.on("message", (raw) => {
    const msg = raw as { type: string; path?: string };
    if (msg.type === "memory") {
      // Twice: the first full GC runs finalizers (external ArrayBuffers), the second frees what they held.
      gc();
      gc();
      const m = process.memoryUsage();
      void connections(server).then((n) =>
        send({ type: "memory", heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss, connections: n }),
      );
    } else if (msg.type === "cpu") {
      const c = process.cpuUsage();
      void send({ type: "cpu", user: c.user, system: c.system });
    } else if (msg.type === "snapshot" && typeof msg.path === "string") {
      gc();
      const path = writeHeapSnapshot(msg.path);
      void send({ type: "snapshot", path });
    }
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  await send({ type: "ready", port: address.port });
}

void main().catch(fail);
