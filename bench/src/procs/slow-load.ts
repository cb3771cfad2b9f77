/**
 * Child process: the slow clients of the `slowloris` workload. Opens `connections` sockets to
 * 127.0.0.1:`port` (at most 200 connecting at once), then sends each one's request head one
 * byte every `intervalSeconds`, the connections spread evenly over the interval (one timer for
 * all of them). The head never completes in time (a long `X-Slow` field). Sends
 * `{ type: "ready", opened, failed }` once every connection is up; `{ type: "count" }` is
 * answered with `{ type: "count", bytesSent, open, closed }`. After `holdSeconds` (counted from
 * `ready`) it stops sending, closes what is left and sends `{ type: "result", ... }`
 * ({@link SlowLoadResult}): when the server closed each connection it closed, and what it said.
 * Config (argv[2], JSON): {@link SlowLoadConfig}.
 * @module
 */
import { connect, type Socket } from "node:net";
import { exitWithParent, fail, readConfig, send } from "./ipc.js";

/** What the parent asks of this child. */
export interface SlowLoadConfig {
  port: number;
  connections: number;
  /** Seconds between two bytes on one connection. */
  intervalSeconds: number;
  /** Seconds the slow clients keep going once all are connected; then the child reports and stops. */
  holdSeconds: number;
}

/** What the slow clients saw. */
export interface SlowLoadResult {
  type: "result";
  opened: number;
  /** Bytes of head sent in all. */
  bytesSent: number;
  /** Seconds after `ready` at which the server closed a connection, one entry per closed one, sorted. */
  closedAt: number[];
  /** The first line the server sent before closing (e.g. `HTTP/1.1 408 Request Timeout`), with counts. */
  answers: Record<string, number>;
  /** Connections still open at the end (closed by this child). */
  stillOpen: number;
}

const HEAD = `GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${"x".repeat(4096)}\r\n\r\n`;

interface SlowConnection {
  socket: Socket;
  sent: number;
  closedAt: number | null;
  answer: string;
}

function open(port: number): Promise<SlowConnection | null> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1", noDelay: true });
    socket.once("connect", () => {
      socket.off("error", onError);
      resolve({ socket, sent: 0, closedAt: null, answer: "" });
    });
    const onError = (): void => resolve(null);
    socket.once("error", onError);
  });
}

async function main(): Promise<void> {
  exitWithParent();
  const config = readConfig<SlowLoadConfig>();
  const conns: SlowConnection[] = [];
  let failed = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < config.connections) {
      next++;
      const c = await open(config.port);
      if (c === null) failed++;
      else conns.push(c);
    }
  };
  await Promise.all(Array.from({ length: Math.min(200, config.connections) }, worker));

  const start = performance.now();
  const elapsed = (): number => (performance.now() - start) / 1000;
  let bytesSent = 0;
  let closed = 0;
  for (const c of conns) {
    c.socket.setEncoding("latin1");
    c.socket.on("data", (s: string) => {
      if (c.answer.length < 200) c.answer += s;
    });
    c.socket.on("error", () => undefined);
    c.socket.once("close", () => {
      if (c.closedAt === null) {
        c.closedAt = elapsed();
        closed++;
      }
    });
  }
  // One byte per connection per interval, in a fixed order: by time t, byte number floor(t * rate) is due.
  const rate = conns.length / config.intervalSeconds;
  let due = 0;
  const tick = (): void => {
    const target = Math.floor(elapsed() * rate) + 1;
    for (; due < target; due++) {
      const c = conns[due % conns.length];
      if (c === undefined || c.closedAt !== null || c.socket.destroyed) continue;
      c.socket.write(HEAD[c.sent % HEAD.length]);
      c.sent++;
      bytesSent++;
    }
  };
  const ticker = setInterval(tick, 10);
  tick();
  process.on("message", (raw) => {
    if ((raw as { type: string }).type === "count") void send({ type: "count", bytesSent, open: conns.length - closed, closed });
  });
  await send({ type: "ready", opened: conns.length, failed });

  await new Promise((resolve) => setTimeout(resolve, config.holdSeconds * 1000));
  clearInterval(ticker);
  const closedAt: number[] = [];
  const answers: Record<string, number> = {};
  let stillOpen = 0;
  for (const c of conns) {
    if (c.closedAt === null) {
      stillOpen++;
      c.socket.destroy();
      continue;
    }
    closedAt.push(c.closedAt);
    const first = c.answer === "" ? "(nothing)" : c.answer.split("\r\n")[0];
    answers[first] = (answers[first] ?? 0) + 1;
  }
  closedAt.sort((a, b) => a - b);
  const result: SlowLoadResult = { type: "result", opened: conns.length, bytesSent, closedAt, answers, stillOpen };
  await send({ ...result });
}

void main().catch(fail);
