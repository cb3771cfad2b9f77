/**
 * Child process: the HTTP/1.1 server the `client` workload's clients talk to. A raw `node:net`
 * server that answers `GET /small` and `GET /1m` from prebuilt responses (keep-alive,
 * pipelining allowed), so the server costs as little as possible and the clients are what is
 * measured. Sends `{ type: "ready", port }`, then serves until killed.
 * @module
 */
import { createServer, type Socket } from "node:net";
import { BIG_BODY, BIG_PATH, SMALL_BODY, SMALL_PATH } from "../fixtures.js";
import { listenOnLoopback } from "./listen.js";
import { exitWithParent, fail, send } from "./ipc.js";

function response(body: Buffer | null): Buffer {
  const status = body ? "200 OK" : "404 Not Found";
  const payload = body ?? Buffer.from("not found\n");
  const head = `HTTP/1.1 ${status}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${payload.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), payload]);
}

const RESPONSES = new Map<string, Buffer>([
  [SMALL_PATH, response(SMALL_BODY)],
  [BIG_PATH, response(BIG_BODY)],
]);
const NOT_FOUND = response(null);

/** Answer every complete request head in `pending`; return what is left (an incomplete head). */
function answer(socket: Socket, pending: string): string {
  let start = 0;
  for (;;) {
    const end = pending.indexOf("\r\n\r\n", start);
    if (end === -1) break;
    const methodEnd = pending.indexOf(" ", start);
    const path = pending.slice(methodEnd + 1, pending.indexOf(" ", methodEnd + 1));
    socket.write(RESPONSES.get(path) ?? NOT_FOUND);
    start = end + 4;
  }
  return start === 0 ? pending : pending.slice(start);
}

function serve(socket: Socket): void {
  let pending = "";
  socket.setNoDelay(true);
  socket.on("data", (chunk: Buffer) => {
    socket.cork();
    pending = answer(socket, pending + chunk.toString("latin1"));
    socket.uncork();
    if (pending.length > 65536) socket.destroy();
  });
  socket.on("error", () => socket.destroy());
}

async function main(): Promise<void> {
  exitWithParent();
  const server = createServer(serve);
  const port = await listenOnLoopback(server);
  await send({ type: "ready", port });
}

void main().catch(fail);
