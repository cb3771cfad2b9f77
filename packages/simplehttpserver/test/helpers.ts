/**
 * Test helpers: a `SimpleHTTPRequestHandler` server over a directory on 127.0.0.1 port 0, temp
 * directories, a raw-socket HTTP client that keeps every byte it received (status line, headers,
 * body, and anything after the body), and runners for `python3` and `curl`.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import nodePath from "node:path";
import { ThreadingHTTPServer, type HTTPServerOptions } from "@stdhttp/basehttpserver";
import { SimpleHTTPRequestHandler, type SimpleHTTPOptions } from "../src/index.js";

/** CPython's `NoLogRequestHandler` mixed into `SimpleHTTPRequestHandler`: nothing on stderr. */
export class QuietSimpleHandler extends SimpleHTTPRequestHandler {
  override logMessage(): void {}
}

/** `SimpleHTTPRequestHandler` or a subclass of it, for `withOptions`. */
export type SimpleHandlerClass = (new (...args: ConstructorParameters<typeof QuietSimpleHandler>) => SimpleHTTPRequestHandler) &
  Pick<typeof SimpleHTTPRequestHandler, "withOptions">;

/** A running server and how to stop it. */
export interface RunningServer {
  server: ThreadingHTTPServer;
  port: number;
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  origin: string;
  stop(): Promise<void>;
}

/**
 * Serve `directory` with `QuietSimpleHandler.withOptions({ directory, ...options })` (or
 * `Handler`, when given, configured the same way) on a `ThreadingHTTPServer` at 127.0.0.1:0.
 */
export async function serveDirectory(
  directory: string,
  options: SimpleHTTPOptions = {},
  serverOptions: HTTPServerOptions = {},
  Handler: SimpleHandlerClass = QuietSimpleHandler,
): Promise<RunningServer> {
  const Configured = Handler.withOptions({ ...options, directory });
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], Configured, serverOptions);
  await server.ready;
  const loop = server.serveForever();
  const port = (server.serverAddress as [string, number])[1];
  return {
    server,
    port,
    origin: `http://127.0.0.1:${port}`,
    async stop() {
      await server.shutdown();
      await server.serverClose();
      await loop;
    },
  };
}

