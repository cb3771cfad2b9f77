// Untransformed bodies (Content-Length, chunked or read until close) are copied through blocks that are
// read into again once the client's socket no longer holds them (relay.ts `relayCopied`): the
// bytes must arrive intact whatever the client's pace, with several answers relayed at once.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { createHash } from "node:crypto";
import net from "node:net";
import { DEFAULT_POOLS, ProxyRequestHandler, ThreadingHTTPServer } from "../src/index.js";

class Quiet extends ProxyRequestHandler {
  override logMessage(): void {}
}

/** `n` bytes of `(i * 7 + seed) % 253`: a block relayed twice, late or out of order shows. */
function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed) % 253;
  return b;
}

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
const BODY = pattern(5 * 1024 * 1024 + 13, 1);
/** Between the one-read limit (16 KiB) and a read block: answers of many web assets. */
const MID = pattern(40_000, 3);
/** Sent in small pieces (so that the proxy's reads are small) behind a client that waits at first. */
const TRICKLED = pattern(16 * 1024 * 1024 + 5, 2);

let origin: net.Server;
let originPort: number;
let server: ThreadingHTTPServer;
let proxyPort: number;

beforeAll(async () => {
  // A raw origin: `/length` answers with Content-Length, `/close` without (read until close),
  // each in uneven writes.
  origin = net.createServer((s) => {
    s.on("error", () => {});
    let head = "";
    s.on("data", (c: Buffer) => {
      head += c.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      const close = head.startsWith("GET /close");
      if (head.startsWith("GET /chunked")) {
        head = "";
        // Chunks of uneven sizes (one with an extension), each its own write.
        s.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        const sizes = [70_000, 3, 4096, 300_000, 1];
        let at = 0;
        const next = (): void => {
          for (let i = 0; at < BODY.length; i++) {
            const n = Math.min(BODY.length - at, sizes[(at + i) % sizes.length]);
            const more = s.write(Buffer.concat([Buffer.from(`${n.toString(16)}${i % 7 === 0 ? ";x=y" : ""}\r\n`), BODY.subarray(at, at + n), Buffer.from("\r\n")]));
            at += n;
            if (!more) return void s.once("drain", next);
          }
          s.write("0\r\n\r\n");
        };
        next();
        return;
      }
      if (head.startsWith("GET /mid")) {
        head = "";
        s.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${MID.length}\r\n\r\n`), MID]));
        return;
      }
      if (head.startsWith("GET /trickle")) {
        head = "";
        s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${TRICKLED.length}\r\n\r\n`);
        let at = 0;
        const step = (): void => {
          if (at >= TRICKLED.length || s.destroyed) return;
          const n = Math.min(TRICKLED.length - at, 3000 + (at % 5000));
          s.write(TRICKLED.subarray(at, at + n), () => setImmediate(step));
          at += n;
        };
        step();
        return;
      }
      head = "";
      const fields = close ? "Connection: close\r\n" : `Content-Length: ${BODY.length}\r\n`;
      s.write(`HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n${fields}\r\n`);
      let at = 0;
      const sizes = [1, 70_000, 4096, 300_000, 17];
      const next = (): void => {
        for (let i = 0; at < BODY.length; i++) {
          const n = Math.min(BODY.length - at, sizes[(at + i) % sizes.length]);
          const more = s.write(BODY.subarray(at, at + n));
          at += n;
          if (!more) return void s.once("drain", next);
        }
        if (close) s.end();
      };
      next();
    });
  });
  await new Promise<void>((r) => origin.listen(0, "127.0.0.1", r));
  originPort = (origin.address() as net.AddressInfo).port;
  server = new ThreadingHTTPServer(["127.0.0.1", 0], Quiet);
  await server.ready;
  void server.serveForever();
  proxyPort = (server.serverAddress as [string, number])[1];
});

afterAll(async () => {
  await server.shutdown();
  await server.serverClose();
  DEFAULT_POOLS.close();
  await new Promise((r) => origin.close(r));
});

/**
 * GET through the proxy with HTTP/`version`; the client stops reading for `pauseMs` after every
 * `pauseEvery` bytes (the proxy's writes then wait on the socket). Resolves to the whole answer.
 */
