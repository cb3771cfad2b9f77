/**
 * Server-level behaviour: graceful shutdown, CONNECT tunnels, the access-log hook, header
 * injection refused, errors in handlers, Date/Server headers, and the handbook's WelcomeHandler.
 */
import { describe, expect, test } from "@jest/globals";
import { InvalidHeader } from "@stdhttp/httplib";
import { ThreadingTCPServer } from "@stdhttp/socketserver";
import { BaseHTTPRequestHandler, HTTPServer, type AccessLogEntry } from "../src/index.js";
import { NoLogRequestHandler, collect, connectTo, raw, serve, slowPathHandler, splitResponses } from "./helpers.js";

// The handbook example (Python 2's BaseHTTPServer docs), rewritten.
class WelcomeHandler extends BaseHTTPRequestHandler {
  do_GET(): void {
    this.sendResponse(200);
    this.sendHeader("Content-type", "text/html");
    this.endHeaders();
    this.wfile.write("<html><body><h1>Welcome!</h1></body></html>");
  }
  override logMessage(): void {}
}

describe("the handbook's WelcomeHandler", () => {
  test("HTTPServer serves the welcome page with Server and Date headers", async () => {
    const s = await serve(WelcomeHandler, {}, HTTPServer as never);
    const text = await raw(s.port, "GET / HTTP/1.0\r\n\r\n", true);
    await s.stop();
    const [res] = splitResponses(text);
    expect(res.statusLine).toBe("HTTP/1.0 200 OK");
    expect(res.headers["content-type"]).toBe("text/html");
    expect(res.headers.server).toMatch(/^BaseHTTP\/0\.6 Node\.js\//);
    expect(res.headers.date).toMatch(/^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);
    expect(res.body).toBe("<html><body><h1>Welcome!</h1></body></html>");
  });
});

describe("answers without a length", () => {
  test("an HTTP/1.1 answer with neither Content-Length nor Transfer-Encoding closes (RFC 9112 6.3 rule 8)", async () => {
    class Welcome11 extends WelcomeHandler {
      override protocolVersion = "HTTP/1.1";
    }
    const s = await serve(Welcome11);
    const text = await raw(s.port, "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /again HTTP/1.1\r\nHost: a\r\n\r\n", true);
    await s.stop();
    const responses = splitResponses(text);
    expect(responses.length).toBe(1);
    expect(responses[0].headers.connection).toBe("close");
    expect(responses[0].body).toBe("<html><body><h1>Welcome!</h1></body></html>");
  });
});

describe("graceful shutdown", () => {
  test("idle keep-alive connections are closed at once; in-flight requests finish with Connection: close", async () => {
    const { Handler: Slow, inFlight, release } = slowPathHandler();
    const s = await serve(Slow, { keepAliveTimeout: 60 });
    const idle = await connectTo(s.port);
    const idleGot = collect(idle);
    idle.write("GET /fast HTTP/1.1\r\nHost: a\r\n\r\n");
    await idleGot.waitFor("ok");
    const busy = await connectTo(s.port);
    const busyGot = collect(busy);
    busy.write("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n");
    await inFlight;
    const stopping = s.stop();
    await idleGot.closed; // closed by shutdown, long before its keep-alive timeout
    release();
    const text = await busyGot.closed;
    await stopping;
    const [res] = splitResponses(text);
    expect(res.status).toBe(200);
    expect(res.headers.connection).toBe("close");
  });
});

describe("CONNECT", () => {
  test("do_CONNECT answers 200 and gets the raw socket, with the bytes sent early", async () => {
    class Tunnel extends NoLogRequestHandler {
      override protocolVersion = "HTTP/1.1";
      async do_CONNECT(): Promise<void> {
        this.sendResponse(200, "Connection Established");
        this.endHeaders();
        const { socket, head } = this.takeConnection();
        // An echo "upstream": everything the client sends comes back.
        if (head.length > 0) socket.write(head);
        await new Promise<void>((resolve) => {
          socket.on("data", (d: Buffer) => {
            socket.write(d);
            if (d.includes("bye")) socket.end();
          });
          socket.once("close", () => resolve());
          socket.once("end", () => resolve());
        });
      }
    }
    const s = await serve(Tunnel);
    const sock = await connectTo(s.port);
    const got = collect(sock);
    sock.write("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nearly ");
    await got.waitFor("early ");
    sock.write("bye");
    const text = await got.closed;
    await s.stop();
    expect(text).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n/);
    expect(text.slice(text.indexOf("\r\n\r\n") + 4)).toBe("early bye");
  });
});

