/**
 * Durations are seconds, as CPython's `HTTPConnection(host, port, timeout=10)`: the options,
 * the `timeout` attribute, the pool's `keepAliveTimeout` and the `timeout` field of the errors.
 * The socket timers underneath are milliseconds. No timing assertions.
 */
import { describe, expect, test } from "@jest/globals";
import {
  BodyTimeout,
  ClientTimeout,
  ConnectTimeout,
  HTTPConnection,
  HTTPConnectionPool,
  HeadersTimeout,
} from "../src/index.js";
import { checkSeconds, secondsToMs } from "../src/client/durations.js";
import { rawServer } from "./helpers/servers.js";

describe("timeouts are seconds", () => {
  // cpython test_httplib: TimeoutTest.testTimeoutAttribute (timeout=30 is 30 seconds)
  test("{ timeout: 0.05 } against a silent server: the timeout error carries 0.05", async () => {
    const silent = await rawServer(() => {}); // accepts TCP, never answers
    const conn = new HTTPConnection("127.0.0.1", silent.port, { timeout: 0.05 });
    try {
      expect(conn.timeout).toBe(0.05);
      const err = await conn
        .request("GET", "/")
        .then(() => conn.getResponse())
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClientTimeout);
      // Loopback connects at once, so this is HeadersTimeout; a stalled event loop could make it ConnectTimeout.
      expect([HeadersTimeout, ConnectTimeout]).toContain((err as ClientTimeout).constructor);
      expect((err as ClientTimeout).timeout).toBe(0.05);
      expect((err as ClientTimeout).message).toMatch(/timed out after 0\.05 s$/);
    } finally {
      conn.close();
      await silent.close();
    }
  });

  test("the socket timer gets milliseconds: defaults are 300 s for a connected socket", async () => {
    const silent = await rawServer(() => {});
    const plain = new HTTPConnection("127.0.0.1", silent.port);
    const headers = new HTTPConnection("127.0.0.1", silent.port, { timeout: 1, headersTimeout: 2.5 });
    try {
      await plain.connect();
      expect(plain.timeout).toBeNull();
      expect(plain.sock!.timeout).toBe(300_000);
      await headers.connect();
      expect(headers.sock!.timeout).toBe(2500); // idle sockets run with the headers timeout
    } finally {
      plain.close();
      headers.close();
      await silent.close();
    }
  });

  test("error classes take and report seconds", () => {
    expect(new ConnectTimeout(10).message).toBe("connect timed out after 10 s");
    expect(new HeadersTimeout(300).timeout).toBe(300);
    expect(new BodyTimeout(0.25).message).toBe("reading the response body timed out after 0.25 s");
  });

  test("a negative or non-numeric duration throws RangeError at construction", () => {
    expect(() => new HTTPConnection("127.0.0.1", 80, { timeout: -1 })).toThrow(RangeError);
    expect(() => new HTTPConnection("127.0.0.1", 80, { connectTimeout: Number.NaN })).toThrow(/connectTimeout/);
    expect(() => new HTTPConnection("127.0.0.1", 80, { expectContinueTimeout: -0.5 })).toThrow(RangeError);
    expect(() => new HTTPConnectionPool("127.0.0.1", 80, { keepAliveTimeout: -4 })).toThrow(/keepAliveTimeout/);
    expect(() => new HTTPConnectionPool("127.0.0.1", 80, { bodyTimeout: -1 })).toThrow(/bodyTimeout/);
  });

  test("seconds to timer milliseconds: 0 stays off, tiny is 1 ms, huge is clamped", () => {
    expect(secondsToMs(0)).toBe(0);
    expect(secondsToMs(0.05)).toBe(50);
    expect(secondsToMs(10)).toBe(10_000);
    expect(secondsToMs(0.0001)).toBe(1);
    expect(secondsToMs(1e9)).toBe(2 ** 31 - 1);
    expect(secondsToMs(Infinity)).toBe(2 ** 31 - 1);
    expect(checkSeconds("timeout", 0)).toBe(0);
    expect(() => checkSeconds("timeout", "10" as unknown as number)).toThrow(RangeError);
  });
});

describe("HTTPConnectionPool keepAliveTimeout is seconds", () => {
  test("default 4; { keepAliveTimeout: 0.05 } closes the idle connection", async () => {
    expect(new HTTPConnectionPool("127.0.0.1", 80).keepAliveTimeout).toBe(4);
    const server = await rawServer((socket) => socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    const pool = new HTTPConnectionPool("127.0.0.1", server.port, { keepAliveTimeout: 0.05 });
    try {
      expect(pool.keepAliveTimeout).toBe(0.05);
      const res = await pool.request({ path: "/" });
      expect((await res.read()).toString()).toBe("ok");
      await server.whenIdle!(); // the pool's sweeper closed the idle keep-alive connection
      expect(pool.size).toBe(0);
    } finally {
      pool.close();
      await server.close();
    }
  });
});
