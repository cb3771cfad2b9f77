/**
 * Beyond CPython: pipelining, the connection pool, AbortSignal, per-phase timeouts,
 * `Expect: 100-continue` and Unix socket connections.
 */
import { describe, expect, test } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import * as http from "node:http";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BodyTimeout,
  ConnectTimeout,
  HTTPConnection,
  HTTPConnectionPool,
  HTTPSConnection,
  HeadersTimeout,
  PoolClosed,
  RequestAborted,
  type InformationalResponse,
} from "../src/index.js";
import { connectProxy } from "./helpers/proxy.js";
import { bodyEchoServer, nodeServer, rawServer } from "./helpers/servers.js";

function reply(body: string, extra = ""): string {
  return `HTTP/1.1 200 OK\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

describe("pipelining", () => {
  test("three requests outstanding, responses matched in order", async () => {
    // The server answers only once all three request heads are in: without pipelining this would hang.
    const server = await rawServer((socket, _all, index) => {
      if (index === 2) socket.write(reply("r0") + reply("r1-longer") + reply("r2"));
    });
    const conn = new HTTPConnection("127.0.0.1", server.port, { pipelining: 3 });
    try {
      await conn.request("GET", "/0");
      await conn.request("GET", "/1");
      await conn.request("GET", "/2");
      expect(conn.outstanding).toBe(3);
      expect(conn.isAvailable()).toBe(false);
      // getResponse() may be called ahead: each waits for the previous body to be read.
      const p0 = conn.getResponse();
      const p1 = conn.getResponse();
      const r0 = await p0;
      expect((await r0.read()).toString()).toBe("r0");
      const r1 = await p1;
      expect((await r1.read()).toString()).toBe("r1-longer");
      const r2 = await conn.getResponse();
      expect((await r2.read()).toString()).toBe("r2");
      expect(server.received).toHaveLength(1);
      expect(server.received[0].toString("latin1").match(/GET \/\d HTTP\/1.1/g)).toEqual(["GET /0 HTTP/1.1", "GET /1 HTTP/1.1", "GET /2 HTTP/1.1"]);
    } finally {
      conn.close();
      await server.close();
    }
  });

  test("a response that closes the connection fails the requests queued behind it", async () => {
    const server = await rawServer((socket, _all, index) => {
      if (index === 1) socket.end(reply("only", "Connection: close\r\n"));
    });
    const conn = new HTTPConnection("127.0.0.1", server.port, { pipelining: 2 });
    try {
      await conn.request("GET", "/0");
      await conn.request("GET", "/1");
      const r0 = await conn.getResponse();
      expect((await r0.read()).toString()).toBe("only");
      await expect(conn.getResponse()).rejects.toMatchObject({ code: "ERR_HTTP_REMOTE_DISCONNECTED" });
    } finally {
      conn.close();
      await server.close();
    }
  });
});

describe("HTTPConnectionPool", () => {
  test("concurrent requests share at most `connections` sockets", async () => {
    let sockets = 0;
    const server = await nodeServer((req, res) => res.end(`ok ${req.url}`));
    server.server.on("connection", () => sockets++);
    const pool = new HTTPConnectionPool("127.0.0.1", server.port, { connections: 2 });
    try {
      const results = await Promise.all(
        Array.from({ length: 12 }, async (_, i) => {
          const res = await pool.request({ path: `/${i}` });
          return (await res.read()).toString();
        }),
      );
      expect(results).toEqual(Array.from({ length: 12 }, (_, i) => `ok /${i}`));
      expect(pool.size).toBeLessThanOrEqual(2);
      expect(sockets).toBeLessThanOrEqual(2);
      expect(pool.pending).toBe(0);
    } finally {
      pool.close();
      await server.close();
    }
  });

  test("pipelining pool: each request gets its own answer when an earlier one takes longer to send (streamed body) than later ones", async () => {
    const server = await bodyEchoServer((req, body) => `${req.url} ${body}`);
    const pool = new HTTPConnectionPool("127.0.0.1", server.port, { connections: 1, pipelining: 6 });
    async function* slowly(): AsyncGenerator<Buffer> {
      for (const piece of ["s", "l", "o", "w"]) {
        await new Promise((r) => setImmediate(r));
        yield Buffer.from(piece);
      }
    }
    try {
      const requests = [
        pool.request({ method: "POST", path: "/first", body: "1" }),
        pool.request({ method: "POST", path: "/streamed", body: slowly() }),
        ...["/a", "/b", "/c"].map((path) => pool.request({ method: "POST", path, body: path.slice(1) })),
      ];
      const results = await Promise.all(requests.map(async (r) => (await (await r).read()).toString()));
      expect(results).toEqual(["/first 1", "/streamed slow", "/a a", "/b b", "/c c"]);
    } finally {
      pool.close();
      await server.close();
    }
  });

  test("pipelining pool, POST bodies, and PoolClosed after close()", async () => {
    const server = await bodyEchoServer((req, body) => `${req.method} ${body}`);
    const pool = new HTTPConnectionPool("127.0.0.1", server.port, { connections: 1, pipelining: 4 });
    try {
      const results = await Promise.all(
        ["a", "b", "c", "d", "e"].map(async (s) => {
          const res = await pool.request({ method: "POST", path: "/", body: s, headers: { "Content-Type": "text/plain" } });
          return (await res.read()).toString();
        }),
      );
      expect(results).toEqual(["POST a", "POST b", "POST c", "POST d", "POST e"]);
    } finally {
      pool.close();
      await server.close();
    }
    await expect(pool.request({ path: "/" })).rejects.toBeInstanceOf(PoolClosed);
  });

  test("a queued request can be aborted; close() rejects the queue", async () => {
    const server = await rawServer(() => {}); // never answers
    const pool = new HTTPConnectionPool("127.0.0.1", server.port, { connections: 1 });
    try {
      const first = pool.request({ path: "/stuck" });
      const ac = new AbortController();
      const queued = pool.request({ path: "/queued", signal: ac.signal });
      const queued2 = pool.request({ path: "/queued2" });
      expect(pool.pending).toBe(2);
      ac.abort();
      await expect(queued).rejects.toBeInstanceOf(RequestAborted);
      expect(pool.pending).toBe(1);
      pool.close();
      await expect(queued2).rejects.toBeInstanceOf(PoolClosed);
      await expect(first).rejects.toBeDefined();
    } finally {
      pool.close();
      await server.close();
    }
  });
});

describe("AbortSignal", () => {
  test("already aborted: nothing is sent", async () => {
    const conn = new HTTPConnection("127.0.0.1", 9);
    const ac = new AbortController();
    ac.abort(new Error("stop"));
    const err = await conn.request("GET", "/", null, {}, { signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestAborted);
    expect((err as RequestAborted).cause).toEqual(new Error("stop"));
    expect(conn.sock).toBeNull();
  });

  test("abort while waiting for the head, and while reading the body", async () => {
    let count = 0;
    const server = await rawServer((socket) => {
      if (count++ === 0) return; // first request: never answered
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome"); // second: body stalls
    });
    const conn = new HTTPConnection("127.0.0.1", server.port);
    try {
      const ac = new AbortController();
      await conn.request("GET", "/head", null, {}, { signal: ac.signal });
      const pending = conn.getResponse();
      setImmediate(() => ac.abort());
      await expect(pending).rejects.toBeInstanceOf(RequestAborted);

      const ac2 = new AbortController();
      await conn.request("GET", "/body", null, {}, { signal: ac2.signal });
      const resp = await conn.getResponse();
      expect((await resp.read1()).toString()).toBe("some");
      const reading = resp.read();
      setImmediate(() => ac2.abort());
      await expect(reading).rejects.toBeInstanceOf(RequestAborted);
      expect(resp.isClosed()).toBe(true);
    } finally {
      conn.close();
      await server.close();
    }
  });
});

describe("one AbortSignal shared by many requests (a proxy passes its client's signal to each)", () => {
  test("finished requests are forgotten; an abort reaches only the request still waiting, in order, and the pool's queue", async () => {
    let count = 0;
    const server = await rawServer((socket) => {
      // The first three requests are answered; the ones after never are.
      if (count++ < 3) socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    const pool = new HTTPConnectionPool("127.0.0.1", server.port, { connections: 1 });
    const ac = new AbortController();
    const removed: string[] = [];
    ac.signal.addEventListener("abort", () => removed.push("caller's own listener"));
    try {
      for (let i = 0; i < 3; i++) {
        const res = await pool.request({ path: `/${i}`, signal: ac.signal });
        expect((await res.read()).toString()).toBe("ok");
      }
      const stuck = pool.request({ path: "/stuck", signal: ac.signal });
      const queued = pool.request({ path: "/queued", signal: ac.signal });
      const other = new AbortController();
      const unrelated = pool.request({ path: "/other", signal: other.signal });
      ac.abort(new Error("client left"));
      const [e1, e2] = await Promise.all([stuck.catch((e: unknown) => e), queued.catch((e: unknown) => e)]);
      expect(e1).toBeInstanceOf(RequestAborted);
      expect(e2).toBeInstanceOf(RequestAborted);
      expect((e2 as RequestAborted).cause).toEqual(new Error("client left"));
      expect(removed).toEqual(["caller's own listener"]);
      // The other signal's request was not aborted: it took the freed connection (never answered),
      // and fails only when the pool is closed.
      pool.close();
      const e3 = await unrelated.catch((e: unknown) => e);
      expect(e3).toBeInstanceOf(Error);
      expect(e3).not.toBeInstanceOf(RequestAborted);
    } finally {
      pool.close();
      await server.close();
    }
  });
});

describe("AbortSignal while connecting", () => {
  test("abort during a TLS handshake that never completes", async () => {
    const silent = await rawServer(() => {});
    const conn = new HTTPSConnection("127.0.0.1", silent.port, { connectTimeout: 0 });
    try {
      const ac = new AbortController();
      const p = conn.request("GET", "/", null, {}, { signal: ac.signal });
      setImmediate(() => ac.abort());
      await expect(p).rejects.toBeInstanceOf(RequestAborted);
    } finally {
      conn.close();
      await silent.close();
    }
  });
});

describe("timeouts (typed errors; no timing assertions)", () => {
  test("headersTimeout", async () => {
    const server = await rawServer(() => {});
    const conn = new HTTPConnection("127.0.0.1", server.port, { headersTimeout: 0.1 });
    try {
      await conn.request("GET", "/");
      const err = await conn.getResponse().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HeadersTimeout);
      expect((err as HeadersTimeout).code).toBe("ERR_HTTP_HEADERS_TIMEOUT");
    } finally {
      conn.close();
      await server.close();
    }
  });

  test("bodyTimeout", async () => {
    const server = await rawServer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", false);
    const conn = new HTTPConnection("127.0.0.1", server.port, { bodyTimeout: 0.1 });
    try {
      await conn.request("GET", "/");
      const resp = await conn.getResponse();
      await expect(resp.read()).rejects.toBeInstanceOf(BodyTimeout);
    } finally {
      conn.close();
      await server.close();
    }
  });

  test("connectTimeout covers the TLS handshake and the proxy tunnel", async () => {
    const silent = await rawServer(() => {}); // accepts TCP, never speaks
    const tlsConn = new HTTPSConnection("127.0.0.1", silent.port, { connectTimeout: 0.1 });
    const tunnel = new HTTPConnection("127.0.0.1", silent.port, { timeout: 0.1 });
    tunnel.setTunnel("example.com");
    try {
      await expect(tlsConn.connect()).rejects.toBeInstanceOf(ConnectTimeout);
      await expect(tunnel.request("GET", "/")).rejects.toBeInstanceOf(ConnectTimeout);
    } finally {
      tlsConn.close();
      tunnel.close();
      await silent.close();
    }
  });

  test("an idle keep-alive socket is not an error", async () => {
    const server = await nodeServer((_req, res) => res.end("x"));
    const conn = new HTTPConnection("127.0.0.1", server.port, { timeout: 0.3 });
    try {
      await conn.request("GET", "/");
      await (await conn.getResponse()).read();
      const sock = conn.sock!;
      await new Promise<void>((resolve) => sock.once("close", () => resolve())); // idle timer closes it
      await conn.request("GET", "/");
      expect((await (await conn.getResponse()).read()).toString()).toBe("x");
    } finally {
      conn.close();
      await server.close();
    }
  });
});

describe("Expect: 100-continue", () => {
  function continueServer(mode: "continue" | "final" | "ignore") {
    return rawServer((socket, all) => {
      const text = all.toString("latin1");
      const headEnd = text.indexOf("\r\n\r\n") + 4;
      if (mode === "final") {
        socket.write("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n");
        return;
      }
      if (mode === "continue") socket.write("HTTP/1.1 100 Continue\r\n\r\n");
      const length = Number(/content-length: (\d+)/i.exec(text)![1]);
      const answer = (): void => {
        const body = Buffer.concat(collected).toString("latin1");
        socket.write(reply(`got ${body}`));
      };
      const collected: Buffer[] = [Buffer.from(all.subarray(headEnd))];
      let have = all.length - headEnd;
      if (have >= length) return answer();
      socket.on("data", (d: Buffer) => {
        collected.push(d);
        have += d.length;
        if (have >= length) answer();
      });
    });
  }

  test("body sent after the interim 100", async () => {
    const server = await continueServer("continue");
    const seen: number[] = [];
    const conn = new HTTPConnection("127.0.0.1", server.port, { expectContinueTimeout: 60 });
    conn.on("information", (i: InformationalResponse) => seen.push(i.status));
    try {
      await conn.request("PUT", "/", "payload", { Expect: "100-continue" });
      const resp = await conn.getResponse();
      expect(resp.status).toBe(200);
      expect((await resp.read()).toString()).toBe("got payload");
      expect(seen).toEqual([100]);
    } finally {
      conn.close();
      await server.close();
    }
  });

  test("getResponse() called before request() resolved still sees the 100 handled first", async () => {
    const server = await continueServer("continue");
    const conn = new HTTPConnection("127.0.0.1", server.port, { expectContinueTimeout: 60 });
    try {
      const sent = conn.request("PUT", "/", "early", { Expect: "100-continue" });
      const resp = await conn.getResponse();
      await sent;
      expect((await resp.read()).toString()).toBe("got early");
    } finally {
      conn.close();
      await server.close();
    }
  });

  test("final response without 100: the body is not sent", async () => {
    const server = await continueServer("final");
    const conn = new HTTPConnection("127.0.0.1", server.port, { expectContinueTimeout: 60 });
    try {
      await conn.request("PUT", "/", "SECRET-BODY", { Expect: "100-continue" });
      const resp = await conn.getResponse();
      expect(resp.status).toBe(417);
      expect(resp.willClose).toBe(true);
      conn.close();
      await server.whenIdle!();
      expect(server.received[0].toString("latin1")).not.toContain("SECRET-BODY");
    } finally {
      conn.close();
      await server.close();
    }
  });

  test("server ignores Expect: the body goes after expectContinueTimeout", async () => {
    const server = await continueServer("ignore");
    const conn = new HTTPConnection("127.0.0.1", server.port, { expectContinueTimeout: 0.05 });
    try {
      await conn.request("POST", "/", "late body", { Expect: "100-continue" });
      expect((await (await conn.getResponse()).read()).toString()).toBe("got late body");
    } finally {
      conn.close();
      await server.close();
    }
  });
});

describe("Unix socket", () => {
  test("{ socketPath } connects to a Unix domain socket; Host names the host", async () => {
    const dir = await mkdtemp(join(tmpdir(), "httplib-unix-"));
    const path = join(dir, "s.sock");
    const server = http.createServer((req, res) => res.end(`unix ${req.url} host=${req.headers.host}`));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const conn = new HTTPConnection("localhost", undefined, { socketPath: path });
    try {
      await conn.request("GET", "/over-unix");
      expect((await (await conn.getResponse()).read()).toString()).toBe("unix /over-unix host=localhost");
      expect(conn.sock).toBeInstanceOf(net.Socket);
    } finally {
      conn.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("tunnel + pool", () => {
  test("proxy helper sanity: plain connection through CONNECT", async () => {
    const target = await nodeServer((_req, res) => res.end("t"));
    const proxy = await connectProxy(target.port);
    const conn = new HTTPConnection("127.0.0.1", proxy.port);
    try {
      conn.setTunnel("example.org", 80);
      await conn.request("GET", "/");
      expect((await (await conn.getResponse()).read()).toString()).toBe("t");
    } finally {
      conn.close();
      await proxy.close();
      await target.close();
    }
  });
});
