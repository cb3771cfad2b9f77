/**
 * `BodyReader`: the body of one response, read straight from the connection's {@link Wire}
 * for each framing (none, Content-Length, chunked, until close). `HTTPResponse` delegates its
 * read methods here. Internal to the client.
 * @module
 */
import { HTTPException, IncompleteRead } from "../errors.js";
import type { ChunkedBody, HTTPMessage } from "../message/index.js";
import { ownBytes } from "./read-slab.js";
import type { Wire } from "./wire.js";

const EMPTY = Buffer.alloc(0);
/** Content-Length bodies up to this size are read into one preallocated Buffer. */
const MAX_PREALLOC = 64 * 1024 * 1024;

/**
 * The response a {@link BodyReader} reads the body of, as far as the reader needs it (the
 * reader knows this interface, not the `HTTPResponse` class). `willClose` may be set by the
 * reader: a chunked body that ends at EOF without its final CRLF closes the connection.
 */
export interface BodyResponse {
  /** Whether the connection closes after this response (CPython `will_close`). */
  willClose: boolean;
}

/** What a response tells the connection that produced it. Internal. */
export interface ResponseOwner {
  /** The body was consumed (`reuse`: the socket may carry the next response) or abandoned. */
  responseDone(resp: BodyResponse, wire: Wire, reuse: boolean): void;
}

/** How a body is delimited. */
export const enum BodyKind {
  None,
  Length,
  Chunked,
  Close,
}

function partialOf(parts: Buffer[] | null, total: number): Buffer {
  if (parts === null || parts.length === 0) return EMPTY;
  return parts.length === 1 ? ownBytes(parts[0]) : Buffer.concat(parts, total);
}

/** Reads one response body; tells the owner when the body is done (or abandoned). */
export class BodyReader {
  /** The socket while the body is being read; null once done or abandoned. */
  wire: Wire | null;
  /** Content-Length bytes not read yet; null when unknown. */
  length: number | null;
  /** Trailer fields once a chunked body has been read to the end. */
  trailers: HTTPMessage | null = null;
  readonly #kind: BodyKind;
  readonly #chunks: ChunkedBody | null;
  readonly #resp: BodyResponse;
  readonly #owner: ResponseOwner;

  constructor(resp: BodyResponse, owner: ResponseOwner, wire: Wire, kind: BodyKind, length: number | null, chunks: ChunkedBody | null) {
    this.#resp = resp;
    this.#owner = owner;
    this.wire = wire;
    this.#kind = kind;
    this.length = length;
    this.#chunks = chunks;
    // The decoded pieces not taken yet are views of read blocks: those blocks wait for them.
    if (chunks !== null) wire.holder = this.#holds;
  }

  /** The wire's {@link Wire.holder} while a chunked body is read. */
  readonly #holds = (memory: ArrayBufferLike): boolean => this.#chunks!.holds(memory);

  /** The socket is given back or given up: its holder is no longer this body. */
  #release(wire: Wire): void {
    if (wire.holder === this.#holds) wire.holder = null;
  }

  /** The whole rest of the body, or up to `amt` bytes. */
  read(amt?: number | null): Promise<Buffer> {
    const wire = this.wire;
    if (wire === null) return Promise.resolve(EMPTY);
    if (amt !== undefined && amt !== null && amt >= 0) return this.#readAmount(amt);
    if (this.#kind === BodyKind.Length) {
      wire.reserveInPlace = true; // whole bodies: the next large ones may be received in place
      const n = this.length!;
      if (wire.buf.length < n) return this.#readLength(n);
      const out = wire.takeOwn(n); // the whole body is here: no wait (and no copy unless small)
      this.length = 0;
      this.finish();
      return Promise.resolve(out);
    }
    return this.#readAll();
  }

