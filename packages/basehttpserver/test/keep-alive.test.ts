/**
 * Connection persistence: CPython's keep-alive matrix, pipelining in order, max requests per
 * connection, the automatic `Connection: close`, and the keep-alive / header timeouts.
 */
import { describe, expect, test } from "@jest/globals";
import { serverState } from "../src/options.js";
import { NoLogRequestHandler, collect, connectTo, raw, readAll, serve, slowPathHandler, splitResponses } from "./helpers.js";

function handlerFor(protocol: string): typeof NoLogRequestHandler {
  return class extends NoLogRequestHandler {
    override protocolVersion = protocol;
    do_GET(): void {
      const body = `path=${this.path}`;
      this.sendResponse(200);
      this.sendHeader("Content-Length", body.length);
      this.endHeaders();
      this.wfile.write(body);
    }
  };
}

type Version = "HTTP/0.9" | "HTTP/1.0" | "HTTP/1.1";

/** CPython's rule: keep-alive only with an HTTP/1.1 handler, for 1.1 unless `close`, for 1.0 only with `keep-alive`. */
function expectOpen(version: Version, protocol: string, connection: string | null): boolean {
  if (version === "HTTP/0.9" || protocol !== "HTTP/1.1") return false;
  if (connection === "close") return false;
  if (version === "HTTP/1.1") return true;
  return connection === "keep-alive";
}

const MATRIX: Array<[Version, string, string | null]> = [];
for (const v of ["HTTP/0.9", "HTTP/1.0", "HTTP/1.1"] as Version[]) {
  for (const p of ["HTTP/1.0", "HTTP/1.1"]) for (const c of [null, "close", "keep-alive"]) MATRIX.push([v, p, c]);
}