describe("hooks and safety", () => {
  test("the accessLog option gets status and body size of every answer", async () => {
    const entries: AccessLogEntry[] = [];
    class Hello extends NoLogRequestHandler {
      override protocolVersion = "HTTP/1.1";
      do_GET(): void {
        this.sendResponse(200);
        this.sendHeader("Content-Length", 5);
        this.endHeaders();
        this.wfile.write("hello");
      }
    }
    const s = await serve(Hello, { accessLog: (e) => entries.push(e) });
    await raw(s.port, "GET /a HTTP/1.1\r\nHost: a\r\n\r\nNOPE /b HTTP/1.1\r\nHost: a\r\n\r\n", true);
    await s.stop();
    expect(entries.map((e) => [e.command, e.path, e.status, e.size])).toEqual([
      ["GET", "/a", 200, 5],
      ["NOPE", "/b", 501, expect.any(Number)],
    ]);
    expect(entries[0].requestLine).toBe("GET /a HTTP/1.1");
  });

  test("sendHeader refuses CR/LF in values and bad names (no header injection)", async () => {
    const errors: string[] = [];
    class Inject extends NoLogRequestHandler {
      do_GET(): void {
        this.sendResponse(200);
        for (const [k, v] of [["X-A", "a\r\nSet-Cookie: evil=1"], ["X-B", "b\nc"], ["Bad Name", "x"], ["X-C", "\0"]]) {
          try {
            this.sendHeader(k, v);
          } catch (err) {
            if (err instanceof InvalidHeader) errors.push(err.code);
          }
        }
        this.endHeaders();
      }
    }
    const s = await serve(Inject);
    const text = await raw(s.port, "GET / HTTP/1.0\r\n\r\n", true);
    await s.stop();
    expect(errors).toEqual(["ERR_HTTP_INVALID_HEADER", "ERR_HTTP_INVALID_HEADER", "ERR_HTTP_INVALID_HEADER", "ERR_HTTP_INVALID_HEADER"]);
    expect(text).not.toContain("evil");
  });

  /** A server class whose `handleError` records each error in `seen`. */
  function recordingErrors(seen: unknown[]): typeof HTTPServer {
    return class extends HTTPServer {
      override handleError(_request: unknown, _address: unknown, error?: unknown): void {
        seen.push(error);
      }
    };
  }

  test("an exception in a handler goes to handleError, the connection closes, the server keeps serving", async () => {
    const seen: unknown[] = [];
    class Boom extends NoLogRequestHandler {
      do_GET(): void {
        if (this.path === "/boom") throw new Error("boom");
        this.sendResponse(204);
        this.endHeaders();
      }
    }
    const s = await serve(Boom, {}, recordingErrors(seen) as never);
    const first = await raw(s.port, "GET /boom HTTP/1.0\r\n\r\n", true);
    const second = await raw(s.port, "GET /ok HTTP/1.0\r\n\r\n", true);
    await s.stop();
    expect(first).toBe("");
    expect(splitResponses(second)[0].status).toBe(204);
    expect((seen[0] as Error).message).toBe("boom");
  });

  test("an async handler that fails on the second request of a keep-alive connection (the one after the idle wait): handleError sees it, the connection closes, the server keeps serving", async () => {
    const seen: unknown[] = [];
    class LaterBoom extends NoLogRequestHandler {
      override protocolVersion = "HTTP/1.1";
      async do_GET(): Promise<void> {
        await new Promise((resolve) => setImmediate(resolve));
        if (this.path === "/boom") throw new Error("async boom");
        this.sendResponse(204);
        this.endHeaders();
      }
    }
    const s = await serve(LaterBoom, {}, recordingErrors(seen) as never);
    try {
      const c = await connectTo(s.port);
      const got = collect(c);
      c.write("GET /ok HTTP/1.1\r\nHost: a\r\n\r\n");
      await got.waitFor("\r\n\r\n");
      c.write("GET /boom HTTP/1.1\r\nHost: a\r\n\r\n");
      expect(splitResponses(await got.closed).map((r) => r.status)).toEqual([204]);
      expect((seen[0] as Error).message).toBe("async boom");
      expect(splitResponses(await raw(s.port, "GET /ok HTTP/1.0\r\n\r\n", true))[0].status).toBe(204);
    } finally {
      await s.stop();
    }
  });
});

describe("server classes", () => {
  class Hello11 extends NoLogRequestHandler {
    override protocolVersion = "HTTP/1.1";
    do_GET(): void {
      this.sendResponse(200);
      this.sendHeader("Content-Length", 2);
      this.endHeaders();
      this.wfile.write("hi");
    }
  }

  test("the sequential HTTPServer shuts down while a keep-alive client idles", async () => {
    const s = await serve(Hello11, { keepAliveTimeout: 60 }, HTTPServer as never);
    const sock = await connectTo(s.port);
    const got = collect(sock);
    sock.write("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    await got.waitFor("hi");
    await s.stop(); // must not wait for the keep-alive timeout
    await got.closed;
    expect(splitResponses(got.text()).length).toBe(1);
  });

  test("handleRequest() serves one connection", async () => {
    const server = new HTTPServer(["127.0.0.1", 0], Hello11);
    await server.ready;
    const port = (server.serverAddress as [string, number])[1];
    const answer = raw(port, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", true);
    await server.handleRequest();
    await server.serverClose();
    expect(splitResponses(await answer)[0].body).toBe("hi");
  });

  test("a BaseHTTPRequestHandler also runs on socketserver's plain TCPServer", async () => {
    const server = new ThreadingTCPServer(["127.0.0.1", 0], Hello11);
    await server.ready;
    const loop = server.serveForever();
    const port = (server.serverAddress as [string, number])[1];
    const text = await raw(port, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", true);
    await server.shutdown();
    await server.serverClose();
    await loop;
    expect(splitResponses(text)[0].body).toBe("hi");
  });
});
