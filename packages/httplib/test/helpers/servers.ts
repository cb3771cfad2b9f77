/**
 * Test servers on 127.0.0.1, port 0: raw `net` servers that write exact bytes (hostile
 * servers included), `node:http` servers, and Python child processes.
 * Every helper returns something with `close()` so tests leave no open handle.
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as http from "node:http";
import * as net from "node:net";
import type { AddressInfo } from "node:net";

/** A running test server. */
export interface TestServer {
  port: number;
  /** Every byte each connection received, one entry per connection. */
  received: Buffer[];
  /** Resolves once every connection accepted so far has closed (raw servers only). */
  whenIdle?: () => Promise<void>;
  close(): Promise<void>;
}

/** What a raw server does when a request head has arrived on a connection. */
export type RawReply = (socket: net.Socket, request: Buffer, index: number) => void;

function headEnd(buf: Buffer): number {
  const i = buf.indexOf("\r\n\r\n");
  return i === -1 ? -1 : i + 4;
}

/**
 * A raw TCP server. With a string/Buffer reply: writes it once the first request head arrived,
 * then (when `end` is true, default) ends the connection. With a function: called for each
 * request head received on a connection (`index` counts them), with all bytes so far.
 */
export async function rawServer(reply: string | Buffer | RawReply, end = true): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const received: Buffer[] = [];
  const idleWaiters: Array<() => void> = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const slot = received.length;
    received.push(Buffer.alloc(0));
    let scanned = 0;
    let count = 0;
    socket.on("error", () => {});
    socket.on("close", () => {
      sockets.delete(socket);
      if (sockets.size === 0) for (const w of idleWaiters.splice(0)) w();
    });
    socket.on("data", (chunk) => {
      received[slot] = Buffer.concat([received[slot], chunk]);
      for (;;) {
        const rest = received[slot].subarray(scanned);
        const e = headEnd(rest);
        if (e === -1) return;
        scanned += e;
        const idx = count++;
        if (typeof reply === "function") reply(socket, received[slot], idx);
        else if (idx === 0) {
          socket.write(reply);
          if (end) socket.end();
        }
      }
    });
  });
  server.listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    whenIdle: () => (sockets.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A node:http server running `handler`. */
export async function nodeServer(handler: http.RequestListener): Promise<TestServer & { server: http.Server }> {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    received: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A node:http server answering each request, once its body has arrived, with `answer(req, body)`. */
export function bodyEchoServer(answer: (req: http.IncomingMessage, body: string) => string): ReturnType<typeof nodeServer> {
  return nodeServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (d: Buffer) => parts.push(d));
    req.on("end", () => res.end(answer(req, Buffer.concat(parts).toString())));
  });
}

/**
 * Starts `python3 -u <args>` and resolves once a stdout line matches `portLine` (its first group
 * is the port); rejects with what the child printed if it exits first. `close()` kills it.
 */
async function spawnPython(args: string[], portLine: RegExp): Promise<TestServer & { child: ChildProcess }> {
  const child = spawn("python3", ["-u", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = portLine.exec(out);
      if (m !== null) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`python3 ${args.join(" ")} exited ${code}: ${out}`)));
  });
  return {
    child,
    port,
    received: [],
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill();
      }),
  };
}

/**
 * Runs a Python script that prints `PORT <n>` once listening (the script binds 127.0.0.1:0),
 * and resolves when that line appears.
 */
export function pythonServer(script: string, args: string[] = []): Promise<TestServer & { child: ChildProcess }> {
  return spawnPython(["-c", script, ...args], /PORT (\d+)/);
}

/** A tiny HTTP/1.1 server in Python's http.server (SimpleHTTPRequestHandler-like, keep-alive). */
export const PY_ECHO_SERVER = String.raw`
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def _reply(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
    def do_GET(self):
        if self.path == "/index.html":
            return self._reply(b"<html><body>Hello from Python</body></html>\n")
        self._reply(("%s %s %s" % (self.command, self.path, self.headers.get("Accept", ""))).encode())
    do_HEAD = do_GET
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self._reply(self.rfile.read(n))
    do_PUT = do_POST
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print("PORT", s.server_address[1], flush=True)
s.serve_forever()
`;

/** `python3 -m http.server 0 --bind 127.0.0.1 --directory dir`, resolved once its "Serving HTTP on ... port N" line appears. */
export function pythonHttpServer(dir: string): Promise<TestServer & { child: ChildProcess }> {
  return spawnPython(["-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", dir], /Serving HTTP on \S+ port (\d+)/);
}
