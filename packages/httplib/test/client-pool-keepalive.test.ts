/**
 * `HTTPConnectionPool` and servers that close idle keep-alive connections: a request that meets
 * a connection the server had already given up is sent again on a new one when that is safe
 * (RFC 9110 9.2.2, idempotent methods, replayable bodies), never otherwise; and a server's
 * `Keep-Alive: timeout=N` hint makes the pool let the connection go before the server does.
 */
import { describe, expect, test } from "@jest/globals";
import type * as net from "node:net";
import { Readable } from "node:stream";
import { HTTPConnectionPool, RemoteDisconnected } from "../src/index.js";
import { rawServer, type TestServer } from "./helpers/servers.js";

const OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/**
 * A server that answers the first request of every connection and drops the connection, without
 * a word, when a second request arrives on it: what a server whose keep-alive timer fired just
 * as the request was on its way looks like to the client.
 */
async function forgetfulServer(first = OK): Promise<TestServer & { requests: string[] }> {
  const requests: string[] = [];
  const server = await rawServer((socket: net.Socket, all: Buffer, index: number) => {
    const heads = all.toString("latin1").split("\r\n\r\n");
    requests.push(heads[index].split("\r\n")[0]);
    if (index === 0) socket.write(first);
    else socket.destroy();
  });
  return Object.assign(server, { requests });
}

async function readText(pool: HTTPConnectionPool, req: Parameters<HTTPConnectionPool["request"]>[0]): Promise<string> {
  const res = await pool.request(req);
  return (await res.read()).toString();
}

describe("a request on a connection the server has closed", () => {
  test.each([
    ["GET", undefined],
    ["HEAD", undefined],
    ["PUT", "data"],
    ["DELETE", Buffer.from("x")],
    ["OPTIONS", null],
  ] as const)("%s is sent again on a new connection", async (method, body) => {
    const server = await forgetfulServer();
    const pool = new HTTPConnectionPool("127.0.0.1", server.port, { connections: 1 });
    try {
      expect(await readText(pool, { path: "/one" })).toBe("ok");
      const res = await pool.request({ method, path: "/two", body });
      expect(res.status).toBe(200);
      await res.read();
      // /two was sent on the old connection (dropped), then once more on a new one.
      expect(server.requests).toEqual(["GET /one HTTP/1.1", `${method} /two HTTP/1.1`, `${method} /two HTTP/1.1`]);
      expect(server.received).toHaveLength(2);
    } finally {
      pool.close();
      await server.close();
    }
  });

  test("POST is not repeated: RemoteDisconnected", async () => {
    const server = await forgetfulServer();
    const pool = new HTTPConnectionPool("127.0.0.1", server.port, { connections: 1 });
    try {
      expect(await readText(pool, { path: "/one" })).toBe("ok");
      await expect(pool.request({ method: "POST", path: "/two", body: "order=1" })).rejects.toBeInstanceOf(RemoteDisconnected);
      expect(server.requests).toEqual(["GET /one HTTP/1.1", "POST /two HTTP/1.1"]);
      // The pool is still usable.
      expect(await readText(pool, { path: "/three" })).toBe("ok");
    } finally {
      pool.close();
      await server.close();
    }
  });

  test("a streamed body cannot be sent twice: the error is reported", async () => {
    const server = await forgetfulServer();
    const pool = new HTTPConnectionPool("127.0.0.1", server.port, { connections: 1 });
    try {
      expect(await readText(pool, { path: "/one" })).toBe("ok");
      const body = Readable.from([Buffer.from("a"), Buffer.from("b")]);
      await expect(pool.request({ method: "PUT", path: "/two", body })).rejects.toBeInstanceOf(RemoteDisconnected);
      expect(server.received).toHaveLength(1); // no second connection: nothing was sent again
    } finally {
      pool.close();
      await server.close();
    }
  });

  test("a new connection that fails is not retried (the server really is refusing)", async () => {
    const server = await rawServer((socket) => socket.destroy());
    const pool = new HTTPConnectionPool("127.0.0.1", server.port, { connections: 1 });
    try {
      await expect(pool.request({ path: "/" })).rejects.toBeInstanceOf(RemoteDisconnected);
      expect(server.received).toHaveLength(1);
    } finally {
      pool.close();
      await server.close();
    }
  });

  test("only once: a server that drops every reused connection and then the new one too", async () => {
    let connections = 0;
    const server = await rawServer((socket, _all, index) => {
      if (index === 0 && connections++ === 0) socket.write(OK);
      else socket.destroy();
    });
    const pool = new HTTPConnectionPool("127.0.0.1", server.port, { connections: 1 });
    try {
      expect(await readText(pool, { path: "/one" })).toBe("ok");
      await expect(pool.request({ path: "/two" })).rejects.toBeInstanceOf(RemoteDisconnected);
      expect(server.received).toHaveLength(2);
    } finally {
      pool.close();
      await server.close();
    }
  });

  test("with pipelining the failure is reported, not replayed", async () => {
    const server = await forgetfulServer();
    const pool = new HTTPConnectionPool("127.0.0.1", server.port, { connections: 1, pipelining: 2 });
    try {
      expect(await readText(pool, { path: "/one" })).toBe("ok");
      await expect(pool.request({ path: "/two" })).rejects.toBeInstanceOf(RemoteDisconnected);
    } finally {
      pool.close();
      await server.close();
    }
  });
});

