/**
 * Child process: a "Hello, world!" HTTP/1.1 keep-alive server, `node-http` (node:http) or
 * `stdhttp` (@stdhttp/basehttpserver's ThreadingHTTPServer). Sends `{ type: "ready", port }`.
 * Config (argv[2], JSON): {@link HelloServerConfig}.
 * @module
 */
import { createServer } from "node:http";
import { HELLO_BODY } from "../fixtures.js";
import { listenOnLoopback } from "./listen.js";
import { exitWithParent, fail, readConfig, send } from "./ipc.js";
import { startStdhttpHello } from "./stdhttp-hello.js";

/** What the parent asks of this child. */
export interface HelloServerConfig {
  kind: "node-http" | "stdhttp";
}

function startNodeHello(): Promise<number> {
  const body = Buffer.from(HELLO_BODY);
  const server = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": body.length });
    res.end(body);
  });
  return listenOnLoopback(server);
}

async function main(): Promise<void> {
  exitWithParent();
  const config = readConfig<HelloServerConfig>();
  const port = config.kind === "node-http" ? await startNodeHello() : await startStdhttpHello(HELLO_BODY);
  await send({ type: "ready", port });
}

void main().catch(fail);
