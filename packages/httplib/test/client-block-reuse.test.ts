/**
 * Property test of the read blocks' reuse (`ReadSlab`, `Wire.lend`, `Wire.holder`): over keep-alive
 * responses of up to 1.2 MiB (Content-Length or chunked) arriving in segments of any size, read with any mix of methods that copy
 * (`readInto1`, `readInto`) and methods that hand out views (`read1`, `peek`, `read(amt)`,
 * `read()`), every body arrives whole, and every view handed out keeps its bytes to the end,
 * whatever blocks were filled again meanwhile.
 */
import { describe, expect, test } from "@jest/globals";
import fc from "fast-check";
import type * as net from "node:net";
import { HTTPConnection, type HTTPResponse } from "../src/index.js";
import { pattern } from "./helpers/bodies.js";
import { rawServer } from "./helpers/servers.js";

type Step = { op: "readInto1" | "readInto" | "read1" | "peek" | "amt"; size: number };
type Framing = "length" | "chunked";

/** The response: a Content-Length body, or chunks of `chunkSize` with an extension and a trailer (both parsed from split inputs too). */
function encode(body: Buffer, framing: Framing, chunkSize: number): Buffer {
  if (framing === "length") return Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
  const parts: Buffer[] = [Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")];
  for (let at = 0; at < body.length; at += chunkSize) {
    const piece = body.subarray(at, at + chunkSize);
    parts.push(Buffer.from(`${piece.length.toString(16)};name=value\r\n`), piece, Buffer.from("\r\n"));
  }
  parts.push(Buffer.from("0\r\nX-Trailer: the end\r\n\r\n"));
  return Buffer.concat(parts);
}

/**
 * Writes `data` in pieces of the given sizes (cycled), a pause now and then so that reads see them
 * apart. After the first 20 pieces, none is smaller than 1/200 of the data: tiny segments where
 * the head and the first blocks are read, and a bounded number of writes for a large body.
 */
async function writePieces(socket: net.Socket, data: Buffer, sizes: number[]): Promise<void> {
  let at = 0;
  for (let i = 0; at < data.length && !socket.destroyed; i++) {
    const size = i < 20 ? sizes[i % sizes.length] : Math.max(sizes[i % sizes.length], Math.ceil(data.length / 200));
    const n = Math.min(data.length - at, size);
    await new Promise<void>((resolve) => socket.write(data.subarray(at, at + n), () => resolve()));
    if (i % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
    at += n;
  }
}

/**
 * Reads a body of `length` bytes with the steps (cycled); returns what was read and the views
 * kept, with a copy of each taken when it was read. After the first 20 steps none asks for less
 * than 1/300 of the body (a bounded number of reads for a large body).
 */
async function readWithSteps(resp: HTTPResponse, steps: Step[], length: number): Promise<{ body: Buffer; views: Array<[Buffer, Buffer]> }> {
  const parts: Buffer[] = [];
  const views: Array<[Buffer, Buffer]> = [];
  for (let i = 0; ; i++) {
    const given = steps[i % steps.length];
    const step = i < 20 ? given : { op: given.op, size: Math.max(given.size, Math.ceil(length / 300)) };
    let piece: Buffer;
    switch (step.op) {
      case "readInto1":
      case "readInto": {
        const target = Buffer.alloc(step.size);
        const n = step.op === "readInto1" ? await resp.readInto1(target) : await resp.readInto(target);
        piece = Buffer.from(target.subarray(0, n));
        target.fill(0xee); // the caller reuses its buffer: nothing of the client may point into it
        break;
      }
      case "read1":
        piece = await resp.read1(step.size);
        views.push([piece, Buffer.from(piece)]);
        break;
      case "peek": {
        const peeked = await resp.peek(step.size);
        views.push([peeked, Buffer.from(peeked)]);
        piece = await resp.read1(Math.min(step.size, peeked.length));
        views.push([piece, Buffer.from(piece)]);
        break;
      }
      case "amt":
        piece = await resp.read(step.size);
        views.push([piece, Buffer.from(piece)]);
        break;
    }
    if (piece.length === 0) break;
    parts.push(piece);
  }
  return { body: Buffer.concat(parts), views };
}

describe("read blocks reused only when nothing can see them", () => {
  test("any segments, any framing, any mix of copying and view-keeping reads, three keep-alive responses", async () => {
    const arbStep = fc.record({
      op: fc.constantFrom<Step["op"]>("readInto1", "readInto1", "readInto", "read1", "peek", "amt"),
      size: fc.integer({ min: 1, max: 300_000 }),
    });
    const arbCase = fc.record({
      sizes: fc.array(fc.integer({ min: 1, max: 1_200_000 }), { minLength: 3, maxLength: 3 }),
      framings: fc.array(fc.constantFrom<Framing>("length", "chunked"), { minLength: 3, maxLength: 3 }),
      chunkSize: fc.integer({ min: 1, max: 200_000 }),
      pieces: fc.array(fc.integer({ min: 1, max: 200_000 }), { minLength: 1, maxLength: 6 }),
      steps: fc.array(arbStep, { minLength: 1, maxLength: 6 }),
      wholeLast: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(arbCase, async ({ sizes, framings, chunkSize, pieces, steps, wholeLast }) => {
        const bodies = sizes.map((n, i) => pattern(n, i + 1));
        const server = await rawServer((socket, _all, index) => {
          void writePieces(socket, encode(bodies[index], framings[index], chunkSize), pieces);
        });
        const conn = new HTTPConnection("127.0.0.1", server.port);
        const kept: Array<[Buffer, Buffer]> = [];
        try {
          for (let i = 0; i < bodies.length; i++) {
            await conn.request("GET", `/${i}`);
            const resp = await conn.getResponse();
            if (wholeLast && i === bodies.length - 1) {
              const whole = await resp.read();
              kept.push([whole, Buffer.from(whole)]);
              expect(whole.equals(bodies[i])).toBe(true);
              continue;
            }
            const { body, views } = await readWithSteps(resp, steps, bodies[i].length);
            expect(body.equals(bodies[i])).toBe(true);
            if (framings[i] === "chunked") expect(resp.trailers?.get("x-trailer")).toBe("the end");
            for (const v of views) kept.push(v); // not push(...views): 6-byte chunks make 150,000 views
          }
          // Every view still holds the bytes it held when it was handed out.
          for (const [view, copy] of kept) expect(view.equals(copy)).toBe(true);
          expect(server.received).toHaveLength(1);
        } finally {
          conn.close();
          await server.close();
        }
      }),
      // No shrinking: each run is a real exchange of megabytes; the first failing case is reported as is.
      // The example: 6-byte chunks of a 0.9 MiB body, read with peek, read1 and readInto1 (150,000 pieces).
      {
        numRuns: 15,
        endOnFailure: true,
        examples: [
          [
            {
              sizes: [14, 893_762, 547_910],
              framings: ["length", "chunked", "chunked"],
              chunkSize: 6,
              pieces: [109_261, 169_946, 132_103, 113_254, 115_781],
              steps: [
                { op: "peek", size: 149_546 },
                { op: "read1", size: 31_682 },
                { op: "readInto1", size: 253_723 },
                { op: "peek", size: 153_839 },
                { op: "readInto1", size: 253_957 },
                { op: "readInto1", size: 78_813 },
              ],
              wholeLast: false,
            },
          ],
        ],
      },
    );
  }, 300_000); // a slow machine (CI runs every suite at once on two cores) is slow, not wrong
});
