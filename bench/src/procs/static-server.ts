/**
 * Child process: a Node static file server of the `static` workload, serving one directory on an
 * ephemeral 127.0.0.1 port, keep-alive on, no request log. Sends `{ type: "ready", port }`.
 *
 * - `stdhttp`: @stdhttp/simplehttpserver's `SimpleHTTPRequestHandler` on `ThreadingHTTPServer`
 *   (`./stdhttp-static.ts`).
 * - `sirv`: `sirv(dir, { dev: false, etag: true })` (production mode, as users run it) as the
 *   request listener of a `node:http` server.
 * - `http-server`: the `http-server` library's `createServer({ root, cache: 3600, showDir: "false" })`,
 *   what its CLI `http-server -s -c3600` builds (a `union` server on `node:http`).
 *
 * Config (argv[2], JSON): {@link StaticServerConfig}.
 * @module
 */
import { createServer, type Server } from "node:http";
import { exitWithParent, fail, readConfig, send } from "./ipc.js";
import { listenOnLoopback } from "./listen.js";
import { startStdhttpStatic } from "./stdhttp-static.js";

/** What the parent asks of this child. */
export interface StaticServerConfig {
  kind: "stdhttp" | "sirv" | "http-server";
  /** The directory served. */
  directory: string;
}

async function startSirv(directory: string): Promise<number> {
  const { default: sirv } = await import("sirv");
  const serve = sirv(directory, { dev: false, etag: true });
  return listenOnLoopback(createServer((req, res) => serve(req, res)));
}

async function startHttpServer(directory: string): Promise<number> {
  const { createServer: createHttpServer } = await import("http-server");
  // The library compares `showDir` with the string "false" (as its CLI passes it): `false` would list directories.
  const hs = createHttpServer({ root: directory, cache: 3600, showDir: "false", logFn: undefined });
  const server: Server = hs.server;
  return listenOnLoopback(server);
}

async function main(): Promise<void> {
  exitWithParent();
  const config = readConfig<StaticServerConfig>();
  let port: number;
  if (config.kind === "stdhttp") port = await startStdhttpStatic(config.directory);
  else if (config.kind === "sirv") port = await startSirv(config.directory);
  else port = await startHttpServer(config.directory);
  await send({ type: "ready", port });
}

void main().catch(fail);