describe("Keep-Alive: timeout=N from the server", () => {
  test("a hint no longer than the threshold: the connection is closed once the response is read", async () => {
    const server = await rawServer((socket) => socket.write("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1, max=100\r\nContent-Length: 2\r\n\r\nok"));
    const pool = new HTTPConnectionPool("127.0.0.1", server.port, { connections: 1 }); // threshold 2 s
    try {
      expect(await readText(pool, { path: "/a" })).toBe("ok");
      await server.whenIdle!(); // closed by the pool, not reused
      expect(await readText(pool, { path: "/b" })).toBe("ok");
      expect(server.received).toHaveLength(2);
    } finally {
      pool.close();
      await server.close();
    }
  });

  test("the hint less the threshold replaces keepAliveTimeout for that connection", async () => {
    const server = await rawServer((socket) => socket.write("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok"));
    // 5 s - 4.9 s: idle for 0.1 s at most, although keepAliveTimeout says an hour.
    const pool = new HTTPConnectionPool("127.0.0.1", server.port, { connections: 1, keepAliveTimeout: 3600, keepAliveTimeoutThreshold: 4.9 });
    try {
      expect(await readText(pool, { path: "/a" })).toBe("ok");
      expect(pool.size).toBe(1);
      await server.whenIdle!();
      expect(pool.size).toBe(0);
    } finally {
      pool.close();
      await server.close();
    }
  });

  test("keepAliveMaxTimeout caps a generous hint; a malformed hint is ignored", async () => {
    const replies = ["Keep-Alive: timeout=86400", "Keep-Alive: timeout=soon"];
    const server = await rawServer((socket, _all, index) => socket.write(`HTTP/1.1 200 OK\r\n${replies[index % 2]}\r\nContent-Length: 2\r\n\r\nok`));
    const capped = new HTTPConnectionPool("127.0.0.1", server.port, { keepAliveMaxTimeout: 0.05, keepAliveTimeoutThreshold: 0 });
    try {
      expect(await readText(capped, { path: "/a" })).toBe("ok");
      await server.whenIdle!();
      expect(capped.size).toBe(0);
    } finally {
      capped.close();
    }
    const fallback = new HTTPConnectionPool("127.0.0.1", server.port, { keepAliveTimeout: 0.05 });
    try {
      expect(await readText(fallback, { path: "/a" })).toBe("ok"); // timeout=86400 on a new connection...
      expect(await readText(fallback, { path: "/b" })).toBe("ok"); // ...then "soon": keepAliveTimeout applies
      await server.whenIdle!();
      expect(fallback.size).toBe(0);
    } finally {
      fallback.close();
      await server.close();
    }
  });

  test("bad durations are refused", () => {
    expect(() => new HTTPConnectionPool("127.0.0.1", 80, { keepAliveMaxTimeout: -1 })).toThrow(/keepAliveMaxTimeout/);
    expect(() => new HTTPConnectionPool("127.0.0.1", 80, { keepAliveTimeoutThreshold: Number.NaN })).toThrow(/keepAliveTimeoutThreshold/);
  });
});
