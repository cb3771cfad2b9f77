/**
 * `ChunkedBody`: the receiving loop of a chunked body shared by the client and the server,
 * without the I/O. The caller reads its own byte source (a socket buffer, an `rfile`) and
 * decides when to wait; this class feeds those bytes to a {@link ChunkedDecoder}, queues the
 * decoded pieces, enforces a body size limit, hands back the bytes past the body's end, and
 * builds the `IncompleteRead` for a source that ends early.
 * @module
 */
import { BodyTooLarge, IncompleteRead, type HTTPErrorOptions } from "../errors.js";
import { ChunkedDecoder, type ChunkedLimits } from "./chunked-decoder.js";
import type { HTTPMessage } from "./http-message.js";

/** Limits of a {@link ChunkedBody}: the decoder's, plus the whole body's size. */
export interface ChunkedBodyLimits extends ChunkedLimits {
  /** Most decoded body bytes. Default `Number.MAX_SAFE_INTEGER`. Exceeding it throws `BodyTooLarge` from {@link ChunkedBody.feed}. */
  maxBodySize?: number;
}

const NO_PIECES: Buffer[] = [];

/**
 * A chunked body being received. It never waits and allocates nothing per piece beyond what the
 * decoder returns (the pieces are views of the input).
 *
 * The loop, with any byte source (`read()` resolving to an empty Buffer at EOF):
 * ```ts
 * const body = new ChunkedBody({ maxBodySize });
 * const parts: Buffer[] = [];
 * for (;;) {
 *   const piece = body.take();              // a decoded piece, or null when none is queued
 *   if (piece !== null) { parts.push(piece); continue; }
 *   if (body.ended) break;                  // last chunk, trailers and final CRLF read
 *   const input = await source.read();
 *   if (input.length === 0) {
 *     if (body.sawLastChunk) break;         // only the trailers/final CRLF missing (CPython tolerates it)
 *     throw body.incompleteRead(Buffer.concat(parts));
 *   }
 *   const rest = body.feed(input);          // InvalidChunk, LineTooLong, BodyTooLarge, ...
 *   if (rest !== null) source.unshift(rest); // the next pipelined message
 * }
 * // body.trailers: the trailer fields
 * ```
 * `IncompleteRead.partial` must hold every body byte that arrived and that the caller has not
 * returned yet: when the source ends, nothing is queued (the loop takes pieces first), so the
 * caller's own collected bytes are the whole partial.
 */
export class ChunkedBody {
  readonly #decoder: ChunkedDecoder;
  readonly #maxBodySize: number;
  /** The pieces of the last {@link ChunkedBody.feed}; `#at` is the first one not taken. */
  #pieces: Buffer[] = NO_PIECES;
  #at = 0;
  #received = 0;

  constructor(limits: ChunkedBodyLimits = {}) {
    this.#decoder = new ChunkedDecoder(limits);
    this.#maxBodySize = limits.maxBodySize ?? Number.MAX_SAFE_INTEGER;
  }

  /** Decoded body bytes fed so far (queued or taken). */
  get received(): number {
    return this.#received;
  }

  /** Whether the last chunk, the trailers and the final CRLF have been decoded (pieces may still be queued). */
  get ended(): boolean {
    return this.#decoder.done;
  }

  /** Whether the body has ended and every piece has been taken. */
  get done(): boolean {
    return this.#decoder.done && this.peek() === null;
  }

  /** Whether the last chunk (`0\r\n`) was read: a source that ends now only lacks the trailers / final CRLF. */
  get sawLastChunk(): boolean {
    return this.#decoder.sawLastChunk;
  }

  /** The trailer fields once {@link ChunkedBody.ended} (an empty message when there were none); null before. */
  get trailers(): HTTPMessage | null {
    return this.#decoder.trailers;
  }

  /** Bytes of the current chunk still to come, or null between chunks: the `expected` of an `IncompleteRead`. */
  get expectedMore(): number | null {
    const n = this.#decoder.chunkRemaining;
    return n > 0 ? n : null;
  }

  /**
   * Feeds the next raw bytes of the source. Returns the bytes after the body's final CRLF (give
   * them back to the source: they start the next message), or null. Throws what
   * {@link ChunkedDecoder.push} throws (`InvalidChunk`, `LineTooLong`, `InvalidHeader`,
   * `TooManyHeaders`; again on every later call), or `BodyTooLarge` past `maxBodySize`.
   */
  feed(input: Buffer): Buffer | null {
    const res = this.#decoder.push(input);
    const data = res.data;
    for (let i = 0; i < data.length; i++) this.#received += data[i].length;
    if (this.#received > this.#maxBodySize) throw new BodyTooLarge(this.#maxBodySize);
    if (this.#at < this.#pieces.length) {
      // Fed before everything was taken (allowed, but not the usual loop): keep the old pieces first.
      this.#pieces = this.#pieces.slice(this.#at).concat(data);
    } else {
      this.#pieces = data;
    }
    this.#at = 0;
    return res.rest;
  }

  /** The next decoded piece (a view, not consumed), or null when none is queued. */
  peek(): Buffer | null {
    const pieces = this.#pieces;
    while (this.#at < pieces.length) {
      const p = pieces[this.#at];
      if (p.length > 0) return p;
      this.#at++;
    }
    return null;
  }

  /**
   * Whether a piece not taken yet is a view of `memory` (the decoder itself keeps no view of an
   * input once {@link ChunkedBody.feed} returns): a reader that reuses its buffers must not
   * overwrite that memory before these pieces are taken.
   */
  holds(memory: ArrayBufferLike): boolean {
    const pieces = this.#pieces;
    for (let i = this.#at; i < pieces.length; i++) if (pieces[i].length > 0 && pieces[i].buffer === memory) return true;
    return false;
  }

  /** Marks `n` bytes of what {@link ChunkedBody.peek} returned as read. */
  consume(n: number): void {
    const p = this.#pieces[this.#at];
    if (n >= p.length) this.#at++;
    else this.#pieces[this.#at] = p.subarray(n);
  }

  /** Takes the next piece, or its first `n` bytes when `n` is given and smaller; null when none is queued. */
  take(n = -1): Buffer | null {
    const p = this.peek();
    if (p === null) return null;
    if (n < 0 || n >= p.length) {
      this.#at++;
      return p;
    }
    this.#pieces[this.#at] = p.subarray(n);
    return p.subarray(0, n);
  }

  /** The error for a source that ended before the body did: `IncompleteRead(partial, expectedMore)`. */
  incompleteRead(partial: Buffer, options?: HTTPErrorOptions): IncompleteRead {
    return new IncompleteRead(partial, this.expectedMore, options);
  }
}
