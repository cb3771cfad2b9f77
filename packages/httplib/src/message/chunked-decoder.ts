/**
 * Incremental, byte-exact decoder of the chunked transfer coding (RFC 9112 7.1).
 * @module
 */
import { InvalidChunk, LineTooLong } from "../errors.js";
import { CR, HEX_VALUE, HTAB, LF, SP } from "./chars.js";
import { validateChunkExtensions } from "./chunk-ext.js";
import { parseFieldLines } from "./fields.js";
import { HTTPMessage } from "./http-message.js";

/** Limits of a {@link ChunkedDecoder}; every field is optional. */
export interface ChunkedLimits {
  /** Largest chunk size accepted. Default `Number.MAX_SAFE_INTEGER` (bound whole bodies in the caller). Exceeding it throws `InvalidChunk` ("size-too-large"). */
  maxChunkSize?: number;
  /** Longest chunk-ext part of one chunk-size line, in bytes. Default 1024. Exceeding it throws `InvalidChunk` ("extension-too-long"). */
  maxExtensionLength?: number;
  /** Largest trailer section, in bytes. Default 65536. Exceeding it throws `InvalidChunk` ("trailer-too-large"). */
  maxTrailerSize?: number;
  /** Most trailer fields. Default 100. Exceeding it throws `TooManyHeaders`. */
  maxTrailers?: number;
  /** Longest chunk-size line (size and extensions), in bytes. Default 4096. Exceeding it throws `LineTooLong` ("chunk size"). */
  maxLineLength?: number;
}

/** What {@link ChunkedDecoder.push} returns. */
export interface ChunkedPushResult {
  /** Decoded body bytes, as views into the input (no copy). */
  data: Buffer[];
  /** Whether the last chunk, the trailers and the final CRLF have all been read. */
  done: boolean;
  /** Bytes after the final CRLF (the next pipelined message), or null. */
  rest: Buffer | null;
}

const enum State {
  SizeStart,
  Size,
  Ext,
  SizeLF,
  Data,
  DataCR,
  DataLF,
  TrailerStart,
  TrailerLine,
  EndLF,
  Done,
}

/**
 * Decodes a chunked body fed in pieces of any size. It never reads past the final CRLF, so the
 * bytes of a pipelined next message come back as `rest`; chunk data is returned as views of the
 * input, never copied. Strict: hex sizes only (no sign, no `0x`, no whitespace except chunk-ext
 * BWS), valid chunk extensions (RFC 9112 7.1.1, then ignored), CRLF after each line and each chunk,
 * trailer fields under the header rules (RFC 9112 7.1.2). Any error is thrown again by later pushes.
 * @example
 * ```ts
 * const dec = new ChunkedDecoder();
 * const { data, done, rest } = dec.push(Buffer.from("5\r\nhello\r\n0\r\n\r\nNEXT"));
 * Buffer.concat(data).toString(); // "hello"; done === true; rest!.toString() === "NEXT"
 * ```
 */
export class ChunkedDecoder {
  #state = State.SizeStart;
  #size = 0;
  #remaining = 0;
  #lineLength = 0;
  #ext: Buffer[] = [];
  #extLength = 0;
  #trailer: Buffer[] = [];
  #trailerLength = 0;
  #trailers: HTTPMessage | null = null;
  #sawLastChunk = false;
  #error: Error | null = null;
  readonly #maxChunkSize: number;
  readonly #maxExt: number;
  readonly #maxTrailerSize: number;
  readonly #maxTrailers: number;
  readonly #maxLine: number;

  constructor(limits: ChunkedLimits = {}) {
    this.#maxChunkSize = Math.min(limits.maxChunkSize ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    this.#maxExt = limits.maxExtensionLength ?? 1024;
    this.#maxTrailerSize = limits.maxTrailerSize ?? 65536;
    this.#maxTrailers = limits.maxTrailers ?? 100;
    this.#maxLine = limits.maxLineLength ?? 4096;
  }

  /** Whether the whole chunked body, trailers and final CRLF included, has been decoded. */
  get done(): boolean {
    return this.#state === State.Done;
  }

  /** The trailer fields once {@link ChunkedDecoder.done} (an empty message when there were none); null before. */
  get trailers(): HTTPMessage | null {
    return this.#trailers;
  }

  /** Whether the last chunk (`0\r\n`) was read: a peer that then closes without trailers/CRLF is only missing the end (CPython tolerates that). */
  get sawLastChunk(): boolean {
    return this.#sawLastChunk;
  }

  /** Bytes of the current chunk's data not yet received (0 between chunks): what an `IncompleteRead` would expect. */
  get chunkRemaining(): number {
    return this.#state === State.Data ? this.#remaining : 0;
  }

