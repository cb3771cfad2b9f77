/**
 * Child process: one echo server under test, `net` (a plain `node:net` server that writes
 * back each chunk it receives) or `stdhttp` (`ThreadingTCPServer` + a `StreamRequestHandler`
 * echoing line by line, as in the brief). Sends `{ type: "ready", port }`, then serves until killed;
 * answers `{ type: "cpu" }` with its CPU time (`{ type: "cpu", user, system }`, microseconds).
 * Config (argv[2], JSON): {@link EchoServerConfig}.
 * @module
 */
import { createServer } from "node:net";
import { listenOnLoopback } from "./listen.js";
import { exitWithParent, fail, readConfig, send } from "./ipc.js";
import { startStdhttpEcho } from "./stdhttp-echo.js";

/** What the parent asks of this child. */
export interface EchoServerConfig {
  kind: "net" | "stdhttp";
  /** Longest line the server must accept (the large-message variant needs more than 64 KiB). */
  maxLineLength: number;
}

function startNetEcho(): Promise<number> {
  // The fastest idiomatic node:net echo: write back what arrives. TCP_NODELAY on both
  // contenders (and the load generator) so Nagle never decides a round trip.
  const server = createServer({ noDelay: true }, (socket) => {
    socket.on("data", (chunk) => socket.write(chunk));
    socket.on("error", () => socket.destroy());
  });
  return listenOnLoopback(server);
}

/** Answer the parent's `{ type: "cpu" }` with this process's CPU time so far (`process.cpuUsage()`, microseconds). */
function answerCpuQueries(): void {
  process.on("message", (msg: { type?: string }) => {
    if (msg.type === "cpu") void send({ type: "cpu", ...process.cpuUsage() });
  });
}

async function main(): Promise<void> {
  exitWithParent();
  answerCpuQueries();
  const config = readConfig<EchoServerConfig>();
  const port = config.kind === "net" ? await startNetEcho() : await startStdhttpEcho(config.maxLineLength);
  await send({ type: "ready", port });
}

void main().catch(fail);
