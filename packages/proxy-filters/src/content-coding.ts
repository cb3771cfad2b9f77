/**
 * Content codings (RFC 9110 8.4.1): decoding gzip, deflate and br bodies incrementally and
 * synchronously, so that a body transform (whose `push`/`end` are synchronous) can see the
 * decoded bytes chunk by chunk.
 * @module
 */
import zlib from "node:zlib";

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

/** An incremental decoder: each `push` returns the bytes decodable so far; `end` checks the stream is complete. */
export interface Decoder {
  push(chunk: Buffer): Buffer;
  end(): Buffer;
}

/** Most output one input chunk may expand to (a decompression bomb is an error, not a memory blow-up). */
export const MAX_DECODED_CHUNK = 64 * 1024 * 1024;

type Engine = zlib.Gunzip | zlib.Inflate | zlib.InflateRaw | zlib.BrotliDecompress;
interface ProcessChunk {
  _processChunk(this: object, chunk: Buffer, flush: number): Buffer;
  _handle: { close(): void; writeSync: (...args: unknown[]) => unknown } | null;
  _outBuffer: Buffer;
  _outOffset: number;
  readonly _chunkSize: number;
}

/**
 * Run node:zlib's own streaming engine synchronously. node:zlib has no public incremental
 * synchronous API (`zlib.gunzipSync` is one-shot; the streams are asynchronous, which a
 * synchronous `BodyTransform` cannot wait for), so this uses the method the `*Sync` functions
 * are built on, `_processChunk(chunk, flushFlag)`, on a view of the engine whose `close()` is a
 * no-op (`_processChunk` closes the engine after each call, as it was made for one-shot use).
 * The engine keeps its state between calls, which is exactly streaming. `isSupported()` checks the
 * method exists; the tests pin the behaviour, so a Node.js that changes it fails them loudly.
 */
function syncEngine(engine: Engine, flush: number, finish: number): Decoder {
  const real = engine as unknown as ProcessChunk;
  const handle = real._handle!;
  // Errors are also emitted (asynchronously) as 'error' events: keep them from becoming uncaught.
  engine.on("error", () => undefined);
  const run = (chunk: Buffer, flag: number): Buffer => {
    const view = Object.create(engine) as ProcessChunk;
    // processChunkSync uses only `writeSync` of the handle, then closes it: keep it open.
    view._handle = { writeSync: handle.writeSync.bind(handle), close: () => undefined };
    // It also writes output into the engine's `_outBuffer` from `_outOffset` without moving the
    // offset on (no later call expected): give each call its own output buffer.
    view._outBuffer = Buffer.allocUnsafe(real._chunkSize);
    view._outOffset = 0;
    try {
      return real._processChunk.call(view, chunk, flag);
    } catch (err) {
      throw new ContentCodingError(`cannot decode the body: ${(err as Error).message}`, { cause: err });
    } finally {
      // _processChunk adds an 'error' listener per call (to the engine, through the view).
      const listeners = engine.listeners("error");
      engine.removeAllListeners("error");
      engine.on("error", listeners[0] as () => void);
    }
  };
  let finished = false;
  return {
    push: (chunk) => (chunk.length === 0 ? Buffer.alloc(0) : run(chunk, flush)),
    end: () => {
      if (finished) return Buffer.alloc(0);
      finished = true;
      try {
        return run(Buffer.alloc(0), finish);
      } finally {
        handle.close();
      }
    },
  };
}

/** Whether this Node.js has the engine method the decoders use. */
export function isSupported(): boolean {
  const probe = zlib.createGunzip() as unknown as Partial<ProcessChunk>;
  const ok = typeof probe._processChunk === "function" && probe._handle !== null && typeof probe._handle === "object";
  (probe as unknown as zlib.Gunzip).close();
  return ok;
}

function engineFor(coding: ContentCoding): Decoder {
  const opts = { maxOutputLength: MAX_DECODED_CHUNK };
  const { Z_SYNC_FLUSH, Z_FINISH, BROTLI_OPERATION_FLUSH, BROTLI_OPERATION_FINISH } = zlib.constants;
  if (coding === "gzip") return syncEngine(zlib.createGunzip(opts), Z_SYNC_FLUSH, Z_FINISH);
  if (coding === "br") return syncEngine(zlib.createBrotliDecompress(opts), BROTLI_OPERATION_FLUSH, BROTLI_OPERATION_FINISH);
  // "deflate" is meant to be zlib-wrapped (RFC 9110 8.4.1.2), but some servers send raw deflate:
  // as browsers do, look at the first two bytes (a zlib header is CM=8 and a multiple of 31).
  let inner: Decoder | null = null;
  let first: Buffer = Buffer.alloc(0);
  const pick = (): Decoder => {
    const zlibHeader = (first[0] & 0x0f) === 8 && ((first[0] << 8) | first[1]) % 31 === 0;
    return zlibHeader ? syncEngine(zlib.createInflate(opts), Z_SYNC_FLUSH, Z_FINISH) : syncEngine(zlib.createInflateRaw(opts), Z_SYNC_FLUSH, Z_FINISH);
  };
  return {
    push(chunk) {
      if (inner !== null) return inner.push(chunk);
      first = Buffer.concat([first, chunk]);
      if (first.length < 2) return Buffer.alloc(0);
      inner = pick();
      return inner.push(first);
    },
    end() {
      if (inner === null) {
        if (first.length === 0) return Buffer.alloc(0);
        throw new ContentCodingError("cannot decode the body: truncated deflate stream");
      }
      return inner.end();
    },
  };
}

/**
 * A decoder for codings applied in the given order (`Content-Encoding: gzip, br` means gzip then
 * br, so br is undone first). Throws `ContentCodingError` on a corrupt or truncated body.
 */
export function createDecoder(codings: readonly ContentCoding[]): Decoder {
  const stages = [...codings].reverse().map(engineFor);
  return {
    push: (chunk) => stages.reduce((cur, s) => s.push(cur), chunk),
    end: () => stages.reduce((cur, s) => Buffer.concat([s.push(cur), s.end()]), Buffer.alloc(0)),
  };
}
