/**
 * `ReadSlab`, where socket reads land when no body buffer waits for them. What the large-body
 * work relies on: a read may be capped (the short first read of a response that may be received
 * in place), and a block adopted for one response does not cost the ordinary block: once the
 * adopted block is full or given up, reads continue in the ordinary block's free tail instead
 * of a new 64 KiB block per large response (less fresh memory for the kernel to fault in).
 */
import { describe, expect, test } from "@jest/globals";
import { joinBytes, ReadSlab } from "../src/client/read-slab.js";

const KIB = 1024;

/** What a socket read does with the buffer the slab handed out: fill `n` bytes of it. */
function read(slab: ReadSlab, n: number, max?: number): Buffer {
  const tail = slab.next(max);
  n = Math.min(n, tail.length);
  tail.fill(0x61, 0, n);
  return slab.take(tail, n);
}

describe("ReadSlab", () => {
  test("next(max) hands out at most max bytes of the free tail; consecutive reads stay contiguous", () => {
    const slab = new ReadSlab();
    const tail = slab.next(16 * KIB);
    expect(tail.length).toBe(16 * KIB);
    const a = slab.take(tail, tail.length);
    const b = read(slab, 100);
    expect(slab.next().length).toBe(64 * KIB - 16 * KIB - 100);
    // b starts where a ends: joined without a copy.
    expect(joinBytes(a, b).buffer).toBe(a.buffer);
  });

  test("an adopted block is filled to its last byte, then reads go back to the ordinary block", () => {
    const slab = new ReadSlab();
    const first = read(slab, 16 * KIB, 16 * KIB);
    const ordinary = first.buffer;
    const block = Buffer.allocUnsafeSlow(100 * KIB);
    block.set(first, 0);
    slab.adopt(block, first.length);
    expect(slab.reservedRoom).toBe(100 * KIB - 16 * KIB);
    const body = read(slab, 84 * KIB);
    expect(body.buffer).toBe(block.buffer);
    expect(slab.reservedRoom).toBe(0);
    // The adopted block is full: the next read continues in the ordinary block, right after the
    // bytes it already gave out, not in a new block.
    const tail = slab.next();
    expect(tail.buffer).toBe(ordinary);
    expect(tail.byteOffset).toBe(first.byteOffset + first.length);
    expect(tail.length).toBe(64 * KIB - 16 * KIB);
  });

  test("dropReservation() returns to the ordinary block too; bytes taken from the adopted one stay valid", () => {
    const slab = new ReadSlab();
    const first = read(slab, 20 * KIB, 20 * KIB);
    const block = Buffer.alloc(200 * KIB);
    slab.adopt(block, 0);
    const piece = read(slab, 30 * KIB);
    slab.dropReservation();
    expect(slab.reservedRoom).toBe(0);
    expect(slab.next().buffer).toBe(first.buffer);
    expect(piece.buffer).toBe(block.buffer);
    expect(piece.every((x) => x === 0x61)).toBe(true);
  });

  test("an ordinary block with less than 16 KiB left is not kept aside: a new block follows the adopted one", () => {
    const slab = new ReadSlab();
    const first = read(slab, 60 * KIB);
    slab.adopt(Buffer.alloc(32 * KIB), 0);
    read(slab, 32 * KIB);
    const tail = slab.next();
    expect(tail.buffer).not.toBe(first.buffer);
    expect(tail.length).toBe(64 * KIB);
  });

  test("adopting a second block while the first is full keeps the same ordinary block aside", () => {
    const slab = new ReadSlab();
    const first = read(slab, 1 * KIB);
    slab.adopt(Buffer.alloc(20 * KIB), 0);
    read(slab, 20 * KIB);
    slab.adopt(Buffer.alloc(20 * KIB), 0);
    read(slab, 20 * KIB);
    expect(slab.next().buffer).toBe(first.buffer);
  });

  describe("reuse of a filled block", () => {
    /**
     * Four reads of 16 KiB: a whole 64 KiB block when the slab starts one (the first `next()`
     * decides which block, without anything unread unless `inUse` is given: the reader still
     * holds those bytes, as the wire's buffer or a chunked body's pieces).
     */
    function fillBlock(slab: ReadSlab, inUse: Buffer | null = null): Buffer[] {
      const pieces: Buffer[] = [];
      const held = inUse === null ? null : (memory: ArrayBufferLike): boolean => inUse.length > 0 && inUse.buffer === memory;
      for (let i = 0; i < 4; i++) {
        const tail = slab.next(Number.POSITIVE_INFINITY, i === 0 ? held : null);
        expect(tail.length).toBeGreaterThanOrEqual(16 * KIB);
        pieces.push(slab.take(tail.fill(0x61, 0, 16 * KIB), 16 * KIB));
      }
      expect(new Set(pieces.map((p) => p.buffer)).size).toBe(1);
      return pieces;
    }

    test("two blocks take turns when their bytes were copied out", () => {
      const slab = new ReadSlab();
      const a = fillBlock(slab)[0].buffer;
      const b = fillBlock(slab)[0].buffer;
      expect(b).not.toBe(a);
      // The third block is the first one again, then the second: no allocation per read.
      expect(fillBlock(slab)[0].buffer).toBe(a);
      expect(fillBlock(slab)[0].buffer).toBe(b);
      expect(fillBlock(slab)[0].buffer).toBe(a);
    });

    test("a block a view of which was lent is never written again", () => {
      const slab = new ReadSlab();
      const pieces = fillBlock(slab);
      const kept = pieces[1];
      slab.lend(kept); // lent while it was the current block
      const copy = Buffer.from(kept);
      fillBlock(slab);
      for (let i = 0; i < 4; i++) expect(fillBlock(slab)[0].buffer).not.toBe(kept.buffer);
      expect(kept.equals(copy)).toBe(true);
    });

    test("a view lent once its block is the previous one also keeps it", () => {
      const slab = new ReadSlab();
      const a = fillBlock(slab);
      fillBlock(slab);
      slab.lend(a[2]);
      for (let i = 0; i < 4; i++) expect(fillBlock(slab)[0].buffer).not.toBe(a[2].buffer);
    });

    test("a block that still holds unread bytes (inUse) is not taken back; once read, it is", () => {
      const slab = new ReadSlab();
      const a = fillBlock(slab);
      const unread = a[a.length - 1];
      const b = fillBlock(slab);
      // The reader still holds bytes of block a: a new block instead of a.
      const c = fillBlock(slab, unread);
      expect(c[0].buffer).not.toBe(unread.buffer);
      expect(c[0].buffer).not.toBe(b[0].buffer);
      // Block b is free (nothing unread in it): it is the next one.
      expect(fillBlock(slab, Buffer.alloc(0))[0].buffer).toBe(b[0].buffer);
    });

    test("lend() of memory that is not a slab block is ignored", () => {
      const slab = new ReadSlab();
      const a = fillBlock(slab)[0].buffer;
      slab.lend(Buffer.from("not ours"));
      slab.lend(Buffer.alloc(0));
      fillBlock(slab);
      expect(fillBlock(slab)[0].buffer).toBe(a);
    });

    test("the ordinary block set aside for an adopted one keeps its lent mark", () => {
      const slab = new ReadSlab();
      const first = read(slab, 1 * KIB);
      slab.lend(first);
      slab.adopt(Buffer.alloc(20 * KIB), 0);
      read(slab, 20 * KIB);
      // Back to the ordinary block (lent), read to its end: it is never taken back later.
      expect(read(slab, 63 * KIB).buffer).toBe(first.buffer);
      for (let i = 0; i < 4; i++) expect(fillBlock(slab)[0].buffer).not.toBe(first.buffer);
      expect(first.every((x) => x === 0x61)).toBe(true);
    });
  });

  describe("block size", () => {
    test("blocks filled by big reads are followed by 256 KiB blocks; small reads go back to 64 KiB ones", () => {
      const slab = new ReadSlab();
      // Two reads of 32 KiB fill the first block: a body streaming in.
      read(slab, 32 * KIB);
      read(slab, 32 * KIB);
      let tail = slab.next();
      expect(tail.length).toBe(256 * KIB);
      const big = tail.buffer;
      read(slab, 256 * KIB);
      // Still streaming: the 64 KiB block filled before is too small to be reused, a new big one comes.
      tail = slab.next();
      expect(tail.length).toBe(256 * KIB);
      expect(tail.buffer).not.toBe(big);
      // Then small reads (answers of a few KiB): once this block fills, the one before is
      // taken back (a big block serves a small need), and no new memory is allocated.
      for (let filled = 0; filled < 256 * KIB - 16 * KIB; filled += 4 * KIB) read(slab, 4 * KIB);
      read(slab, slab.next().length);
      expect(slab.next().buffer).toBe(big);
    });

    test("reads into a block adopted for one response do not count as reads of the ordinary block", () => {
      const slab = new ReadSlab();
      // The ordinary block takes a big read (a body streaming in)...
      read(slab, 40 * KIB);
      // ...then one response lands in a block of its own, in many small reads...
      slab.adopt(Buffer.alloc(40 * KIB), 0);
      for (let i = 0; i < 10; i++) read(slab, 4 * KIB);
      // ...and the ordinary block, current again, fills with one more big read: two reads of 32
      // KiB on average filled it, so the next block is a big one.
      const tail = slab.next();
      expect(tail.length).toBe(24 * KIB);
      read(slab, 24 * KIB);
      expect(slab.next().length).toBe(256 * KIB);
    });

    test("small reads keep 64 KiB blocks", () => {
      const slab = new ReadSlab();
      for (let i = 0; i < 200; i++) {
        const tail = slab.next();
        expect(tail.buffer.byteLength).toBe(64 * KIB);
        read(slab, Math.min(tail.length, 5000));
      }
    });
  });
});