  /** Feeds the next bytes; returns the body bytes they completed. Throws `InvalidChunk`, `LineTooLong`, `InvalidHeader`, `TooManyHeaders`. */
  push(input: Buffer): ChunkedPushResult {
    if (this.#error !== null) throw this.#error;
    try {
      return this.#push(input);
    } catch (err) {
      this.#error = err as Error;
      throw err;
    }
  }

  #push(input: Buffer): ChunkedPushResult {
    const data: Buffer[] = [];
    const len = input.length;
    let i = 0;
    if (this.#state === State.Done) return { data, done: true, rest: len > 0 ? input : null };
    while (i < len) {
      switch (this.#state) {
        case State.SizeStart:
        case State.Size: {
          const b = input[i];
          const d = HEX_VALUE[b];
          if (d >= 0) {
            if (++this.#lineLength > this.#maxLine) throw new LineTooLong("chunk size", this.#maxLine);
            if (this.#size > (this.#maxChunkSize - d) / 16) throw new InvalidChunk("size-too-large");
            this.#size = this.#size * 16 + d;
            this.#state = State.Size;
            i++;
          } else if (this.#state === State.SizeStart) {
            throw new InvalidChunk("size", "chunk size must start with a hex digit");
          } else if (b === CR) {
            this.#state = State.SizeLF;
            i++;
          } else if (b === 0x3b || b === SP || b === HTAB) {
            this.#state = State.Ext; // chunk-ext, BWS included (RFC 9112 7.1.1)
          } else {
            throw new InvalidChunk("size", `unexpected byte 0x${b.toString(16)} in chunk size`);
          }
          break;
        }
        case State.Ext: {
          const cr = input.indexOf(CR, i);
          const stop = cr === -1 ? len : cr;
          const lf = input.indexOf(LF, i);
          if (lf !== -1 && lf < stop) throw new InvalidChunk("missing-crlf", "bare LF in chunk-size line");
          this.#extLength += stop - i;
          this.#lineLength += stop - i;
          if (this.#extLength > this.#maxExt) throw new InvalidChunk("extension-too-long");
          if (this.#lineLength > this.#maxLine) throw new LineTooLong("chunk size", this.#maxLine);
          // Copied: the line may end in a later input, after the caller reused this one's memory.
          this.#ext.push(Buffer.from(input.subarray(i, stop)));
          i = stop;
          if (cr !== -1) {
            validateChunkExtensions(this.#ext.length === 1 ? this.#ext[0] : Buffer.concat(this.#ext));
            this.#ext = [];
            this.#extLength = 0;
            this.#state = State.SizeLF;
            i++;
          }
          break;
        }
        case State.SizeLF:
          if (input[i] !== LF) throw new InvalidChunk("missing-crlf", "CR not followed by LF after chunk size");
          i++;
          this.#lineLength = 0;
          if (this.#size === 0) {
            this.#sawLastChunk = true;
            this.#state = State.TrailerStart;
          } else {
            this.#remaining = this.#size;
            this.#size = 0;
            this.#state = State.Data;
          }
          break;
        case State.Data: {
          const n = Math.min(this.#remaining, len - i);
          data.push(input.subarray(i, i + n));
          i += n;
          this.#remaining -= n;
          if (this.#remaining === 0) this.#state = State.DataCR;
          break;
        }
        case State.DataCR:
          if (input[i] !== CR) throw new InvalidChunk("missing-crlf", "chunk data not followed by CRLF");
          this.#state = State.DataLF;
          i++;
          break;
        case State.DataLF:
          if (input[i] !== LF) throw new InvalidChunk("missing-crlf", "chunk data not followed by CRLF");
          this.#state = State.SizeStart;
          i++;
          break;
        case State.TrailerStart:
          if (input[i] === CR) {
            this.#state = State.EndLF;
            i++;
            break;
          }
          if (input[i] === LF) throw new InvalidChunk("missing-crlf", "bare LF ending the chunked body");
          this.#state = State.TrailerLine;
          break;
        case State.TrailerLine: {
          const lf = input.indexOf(LF, i);
          const stop = lf === -1 ? len : lf + 1;
          this.#trailerLength += stop - i;
          if (this.#trailerLength > this.#maxTrailerSize) throw new InvalidChunk("trailer-too-large");
          this.#trailer.push(Buffer.from(input.subarray(i, stop))); // copied, as the extensions
          i = stop;
          if (lf !== -1) this.#state = State.TrailerStart;
          break;
        }
        case State.EndLF:
          if (input[i] !== LF) throw new InvalidChunk("missing-crlf", "CR not followed by LF at the end of the chunked body");
          i++;
          this.#finish();
          return { data, done: true, rest: i < len ? input.subarray(i) : null };
      }
    }
    return { data, done: false, rest: null };
  }

  #finish(): void {
    this.#state = State.Done;
    if (this.#trailerLength === 0) {
      this.#trailers = new HTTPMessage();
      return;
    }
    const block = Buffer.concat(this.#trailer, this.#trailerLength);
    this.#trailer = [];
    this.#trailers = parseFieldLines(
      block,
      0,
      block.length,
      { maxLineLength: this.#maxTrailerSize, maxHeaders: this.#maxTrailers, maxHeadSize: this.#maxTrailerSize, allowObsFold: false, allowBareLF: false },
      "trailer line",
    );
  }
}
