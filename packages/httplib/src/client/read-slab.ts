/**
 * `ReadSlab`: where socket reads land when no body buffer is waiting for them (the `onread`
 * path of {@link Wire}). Reads fill consecutive slices of a block (64 KiB; 256 KiB after a block
 * was filled by reads of 32 KiB or more on average, i.e. while a body streams in faster than it is
 * read, so that such a body takes fewer, larger reads), so a received chunk is kept as a view (no
 * copy, no allocation per read) and two consecutive chunks are contiguous in memory (joined
 * without copying).
 *
 * A block is written again only when nothing can still see its bytes: when it fills, the block
 * filled before it is taken back if none of its bytes are still buffered and no view of it was
 * handed out ({@link ReadSlab.lend}); otherwise a new block is allocated. A consumer that copies
 * the bytes out (`readInto1()`, `readInto()`) thus streams through two blocks, with no fresh
 * memory per read (no garbage for the collector, no pages to fault in); one that keeps views
 * (`read1()`, the async iterator) gets new blocks, as it must.
 *
 * A block may also be sized for what is known to come ({@link ReadSlab.adopt}): the rest of a
 * response whose Content-Length is known, so that its whole body lands in one Buffer.
 * @module
 */

/** Size of an ordinary block. */
const BLOCK = 64 * 1024;
/** Size of a block while bytes stream in faster than they are read (see {@link ReadSlab.next}). */
const BIG_BLOCK = 256 * 1024;
/** Reads that averaged at least this much mean the socket had more queued than each read took. */
const BIG_READS = 32 * 1024;
/** A new block is started when less than this is left for the next read. */
const MIN_READ = 16 * 1024;

/** Hands out the free tail of a block for each read. Internal to the client. */
export class ReadSlab {
  #block: Buffer | null = null;
  #pos = 0;
  /** A view of the current block was handed out: it is never written again. */
  #lent = false;
  /** Reads into the current ordinary block. */
  #reads = 0;
  /** The ordinary block filled before the current one, to be filled again once free (see {@link ReadSlab.next}). */
  #prev: Buffer | null = null;
  #prevLent = false;
  /** The current block was adopted: its tail is handed out to the last byte, however small. */
  #reserved = false;
  /** The ordinary block (and its position) while an adopted one is current. */
  #spare: Buffer | null = null;
  #sparePos = 0;
  #spareLent = false;

