/**
 * Child process: the load of the `idle-conns` workload. On the parent's `{ type: "open", count }`
 * it opens `count` more keep-alive connections to 127.0.0.1:`port` (at most `concurrency`
 * connecting at once, so the listen backlog never overflows), sends one `GET` on each, checks
 * the answer byte for byte (`checkAnswer`) and leaves the connection open and idle; then it
 * answers `{ type: "opened", open, failed, closedByServer, firstError }`. `{ type: "status" }`
 * answers the same counts as `{ type: "status", ... }`; `{ type: "close-all" }` closes every
 * connection and answers `{ type: "closed" }`.
 * Config (argv[2], JSON): {@link IdleLoadConfig}.
 * @module
 */
import { connect, type Socket } from "node:net";
import { checkAnswer } from "./http-answer.js";
import { exitWithParent, fail, readConfig, send } from "./ipc.js";

/** What the parent asks of this child. */
export interface IdleLoadConfig {
  port: number;
  /** The body every answer must carry. */
  expected: string;
  /** Connections being set up at once. */
  concurrency: number;
}

const sockets = new Set<Socket>();
let failed = 0;
let closedByServer = 0;
let firstError: string | null = null;

function noteError(message: string): void {
  failed++;
  firstError ??= message;
}

/** Connect, GET, check the answer; resolves once the connection is idle (or failed, counted). */
function openOne(config: IdleLoadConfig, request: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ port: config.port, host: "127.0.0.1" });
    let text = "";
    let done = false;
    const finish = (error: string | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.removeAllListeners("data");
      if (error !== null) {
        noteError(error);
        socket.destroy();
      } else {
        sockets.add(socket);
        // From now on the server has no reason to close it: count it if it does.
        socket.once("close", () => {
          if (sockets.delete(socket)) closedByServer++;
        });
      }
      resolve();
    };
    const timer = setTimeout(() => finish("no answer within 10 s"), 10_000);
    socket.setEncoding("latin1");
    socket.on("connect", () => socket.write(request));
    socket.on("data", (s: string) => {
      text += s;
      const check = checkAnswer(text, config.expected);
      if (check.state === "ok") finish(null);
      else if (check.state === "wrong") finish(`wrong answer: ${check.reason}`);
    });
    socket.on("error", (err) => finish(err.message));
    socket.on("close", () => finish("closed before the answer was complete"));
  });
}

async function openMany(config: IdleLoadConfig, count: number): Promise<void> {
  const request = `GET / HTTP/1.1\r\nHost: 127.0.0.1:${config.port}\r\n\r\n`;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      await openOne(config, request);
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.concurrency, count) }, worker));
}

function counts(): { open: number; failed: number; closedByServer: number; firstError: string | null } {
  return { open: sockets.size, failed, closedByServer, firstError };
}

async function main(): Promise<void> {
  exitWithParent();
  const config = readConfig<IdleLoadConfig>();
  process.on("message", (raw) => {
    const msg = raw as { type: string; count?: number };
    if (msg.type === "open") {
      void openMany(config, msg.count ?? 0).then(() => send({ type: "opened", ...counts() }));
    } else if (msg.type === "status") {
      void send({ type: "status", ...counts() });
    } else if (msg.type === "close-all") {
      const all = [...sockets];
      sockets.clear();
      for (const s of all) s.destroy();
      void send({ type: "closed" });
    }
  });
  await send({ type: "ready" });
}

void main().catch(fail);
