/**
 * Test helpers: servers on 127.0.0.1 port 0, raw-socket clients, a Python `http.client` peer,
 * and a small response splitter for pipelined answers.
 */
import { execFile } from "node:child_process";
import { connect, type Socket } from "node:net";
import { BaseHTTPRequestHandler, ThreadingHTTPServer, type HTTPServer, type HTTPServerOptions } from "../src/index.js";

/** CPython's NoLogRequestHandler: nothing on stderr. */
export class NoLogRequestHandler extends BaseHTTPRequestHandler {
  override logMessage(): void {}
}

/** A running server and how to stop it (shutdown, close, loop finished). */
export interface Running<S extends HTTPServer = HTTPServer> {
  server: S;
  port: number;
  stop(): Promise<void>;
}

type HandlerClass = new (...args: never[]) => BaseHTTPRequestHandler<unknown>;
type ServerCtor<S> = new (address: [string, number], handler: HandlerClass, options: HTTPServerOptions) => S;

/** Start `Handler` on 127.0.0.1:0 (ThreadingHTTPServer unless told otherwise). */
export async function serve<S extends HTTPServer = HTTPServer>(
  Handler: HandlerClass,
  options: HTTPServerOptions = {},
  ServerClass: ServerCtor<S> = ThreadingHTTPServer as unknown as ServerCtor<S>,
): Promise<Running<S>> {
  const server = new ServerClass(["127.0.0.1", 0], Handler, options);
  await server.ready;
  const loop = server.serveForever();
  const port = (server.serverAddress as [string, number])[1];
  return {
    server,
    port,
    async stop() {
      await server.shutdown();
      await server.serverClose();
      await loop;
    },
  };
}

/** Connect to 127.0.0.1:`port`. */
export function connectTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1");
    s.once("error", reject);
    s.once("connect", () => {
      s.off("error", reject);
      resolve(s);
    });
  });
}

/** Everything the server sends until it closes the connection. */
export function readAll(s: Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    s.on("data", (d: Buffer) => parts.push(d));
    s.on("error", () => undefined);
    s.once("close", () => resolve(Buffer.concat(parts)));
  });
}

/** Read until `predicate(received)` holds (or the connection closes). */
export function readUntil(s: Socket, predicate: (received: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      if (predicate(buf)) done();
    };
    const done = (): void => {
      s.off("data", onData);
      s.off("close", done);
      s.pause();
      resolve(buf);
    };
    s.on("data", onData);
    s.once("close", done);
    s.resume();
  });
}

/** Collect what a socket receives; wait for content or for the close. */
export function collect(s: Socket): { text(): string; waitFor(needle: string): Promise<void>; closed: Promise<string> } {
  let buf = "";
  const waiters: Array<[string, () => void]> = [];
  s.on("data", (d: Buffer) => {
    buf += d.toString("latin1");
    for (const w of waiters.splice(0)) {
      if (buf.includes(w[0])) w[1]();
      else waiters.push(w);
    }
  });
  s.on("error", () => undefined);
  const closed = new Promise<string>((resolve) => s.once("close", () => resolve(buf)));
  return {
    text: () => buf,
    waitFor: (needle) => (buf.includes(needle) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push([needle, resolve]))),
    closed,
  };
}

/** Send raw bytes (half-closing after them unless `keepOpen`), return all the server answered until it closed. */
export async function raw(port: number, data: string | Buffer, keepOpen = false): Promise<string> {
  const s = await connectTo(port);
  const all = readAll(s);
  s.write(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  if (!keepOpen) s.end();
  return (await all).toString("latin1");
}

/** One parsed response of a raw byte stream. */
export interface RawResponse {
  statusLine: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Split a stream of responses framed by Content-Length (or none: body to the end). */
export function splitResponses(text: string): RawResponse[] {
  const out: RawResponse[] = [];
  let pos = 0;
  while (pos < text.length) {
    const end = text.indexOf("\r\n\r\n", pos);
    if (end === -1) break;
    const lines = text.slice(pos, end).split("\r\n");
    const statusLine = lines[0];
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const status = Number(statusLine.split(" ")[1]);
    const length = headers["content-length"];
    const bodyStart = end + 4;
    const bodyEnd = length === undefined ? (status < 200 || status === 204 || status === 304 ? bodyStart : text.length) : bodyStart + Number(length);
    out.push({ statusLine, status, headers, body: text.slice(bodyStart, bodyEnd) });
    pos = bodyEnd;
  }
  return out;
}

/** Run a Python 3 script (`python3 -c`), passing `args`; resolves with stdout. */
export function python(script: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("python3", ["-c", script, ...args], { timeout: 20000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Run a command; resolves with stdout. */
export function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 20000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/**
 * An HTTP/1.1 handler answering "ok" to every GET, except that `GET /slow` signals `inFlight`
 * and then waits until `release()` is called: for tests that need one request held in progress.
 */
export function slowPathHandler(): { Handler: typeof NoLogRequestHandler; inFlight: Promise<void>; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let started!: () => void;
  const inFlight = new Promise<void>((r) => (started = r));
  class Slow extends NoLogRequestHandler {
    override protocolVersion = "HTTP/1.1";
    async do_GET(): Promise<void> {
      if (this.path === "/slow") {
        started();
        await gate;
      }
      this.sendResponse(200);
      this.sendHeader("Content-Length", 2);
      this.endHeaders();
      this.wfile.write("ok");
    }
  }
  return { Handler: Slow, inFlight, release };
}
