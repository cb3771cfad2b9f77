/**
 * Connection life: keep-alive reuse, reconnect, interim responses, hostile servers, source
 * address and timeouts attributes (CPython PersistenceTest, SourceAddressTest, TimeoutTest),
 * against raw servers, node:http and Python's http.server.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import * as net from "node:net";
import {
  BadStatusLine,
  ConflictingFraming,
  HeadTooLarge,
  HTTPConnection,
  HTTPException,
  IncompleteRead,
  InvalidChunk,
  RemoteDisconnected,
  type InformationalResponse,
} from "../src/index.js";
import { incompleteRead } from "./helpers/bodies.js";
import { withCanned } from "./helpers/canned.js";
import { nodeServer, PY_ECHO_SERVER, pythonServer, rawServer, type TestServer } from "./helpers/servers.js";

describe("PersistenceTest", () => {
  // cpython test_httplib: PersistenceTest.test_reuse_reconnect
  test("reuse or reconnect depending on the response", async () => {
    const cases: Array<[string, string, boolean]> = [
      ["1.0", "", false],
      ["1.0", "Connection: keep-alive\r\n", true],
      ["1.1", "", true],
      ["1.1", "Connection: close\r\n", false],
      ["1.0", "Connection: keep-ALIVE\r\n", true],
      ["1.1", "Connection: cloSE\r\n", false],
    ];
    for (const [version, header, reuse] of cases) {
      const msg = `HTTP/${version} 200 OK\r\n${header}Content-Length: 12\r\n\r\nDummy body\r\n`;
      const server = await rawServer((socket) => {
        socket.write(msg);
        if (!reuse) socket.end();
      });
      const conn = new HTTPConnection("127.0.0.1", server.port);
      try {
        expect(conn.sock).toBeNull();
        await conn.request("GET", "/open-connection");
        const response = await conn.getResponse();
        expect(conn.sock === null).toBe(!reuse);
        expect(response.willClose).toBe(!reuse);
        await response.read();
        expect(conn.sock === null).toBe(!reuse);
        await conn.request("GET", "/subsequent-request");
        await (await conn.getResponse()).read();
        expect(server.received).toHaveLength(reuse ? 1 : 2);
      } finally {
        conn.close();
        await server.close();
      }
    }
  });

  // cpython test_httplib: PersistenceTest.test_disconnected
  test("disconnected: RemoteDisconnected, then automatic reconnect", async () => {
    let n = 0;
    const server = await rawServer((socket) => {
      if (n++ === 0) socket.end();
      else socket.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    const conn = new HTTPConnection("127.0.0.1", server.port);
    try {
      await conn.request("GET", "/eof-response");
      const err = await conn.getResponse().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RemoteDisconnected);
      expect(err).toBeInstanceOf(BadStatusLine);
      expect((err as HTTPException).code).toBe("ERR_HTTP_REMOTE_DISCONNECTED");
      expect(conn.sock).toBeNull();
      await conn.request("GET", "/reconnect");
      expect((await (await conn.getResponse()).read()).toString()).toBe("ok");
      expect(server.received).toHaveLength(2);
    } finally {
      conn.close();
      await server.close();
    }
  });

  // RFC 9112 6.1: Transfer-Encoding in an HTTP/1.0 message is faulty framing; close after it.
  test("an HTTP/1.0 answer with Transfer-Encoding: chunked is read as chunked (as CPython), and its connection is not reused", async () => {
    const server = await rawServer((socket) => {
      socket.write("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    });
    const conn = new HTTPConnection("127.0.0.1", server.port);
    try {
      await conn.request("GET", "/");
      const resp = await conn.getResponse();
      expect(resp.chunked).toBe(true);
      expect(resp.willClose).toBe(true);
      expect((await resp.read()).toString()).toBe("hello");
      expect(conn.sock).toBeNull();
    } finally {
      conn.close();
      await server.close();
    }
  });

  test("connection reset by the server gives the socket error, never a crash", async () => {
    const server = await rawServer((socket) => {
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
      setImmediate(() => socket.resetAndDestroy());
    });
    const conn = new HTTPConnection("127.0.0.1", server.port);
    try {
      await conn.request("GET", "/");
      const resp = await conn.getResponse();
      await incompleteRead(resp.read());
    } finally {
      conn.close();
      await server.close();
    }
  });

  // cpython test_httplib: PersistenceTest.test_disconnected (the ConnectionResetError case)
  test("reset before any response byte is RemoteDisconnected with the socket error as cause", async () => {
    const server = await rawServer((socket) => socket.resetAndDestroy());
    const conn = new HTTPConnection("127.0.0.1", server.port);
    try {
      await conn.request("GET", "/");
      const err = await conn.getResponse().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RemoteDisconnected);
      expect(((err as Error).cause as { code?: string }).code).toBe("ECONNRESET");
      expect(conn.sock).toBeNull();
    } finally {
      conn.close();
      await server.close();
    }
  });

  // cpython test_httplib: BasicTest.test_epipe
  test("epipe: the body cannot be sent but the early response is readable", async () => {
    const server = await rawServer((socket) => {
      socket.end('HTTP/1.0 401 Authorization Required\r\nContent-type: text/html\r\nWWW-Authenticate: Basic realm="example"\r\n\r\n');
      setImmediate(() => socket.destroy());
    });
    const conn = new HTTPConnection("127.0.0.1", server.port);
    try {
      async function* big(): AsyncGenerator<Buffer> {
        for (let i = 0; i < 256; i++) {
          yield Buffer.alloc(64 * 1024, "b");
          await new Promise((r) => setImmediate(r));
        }
      }
      const sent = await conn.request("PUT", "/url", big()).then(
        () => null,
        (e: unknown) => e,
      );
      expect(sent).not.toBeNull(); // the write failed (EPIPE / ECONNRESET), as CPython's OSError
      const resp = await conn.getResponse();
      expect(resp.status).toBe(401);
      expect(resp.getHeader("www-authenticate")).toBe('Basic realm="example"');
    } finally {
      conn.close();
      await server.close();
    }
  });

  // cpython test_httplib: PersistenceTest.test_100_close
  test("100 close", async () => {
    let n = 0;
    const server = await rawServer((socket) => {
      if (n++ === 0) socket.end("HTTP/1.1 100 Continue\r\n\r\n");
      else socket.end("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    });
    const conn = new HTTPConnection("127.0.0.1", server.port);
    try {
      await conn.request("GET", "/", null, { Expect: "100-continue" });
      await expect(conn.getResponse()).rejects.toBeInstanceOf(RemoteDisconnected);
      expect(conn.sock).toBeNull();
      await conn.request("GET", "/reconnect");
      expect((await conn.getResponse()).status).toBe(200);
      expect(server.received).toHaveLength(2);
    } finally {
      conn.close();
      await server.close();
    }
  });

  test("keep-alive: sequential requests share one socket (node:http)", async () => {
    const server = await nodeServer((req, res) => res.end(`you asked ${req.url}`));
    const conn = new HTTPConnection("127.0.0.1", server.port);
    try {
      let sock: net.Socket | null = null;
      for (let i = 0; i < 20; i++) {
        await conn.request("GET", `/${i}`);
        const r = await conn.getResponse();
        expect((await r.read()).toString()).toBe(`you asked /${i}`);
        if (sock === null) sock = conn.sock;
        else expect(conn.sock).toBe(sock);
      }
    } finally {
      conn.close();
      await server.close();
    }
  });

  test("node:http chunked response with trailers, then keep-alive", async () => {
    const server = await nodeServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/plain", Trailer: "X-Sum" });
      res.write("part one, ");
      setImmediate(() => {
        res.write("part two");
        res.addTrailers({ "X-Sum": "42" });
        res.end();
      });
    });
    const conn = new HTTPConnection("127.0.0.1", server.port);
    try {
      for (let i = 0; i < 2; i++) {
        await conn.request("GET", "/");
        const r = await conn.getResponse();
        expect(r.chunked).toBe(true);
        expect((await r.read()).toString()).toBe("part one, part two");
        expect(r.trailers?.get("x-sum")).toBe("42");
        expect(r.willClose).toBe(false);
      }
      expect(conn.sock).not.toBeNull();
    } finally {
      conn.close();
      await server.close();
    }
  });

  test("idle keep-alive socket closed by the server: next request reconnects", async () => {
    const server = await rawServer((socket) => {
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx");
      setImmediate(() => socket.end()); // closes after answering, without saying so
    });
    const conn = new HTTPConnection("127.0.0.1", server.port);
    try {
      await conn.request("GET", "/");
      await (await conn.getResponse()).read();
      await new Promise<void>((resolve) => {
        const s = conn.sock;
        if (s === null || s.destroyed) resolve();
        else s.once("close", () => resolve());
      });
      await conn.request("GET", "/");
      expect((await (await conn.getResponse()).read()).toString()).toBe("x");
      expect(server.received).toHaveLength(2);
    } finally {
      conn.close();
      await server.close();
    }
  });
});

describe("interim responses", () => {
  test("1xx are skipped and reported through 'information' and onInformation", async () => {
    const seen: InformationalResponse[] = [];
    const viaOption: number[] = [];
    await withCanned(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
      async ({ conn }) => {
        conn.on("information", (info: InformationalResponse) => seen.push(info));
        await conn.request("GET", "/");
        const resp = await conn.getResponse();
        expect(resp.status).toBe(200);
        expect((await resp.read()).toString()).toBe("hi");
      },
      { onInformation: (i) => viaOption.push(i.status) },
    );
    expect(seen.map((i) => i.status)).toEqual([100, 103]);
    expect(seen[1].headers.get("link")).toBe("</s.css>; rel=preload");
    expect(viaOption).toEqual([100, 103]);
  });
});

describe("hostile servers: typed errors, no hang", () => {
  const cases: Array<[string, string, string, (new (...a: never[]) => Error) | null]> = [
    ["HEAD with a body claimed", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", null],
    ["204 with a body claimed", "GET", "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", null],
    ["304 with chunked claimed", "GET", "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", null],
  ];
  test.each(cases)("%s: no body is read", async (_name, method, text) => {
    // The server keeps the socket open: reading a body would hang.
    await withCanned(
      text,
      async ({ conn }) => {
        await conn.request(method, "/");
        const resp = await conn.getResponse();
        expect(resp.isClosed()).toBe(true);
        expect((await resp.read()).length).toBe(0);
      },
      {},
      false,
    );
  });

  const errors: Array<[string, string, (new (...a: never[]) => Error), "head" | "body"]> = [
    ["garbage status line", "SSH-2.0-OpenSSH\r\n\r\n", BadStatusLine, "head"],
    ["Content-Length + Transfer-Encoding", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", ConflictingFraming, "head"],
    ["invalid chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", InvalidChunk, "body"],
    ["chunk without CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX0\r\n\r\n", InvalidChunk, "body"],
    ["truncated body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", IncompleteRead, "body"],
    ["truncated chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc", IncompleteRead, "body"],
    ["oversized head", `HTTP/1.1 200 OK\r\n${"X-Big: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".repeat(2000)}`, HTTPException, "head"],
  ];
  test.each(errors)("%s", async (_name, text, cls, where) => {
    await withCanned(text, async ({ conn }) => {
      await conn.request("GET", "/");
      if (where === "head") {
        await expect(conn.getResponse()).rejects.toBeInstanceOf(cls);
      } else {
        const resp = await conn.getResponse();
        await expect(resp.read()).rejects.toBeInstanceOf(cls);
        expect(resp.isClosed()).toBe(true);
      }
    });
  });

  test("endless head on an open socket hits maxHeadSize", async () => {
    const server = await rawServer((socket) => {
      socket.write("HTTP/1.1 200 OK\r\n");
      const line = Buffer.from(`X-Junk: ${"j".repeat(1000)}\r\n`);
      const pump = (): void => {
        if (socket.destroyed) return;
        socket.write(line, () => setImmediate(pump));
      };
      pump();
    });
    const conn = new HTTPConnection("127.0.0.1", server.port, { headLimits: { maxHeadSize: 16384 }, maxResponseHeaders: 1000 });
    try {
      await conn.request("GET", "/");
      await expect(conn.getResponse()).rejects.toBeInstanceOf(HeadTooLarge);
    } finally {
      conn.close();
      await server.close();
    }
  });

  test("maxResponseHeaders", async () => {
    await withCanned(
      `HTTP/1.1 200 OK\r\n${"A: b\r\n".repeat(11)}Content-Length: 0\r\n\r\n`,
      async ({ conn }) => {
        await conn.request("GET", "/");
        await expect(conn.getResponse()).rejects.toMatchObject({ code: "ERR_HTTP_TOO_MANY_HEADERS" });
      },
      { maxResponseHeaders: 10 },
    );
  });

  test("HTTP/2.0 status line is UnknownProtocol, HTTP/1.0 is version 10", async () => {
    await withCanned("HTTP/2.0 200 OK\r\n\r\n", async ({ conn }) => {
      await conn.request("GET", "/");
      await expect(conn.getResponse()).rejects.toMatchObject({ code: "ERR_HTTP_UNKNOWN_PROTOCOL" });
    });
    await withCanned("HTTP/1.0 200 OK\r\n\r\nbody", async ({ conn }) => {
      await conn.request("GET", "/");
      const r = await conn.getResponse();
      expect(r.version).toBe(10);
      expect(r.willClose).toBe(true);
      expect((await r.read()).toString()).toBe("body");
    });
  });
});

describe("SourceAddressTest", () => {
  // cpython test_httplib: SourceAddressTest.testHTTPConnectionSourceAddress
  test("source address", async () => {
    const server = await rawServer("HTTP/1.1 204 No Content\r\n\r\n");
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const sourcePort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const conn = new HTTPConnection("127.0.0.1", server.port, { sourceAddress: ["", sourcePort] });
    try {
      await conn.connect();
      expect(conn.sock!.localPort).toBe(sourcePort);
    } finally {
      conn.close();
      await server.close();
    }
  });
});

describe("TimeoutTest", () => {
  // cpython test_httplib: TimeoutTest.testTimeoutAttribute (seconds, as CPython; Node's socket timer is in ms)
  test("timeout attribute reaches the socket", async () => {
    const server = await rawServer("");
    try {
      const a = new HTTPConnection("127.0.0.1", server.port, { timeout: 30 });
      await a.connect();
      expect(a.timeout).toBe(30);
      expect(a.sock!.timeout).toBe(30000);
      a.close();
      const b = new HTTPConnection("127.0.0.1", server.port, { timeout: 0 });
      await b.connect();
      expect(b.sock!.timeout ?? 0).toBe(0);
      b.close();
      const c = new HTTPConnection("127.0.0.1", server.port);
      expect(c.timeout).toBeNull();
      c.close();
    } finally {
      await server.close();
    }
  });
});

describe("Python http.server peer", () => {
  let py: TestServer;
  beforeAll(async () => {
    py = await pythonServer(PY_ECHO_SERVER);
  });
  afterAll(async () => {
    await py.close();
  });

  test("GET, HEAD and POST over one keep-alive connection", async () => {
    const conn = new HTTPConnection(`127.0.0.1:${py.port}`);
    try {
      await conn.request("GET", "/hello", null, { Accept: "text/plain" });
      let r = await conn.getResponse();
      expect(r.status).toBe(200);
      expect((await r.read()).toString()).toBe("GET /hello text/plain");
      const sock = conn.sock;
      await conn.request("HEAD", "/hello");
      r = await conn.getResponse();
      expect(r.getHeader("content-length")).toBe("12"); // "HEAD /hello "
      expect((await r.read()).length).toBe(0);
      await conn.request("POST", "/echo", Buffer.alloc(100000, "p"));
      r = await conn.getResponse();
      expect((await r.read()).equals(Buffer.alloc(100000, "p"))).toBe(true);
      expect(conn.sock).toBe(sock);
    } finally {
      conn.close();
    }
  });
});
