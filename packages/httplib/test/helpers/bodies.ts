/**
 * Body helpers shared by the read-path tests: patterned bytes whose every offset is checked, and
 * reading a whole body through each of `HTTPResponse`'s read methods.
 * @module
 */
import { expect } from "@jest/globals";
import { IncompleteRead, type HTTPResponse } from "../../src/index.js";

/** `n` bytes of `(i + seed) % 251` (a prime period: a chunk lost, repeated or shifted shows). */
export function pattern(n: number, seed = 0): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i + seed) % 251;
  return b;
}

/** The read methods {@link readWhole} can use. */
export const READ_MODES = ["read", "readInto-big", "readInto-small", "readInto1", "amt", "read1", "peek", "iterate"] as const;
/** One of {@link READ_MODES}. */
export type ReadMode = (typeof READ_MODES)[number];

/** Reads the whole body of `resp` with one read method, checking what each step returns. */
export async function readWhole(resp: HTTPResponse, mode: ReadMode): Promise<Buffer> {
  const parts: Buffer[] = [];
  switch (mode) {
    case "read":
      return resp.read();
    case "readInto-big": {
      // One target for the whole body: filled in place.
      const target = Buffer.alloc(resp.length!);
      expect(await resp.readInto(target)).toBe(target.length);
      return target;
    }
    case "readInto-small": {
      const target = Buffer.alloc(10_000);
      for (let n; (n = await resp.readInto(target)) > 0; ) parts.push(Buffer.from(target.subarray(0, n)));
      break;
    }
    case "readInto1": {
      // One block reused for every read, as a relay does: each count is at most the block.
      const block = Buffer.alloc(64 * 1024);
      for (let n; (n = await resp.readInto1(block)) > 0; ) {
        expect(n).toBeLessThanOrEqual(block.length);
        parts.push(Buffer.from(block.subarray(0, n)));
      }
      expect(await resp.readInto1(block)).toBe(0);
      break;
    }
    case "amt":
      for (let b; (b = await resp.read(70_001)).length > 0; ) parts.push(b);
      break;
    case "read1":
      for (let b; (b = await resp.read1()).length > 0; ) parts.push(b);
      break;
    case "peek":
      for (;;) {
        const p = await resp.peek();
        if (p.length === 0) break;
        const b = await resp.read1(p.length);
        expect(b.equals(p.subarray(0, b.length))).toBe(true);
        parts.push(b);
      }
      break;
    case "iterate":
      for await (const b of resp) parts.push(b);
      break;
  }
  return Buffer.concat(parts);
}

/** Awaits `reading`, which must reject with `IncompleteRead`; returns that error for its fields to be checked. */
export async function incompleteRead(reading: Promise<unknown>): Promise<IncompleteRead> {
  const err = await reading.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IncompleteRead);
  return err as IncompleteRead;
}
