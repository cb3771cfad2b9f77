// Bad input never crashes the proxy or passes through unsanitised: raw-socket origins answering
// exact bytes (smuggling shapes, oversized heads, truncated bodies, 101, silence), clients that
// leave mid-download, malformed requests to the proxy. After each case the proxy must still
// answer a normal request.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import http from "node:http";
import net from "node:net";
import { PoolRegistry, ProxyRequestHandler, ThreadingHTTPServer, type ProxyOptions } from "../src/index.js";

class Quiet extends ProxyRequestHandler {
  override logMessage(): void {}
  override logError(): void {}
}

interface Running {
  port: number;
  close(): Promise<void>;
}

/** A proxy on port 0 with its own pools (so `upstreamTimeout` applies to every origin it meets). */
async function proxy(options: ProxyOptions = {}): Promise<Running> {
  const pools = new PoolRegistry();
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], Quiet.withOptions({ upstreamTimeout: 2, pools, ...options }));
  await server.ready;
  void server.serveForever();
  return {
    port: (server.serverAddress as [string, number])[1],
    async close() {
      pools.close();
      await server.shutdown();
      await server.serverClose();
    },
  };
}

interface RawOrigin {
  port: number;
  /** Resolves when a socket the origin accepted has closed (after the request head arrived). */
  closed: Promise<void>;
  close(): Promise<void>;
}

/** A raw-socket origin: once a request head has arrived, `answer` writes exact bytes to the socket. */
async function rawOrigin(answer: (s: net.Socket) => void): Promise<RawOrigin> {
  let onClosed!: () => void;
  const closed = new Promise<void>((r) => (onClosed = r));
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    let head = "";
    let answered = false;
    s.on("error", () => {});
    s.on("data", (c: Buffer) => {
      head += c.toString("latin1");
      if (!answered && head.includes("\r\n\r\n")) {
        answered = true;
        answer(s);
      }
    });
    s.on("close", () => {
      sockets.delete(s);
      if (answered) onClosed();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    closed,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** An origin answering exact bytes and then closing. */
function sayAndClose(bytes: string | Buffer): (s: net.Socket) => void {
  return (s) => s.end(bytes);
}

/** Raw request to the proxy; everything it sent until it closed (or `ms` passed: `timedOut`). */
function raw(port: number, text: string, ms = 5000): Promise<{ out: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => s.write(text));
    let out = "";
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ out, timedOut: true });
    }, ms);
    s.on("data", (c: Buffer) => (out += c.toString("latin1")));
    s.on("close", () => {
      clearTimeout(timer);
      resolve({ out, timedOut: false });
    });
    s.on("error", (err) => {
      clearTimeout(timer);
      if ((err as NodeJS.ErrnoException).code === "ECONNRESET") resolve({ out, timedOut: false });
      else reject(err);
    });
  });
}

const get = (port: number, path = "/"): string => `GET http://127.0.0.1:${port}${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`;

let healthy: http.Server;
let healthyPort: number;
let p: Running;

beforeAll(async () => {
  healthy = http.createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": 7 });
    res.end("healthy");
  });
  await new Promise<void>((r) => healthy.listen(0, "127.0.0.1", r));
  healthyPort = (healthy.address() as net.AddressInfo).port;
  p = await proxy();
});

afterAll(async () => {
  await p.close();
  await new Promise((r) => healthy.close(r));
});

/** The proxy still forwards a normal request. */
async function stillServes(port = p.port): Promise<void> {
  const { out } = await raw(port, get(healthyPort));
  expect(out).toMatch(/^HTTP\/1\.1 200 /);
  expect(out).toMatch(/\r\n\r\nhealthy$/);
}

/** Head and body of an answer (the body as sent, framing included). */
function split(out: string): { head: string; body: string } {
  const i = out.indexOf("\r\n\r\n");
  return i < 0 ? { head: out, body: "" } : { head: out.slice(0, i), body: out.slice(i + 4) };
}