describe("keep-alive matrix (request version x handler protocolVersion x Connection)", () => {
  test.each(MATRIX)("%s to a %s handler, Connection: %s", async (version, protocol, connection) => {
    const s = await serve(handlerFor(protocol));
    const line = version === "HTTP/0.9" ? "GET /first" : `GET /first ${version}`;
    const first = `${line}\r\nHost: a\r\n${connection ? `Connection: ${connection}\r\n` : ""}\r\n`;
    const sock = await connectTo(s.port);
    const got = collect(sock);
    sock.write(first);
    if (expectOpen(version, protocol, connection)) {
      // Still open: a second request on the same connection is answered.
      await got.waitFor("path=/first");
      sock.write("GET /second HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      const text = await got.closed;
      expect(text).toContain("path=/second");
    } else {
      // Closed by the server after the first answer (the client never closes here).
      const text = await got.closed;
      expect(text).toContain("path=/first");
      if (version === "HTTP/0.9") expect(text).toBe("path=/first");
      else expect(splitResponses(text).length).toBe(1);
    }
    await s.stop();
  });
});

describe("pipelining", () => {
  test("requests sent at once are answered in order", async () => {
    const s = await serve(handlerFor("HTTP/1.1"));
    let batch = "";
    for (let i = 0; i < 20; i++) batch += `GET /${i} HTTP/1.1\r\nHost: a\r\n${i === 19 ? "Connection: close\r\n" : ""}\r\n`;
    const text = await raw(s.port, batch, true);
    await s.stop();
    expect(splitResponses(text).map((r) => r.body)).toEqual(Array.from({ length: 20 }, (_, i) => `path=/${i}`));
  });

  test("pipelined requests split at odd byte boundaries", async () => {
    const s = await serve(handlerFor("HTTP/1.1"));
    const sock = await connectTo(s.port);
    const all = readAll(sock);
    sock.setNoDelay(true);
    const batch = Buffer.from("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHo" + "st: a\r\nConnection: close\r\n\r\n");
    for (let i = 0; i < batch.length; i += 7) sock.write(batch.subarray(i, i + 7));
    const text = (await all).toString("latin1");
    await s.stop();
    expect(splitResponses(text).map((r) => r.body)).toEqual(["path=/a", "path=/b"]);
  });
});

describe("limits on a connection", () => {
  test("maxRequestsPerConnection: the last answer carries Connection: close", async () => {
    const s = await serve(handlerFor("HTTP/1.1"), { maxRequestsPerConnection: 2 });
    const text = await raw(s.port, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n", true);
    await s.stop();
    const responses = splitResponses(text);
    expect(responses.map((r) => r.body)).toEqual(["path=/1", "path=/2"]);
    expect(responses[0].headers.connection).toBeUndefined();
    expect(responses[1].headers.connection).toBe("close");
  });

  test("keepAliveTimeout closes an idle keep-alive connection without an answer", async () => {
    const s = await serve(handlerFor("HTTP/1.1"), { keepAliveTimeout: 0.2 });
    const text = await raw(s.port, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n", true);
    await s.stop();
    expect(splitResponses(text).map((r) => r.body)).toEqual(["path=/1"]);
  });

  test("headerTimeout: a head that never completes gets 408 and the connection closes (slowloris)", async () => {
    const s = await serve(handlerFor("HTTP/1.1"), { headerTimeout: 0.2 });
    const text = await raw(s.port, "GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ", true);
    await s.stop();
    expect(splitResponses(text)[0].status).toBe(408);
  });

  test("a client that trickles bytes still hits the header deadline", async () => {
    const s = await serve(handlerFor("HTTP/1.1"), { headerTimeout: 0.3 });
    const sock = await connectTo(s.port);
    const all = readAll(sock);
    const timer = setInterval(() => {
      if (!sock.destroyed) sock.write("X-A: a\r\n");
    }, 50);
    sock.write("GET / HTTP/1.1\r\nHost: a\r\n");
    const text = (await all).toString("latin1");
    clearInterval(timer);
    await s.stop();
    expect(splitResponses(text)[0].status).toBe(408);
  });

  test("idleTimeout while reading a body: 408 and close", async () => {
    class BodyHandler extends NoLogRequestHandler {
      override protocolVersion = "HTTP/1.1";
      async do_POST(): Promise<void> {
        await this.body.readAll();
        this.sendResponse(200);
        this.endHeaders();
      }
    }
    const s = await serve(BodyHandler, { idleTimeout: 0.2 });
    const text = await raw(s.port, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc", true);
    await s.stop();
    expect(splitResponses(text)[0].status).toBe(408);
  });
});

describe("timeouts do not cut answers", () => {
  test("a large answer to a client that pauses reading outlives a short keepAliveTimeout", async () => {
    const size = 8 * 1024 * 1024;
    class Big extends NoLogRequestHandler {
      override protocolVersion = "HTTP/1.1";
      async do_GET(): Promise<void> {
        const n = this.path === "/big" ? size : 1;
        this.sendResponse(200);
        this.sendHeader("Content-Length", n);
        this.endHeaders();
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        for (let sent = 0; sent < n; sent += chunk.length) {
          this.wfile.write(n === 1 ? "a" : chunk);
          await this.wfile.flush();
        }
      }
    }
    const s = await serve(Big, { keepAliveTimeout: 0.1 });
    const sock = await connectTo(s.port);
    const got = collect(sock);
    sock.write("GET /small HTTP/1.1\r\nHost: a\r\n\r\n");
    await got.waitFor("\r\n\r\na");
    sock.write("GET /big HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    await got.waitFor("HTTP/1.1 200 OK\r\nServer");
    sock.pause(); // the client stops reading for longer than the keep-alive timeout
    await new Promise((r) => setTimeout(r, 400));
    sock.resume();
    const text = await got.closed;
    await s.stop();
    const responses = splitResponses(text);
    expect(responses.length).toBe(2);
    expect(responses[1].body.length).toBe(size);
  });
});

describe("requestTimeout", () => {
  test("a body trickled byte by byte still hits the whole-request deadline: 408", async () => {
    class BodyHandler extends NoLogRequestHandler {
      override protocolVersion = "HTTP/1.1";
      async do_POST(): Promise<void> {
        await this.body.readAll();
        this.sendResponse(200);
        this.endHeaders();
      }
    }
    const s = await serve(BodyHandler, { requestTimeout: 0.3, idleTimeout: 10 });
    const sock = await connectTo(s.port);
    const got = collect(sock);
    sock.write("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n");
    const timer = setInterval(() => {
      if (!sock.destroyed) sock.write("x");
    }, 40);
    const text = await got.closed;
    clearInterval(timer);
    await s.stop();
    expect(splitResponses(text)[0].status).toBe(408);
  });
});

describe("keep-alive timeout sweeper (one per server, no socket timer per request)", () => {
  test("a client sending requests more often than keepAliveTimeout keeps its connection across sweeps", async () => {
    const s = await serve(handlerFor("HTTP/1.1"), { keepAliveTimeout: 1 });
    try {
      const c = await connectTo(s.port);
      const got = collect(c);
      for (let i = 0; i < 12; i++) {
        c.write(`GET /${i} HTTP/1.1\r\nHost: a\r\n\r\n`);
        await got.waitFor(`path=/${i}`);
        await new Promise((resolve) => setTimeout(resolve, 50)); // sweeps every 250 ms
      }
      expect(c.destroyed).toBe(false);
      c.end();
      expect(splitResponses(await got.closed)).toHaveLength(12);
    } finally {
      await s.stop();
    }
  });

  test("each idle connection is closed by the sweeper, the busy one is not; the sweeper stops with the last connection", async () => {
    const { Handler: Gate, inFlight, release } = slowPathHandler();
    const s = await serve(Gate, { keepAliveTimeout: 0.1 });
    try {
      const idle = await Promise.all([connectTo(s.port), connectTo(s.port), connectTo(s.port)]);
      const idleGot = idle.map((c) => collect(c));
      idle.forEach((c) => c.write("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
      const busy = await connectTo(s.port);
      const busyGot = collect(busy);
      busy.write("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n");
      await inFlight;
      // The idle ones close without a second answer while the slow request is still running.
      for (const got of idleGot) expect(splitResponses(await got.closed).map((r) => r.body)).toEqual(["ok"]);
      expect(busy.destroyed).toBe(false);
      release();
      await busyGot.waitFor("ok");
      await busyGot.closed; // then idle too: closed by its keep-alive timeout
      const state = serverState(s.server);
      for (let i = 0; i < 100 && state.connections.size > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(state.connections.size).toBe(0);
      expect(state.sweeper).toBeNull();
    } finally {
      await s.stop();
    }
  });

  test("with handleOneRequest overridden (the slow head path), the idle wait is the sweeper's too, with no socket timer", async () => {
    class Overriding extends handlerFor("HTTP/1.1") {
      override async handleOneRequest(): Promise<void> {
        await super.handleOneRequest();
      }
    }
    const s = await serve(Overriding, { keepAliveTimeout: 0.2 });
    try {
      const sock = await connectTo(s.port);
      const got = collect(sock);
      sock.write("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n");
      await got.waitFor("path=/1");
      const state = serverState(s.server);
      const waiting = (): Array<{ keepAliveSweep: number; rfile: { timeout: number | null } }> =>
        [...state.connections].filter((c) => c.awaitingRequest) as unknown as Array<{ keepAliveSweep: number; rfile: { timeout: number | null } }>;
      for (let i = 0; i < 100 && waiting().length === 0; i++) await new Promise((resolve) => setImmediate(resolve));
      const [idle] = waiting();
      expect(idle.keepAliveSweep).toBeGreaterThanOrEqual(0);
      expect(idle.rfile.timeout).toBeNull();
      expect(splitResponses(await got.closed).map((r) => r.body)).toEqual(["path=/1"]);
    } finally {
      await s.stop();
    }
  });

  test("keepAliveTimeout null: an idle connection stays open until the client or a shutdown closes it", async () => {
    const s = await serve(handlerFor("HTTP/1.1"), { keepAliveTimeout: null });
    const c = await connectTo(s.port);
    const got = collect(c);
    c.write("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n");
    await got.waitFor("path=/1");
    expect(serverState(s.server).sweeper).toBeNull();
    s.server.closeIdleConnections();
    expect(splitResponses(await got.closed)).toHaveLength(1);
    await s.stop();
  });

  test("a do_* method reading rfile itself (no body declared) still times out (idleTimeout): 408", async () => {
    class Reader extends NoLogRequestHandler {
      override protocolVersion = "HTTP/1.1";
      async do_GET(): Promise<void> {
        if (this.path === "/read") await this.rfile.readline();
        this.sendResponse(200);
        this.sendHeader("Content-Length", 2);
        this.endHeaders();
        this.wfile.write("ok");
      }
    }
    const s = await serve(Reader, { idleTimeout: 0.2, keepAliveTimeout: 60 });
    try {
      // A first request, answered, so that the second one is served after a keep-alive wait.
      const c = await connectTo(s.port);
      const got = collect(c);
      c.write("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
      await got.waitFor("ok");
      c.write("GET /read HTTP/1.1\r\nHost: a\r\n\r\n");
      expect(splitResponses(await got.closed).map((r) => r.status)).toEqual([200, 408]);
    } finally {
      await s.stop();
    }
  });
});
