/**
 * Hostile servers never make the client hang (issue 14): raw servers on 127.0.0.1 port 0 that
 * stream header lines without the blank line, send an empty line as status line, cut chunked
 * bodies anywhere, or switch protocols unasked. The servers keep their sockets open where a
 * client that waits for more bytes would hang: the error must come from the bytes alone.
 * (A hang shows as the test's own timeout; no timing is asserted.)
 */
import { describe, expect, test } from "@jest/globals";
import type * as net from "node:net";
import {
  BadStatusLine,
  ClosedWhileConnecting,
  ClosedWhileSending,
  HTTPConnection,
  HTTPConnectionPool,
  IncompleteRead,
  NonErrorThrown,
  TooManyHeaders,
  UnsolicitedUpgrade,
  type HTTPResponse,
} from "../src/index.js";
import { chunkedEnd, chunkedExpected, chunkedStart, lastChunk, withCanned } from "./helpers/canned.js";
import { rawServer } from "./helpers/servers.js";

/** `n` header lines `Header<i>: foo\r\n`. */
function headerLines(n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += `Header${i}: foo\r\n`;
  return s;
}

/** Runs `fn` against a server that writes `bytes` after the request and keeps the socket open. */
function withOpenServer<T>(bytes: string, fn: (conn: HTTPConnection) => Promise<T>, options = {}): Promise<T> {
  return withCanned(bytes, async ({ conn }) => fn(conn), options, false);
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

describe("the header count limit is enforced while the head is read", () => {
  // cpython test_httplib: BasicTest.test_too_many_headers (without the blank line: CPython raises
  // as soon as the 101st line is read, whatever follows)
  test("test_too_many_headers: 101 header lines and no blank line, socket left open", async () => {
    await withOpenServer(`HTTP/1.1 200 OK\r\n${headerLines(101)}`, async (conn) => {
      await conn.request("GET", "/");
      const err = await rejection(conn.getResponse());
      expect(err).toBeInstanceOf(TooManyHeaders);
      expect(err.message).toBe("got more than 100 headers");
    });
  });

  test("100 header lines, then the blank line in a later packet: a response", async () => {
    const server = await rawServer((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\n${headerLines(99)}Content-Length: 2\r\n`);
      setImmediate(() => socket.write("\r\nok"));
    });
    const conn = new HTTPConnection("127.0.0.1", server.port);
    try {
      await conn.request("GET", "/");
      const resp = await conn.getResponse();
      expect(resp.getHeaders().length).toBe(100);
      expect((await resp.read()).toString()).toBe("ok");
    } finally {
      conn.close();
      await server.close();
    }
  });

  test("a server streaming header lines forever: TooManyHeaders once past the limit", async () => {
    let timer: NodeJS.Immediate | null = null;
    const sockets: net.Socket[] = [];
    const server = await rawServer((socket) => {
      sockets.push(socket);
      socket.write("HTTP/1.1 200 OK\r\n");
      let i = 0;
      const drip = (): void => {
        if (socket.destroyed) return;
        socket.write(`X-${i++}: y\r\n`);
        timer = setImmediate(drip);
      };
      drip();
    });
    const conn = new HTTPConnection("127.0.0.1", server.port, { maxResponseHeaders: 5 });
    try {
      await conn.request("GET", "/");
      const err = await rejection(conn.getResponse());
      expect(err).toBeInstanceOf(TooManyHeaders);
      expect((err as TooManyHeaders).limit).toBe(5);
    } finally {
      if (timer !== null) clearImmediate(timer);
      for (const s of sockets) s.destroy();
      conn.close();
      await server.close();
    }
  });

  // cpython test_httplib: BasicTest.test_overflowing_header_limit_after_100
  test("test_overflowing_header_limit_after_100", async () => {
    await withOpenServer(`HTTP/1.1 100 OK\r\n${"r\n".repeat(32768)}`, async (conn) => {
      await conn.request("GET", "/");
      const err = await rejection(conn.getResponse());
      expect(err).toBeInstanceOf(TooManyHeaders);
      expect(err.message).toContain("got more than ");
      expect(err.message).toContain("headers");
    });
  });

  test("after a complete interim 100, the final head is counted on its own and may not hang", async () => {
    await withOpenServer(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n${headerLines(101)}`, async (conn) => {
      await conn.request("GET", "/");
      await expect(conn.getResponse()).rejects.toBeInstanceOf(TooManyHeaders);
    });
  });

  test("each interim head and the final head count their own fields (60 + 60 is fine)", async () => {
    const bytes = `HTTP/1.1 103 Early Hints\r\n${headerLines(60)}\r\nHTTP/1.1 200 OK\r\n${headerLines(60)}Content-Length: 2\r\n\r\nok`;
    await withCanned(bytes, async ({ conn }) => {
      await conn.request("GET", "/");
      const resp = await conn.getResponse();
      expect(resp.status).toBe(200);
      expect(resp.getHeaders().length).toBe(61);
      expect((await resp.read()).toString()).toBe("ok");
    });
  });

  test("the same limit through the pool and with pipelining", async () => {
    const server = await rawServer((socket) => socket.write(`HTTP/1.1 200 OK\r\n${headerLines(101)}`));
    const pool = new HTTPConnectionPool("127.0.0.1", server.port, { connections: 1 });
    const piped = new HTTPConnection("127.0.0.1", server.port, { pipelining: 2 });
    try {
      await expect(pool.request({ path: "/" })).rejects.toBeInstanceOf(TooManyHeaders);
      await piped.request("GET", "/a");
      await piped.request("GET", "/b");
      await expect(piped.getResponse()).rejects.toBeInstanceOf(TooManyHeaders);
    } finally {
      pool.close();
      piped.close();
      await server.close();
    }
  });
});

describe("Expect: 100-continue reads heads too (expect-continue.ts)", () => {
  test("an interim head with too many lines while the body waits: TooManyHeaders", async () => {
    await withOpenServer(`HTTP/1.1 100 Continue\r\n${headerLines(101)}`, async (conn) => {
      await conn.request("POST", "/", "body", { Expect: "100-continue" });
      await expect(conn.getResponse()).rejects.toBeInstanceOf(TooManyHeaders);
    });
  });

  test("a bare CRLF while the body waits: BadStatusLine", async () => {
    await withOpenServer("\r\n", async (conn) => {
      await conn.request("POST", "/", "body", { Expect: "100-continue" });
      await expect(conn.getResponse()).rejects.toBeInstanceOf(BadStatusLine);
    });
  });
});

describe("an empty line where the status line should be", () => {
  // cpython http.client _read_status: the line "\r\n" has no version: BadStatusLine
  test("bare CRLF: BadStatusLine at once, the socket left open", async () => {
    await withOpenServer("\r\n", async (conn) => {
      await conn.request("GET", "/");
      const err = await rejection(conn.getResponse());
      expect(err).toBeInstanceOf(BadStatusLine);
      expect((err as BadStatusLine).line).toBe("\r\n");
    });
  });

  test("bare CRLF before a status line: still BadStatusLine (a client does not skip empty lines)", async () => {
    await withCanned("\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", async ({ conn }) => {
      await conn.request("GET", "/");
      await expect(conn.getResponse()).rejects.toBeInstanceOf(BadStatusLine);
    });
  });

  test("bare LF: BadStatusLine at once", async () => {
    await withOpenServer("\n", async (conn) => {
      await conn.request("GET", "/");
      expect(((await rejection(conn.getResponse())) as BadStatusLine).line).toBe("\n");
    });
  });

  test("through the pool", async () => {
    const server = await rawServer((socket) => socket.write("\r\n"));
    const pool = new HTTPConnectionPool("127.0.0.1", server.port);
    try {
      await expect(pool.request({ path: "/" })).rejects.toBeInstanceOf(BadStatusLine);
    } finally {
      pool.close();
      await server.close();
    }
  });
});

/** Every way of reading a body; each returns what it got before the error and the error. */
const readers: Array<[string, (resp: HTTPResponse) => Promise<{ got: Buffer; err: unknown }>]> = [
  ["read()", async (resp) => ({ got: Buffer.alloc(0), err: await rejection(resp.read()) })],
  ["read(n)", (resp) => collect(async () => resp.read(7))],
  ["read(large n)", (resp) => collect(async () => resp.read(100000))],
  ["readInto", (resp) => collect(async () => {
    const b = Buffer.alloc(5);
    const n = await resp.readInto(b);
    return b.subarray(0, n);
  })],
  ["readInto(large buffer)", (resp) => collect(async () => {
    const b = Buffer.alloc(100000);
    const n = await resp.readInto(b);
    return b.subarray(0, n);
  })],
  ["read1", (resp) => collect(async () => resp.read1())],
  ["read1(3)", (resp) => collect(async () => resp.read1(3))],
  ["readline", (resp) => collect(async () => resp.readline())],
  ["streaming", async (resp) => {
    const parts: Buffer[] = [];
    try {
      for await (const chunk of resp) parts.push(chunk);
    } catch (err) {
      return { got: Buffer.concat(parts), err };
    }
    throw new Error("expected an error");
  }],
];

/** Calls `step` until it throws; returns the bytes it returned before. */
async function collect(step: () => Promise<Buffer>): Promise<{ got: Buffer; err: unknown }> {
  const parts: Buffer[] = [];
  for (;;) {
    let piece: Buffer;
    try {
      piece = await step();
    } catch (err) {
      return { got: Buffer.concat(parts), err };
    }
    if (piece.length === 0) throw new Error("body ended without an error");
    parts.push(piece);
  }
}

/** Body cases: the bytes after the head, and the body bytes that arrived before EOF. */
const cuts: Array<[string, string, string]> = [
  // cpython test_httplib: BasicTest.test_chunked / test_readinto_chunked (x = '')
  ["after a whole chunk", chunkedStart, chunkedExpected],
  // "EOF in chunk size": the connection ends inside a chunk-size line
  ["inside a chunk-size line", `${chunkedStart}2`, chunkedExpected],
  ["inside a chunk-size line with an extension", `${chunkedStart}5;ext=`, chunkedExpected],
  ["after a chunk-size line", `${chunkedStart}5\r\n`, chunkedExpected],
  ["inside chunk data", `${chunkedStart}10\r\n0123456789`, `${chunkedExpected}0123456789`],
  ["after chunk data, before its CRLF", `${chunkedStart}3\r\nabc`, `${chunkedExpected}abc`],
  ["inside the first chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\nhello", "hello"],
  ["inside a Content-Length body", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello world", "hello world"],
];

describe("IncompleteRead.partial holds every body byte not yet returned", () => {
  for (const [cutName, bytes, expected] of cuts) {
    for (const [readerName, read] of readers) {
      test(`${cutName}, ${readerName}`, async () => {
        await withCanned(bytes, async ({ conn }) => {
          await conn.request("GET", "/");
          const resp = await conn.getResponse();
          const { got, err } = await read(resp);
          expect(err).toBeInstanceOf(IncompleteRead);
          const partial = (err as IncompleteRead).partial;
          expect(Buffer.concat([got, partial]).toString("latin1")).toBe(expected);
          expect(resp.isClosed()).toBe(true);
        });
      });
    }
  }

  // cpython test_httplib: BasicTest.test_chunked (the IncompleteRead message)
  test("test_chunked: the message counts the partial bytes", async () => {
    await withCanned(`${chunkedStart}2`, async ({ conn }) => {
      await conn.request("GET", "/");
      const err = (await rejection((await conn.getResponse()).read())) as IncompleteRead;
      expect(err.message).toBe(`IncompleteRead(${chunkedExpected.length} bytes read)`);
    });
  });

  test("the whole body arrives: no error, for comparison", async () => {
    await withCanned(chunkedStart + lastChunk + chunkedEnd, async ({ conn }) => {
      await conn.request("GET", "/");
      expect((await (await conn.getResponse()).read()).toString()).toBe(chunkedExpected);
    });
  });
});

describe("101 Switching Protocols (RFC 9110 7.8, 15.2.2)", () => {
  const SWITCH = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";

  test("an unsolicited 101 (no Upgrade in the request) is UnsolicitedUpgrade", async () => {
    await withOpenServer(`${SWITCH}\x81\x05hello`, async (conn) => {
      await conn.request("GET", "/");
      const err = await rejection(conn.getResponse());
      expect(err).toBeInstanceOf(UnsolicitedUpgrade);
      expect((err as UnsolicitedUpgrade).code).toBe("ERR_HTTP_UNSOLICITED_UPGRADE");
      expect((err as UnsolicitedUpgrade).upgrade).toBe("websocket");
      expect(conn.sock).toBeNull();
    });
  });

  test("after an interim 100, still UnsolicitedUpgrade", async () => {
    await withOpenServer(`HTTP/1.1 100 Continue\r\n\r\n${SWITCH}`, async (conn) => {
      await conn.request("GET", "/");
      await expect(conn.getResponse()).rejects.toBeInstanceOf(UnsolicitedUpgrade);
    });
  });

  test("through the pool", async () => {
    const server = await rawServer((socket) => socket.write(SWITCH));
    const pool = new HTTPConnectionPool("127.0.0.1", server.port);
    try {
      await expect(pool.request({ path: "/" })).rejects.toBeInstanceOf(UnsolicitedUpgrade);
    } finally {
      pool.close();
      await server.close();
    }
  });

  test("a 101 to a request that sent Upgrade is a response as before (request())", async () => {
    await withOpenServer(SWITCH, async (conn) => {
      await conn.request("GET", "/", null, { Connection: "Upgrade", Upgrade: "websocket" });
      const resp = await conn.getResponse();
      expect(resp.status).toBe(101);
      expect(resp.willClose).toBe(true);
    });
  });

  test("a 101 to a request that sent Upgrade is a response as before (putHeader, any case)", async () => {
    await withOpenServer(SWITCH, async (conn) => {
      conn.putRequest("GET", "/");
      conn.putHeader("Connection", "upgrade");
      conn.putHeader("UPGRADE", "websocket");
      await conn.endHeaders();
      expect((await conn.getResponse()).status).toBe(101);
    });
  });
});

describe("failures without an error of their own get a class and a code", () => {
  test("ClosedWhileConnecting: the socket closes before it connects", async () => {
    const server = await rawServer(() => {});
    class Closing extends HTTPConnection {
      protected override createSocket(onread?: net.OnReadOpts): net.Socket {
        const s = super.createSocket(onread);
        s.destroy();
        return s;
      }
    }
    const conn = new Closing("127.0.0.1", server.port);
    try {
      const err = await rejection(conn.request("GET", "/"));
      expect(err).toBeInstanceOf(ClosedWhileConnecting);
      expect((err as ClosedWhileConnecting).code).toBe("ERR_HTTP_CLOSED_WHILE_CONNECTING");
    } finally {
      conn.close();
      await server.close();
    }
  });

  test("ClosedWhileSending: the connection is closed while a streamed body is written", async () => {
    const server = await rawServer(() => {});
    const conn = new HTTPConnection("127.0.0.1", server.port);
    function* body(): Generator<string> {
      yield "first";
      conn.close();
      yield "second";
    }
    try {
      const err = await rejection(conn.request("POST", "/", body()));
      expect(err).toBeInstanceOf(ClosedWhileSending);
      expect((err as ClosedWhileSending).code).toBe("ERR_HTTP_CLOSED_WHILE_SENDING");
    } finally {
      conn.close();
      await server.close();
    }
  });

  test("NonErrorThrown: a body iterable throws a string", async () => {
    const server = await rawServer(() => {});
    const conn = new HTTPConnection("127.0.0.1", server.port);
    function* body(): Generator<string> {
      yield "first";
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw "boom";
    }
    try {
      const err = await rejection(conn.request("POST", "/", body()));
      expect(err).toBeInstanceOf(NonErrorThrown);
      expect((err as NonErrorThrown).cause).toBe("boom");
    } finally {
      conn.close();
      await server.close();
    }
  });
});
