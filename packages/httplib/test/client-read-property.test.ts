/**
 * Property: whatever the sizes of the responses, how the server splits its writes and which read
 * method takes each body, pipelined responses on one socket come out byte for byte. Exercises
 * the `onread` paths together: 64 KiB read blocks, bodies received in place (a block reserved
 * for the whole response), blocks given up by piecewise readers, and sinks for `readInto`.
 */
import { describe, expect, test } from "@jest/globals";
import fc from "fast-check";
import type * as net from "node:net";
import { HTTPConnection } from "../src/index.js";
import { pattern, READ_MODES, readWhole } from "./helpers/bodies.js";
import { rawServer } from "./helpers/servers.js";

const SIZES = [0, 1, 14, 4096, 70_000, 300_000, 1_100_000];

async function writeAll(socket: net.Socket, data: Buffer, pieces: number[]): Promise<void> {
  let at = 0;
  let i = 0;
  // At most ~2000 writes per payload: 1-byte pieces of a 4 MB payload (4 million awaited writes)
  // took minutes on a busy machine; small payloads are still split byte by byte.
  const smallest = Math.ceil(data.length / 2000);
  while (at < data.length && !socket.destroyed) {
    const n = pieces.length === 0 ? data.length : Math.min(data.length - at, Math.max(smallest, pieces[i++ % pieces.length]));
    await new Promise<void>((resolve) => socket.write(data.subarray(at, at + n), () => resolve()));
    at += n;
  }
}

describe("pipelined responses through every read path", () => {
  test("bytes survive any sizes, server write splits and read methods", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ size: fc.constantFrom(...SIZES), mode: fc.constantFrom(...READ_MODES), seed: fc.nat(250) }), { minLength: 1, maxLength: 4 }),
        fc.oneof(fc.constant<number[]>([]), fc.array(fc.constantFrom(1, 7, 1000, 16_384, 65_536, 200_000), { minLength: 1, maxLength: 4 })),
        async (responses, pieces) => {
          const bodies = responses.map((r) => pattern(r.size, r.seed));
          const payload = Buffer.concat(bodies.flatMap((b) => [Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${b.length}\r\n\r\n`), b]));
          const server = await rawServer((socket, _all, index) => {
            if (index === responses.length - 1) void writeAll(socket, payload, pieces);
          });
          const conn = new HTTPConnection("127.0.0.1", server.port, { pipelining: responses.length });
          try {
            for (let i = 0; i < responses.length; i++) await conn.request("GET", `/${i}`);
            for (let i = 0; i < responses.length; i++) {
              const resp = await conn.getResponse();
              // readInto-big needs a length; every response here has one.
              const got = await readWhole(resp, responses[i].mode);
              expect(got.length).toBe(bodies[i].length);
              expect(got.equals(bodies[i])).toBe(true);
            }
          } finally {
            conn.close();
            await server.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);
});