describe("upstream smuggling shapes", () => {
  const bad: Array<[string, string, RegExp]> = [
    ["Content-Length and Transfer-Encoding together", "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nSMUGG\r\n0\r\n\r\n", /Content-Length and Transfer-Encoding/i],
    ["two different Content-Lengths", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nSMUGGL", /Content-Length/i],
    ["Transfer-Encoding: chunked, identity", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, identity\r\n\r\n5\r\nSMUGG\r\n0\r\n\r\n", /Transfer-Encoding/i],
    ["Transfer-Encoding: gzip, chunked (a coding the proxy would pass on undecoded)", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nSMUGG\r\n0\r\n\r\n", /Transfer-Encoding/i],
    ["obs-fold in a header", "HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 5\r\n\r\nSMUGG", /header/i],
    ["a negative Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nSMUGG", /Content-Length/i],
    ["a non-numeric Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nSMUGG", /Content-Length/i],
    ["NUL in a header value", "HTTP/1.1 200 OK\r\nX-Nul: a\0b\r\nContent-Length: 5\r\n\r\nSMUGG", /header/i],
    ["a header line over 64 KiB", `HTTP/1.1 200 OK\r\nX-Long: ${"a".repeat(65 * 1024)}\r\nContent-Length: 5\r\n\r\nSMUGG`, /too long/i],
    ["more than 100 header fields", `HTTP/1.1 200 OK\r\n${Array.from({ length: 101 }, (_, i) => `X-H${i}: ${i}\r\n`).join("")}Content-Length: 5\r\n\r\nSMUGG`, /too many header/i],
    ["an unsolicited 101 Switching Protocols", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nSMUGG", /101|upgrade/i],
    ["garbage instead of a status line", "SMUGG / HTTP/1.1\r\n\r\n", /status line/i],
    ["Transfer-Encoding in an HTTP/1.0 answer (RFC 9112 6.1)", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nSMUGG\r\n0\r\n\r\n", /HTTP\/1\.0/],
    ["status code 999 (RFC 9110 15: 100-599 only)", "HTTP/1.1 999 Whatever\r\nContent-Length: 5\r\n\r\nSMUGG", /status code 999/],
    ["status code 600", "HTTP/1.1 600 Whatever\r\nContent-Length: 5\r\n\r\nSMUGG", /status code 600/],
  ];
  test.each(bad)("%s: 502 saying what was wrong, never the raw bytes", async (_name, answer, why) => {
    const o = await rawOrigin(sayAndClose(answer));
    try {
      const { out, timedOut } = await raw(p.port, get(o.port));
      expect(timedOut).toBe(false);
      expect(out).toMatch(/^HTTP\/1\.1 502 /);
      expect(out).not.toContain("SMUGG");
      expect(split(out).body).toMatch(why);
    } finally {
      await o.close();
    }
    await stillServes();
  });

  test("a bare-LF head is valid (RFC 9112 2.2): relayed, re-framed with CRLF", async () => {
    const o = await rawOrigin(sayAndClose("HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 5\n\nhello"));
    try {
      const { out } = await raw(p.port, get(o.port));
      expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(out).toMatch(/\r\nContent-Length: 5\r\n/i);
      expect(out).not.toMatch(/[^\r]\n/);
      expect(split(out).body).toBe("hello");
    } finally {
      await o.close();
    }
    await stillServes();
  });

  test("a status line without reason phrase is valid (`HTTP/1.1 200`): relayed", async () => {
    const o = await rawOrigin(sayAndClose("HTTP/1.1 200\r\nContent-Length: 5\r\n\r\nhello"));
    try {
      const { out } = await raw(p.port, get(o.port));
      expect(out).toMatch(/^HTTP\/1\.1 200[ \r]/);
      expect(out).toMatch(/\r\nContent-Length: 5\r\n/i);
      expect(split(out).body).toBe("hello");
    } finally {
      await o.close();
    }
    await stillServes();
  });
});

describe("truncated upstream bodies", () => {
  test("Content-Length 1000, 10 bytes, close: the client gets fewer bytes and a closed connection", async () => {
    const o = await rawOrigin(sayAndClose(`HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n${"x".repeat(10)}`));
    try {
      const { out, timedOut } = await raw(p.port, get(o.port));
      expect(timedOut).toBe(false);
      const { head, body } = split(out);
      expect(head).toMatch(/^HTTP\/1\.1 200 /);
      expect(head).toMatch(/\r\nContent-Length: 1000/i);
      expect(body.length).toBeLessThan(1000);
    } finally {
      await o.close();
    }
    await stillServes();
  });

  test("Content-Length 200000, 70000 bytes, close (a body relayed through the reused blocks): fewer bytes and a closed connection", async () => {
    const o = await rawOrigin(sayAndClose(`HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n${"b".repeat(70000)}`));
    try {
      const { out, timedOut } = await raw(p.port, get(o.port));
      expect(timedOut).toBe(false);
      const { head, body } = split(out);
      expect(head).toMatch(/\r\nContent-Length: 200000/i);
      expect(body.length).toBeLessThanOrEqual(70000);
      expect(body).toBe("b".repeat(body.length));
    } finally {
      await o.close();
    }
    await stillServes();
  });

  test("a chunked body cut inside a chunk: no final chunk, the connection closed", async () => {
    const o = await rawOrigin(sayAndClose("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n64\r\nonly-part-of-it"));
    try {
      // The client asks to keep the connection: the proxy must close it anyway.
      const { out, timedOut } = await raw(p.port, `GET http://127.0.0.1:${o.port}/ HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(timedOut).toBe(false);
      const { head, body } = split(out);
      expect(head).toMatch(/^HTTP\/1\.1 200 /);
      expect(head).toMatch(/\r\nTransfer-Encoding: chunked/i);
      expect(body).not.toMatch(/(^|\r\n)0\r\n\r\n$/);
    } finally {
      await o.close();
    }
    await stillServes();
  });
});

describe("timeouts and departures", () => {
  test("an origin that never answers: 504 naming upstreamTimeout (0.5 s)", async () => {
    const slow = await proxy({ upstreamTimeout: 0.5 });
    const o = await rawOrigin(() => {});
    try {
      // The 504 page names the limit that expired (0.5 s): no clock is read in the test.
      const { out, timedOut } = await raw(slow.port, get(o.port), 5000);
      expect(timedOut).toBe(false);
      expect(out).toMatch(/^HTTP\/1\.1 504 /);
      expect(split(out).body).toMatch(/did not answer in time \(0\.5 s\)/);
      await stillServes(slow.port);
    } finally {
      await o.close();
      await slow.close();
    }
  });

  test("a client that leaves mid-download: the upstream connection is closed soon after", async () => {
    let timer: NodeJS.Timeout | undefined;
    // Streams without end, 16 KiB every 10 ms, until its socket closes.
    const o = await rawOrigin((s) => {
      s.write("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000000\r\n\r\n");
      const chunk = Buffer.alloc(16384, 0x61);
      timer = setInterval(() => {
        if (!s.destroyed) s.write(chunk);
      }, 10);
      s.on("close", () => clearInterval(timer));
    });
    try {
      const c = net.connect(p.port, "127.0.0.1", () => c.write(get(o.port, "/endless")));
      let got = 0;
      await new Promise<void>((resolve) => {
        c.on("data", (d: Buffer) => {
          got += d.length;
          if (got > 100000) resolve();
        });
      });
      c.destroy();
      let wait: NodeJS.Timeout | undefined;
      const left = await Promise.race([o.closed.then(() => "closed"), new Promise((r) => (wait = setTimeout(() => r("still open"), 3000)))]);
      clearTimeout(wait);
      expect(left).toBe("closed");
    } finally {
      clearInterval(timer);
      await o.close();
    }
    await stillServes();
  });
});

describe("framing passed on as one parsed value (RFC 9110 8.6)", () => {
  test.each([
    ["two equal Content-Length fields", "Content-Length: 5\r\nContent-Length: 5"],
    ["a list of equal lengths", "Content-Length: 5, 05"],
  ])("%s: relayed as one Content-Length", async (_name, fields) => {
    const o = await rawOrigin(sayAndClose(`HTTP/1.1 200 OK\r\n${fields}\r\n\r\nhello`));
    try {
      const { out } = await raw(p.port, get(o.port));
      const { head, body } = split(out);
      expect(head).toMatch(/^HTTP\/1\.1 200 /);
      expect(head.match(/^content-length:.*$/gim)).toEqual(["Content-Length: 5"]);
      expect(body).toBe("hello");
    } finally {
      await o.close();
    }
  });

  test("204 with a Content-Length: relayed without it and without a body", async () => {
    const o = await rawOrigin(sayAndClose("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello"));
    try {
      const { out } = await raw(p.port, get(o.port));
      expect(out).toMatch(/^HTTP\/1\.1 204 /);
      expect(out).not.toMatch(/content-length/i);
      expect(split(out).body).toBe("");
    } finally {
      await o.close();
    }
    await stillServes();
  });

  test("a request's Content-Length list reaches the origin as one length", async () => {
    let seen = "";
    const o = await rawOrigin((s) => s.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    const origin = net.createServer((s) => {
      s.on("data", (c: Buffer) => {
        seen += c.toString("latin1");
        if (seen.includes("hello")) s.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      });
    });
    await new Promise<void>((r) => origin.listen(0, "127.0.0.1", r));
    const port = (origin.address() as net.AddressInfo).port;
    try {
      const { out } = await raw(p.port, `POST http://127.0.0.1:${port}/up HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 5, 5\r\nConnection: close\r\n\r\nhello`);
      expect(out).toMatch(/^HTTP\/1\.1 200 /);
      expect(seen.match(/^content-length:.*$/gim)).toEqual(["Content-Length: 5"]);
      expect(seen.endsWith("\r\n\r\nhello")).toBe(true);
    } finally {
      await o.close();
      await new Promise((r) => origin.close(r));
    }
  });

  test("a malformed chunked request body is the client's fault: 400, not 502", async () => {
    const o = await rawOrigin(() => undefined);
    try {
      const { out, timedOut } = await raw(p.port, `POST http://127.0.0.1:${o.port}/e HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`);
      expect(timedOut).toBe(false);
      expect(out).toMatch(/^HTTP\/1\.1 400 /);
      expect(out).toMatch(/Connection: close/i);
    } finally {
      await o.close();
    }
    await stillServes();
  });
});

describe("a client that leaves while its answer is relayed", () => {
  test("an origin that stalls inside the body: its connection is dropped at once, not at the body timeout", async () => {
    const patient = await proxy({ upstreamTimeout: 30 });
    const o = await rawOrigin((s) => s.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\npartial"));
    try {
      const c = net.connect(patient.port, "127.0.0.1", () => c.write(get(o.port, "/stall")));
      await new Promise<void>((resolve) => c.once("data", () => resolve()));
      c.destroy();
      let wait: NodeJS.Timeout | undefined;
      const left = await Promise.race([o.closed.then(() => "closed"), new Promise((r) => (wait = setTimeout(() => r("still open"), 3000)))]);
      clearTimeout(wait);
      expect(left).toBe("closed");
      await stillServes(patient.port);
    } finally {
      await o.close();
      await patient.close();
    }
  });
});

describe("malformed requests to the proxy", () => {
  const cases: Array<[string, string]> = [
    ["a space in the host", "GET http://exa mple.com/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"],
    ["an unclosed IPv6 literal", "GET http://[::1/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"],
    ["a non-http scheme", "GET ftp://x/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"],
    ["a host name over 253 characters", `GET http://${"a".repeat(60)}.${"b".repeat(300)}.example/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
  ];
  test.each(cases)("%s: 400, and the proxy keeps serving", async (_name, request) => {
    const { out, timedOut } = await raw(p.port, request);
    expect(timedOut).toBe(false);
    expect(out).toMatch(/^HTTP\/1\.1 400 /);
    await stillServes();
  });

  test("a huge Host field: 4xx (431 Request Header Fields Too Large), and the proxy keeps serving", async () => {
    const { out, timedOut } = await raw(p.port, `GET http://127.0.0.1:${healthyPort}/ HTTP/1.1\r\nHost: ${"h".repeat(70000)}\r\nConnection: close\r\n\r\n`);
    expect(timedOut).toBe(false);
    expect(out).toMatch(/^HTTP\/1\.1 4(00|31) /);
    await stillServes();
  });

  test("a Host field that disagrees with the absolute-form target is ignored (RFC 9112 3.2.2)", async () => {
    const { out } = await raw(p.port, `GET http://127.0.0.1:${healthyPort}/ HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`);
    expect(out).toMatch(/^HTTP\/1\.1 200 /);
  });
});