  /**
   * The free tail of the current block (at least 16 KiB, or what is left of an adopted block), for
   * the next read; at most `max` bytes of it when given. `isHeld` tells whether the reader still
   * holds unread bytes in a block's memory (its buffer, a chunked body's decoded pieces): such a
   * block is not written again.
   */
  next(max = Number.POSITIVE_INFINITY, isHeld: ((memory: ArrayBufferLike) => boolean) | null = null): Buffer {
    let block = this.#block;
    if (this.#reserved && block !== null && this.#pos < block.length) return block.subarray(this.#pos);
    if (this.#reserved) this.#unreserve(); // the adopted block is full: back to the ordinary one
    block = this.#block;
    if (block === null || block.length - this.#pos < MIN_READ) block = this.#turn(isHeld);
    return block.subarray(this.#pos, Math.min(block.length, this.#pos + max));
  }

  /**
   * Marks the block that `b` is a view of as handed out (the caller may keep `b`): that block's
   * bytes are never overwritten. Call it for every view that leaves the reader.
   */
  lend(b: Buffer): void {
    if (b.length === 0) return;
    const memory = b.buffer;
    if (this.#block !== null && memory === this.#block.buffer) this.#lent = true;
    else if (this.#prev !== null && memory === this.#prev.buffer) this.#prevLent = true;
    else if (this.#spare !== null && memory === this.#spare.buffer) this.#spareLent = true;
  }

  /**
   * Starts the next ordinary block: the one filled before the current block when it is free
   * (not lent, none of its bytes held unread), else a new one. The block being left becomes the
   * previous one unless it was lent (then it is only dropped, for the collector).
   */
  #turn(isHeld: ((memory: ArrayBufferLike) => boolean) | null): Buffer {
    const prev = this.#prev;
    // Big reads (a body streaming in): a bigger block, so fewer and larger reads (the kernel's
    // cost per read and the caller's per chunk); small ones (heads, small answers) keep 64 KiB.
    const size = this.#block !== null && this.#pos >= this.#reads * BIG_READS ? BIG_BLOCK : BLOCK;
    const free = prev !== null && prev.length >= size && !this.#prevLent && (isHeld === null || !isHeld(prev.buffer));
    // allocUnsafeSlow: a block of its own, not a slice of Node's shared 8 KiB pool.
    const block = free ? prev : Buffer.allocUnsafeSlow(size);
    this.#prev = this.#lent ? null : this.#block;
    this.#prevLent = false;
    this.#block = block;
    this.#pos = 0;
    this.#lent = false;
    this.#reads = 0;
    return block;
  }

  /**
   * Makes `block` the current block, its first `pos` bytes taken (the caller copied them there):
   * the next reads fill its tail to the end, so bytes up to `block.length` are contiguous.
   */
  adopt(block: Buffer, pos: number): void {
    if (this.#reserved) this.#unreserve();
    // The ordinary block is set aside, not dropped: its free tail serves the reads after this
    // response (no new 64 KiB block per large response, hence no fresh memory to fault in).
    if (!this.#reserved && this.#block !== null && this.#block.length - this.#pos >= MIN_READ) {
      this.#spare = this.#block;
      this.#sparePos = this.#pos;
      this.#spareLent = this.#lent;
    }
    this.#block = block;
    this.#pos = pos;
    this.#lent = false;
    this.#reserved = true;
  }

  /**
   * Gives up the adopted block: the next read starts an ordinary block (bytes already taken stay
   * valid). For a consumer that takes the body piece by piece, so that no big block is kept.
   */
  dropReservation(): void {
    if (this.#reserved) this.#unreserve();
  }

  /** Leaves the adopted block: the ordinary block set aside by {@link ReadSlab.adopt} (if any) is current again. */
  #unreserve(): void {
    this.#reserved = false;
    this.#block = this.#spare;
    this.#pos = this.#sparePos;
    this.#lent = this.#spareLent;
    this.#spare = null;
    this.#sparePos = 0;
    this.#spareLent = false;
  }

  /** Free bytes left in an adopted block (0 when the current block is an ordinary one). */
  get reservedRoom(): number {
    return this.#reserved && this.#block !== null ? this.#block.length - this.#pos : 0;
  }

  /** Whether `b` ends exactly where the next read into the current block will start. */
  endsAtTail(b: Buffer): boolean {
    const block = this.#block;
    return block !== null && b.buffer === block.buffer && b.byteOffset + b.length === block.byteOffset + this.#pos;
  }

  /** The first `n` bytes of `tail` (what {@link ReadSlab.next} returned) were filled: they are now taken. */
  take(tail: Buffer, n: number): Buffer {
    this.#pos += n;
    // Counted for the ordinary block only, as #pos is while it is current (reads into an adopted
    // block are one response's body, not how the ordinary block fills).
    if (!this.#reserved) this.#reads++;
    return tail.subarray(0, n);
  }
}

/** Views up to this size are copied before they are handed to a caller (see {@link ownBytes}). */
const COPY_LIMIT = 16 * 1024;

/**
 * `b` as a Buffer the caller may keep: a small view into a much larger block (a slab, a
 * socket chunk) is copied, so that keeping a few bytes does not keep the whole block alive.
 */
export function ownBytes(b: Buffer): Buffer {
  return b.length > 0 && b.length <= COPY_LIMIT && b.buffer.byteLength >= 4 * b.length ? Buffer.from(b) : b;
}

/**
 * `a` followed by `b`: a view over both when `b` starts where `a` ends in the same memory
 * (consecutive slab reads), else a copy.
 */
export function joinBytes(a: Buffer, b: Buffer): Buffer {
  if (a.buffer === b.buffer && a.byteOffset + a.length === b.byteOffset) {
    return Buffer.from(a.buffer, a.byteOffset, a.length + b.length);
  }
  return Buffer.concat([a, b], a.length + b.length);
}
