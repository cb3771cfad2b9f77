/**
 * More of CPython's test_httplib (3.13), each named after the original: the HTTPStatus
 * categories, `getheader` defaults, `readlines`, `readinto` on a chunked HEAD answer, the
 * `blocksize` of file bodies, and three tunnel cases.
 */
import { describe, expect, test } from "@jest/globals";
import { open, rm, writeFile } from "node:fs/promises";
import type * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HTTPConnection, HTTPStatus, InvalidURL, statusInfo } from "../src/index.js";
import { chunkedEnd, lastChunk, withCanned, withResponse } from "./helpers/canned.js";
import { capture } from "./helpers/capture.js";
import { connectProxy } from "./helpers/proxy.js";
import { nodeServer, rawServer } from "./helpers/servers.js";

describe("HTTPStatus", () => {
  // cpython test_httplib: BasicTest.test_httpstatus_category
  test("test_httpstatus_category", () => {
    const categories = [
      [100, 199, "isInformational"],
      [200, 299, "isSuccess"],
      [300, 399, "isRedirection"],
      [400, 499, "isClientError"],
      [500, 599, "isServerError"],
    ] as const;
    for (const code of new Set(Object.values(HTTPStatus))) {
      const info = statusInfo(code)!;
      for (const [lower, upper, category] of categories) expect(info[category]).toBe(lower <= code && code <= upper);
    }
  });

  // cpython test_httplib: BasicTest.test_httpstatus_range
  test("test_httpstatus_range", () => {
    for (const code of Object.values(HTTPStatus)) {
      expect(code).toBeGreaterThanOrEqual(100);
      expect(code).toBeLessThanOrEqual(599);
    }
  });
});