function fetchSlowly(path: string, version: string, pauseEvery: number, pauseMs: number, firstPauseMs = 0): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(proxyPort, "127.0.0.1", () => {
      s.write(`GET http://127.0.0.1:${originPort}${path} HTTP/${version}\r\nHost: 127.0.0.1:${originPort}\r\nConnection: close\r\n\r\n`);
      if (firstPauseMs > 0) {
        s.pause();
        setTimeout(() => s.resume(), firstPauseMs);
      }
    });
    const parts: Buffer[] = [];
    let since = 0;
    s.on("data", (c: Buffer) => {
      parts.push(c);
      since += c.length;
      if (pauseEvery > 0 && since >= pauseEvery) {
        since = 0;
        s.pause();
        setTimeout(() => s.resume(), pauseMs);
      }
    });
    s.on("end", () => resolve(Buffer.concat(parts)));
    s.on("error", reject);
  });
}

/** The body of a raw answer: after the head, de-chunked when the head says chunked. */
function bodyOf(answer: Buffer): { head: string; body: Buffer } {
  const end = answer.indexOf("\r\n\r\n");
  const head = answer.subarray(0, end).toString("latin1");
  let rest = answer.subarray(end + 4);
  if (!/^transfer-encoding: chunked/im.test(head)) return { head, body: rest };
  const out: Buffer[] = [];
  for (;;) {
    const eol = rest.indexOf("\r\n");
    const size = parseInt(rest.subarray(0, eol).toString("latin1"), 16);
    if (size === 0) break;
    out.push(rest.subarray(eol + 2, eol + 2 + size));
    rest = rest.subarray(eol + 2 + size + 2);
  }
  return { head, body: Buffer.concat(out) };
}

describe("untransformed bodies copied through reused blocks", () => {
  test.each([
    ["Content-Length", "/length", "1.1"],
    ["read until close, chunked to an HTTP/1.1 client", "/close", "1.1"],
    ["read until close, to an HTTP/1.0 client", "/close", "1.0"],
    ["chunked, re-chunked to an HTTP/1.1 client", "/chunked", "1.1"],
    ["chunked, to an HTTP/1.0 client (read until close)", "/chunked", "1.0"],
  ])("%s: a client that keeps pausing gets every byte", async (_name, path, version) => {
    const { head, body } = bodyOf(await fetchSlowly(path, version, 256 * 1024, 5));
    expect(head).toMatch(/^HTTP\/1\.[01] 200/);
    if (path === "/length") expect(head).toMatch(new RegExp(`^Content-Length: ${BODY.length}$`, "im"));
    expect(body.length).toBe(BODY.length);
    expect(sha(body)).toBe(sha(BODY));
  });

  test("small reads held by a client that does not read yet: none is overwritten before it is sent", async () => {
    // The client's socket fills up while the origin trickles the body in pieces of 3-8 KB, so
    // the proxy's writes of small blocks stay pending: their block must not be read into again.
    const { body } = bodyOf(await fetchSlowly("/trickle", "1.1", 0, 0, 1500));
    expect(body.length).toBe(TRICKLED.length);
    expect(sha(body)).toBe(sha(TRICKLED));
  }, 90_000); // 16 MiB in 3-8 KB writes: slow on a loaded machine, not wrong

  test("40 KB answers, one after another on a kept-alive connection, each intact", async () => {
    const answers = await new Promise<Buffer>((resolve, reject) => {
      const c = net.connect(proxyPort, "127.0.0.1", () => {
        const get = `GET http://127.0.0.1:${originPort}/mid HTTP/1.1\r\nHost: 127.0.0.1:${originPort}\r\n\r\n`;
        c.write(get.repeat(19) + get.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n"));
      });
      const parts: Buffer[] = [];
      c.on("data", (d: Buffer) => parts.push(d));
      c.on("end", () => resolve(Buffer.concat(parts)));
      c.on("error", reject);
    });
    let rest = answers;
    for (let i = 0; i < 20; i++) {
      const end = rest.indexOf("\r\n\r\n");
      expect(rest.subarray(0, end).toString("latin1")).toMatch(new RegExp(`^HTTP/1\\.1 200[^]*\r\nContent-Length: ${MID.length}\r\n`, "i"));
      expect(rest.subarray(end + 4, end + 4 + MID.length).equals(MID)).toBe(true);
      rest = rest.subarray(end + 4 + MID.length);
    }
    expect(rest.length).toBe(0);
  });

  test("four answers relayed at once, at different paces, each intact", async () => {
    const answers = await Promise.all([
      fetchSlowly("/length", "1.1", 0, 0),
      fetchSlowly("/length", "1.1", 100_000, 3),
      fetchSlowly("/close", "1.1", 500_000, 7),
      fetchSlowly("/close", "1.0", 64 * 1024, 1),
    ]);
    for (const a of answers) expect(sha(bodyOf(a).body)).toBe(sha(BODY));
  });
});