/** A fresh directory under the system's temp directory, and how to remove it. */
export function makeTempDir(prefix = "stdhttp-simple-"): { path: string; remove(): void } {
  const path = mkdtempSync(nodePath.join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Response header fields, looked up case-insensitively (as `http.client.HTTPMessage`). */
export class ResponseHeaders {
  /** The fields in the order received, names as sent. */
  readonly fields: ReadonlyArray<readonly [string, string]>;

  constructor(fields: Array<readonly [string, string]>) {
    this.fields = fields;
  }

  /** The first value of `name`, or `undefined`. */
  get(name: string): string | undefined {
    const n = name.toLowerCase();
    return this.fields.find(([k]) => k.toLowerCase() === n)?.[1];
  }

  /** Every value of `name`, in order. */
  getAll(name: string): string[] {
    const n = name.toLowerCase();
    return this.fields.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
}

/** One response as a raw-socket client saw it. */
export interface RawResponse {
  /** `HTTP/1.0` or `HTTP/1.1`. */
  version: string;
  status: number;
  /** The reason phrase (`""` when the status line has none). */
  reason: string;
  headers: ResponseHeaders;
  /** The body as framed by Content-Length (to the close when absent; empty for HEAD, 1xx, 204, 304). */
  body: Buffer;
  /** Bytes received after the body (CPython's check that "the server has not sent any extra data"). */
  rest: Buffer;
  /** Whether the server closed the connection after the response. */
  closed: boolean;
  /** Everything received. */
  raw: Buffer;
}

/** A request as `http.client.HTTPConnection.request(method, url, body, headers)` sends it. */
export interface RawRequestInit {
  method?: string;
  /** Extra header fields, in order. */
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: Buffer | string;
  /** The request line's version (default `HTTP/1.1`, as http.client). */
  version?: string;
  /** How long to wait, once the response is complete, for the server to close (ms). */
  closeWait?: number;
  /** Give up after this long (ms). */
  timeout?: number;
}

/**
 * Send one request to 127.0.0.1:`port` over a raw socket, with the header fields http.client
 * adds (`Host`, `Accept-Encoding: identity`, `Content-Length` for a body), and read the answer:
 * until the server closes, or until the response is complete and `closeWait` ms passed without
 * a close (then `closed` is false).
 */
export function rawRequest(port: number, target: string, init: RawRequestInit = {}): Promise<RawResponse> {
  const method = init.method ?? "GET";
  const body = init.body === undefined ? undefined : Buffer.isBuffer(init.body) ? init.body : Buffer.from(init.body, "utf8");
  let head = `${method} ${target} ${init.version ?? "HTTP/1.1"}\r\nHost: 127.0.0.1:${port}\r\nAccept-Encoding: identity\r\n`;
  for (const [k, v] of init.headers ?? []) head += `${k}: ${v}\r\n`;
  if (body !== undefined) head += `Content-Length: ${body.length}\r\n`;
  head += "\r\n";
  const payload = body === undefined ? Buffer.from(head, "latin1") : Buffer.concat([Buffer.from(head, "latin1"), body]);
  const closeWait = init.closeWait ?? 1000;
  const timeout = init.timeout ?? 15000;

  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const parts: Buffer[] = [];
    let settled = false;
    let waitTimer: NodeJS.Timeout | undefined;
    const overall = setTimeout(() => finish(false, new Error(`no complete response to ${method} ${target} within ${timeout} ms`)), timeout);
    const finish = (closed: boolean, error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(overall);
      if (waitTimer !== undefined) clearTimeout(waitTimer);
      socket.destroy();
      const raw = Buffer.concat(parts);
      const parsed = parseResponse(raw, method === "HEAD");
      if (parsed === null) reject(error ?? new Error(`incomplete response to ${method} ${target}: ${JSON.stringify(raw.toString("latin1"))}`));
      else resolve({ ...parsed, closed, raw });
    };
    socket.on("data", (d: Buffer) => {
      parts.push(d);
      if (waitTimer === undefined && isComplete(Buffer.concat(parts), method === "HEAD")) {
        waitTimer = setTimeout(() => finish(false), closeWait);
      }
    });
    socket.on("error", () => undefined);
    socket.once("close", () => finish(true));
    socket.once("connect", () => socket.write(payload));
  });
}

function isComplete(raw: Buffer, head: boolean): boolean {
  const p = parseResponse(raw, head);
  return p !== null && p.complete;
}

/** Split `raw` into one response and what follows it; `null` when the head is not all there. */
function parseResponse(raw: Buffer, isHead: boolean): (Omit<RawResponse, "closed" | "raw"> & { complete: boolean }) | null {
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const lines = raw.subarray(0, end).toString("latin1").split("\r\n");
  const m = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/.exec(lines[0]);
  if (m === null) return null;
  const fields: Array<readonly [string, string]> = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    fields.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  const headers = new ResponseHeaders(fields);
  const status = Number(m[2]);
  const start = end + 4;
  const length = headers.get("content-length");
  const noBody = isHead || status < 200 || status === 204 || status === 304;
  const bodyEnd = noBody ? start : length === undefined ? raw.length : start + Number(length);
  const complete = noBody || length !== undefined ? raw.length >= bodyEnd : false;
  return {
    version: m[1],
    status,
    reason: m[3] ?? "",
    headers,
    body: raw.subarray(start, Math.min(bodyEnd, raw.length)),
    rest: raw.subarray(Math.min(bodyEnd, raw.length)),
    complete,
  };
}

/** What a child process left. */
export interface ProcessResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Run a command without a shell; resolves (whatever the exit code) with its output. */
export function runProcess(command: string, args: readonly string[], timeout = 20000): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout, encoding: "buffer", maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null && typeof err.code !== "number") {
        reject(new Error(`${command} failed: ${err.message}\n${stderr.toString("utf8")}`));
        return;
      }
      resolve({ code: err === null ? 0 : (err.code as number), stdout, stderr: stderr.toString("utf8") });
    });
  });
}

/** Run a Python 3 script (`python3 -c SCRIPT ARGS...`). */
export function python(script: string, ...args: string[]): Promise<ProcessResult> {
  return runProcess("python3", ["-c", script, ...args]);
}

/** Run `curl ARGS...`. */
export function curl(...args: string[]): Promise<ProcessResult> {
  return runProcess("curl", args);
}