describe("HTTPResponse", () => {
  const HEADERS = "HTTP/1.1 200 OK\r\nFirst: val\r\nSecond: val1\r\nSecond: val2\r\nContent-Length: 0\r\n\r\n";

  // cpython test_httplib: HTTPResponseTest.test_getting_header_defaultint
  test("test_getting_header_defaultint", async () => {
    await withResponse(HEADERS, (resp) => {
      expect(resp.getHeader("No-Such-Header", 42)).toBe(42);
      expect(resp.getHeader("Second", 42)).toBe("val1, val2");
    });
  });

  // cpython test_httplib: HTTPResponseTest.test_getting_nonexistent_header_with_iterable_default
  test("test_getting_nonexistent_header_with_iterable_default", async () => {
    await withResponse(HEADERS, (resp) => {
      expect(resp.getHeader("No-Such-Header", ["default", "values"])).toBe("default, values");
      expect(resp.getHeader("No-Such-Header", "default")).toBe("default");
      expect(resp.getHeader("No-Such-Header")).toBeUndefined();
      expect(resp.getHeader("First", ["default"])).toBe("val");
    });
  });

  // cpython test_httplib: BasicTest.test_readlines_content_length
  test("test_readlines_content_length", async () => {
    // The bytes after the body (CPython: left for the next reader) are not part of it.
    await withResponse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nHello123\r\nextradata", async (resp) => {
      const lines = await resp.readlines(2000);
      expect(lines.map((l) => l.toString())).toEqual(["Hello123\r\n"]);
      expect(resp.isClosed()).toBe(true);
    });
  });

  test("readlines: every line without a hint, and a hint stops after the line that reaches it", async () => {
    const body = "one\ntwo\nthree\nfour";
    await withResponse(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`, async (resp) => {
      expect((await resp.readlines(5)).map(String)).toEqual(["one\n", "two\n"]);
      expect((await resp.readlines()).map(String)).toEqual(["three\n", "four"]);
      expect(await resp.readlines()).toEqual([]);
    });
  });

  // cpython test_httplib: BasicTest.test_readinto_chunked_head
  test("test_readinto_chunked_head", async () => {
    const start = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nhello world\r\n1\r\nd\r\n";
    await withCanned(
      start + lastChunk + chunkedEnd,
      async ({ conn }) => {
        await conn.request("HEAD", "/");
        const resp = await conn.getResponse();
        const b = Buffer.alloc(5);
        expect(await resp.readInto(b)).toBe(0);
        expect(b.equals(Buffer.alloc(5))).toBe(true);
        expect(resp.status).toBe(200);
        expect(resp.reason).toBe("OK");
        expect(resp.isClosed()).toBe(true);
        expect(resp.closed).toBe(false);
        resp.close();
        expect(resp.closed).toBe(true);
      },
      {},
      false,
    );
  });
});

describe("blocksize", () => {
  /** Counts the socket writes of one request with a 9-byte file body and `blocksize: 8`. */
  async function writesFor(send: (conn: HTTPConnection, file: Awaited<ReturnType<typeof open>>) => Promise<void>): Promise<{ writes: Buffer[]; body: string }> {
    const path = join(tmpdir(), `stdhttp-blocksize-${process.pid}-${Math.random()}`);
    await writeFile(path, "a".repeat(8) + "b");
    const file = await open(path);
    const server = await rawServer((socket) => socket.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    const writes: Buffer[] = [];
    class Counting extends HTTPConnection {
      protected override createSocket(onread?: net.OnReadOpts): net.Socket {
        const s = super.createSocket(onread);
        const write = s.write.bind(s) as (chunk: unknown, ...rest: unknown[]) => boolean;
        s.write = ((chunk: unknown, ...rest: unknown[]) => {
          writes.push(Buffer.from(chunk as Buffer));
          return write(chunk, ...rest);
        });
        return s;
      }
    }
    const conn = new Counting("127.0.0.1", server.port, { blocksize: 8 });
    try {
      await send(conn, file);
      await (await conn.getResponse()).read();
      // The server answers on the head; wait until the 9 body bytes have reached it too.
      const complete = (): boolean => {
        const got = server.received[0];
        return got !== undefined && got.length >= got.indexOf("\r\n\r\n") + 4 + 9;
      };
      for (let i = 0; i < 200 && !complete(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
      const all = server.received[0].toString("latin1");
      return { writes, body: all.slice(all.indexOf("\r\n\r\n") + 4) };
    } finally {
      conn.close();
      await file.close();
      await server.close();
      await rm(path, { force: true });
    }
  }

  // cpython test_httplib: BasicTest.test_blocksize_request
  test("test_blocksize_request", async () => {
    const { writes, body } = await writesFor((conn, file) => conn.request("PUT", "/", file, { "Content-Length": "9" }));
    expect(writes).toHaveLength(3); // the head, then the file in blocks of 8
    expect(writes.slice(1).map((w) => w.length)).toEqual([8, 1]);
    expect(body).toBe("aaaaaaaab");
  });

  // cpython test_httplib: BasicTest.test_blocksize_send
  test("test_blocksize_send", async () => {
    const { writes, body } = await writesFor(async (conn, file) => {
      conn.putRequest("PUT", "/");
      conn.putHeader("Content-Length", "9");
      await conn.endHeaders();
      await conn.send(file);
    });
    expect(writes.slice(1).map((w) => w.length)).toEqual([8, 1]);
    expect(body).toBe("aaaaaaaab");
  });
});

describe("TunnelTests", () => {
  // cpython test_httplib: TunnelTests.test_set_tunnel_host_port_headers_set_host_identical
  test("test_set_tunnel_host_port_headers_set_host_identical", async () => {
    const target = await nodeServer((req, res) => res.end(`${req.method} host=${req.headers.host}`));
    const proxy = await connectProxy(target.port);
    const conn = new HTTPConnection("127.0.0.1", proxy.port);
    try {
      const headers = { "User-Agent": "Mozilla/5.0 (compatible, MSIE 11)", Host: "destination.com:8888" };
      conn.setTunnel("destination.com", 8888, headers);
      await conn.request("HEAD", "/", "");
      const resp = await conn.getResponse();
      await resp.read();
      expect(conn.host).toBe("127.0.0.1");
      expect(conn.port).toBe(proxy.port);
      // The given Host is sent once, as given, not doubled.
      expect(proxy.heads[0]).toBe("CONNECT destination.com:8888 HTTP/1.1\r\nUser-Agent: Mozilla/5.0 (compatible, MSIE 11)\r\nHost: destination.com:8888\r\n\r\n");
    } finally {
      conn.close();
      await proxy.close();
      await target.close();
    }
  });

  // cpython test_httplib: TunnelTests.test_connect_with_tunnel_with_different_host_header
  test("test_connect_with_tunnel_with_different_host_header", async () => {
    const target = await nodeServer((req, res) => res.end(`host=${req.headers.host}`));
    const proxy = await connectProxy(target.port);
    const conn = new HTTPConnection("127.0.0.1", proxy.port);
    try {
      conn.setTunnel("destination.com", null, { HOST: "example.com:9876" });
      await conn.request("HEAD", "/", "");
      await (await conn.getResponse()).read();
      expect(proxy.heads[0]).toBe("CONNECT destination.com:80 HTTP/1.1\r\nHOST: example.com:9876\r\n\r\n");
      // The request through the tunnel names the tunnel target, not the CONNECT Host.
      await conn.request("GET", "/");
      expect((await (await conn.getResponse()).read()).toString()).toBe("host=destination.com");
    } finally {
      conn.close();
      await proxy.close();
      await target.close();
    }
  });

  // cpython test_httplib: TunnelTests.test_tunnel_connect_single_send_connection_setup (bpo-43332)
  test("test_tunnel_connect_single_send_connection_setup", async () => {
    const chunks: Buffer[] = [];
    const proxy = await rawServer(() => {});
    class Recording extends HTTPConnection {
      protected override createSocket(onread?: net.OnReadOpts): net.Socket {
        const s = super.createSocket(onread);
        const write = s.write.bind(s) as (chunk: unknown, ...rest: unknown[]) => boolean;
        s.write = ((chunk: unknown, ...rest: unknown[]) => {
          chunks.push(Buffer.from(chunk as string, "latin1"));
          return write(chunk, ...rest);
        });
        return s;
      }
    }
    const rec = new Recording("127.0.0.1", proxy.port, { connectTimeout: 0.3 });
    try {
      rec.setTunnel("destination.com");
      await expect(rec.connect()).rejects.toBeDefined(); // the proxy never answers
      expect(chunks.length).toBeGreaterThanOrEqual(1);
      const first = chunks[0].toString("latin1");
      expect(first.startsWith("CONNECT destination.com")).toBe(true);
      expect(first.endsWith("\r\n\r\n")).toBe(true); // the whole CONNECT head in one send
    } finally {
      rec.close();
      await proxy.close();
    }
  });
});

describe("request target encoding", () => {
  // cpython test_httplib: BasicTest.test_putrequest_override_encoding (bpo-36274)
  test("test_putrequest_override_encoding", async () => {
    class UnsafeHTTPConnection extends HTTPConnection {
      protected override encodeRequestTarget(url: string): string {
        return Buffer.from(url, "utf8").toString("latin1");
      }
    }
    const server = await rawServer((socket) => socket.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    const conn = new UnsafeHTTPConnection("127.0.0.1", server.port);
    try {
      conn.putRequest("GET", "/☃");
      await conn.endHeaders();
      await (await conn.getResponse()).read();
      const line = server.received[0].subarray(0, server.received[0].indexOf("\r\n"));
      expect(line.equals(Buffer.concat([Buffer.from("GET /"), Buffer.from("☃", "utf8"), Buffer.from(" HTTP/1.1")]))).toBe(true);
      // Control characters are refused whatever the hook returns.
      expect(() => conn.putRequest("GET", "/a b")).toThrow(InvalidURL);
    } finally {
      conn.close();
      await server.close();
    }
    // The default refuses non-ASCII (CPython: UnicodeEncodeError from the ascii codec).
    expect(() => new HTTPConnection("example.com").putRequest("GET", "/☃")).toThrow(InvalidURL);
  });
});

describe("internationalized host names", () => {
  // cpython test_httplib: TunnelTests.test_connect_with_tunnel_idna
  test("test_connect_with_tunnel_idna", async () => {
    const target = await nodeServer((req, res) => res.end(`host=${req.headers.host}`));
    const proxy = await connectProxy(target.port);
    const conn = new HTTPConnection("127.0.0.1", proxy.port);
    try {
      conn.setTunnel("\u03b4\u03c0\u03b8.gr");
      await conn.request("HEAD", "/", "");
      await (await conn.getResponse()).read();
      expect(proxy.heads[0]).toBe("CONNECT xn--pxaix.gr:80 HTTP/1.1\r\nHost: xn--pxaix.gr:80\r\n\r\n");
      await conn.request("GET", "/");
      expect((await (await conn.getResponse()).read()).toString()).toBe("host=xn--pxaix.gr");
    } finally {
      conn.close();
      await proxy.close();
      await target.close();
    }
  });

  test("a non-ASCII host is sent in its IDNA form (CPython's putrequest encodes the Host with idna)", async () => {
    const data = await capture(async (conn) => {
      expect(conn.host).toBe("bücher.example"); // the name stays as given; only the wire sees the A-label
      await conn.request("GET", "/");
    }, "bücher.example");
    expect(data.startsWith("GET / HTTP/1.1\r\nHost: xn--bcher-kva.example\r\n")).toBe(true);
    expect(() => new HTTPConnection("a\u00a0b\u0000.com")).toThrow(InvalidURL);
    expect(() => new HTTPConnection("xn--a.\u00e9")).toThrow(InvalidURL); // no IDNA form
  });

});
