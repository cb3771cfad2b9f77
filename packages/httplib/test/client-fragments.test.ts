/**
 * Property test: whatever TCP segments a response arrives in (head split anywhere, chunk
 * framing split anywhere, two responses in one segment), every read method returns the body.
 */
import { describe, expect, test } from "@jest/globals";
import fc from "fast-check";
import type * as net from "node:net";
import { HTTPConnection, type HTTPResponse } from "../src/index.js";
import { rawServer } from "./helpers/servers.js";

type Framing = "length" | "chunked" | "close";
type ReadMode = "read" | "amt" | "read1" | "readline" | "readInto" | "readInto1" | "iterate";

function encode(body: Buffer, framing: Framing, chunkSizes: number[]): Buffer {
  if (framing === "length") return Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
  if (framing === "close") return Buffer.concat([Buffer.from("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"), body]);
  const parts: Buffer[] = [Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")];
  let at = 0;
  let i = 0;
  while (at < body.length) {
    const n = Math.min(body.length - at, Math.max(1, chunkSizes[i++ % chunkSizes.length]));
    parts.push(Buffer.from(`${n.toString(16)}\r\n`), body.subarray(at, at + n), Buffer.from("\r\n"));
    at += n;
  }
  parts.push(Buffer.from("0\r\nX-Trailer: t\r\n\r\n"));
  return Buffer.concat(parts);
}

function split(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    if (p > prev) out.push(data.subarray(prev, p));
    prev = p;
  }
  if (prev < data.length) out.push(data.subarray(prev));
  return out;
}

async function writeSlowly(socket: net.Socket, pieces: Buffer[], end: boolean): Promise<void> {
  for (const piece of pieces) {
    if (socket.destroyed) return;
    await new Promise<void>((resolve) => socket.write(piece, () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 1)); // separate segments (TCP_NODELAY)
  }
  if (end) socket.end();
}

async function readAll(resp: HTTPResponse, mode: ReadMode): Promise<Buffer> {
  const parts: Buffer[] = [];
  switch (mode) {
    case "read":
      return resp.read();
    case "iterate":
      for await (const chunk of resp) parts.push(chunk);
      break;
    case "readInto": {
      const buf = Buffer.alloc(7);
      for (let n; (n = await resp.readInto(buf)) > 0; ) parts.push(Buffer.from(buf.subarray(0, n)));
      break;
    }
    case "readInto1": {
      const buf = Buffer.alloc(13);
      for (let n; (n = await resp.readInto1(buf)) > 0; ) parts.push(Buffer.from(buf.subarray(0, n)));
      break;
    }
    default:
      for (;;) {
        const b = mode === "amt" ? await resp.read(5) : mode === "read1" ? await resp.read1(9) : await resp.readline(11);
        if (b.length === 0) break;
        parts.push(b);
      }
  }
  return Buffer.concat(parts);
}

describe("fragmented responses", () => {
  test("every framing, split anywhere, read any way", async () => {
    const arbCase = fc.record({
      body: fc.uint8Array({ minLength: 0, maxLength: 300 }),
      framing: fc.constantFrom<Framing>("length", "chunked", "close"),
      chunkSizes: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }),
      cuts: fc.array(fc.nat(), { maxLength: 8 }),
      mode: fc.constantFrom<ReadMode>("read", "amt", "read1", "readline", "readInto", "readInto1", "iterate"),
    });
    await fc.assert(
      fc.asyncProperty(arbCase, async ({ body, framing, chunkSizes, cuts, mode }) => {
        const bodyBuf = Buffer.from(body);
        const wire = encode(bodyBuf, framing, chunkSizes);
        const server = await rawServer((socket) => {
          void writeSlowly(socket, split(wire, cuts), framing === "close");
        });
        const conn = new HTTPConnection("127.0.0.1", server.port);
        try {
          await conn.request("GET", "/");
          const resp = await conn.getResponse();
          const got = await readAll(resp, mode);
          expect(got.equals(bodyBuf)).toBe(true);
          expect(resp.isClosed()).toBe(true);
          if (framing === "chunked") expect(resp.trailers?.get("x-trailer")).toBe("t");
        } finally {
          conn.close();
          await server.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  test("two keep-alive responses in arbitrary segments", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (a, b, sizes, cuts) => {
          const both = Buffer.concat([encode(Buffer.from(a), "chunked", sizes), encode(Buffer.from(b), "length", sizes)]);
          const server = await rawServer((socket, _all, index) => {
            if (index === 1) void writeSlowly(socket, split(both, cuts), false);
          });
          const conn = new HTTPConnection("127.0.0.1", server.port, { pipelining: 2 });
          try {
            await conn.request("GET", "/a");
            await conn.request("GET", "/b");
            expect((await (await conn.getResponse()).read()).equals(Buffer.from(a))).toBe(true);
            expect((await (await conn.getResponse()).read()).equals(Buffer.from(b))).toBe(true);
            expect(server.received).toHaveLength(1);
          } finally {
            conn.close();
            await server.close();
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
