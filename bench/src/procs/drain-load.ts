/**
 * Child process: the load of the `static-1g-rss` and `proxy-1g-rss` cases. Opens `clients`
 * connections at once, each sending one `GET <path>` (with `Host: <host>`) and reading the whole
 * answer into a fixed buffer of its own (Node's `onread`: no allocation per chunk, so the load
 * generator stays cheap and its memory flat), then closing. Every answer must be `200` with
 * `Content-Length: <expectedLength>` and exactly that many body bytes. Sends `{ type: "ready" }`,
 * waits for `{ type: "start" }`, then `{ type: "result", seconds, bytes, completed, failures,
 * firstError, cpuUs }` (`cpuUs`: this process's CPU time, user + system, for the parent's check
 * that the load was not the bottleneck).
 *
 * Config (argv[2], JSON): {@link DrainLoadConfig}.
 * @module
 */
import { connect } from "node:net";
import { exitWithParent, fail, readConfig, send } from "./ipc.js";

/** What the parent asks of this child. */
export interface DrainLoadConfig {
  port: number;
  /** The request target, e.g. `/huge.bin`; through a proxy the absolute URL (`http://127.0.0.1:8080/huge.bin`). */
  path: string;
  /** The `Host` header; `127.0.0.1:<port>` when absent (through a proxy: the origin's host). */
  host?: string;
  /** Concurrent downloads, one connection each. */
  clients: number;
  /** Body length every answer must have. */
  expectedLength: number;
  /** Give up on a download that receives nothing for this many seconds. */
  idleTimeoutSeconds: number;
}

/** Bytes each connection reads into at a time. */
const READ_BUFFER = 256 * 1024;
/** Longest response head accepted. */
const MAX_HEAD = 16 * 1024;

/** Outcome of one download. */
interface Download {
  bytes: number;
  error: string | null;
}

/**
 * The body length a response head announces, after checking its status; throws with a clear
 * reason otherwise. Exported for tests.
 *
 * @example
 * parseHead("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"); // 5
 */
export function parseHead(head: string): number {
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  if (!status) throw new Error(`not an HTTP/1.x answer: ${JSON.stringify(head.slice(0, 40))}`);
  if (status[1] !== "200") throw new Error(`status ${status[1]}`);
  if (/^transfer-encoding:/im.test(head)) throw new Error("Transfer-Encoding instead of Content-Length");
  const length = /^content-length:\s*(\d+)\s*$/im.exec(head);
  if (!length) throw new Error("no Content-Length");
  return Number(length[1]);
}

function download(config: DrainLoadConfig): Promise<Download> {
  return new Promise((resolve) => {
    let head = "";
    let bodyLength = -1;
    let bytes = 0;
    let settled = false;
    const buffer = Buffer.allocUnsafe(READ_BUFFER);
    const finish = (error: string | null): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve({ bytes, error });
    };
    const onBody = (n: number): void => {
      bytes += n;
      if (bytes > bodyLength) finish(`${bytes - bodyLength} bytes past the announced ${bodyLength}`);
      else if (bytes === bodyLength) finish(null);
    };
    const socket = connect({
      port: config.port,
      host: "127.0.0.1",
      onread: {
        buffer,
        callback(n: number, buf: Uint8Array): boolean {
          if (bodyLength >= 0) {
            onBody(n);
            return true;
          }
          head += Buffer.from(buf.buffer, buf.byteOffset, n).toString("latin1");
          const end = head.indexOf("\r\n\r\n");
          if (end < 0) {
            if (head.length > MAX_HEAD) finish(`no end of the response head in ${head.length} bytes`);
            return true;
          }
          try {
            bodyLength = parseHead(head.slice(0, end + 4));
          } catch (err) {
            finish(err instanceof Error ? err.message : String(err));
            return true;
          }
          if (bodyLength !== config.expectedLength) {
            finish(`Content-Length ${bodyLength}, expected ${config.expectedLength}`);
            return true;
          }
          const rest = head.length - (end + 4);
          head = "";
          if (rest > 0) onBody(rest);
          else if (bodyLength === 0) finish(null);
          return true;
        },
      },
    });
    socket.setTimeout(config.idleTimeoutSeconds * 1000, () => finish(`nothing received for ${config.idleTimeoutSeconds} s after ${bytes} body bytes`));
    socket.on("connect", () => socket.write(`GET ${config.path} HTTP/1.1\r\nHost: ${config.host ?? `127.0.0.1:${config.port}`}\r\nConnection: close\r\n\r\n`));
    socket.on("error", (err) => finish(err.message));
    socket.on("close", () => finish(bodyLength < 0 ? "closed before a complete response head" : `closed after ${bytes} of ${bodyLength} body bytes`));
  });
}

async function main(): Promise<void> {
  exitWithParent();
  const config = readConfig<DrainLoadConfig>();
  const started = new Promise<void>((resolve) => {
    process.on("message", (m: { type?: string }) => {
      if (m.type === "start") resolve();
    });
  });
  await send({ type: "ready" });
  await started;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const downloads = await Promise.all(Array.from({ length: config.clients }, () => download(config)));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const failed = downloads.filter((d) => d.error !== null);
  await send({
    type: "result",
    seconds,
    bytes: downloads.reduce((sum, d) => sum + d.bytes, 0),
    completed: downloads.length - failed.length,
    failures: failed.length,
    firstError: failed[0]?.error ?? null,
    cpuUs: cpu.user + cpu.system,
  });
}

void main().catch(fail);
