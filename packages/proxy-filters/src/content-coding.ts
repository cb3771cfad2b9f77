/**
 * Content codings (RFC 9110 8.4.1): decoding gzip, deflate and br bodies incrementally and
 * synchronously, so that a body transform (whose `push`/`end` are synchronous) can see the
 * decoded bytes chunk by chunk.
 * @module
 */
import zlib from "node:zlib";
import { joinedOrNull } from "./filter.js";

/** The codings we decode. */
export type ContentCoding = "gzip" | "deflate" | "br";

/** A body whose content coding could not be decoded (corrupt, truncated, or too large a chunk). */
export class ContentCodingError extends Error {
  override readonly name = "ContentCodingError";
  readonly code = "ERR_CONTENT_CODING";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The codings of a `Content-Encoding` value in the order they were applied; `[]` for none (or
 * `identity`); null when one of them is a coding we cannot decode (the body must then be left alone).
 */
export function parseContentCodings(value: string | undefined): ContentCoding[] | null {
  if (value === undefined) return [];
  const out: ContentCoding[] = [];
  for (const raw of value.split(",")) {
    const c = raw.trim().toLowerCase();
    if (c === "" || c === "identity") continue;
    if (c === "gzip" || c === "x-gzip") out.push("gzip");
    else if (c === "deflate") out.push("deflate");
    else if (c === "br") out.push("br");
    else return null;
  }
  return out;
}

/**
 * An incremental decoder. `pieces(chunk)` yields what `chunk` decodes to in pieces of at most 64
 * KiB, each decoded when it is taken, so that a body that expands enormously (a decompression
 * bomb) is never held at once: the consumer's pace (a client's backpressure) decides how much is
 * decoded. `endPieces()` checks that the stream is complete and yields its last bytes. `push` and
 * `end` are the same, joined into one Buffer (for small bodies and tests).
 */
export interface Decoder {
  push(chunk: Buffer): Buffer;
  end(): Buffer;
  pieces(chunk: Buffer): Generator<Buffer, void, undefined>;
  endPieces(): Generator<Buffer, void, undefined>;
}

/** Most bytes of one decoded piece. */
export const DECODED_PIECE = 64 * 1024;
/** Input is given to the engine this much at a time: a stream corrupt further on loses at most one slice's output. */
const INPUT_SLICE = 4 * 1024;
const EMPTY = Buffer.alloc(0);

type Engine = zlib.Gunzip | zlib.Inflate | zlib.InflateRaw | zlib.BrotliDecompress;
/** The parts of node:zlib's engine this module drives (what its own `*Sync` functions use). */
interface EngineInternals {
  _handle: {
    close(): void;
    writeSync(flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void;
  } | null;
  /** After each `writeSync`: [output space left, input bytes left]. */
  _writeState: Uint32Array;
}

/**
 * Run node:zlib's streaming engine synchronously, piece by piece. node:zlib has no public
 * incremental synchronous API (`zlib.gunzipSync` is one-shot and returns everything at once; the
 * streams are asynchronous, which a synchronous `BodyTransform` cannot wait for), so this drives
 * the engine's handle as node:zlib's own `processChunkSync` does (`writeSync` into an output
 * buffer, read `_writeState`, again while the output buffer was filled), yielding each output
 * piece instead of collecting them. An error is reported by the handle synchronously: node:zlib
 * keeps it under its `kError` symbol (and emits it as an 'error' event later, ignored here).
 * `isSupported()` checks these internals exist; the tests pin the behaviour, so a Node.js that
 * changes it fails them loudly.
 */
function syncEngine(engine: Engine, flush: number, finish: number): Decoder {
  const real = engine as unknown as EngineInternals;
  const handle = real._handle!;
  const state = real._writeState;
  const kError = Object.getOwnPropertySymbols(engine).find((sym) => sym.description === "kError");
  engine.on("error", () => undefined);
  let out = Buffer.allocUnsafe(DECODED_PIECE);
  let outOff = 0;
  let seen = false;
  let finished = false;

  function failure(err: unknown): ContentCodingError {
    handle.close();
    finished = true;
    return new ContentCodingError(`cannot decode the body: ${(err as Error).message}`, { cause: err });
  }

  function* run(input: Buffer, flag: number): Generator<Buffer, void, undefined> {
    let inOff = 0;
    let availIn = input.length;
    for (;;) {
      const availOut = out.length - outOff;
      try {
        handle.writeSync(flag, input, inOff, availIn, out, outOff, availOut);
      } catch (err) {
        throw failure(err);
      }
      const error = kError === undefined ? undefined : (engine as unknown as Record<symbol, Error | undefined>)[kError];
      if (error) throw failure(error);
      const availOutAfter = state[0];
      const availInAfter = state[1];
      const have = availOut - availOutAfter;
      inOff += availIn - availInAfter;
      availIn = availInAfter;
      let piece: Buffer | null = null;
      if (have > 0) {
        piece = out.subarray(outOff, outOff + have);
        outOff += have;
      }
      // The output buffer is full: the next bytes go to a new one (pieces handed out stay valid).
      if (availOutAfter === 0 || outOff >= out.length) {
        out = Buffer.allocUnsafe(DECODED_PIECE);
        outOff = 0;
      }
      if (piece !== null) yield piece;
      // Output space left over means the engine took all the input it could.
      if (availOutAfter !== 0) return;
    }
  }

  const decoder: Decoder = {
    *pieces(chunk) {
      if (finished) throw new ContentCodingError("cannot decode the body: data after its end");
      if (chunk.length === 0) return;
      seen = true;
      for (let i = 0; i < chunk.length; i += INPUT_SLICE) yield* run(chunk.subarray(i, i + INPUT_SLICE), flush);
    },
    *endPieces() {
      if (finished) return;
      // An empty body is an empty document, not a truncated stream (browsers and Privoxy agree).
      if (!seen) {
        finished = true;
        handle.close();
        return;
      }
      yield* run(EMPTY, finish);
      finished = true;
      handle.close();
    },
    push: (chunk) => joined(decoder.pieces(chunk)),
    end: () => joined(decoder.endPieces()),
  };
  return decoder;
}

/** Every piece of `pieces`, as one Buffer. */
function joined(pieces: Iterable<Buffer>): Buffer {
  return joinedOrNull([...pieces]) ?? EMPTY;
}

/** Whether this Node.js has the engine method the decoders use. */
export function isSupported(): boolean {
  const engine = zlib.createGunzip();
  const probe = engine as unknown as Partial<EngineInternals>;
  const ok =
    probe._handle !== null &&
    typeof probe._handle === "object" &&
    typeof probe._handle.writeSync === "function" &&
    // Not `instanceof`: the array comes from Node's own realm (not a test sandbox's).
    Object.prototype.toString.call(probe._writeState) === "[object Uint32Array]" &&
    Object.getOwnPropertySymbols(engine).some((sym) => sym.description === "kError");
  engine.close();
  return ok;
}

function engineFor(coding: ContentCoding): Decoder {
  const { Z_SYNC_FLUSH, Z_FINISH, BROTLI_OPERATION_FLUSH, BROTLI_OPERATION_FINISH } = zlib.constants;
  if (coding === "gzip") return syncEngine(zlib.createGunzip(), Z_SYNC_FLUSH, Z_FINISH);
  if (coding === "br") return syncEngine(zlib.createBrotliDecompress(), BROTLI_OPERATION_FLUSH, BROTLI_OPERATION_FINISH);
  // "deflate" is meant to be zlib-wrapped (RFC 9110 8.4.1.2), but some servers send raw deflate:
  // as browsers do, look at the first two bytes (a zlib header is CM=8 and a multiple of 31).
  let inner: Decoder | null = null;
  let first: Buffer = EMPTY;
  const pick = (): Decoder => {
    const zlibHeader = (first[0] & 0x0f) === 8 && ((first[0] << 8) | first[1]) % 31 === 0;
    return zlibHeader ? syncEngine(zlib.createInflate(), Z_SYNC_FLUSH, Z_FINISH) : syncEngine(zlib.createInflateRaw(), Z_SYNC_FLUSH, Z_FINISH);
  };
  const decoder: Decoder = {
    *pieces(chunk) {
      if (inner !== null) {
        yield* inner.pieces(chunk);
        return;
      }
      first = Buffer.concat([first, chunk]);
      if (first.length < 2) return;
      inner = pick();
      yield* inner.pieces(first);
    },
    *endPieces() {
      if (inner === null) {
        if (first.length === 0) return;
        throw new ContentCodingError("cannot decode the body: truncated deflate stream");
      }
      yield* inner.endPieces();
    },
    push: (chunk) => joined(decoder.pieces(chunk)),
    end: () => joined(decoder.endPieces()),
  };
  return decoder;
}

/** What `chunk` decodes to through `stages` from `i` on, piece by piece. */
function* through(stages: readonly Decoder[], i: number, chunk: Buffer): Generator<Buffer, void, undefined> {
  if (i === stages.length) {
    yield chunk;
    return;
  }
  for (const piece of stages[i].pieces(chunk)) yield* through(stages, i + 1, piece);
}

/** The ends of `stages` from `i` on: each stage's last bytes go through the stages after it, which then end. */
function* ending(stages: readonly Decoder[], i: number): Generator<Buffer, void, undefined> {
  if (i === stages.length) return;
  for (const piece of stages[i].endPieces()) yield* through(stages, i + 1, piece);
  yield* ending(stages, i + 1);
}

/**
 * A decoder for codings applied in the given order (`Content-Encoding: gzip, br` means gzip then
 * br, so br is undone first). Throws `ContentCodingError` on a corrupt or truncated body.
 */
export function createDecoder(codings: readonly ContentCoding[]): Decoder {
  const stages = [...codings].reverse().map(engineFor);
  const decoder: Decoder = {
    pieces: (chunk) => through(stages, 0, chunk),
    endPieces: () => ending(stages, 0),
    push: (chunk) => joined(decoder.pieces(chunk)),
    end: () => joined(decoder.endPieces()),
  };
  return decoder;
}