  /** Fills `target` as far as the body goes; resolves to the count. */
  async readInto(target: Uint8Array): Promise<number> {
    // The caller brings its own buffer: no block of the body's size for the next responses either.
    if (this.#kind === BodyKind.Length && this.wire !== null) this.wire.reserveInPlace = false;
    let at = 0;
    while (at < target.length && this.wire !== null) {
      if (this.#kind === BodyKind.Length && this.wire.buf.length === 0 && this.length! >= target.length - at) {
        const want = target.length - at;
        const got = await this.wire.fill(target.subarray(at, target.length), 0);
        this.length! -= got;
        at += got;
        if (got < want) throw this.#bodyError(Buffer.from(target.subarray(0, at)), this.length);
        if (this.length === 0) this.finish();
        continue;
      }
      let piece: Buffer | null;
      try {
        piece = await this.#piece(null, 0, false);
      } catch (err) {
        // The bytes already put in `target` by this call are part of what arrived.
        if (at > 0 && err instanceof IncompleteRead) {
          throw new IncompleteRead(Buffer.concat([target.subarray(0, at), err.partial]), err.expected, { cause: err.cause });
        }
        throw err;
      }
      if (piece === null) break;
      const n = Math.min(piece.length, target.length - at);
      target.set(n === piece.length ? piece : piece.subarray(0, n), at);
      at += n;
      this.consume(n);
    }
    return at;
  }

  /**
   * Copies the next body bytes into `target` (at most its length), waiting for data at most once;
   * resolves to the count, 0 at the end of the body. The bytes are copied out of the read block,
   * which the connection can then fill again: no memory is allocated per read.
   */
  async readInto1(target: Uint8Array): Promise<number> {
    if (this.wire === null || target.length === 0) return 0;
    const piece = await this.#piece(null, 0, false);
    if (piece === null) return 0;
    const n = Math.min(piece.length, target.length);
    target.set(n === piece.length ? piece : piece.subarray(0, n), 0);
    this.consume(n);
    return n;
  }

  /** One line of at most `limit` bytes (unbounded when negative). */
  async readline(limit: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let total = 0;
    while (this.wire !== null && (limit < 0 || total < limit)) {
      const piece = await this.available(parts, total);
      if (piece === null) break;
      const lf = piece.indexOf(0x0a);
      let n = lf === -1 ? piece.length : lf + 1;
      if (limit >= 0) n = Math.min(n, limit - total);
      parts.push(n === piece.length ? piece : piece.subarray(0, n));
      total += n;
      this.consume(n);
      if (lf !== -1 && n === lf + 1) break;
    }
    return partialOf(parts, total);
  }

  /** Stops reading: skips a fully buffered rest, otherwise abandons the socket. */
  close(): void {
    const wire = this.wire;
    if (wire === null) return;
    if (this.#kind === BodyKind.Length && wire.buf.length >= this.length!) {
      wire.consume(this.length!);
      this.length = 0;
      this.finish();
      return;
    }
    this.#abandon(wire);
  }

  /**
   * The next body bytes available now (a view, not consumed), waiting for some if needed;
   * null at the end of the body (which is then finished). `parts`/`total` are what the caller
   * collected so far, reported as `partial` if the body turns out incomplete. The caller may keep
   * the view: its memory is never reused (see `Wire.lend`).
   */
  available(parts: Buffer[] | null, total: number): Promise<Buffer | null> {
    return this.#piece(parts, total, true);
  }

  /**
   * {@link BodyReader.available}; `lend` false for a caller that copies the bytes and keeps no
   * view, so that their read block may be filled again.
   */
  async #piece(parts: Buffer[] | null, total: number, lend: boolean): Promise<Buffer | null> {
    const w = this.wire;
    if (w !== null) {
      w.dropReservation(); // piece by piece: no block for the whole body
      if (this.#kind === BodyKind.Length) w.reserveInPlace = false; // nor for the next ones
    }
    for (;;) {
      const wire = this.wire;
      if (wire === null) return null;
      switch (this.#kind) {
        case BodyKind.Length: {
          const len = this.length!;
          if (wire.buf.length > 0) return this.#view(wire, wire.buf.length <= len ? wire.buf : wire.buf.subarray(0, len), lend);
          if (wire.ended || wire.error !== null) throw this.#bodyError(partialOf(parts, total), len);
          break;
        }
        case BodyKind.Chunked: {
          // The shared loop of ChunkedBody (see its TSDoc), fed from the wire's buffer.
          const body = this.#chunks!;
          const piece = body.peek();
          if (piece !== null) return this.#view(wire, piece, lend);
          if (body.ended) {
            this.finish();
            return null;
          }
          if (wire.buf.length > 0) {
            // The pieces are views of the input: the holder keeps their block until they are taken.
            const input = wire.buf;
            wire.consume(input.length);
            let rest: Buffer | null;
            try {
              rest = body.feed(input);
            } catch (err) {
              this.#abandon(wire);
              throw err;
            }
            if (rest !== null) wire.unshift(rest);
            if (body.ended) this.trailers = body.trailers;
            continue;
          }
          if (wire.ended || wire.error !== null) {
            if (body.sawLastChunk && wire.error === null) {
              // CPython tolerates a missing trailer section / final CRLF at EOF.
              this.#resp.willClose = true;
              this.finish();
              return null;
            }
            throw this.#bodyError(partialOf(parts, total), body.expectedMore);
          }
          break;
        }
        case BodyKind.Close:
          if (wire.buf.length > 0) return this.#view(wire, wire.buf, lend);
          if (wire.error !== null) throw this.#bodyError(partialOf(parts, total), null);
          if (wire.ended) {
            this.finish();
            return null;
          }
          break;
        default:
          this.finish();
          return null;
      }
      await wire.wait();
    }
  }

  /** `view` (bytes of the wire's buffer), lent first when the caller keeps it. */
  #view(wire: Wire, view: Buffer, lend: boolean): Buffer {
    if (lend) wire.lend(view);
    return view;
  }

  /** Marks `n` bytes of what {@link BodyReader.available} returned as read. */
  consume(n: number): void {
    const wire = this.wire!;
    switch (this.#kind) {
      case BodyKind.Length:
        wire.consume(n);
        this.length! -= n;
        if (this.length === 0) this.finish();
        break;
      case BodyKind.Chunked:
        this.#chunks!.consume(n);
        break;
      default:
        wire.consume(n);
    }
  }

  /** The body was read to the end: the socket goes back to the owner. */
  finish(): void {
    const wire = this.wire;
    if (wire === null) return;
    this.#release(wire);
    this.wire = null;
    this.#owner.responseDone(this.#resp, wire, !this.#resp.willClose);
  }

  async #readAll(): Promise<Buffer> {
    const parts: Buffer[] = [];
    let total = 0;
    for (;;) {
      const piece = await this.available(parts, total);
      if (piece === null) break;
      parts.push(piece);
      total += piece.length;
      this.consume(piece.length);
    }
    return partialOf(parts, total);
  }

  /** Reads the rest of a Content-Length body into ONE Buffer, copying socket chunks straight into it. */
  async #readLength(n: number): Promise<Buffer> {
    if (n > MAX_PREALLOC) return this.#readAmount(n);
    const wire = this.wire!;
    if (wire.growsInPlaceTo(n)) return this.#readInPlace(wire, n);
    const out = Buffer.allocUnsafe(n);
    const got = await this.wire!.fill(out, 0);
    this.length = n - got;
    if (got < n) throw this.#bodyError(out.subarray(0, got), n - got);
    this.finish();
    return out;
  }

  /** The body is arriving in a block of its own (see `Wire.sizeHint`): waits for it and takes it as is. */
  async #readInPlace(wire: Wire, n: number): Promise<Buffer> {
    await wire.waitFor(n);
    const got = Math.min(wire.buf.length, n);
    if (got < n) {
      const partial = Buffer.from(wire.buf);
      wire.consume(got);
      this.length = n - got;
      throw this.#bodyError(partial, n - got);
    }
    const out = wire.take(n);
    this.length = 0;
    this.finish();
    return out;
  }

  async #readAmount(amt: number): Promise<Buffer> {
    if (amt === 0) return EMPTY;
    const parts: Buffer[] = [];
    let total = 0;
    while (total < amt) {
      const piece = await this.available(parts, total);
      if (piece === null) break;
      const n = Math.min(piece.length, amt - total);
      parts.push(n === piece.length ? piece : piece.subarray(0, n));
      total += n;
      this.consume(n);
    }
    return partialOf(parts, total);
  }

  /** The error for a body that stopped early: a timeout or abort as is, else `IncompleteRead`. */
  #bodyError(partial: Buffer, expected: number | null): Error {
    const wire = this.wire;
    const cause = wire?.error ?? null;
    if (wire !== null) this.#abandon(wire);
    if (cause instanceof HTTPException) return cause;
    return new IncompleteRead(partial, expected, cause === null ? undefined : { cause });
  }

  #abandon(wire: Wire): void {
    this.#release(wire);
    this.wire = null;
    this.#owner.responseDone(this.#resp, wire, false);
  }
}
