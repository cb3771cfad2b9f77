/**
 * Request bodies: which types are accepted, their Content-Length when it is known (CPython
 * `_get_content_length`), and writing them to a socket with backpressure, optionally framed as
 * chunks (RFC 9112 7.1).
 * @module
 */
import type { FileHandle } from "node:fs/promises";
import { encodeChunk } from "../message/index.js";
import { ClosedWhileSending } from "./errors.js";
import type { Wire } from "./wire.js";

/**
 * A request body: bytes (`Buffer`, `Uint8Array`), a string (sent as UTF-8), a `Readable` or any
 * (async) iterable of chunks, or an open `FileHandle` (sent whole from offset 0, its size read
 * with `stat()` for the Content-Length).
 */
export type RequestBody =
  | Buffer
  | Uint8Array
  | string
  | FileHandle
  | AsyncIterable<Buffer | Uint8Array | string>
  | Iterable<Buffer | Uint8Array | string>;

/** Methods whose requests carry a body, so an empty one is announced with `Content-Length: 0` (CPython `_METHODS_EXPECTING_BODY`). */
export const METHODS_EXPECTING_BODY: ReadonlySet<string> = new Set(["PATCH", "POST", "PUT"]);

/** Whether `body` is an open `fs.promises.FileHandle`. */
export function isFileHandle(body: unknown): body is FileHandle {
  return (
    typeof body === "object" &&
    body !== null &&
    typeof (body as FileHandle).fd === "number" &&
    typeof (body as FileHandle).stat === "function" &&
    typeof (body as FileHandle).read === "function"
  );
}

/**
 * The Content-Length of a body when it is known without reading it (CPython `_get_content_length`):
 * no body gives 0 for PATCH/POST/PUT and null otherwise; bytes and strings give their byte length;
 * streams and iterables give null (so the request is sent chunked). File handles are measured by the caller.
 */
export function getContentLength(body: RequestBody | null | undefined, method: string): number | null {
  if (body === undefined || body === null) return METHODS_EXPECTING_BODY.has(method.toUpperCase()) ? 0 : null;
  if (typeof body === "string") return Buffer.byteLength(body, "utf8");
  if (body instanceof Uint8Array) return body.byteLength;
  return null;
}

/** Bytes of a chunk as a Buffer (strings as UTF-8). */
export function toBuffer(chunk: Buffer | Uint8Array | string): Buffer {
  if (typeof chunk === "string") return Buffer.from(chunk, "utf8");
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Writes `data` and waits for 'drain' when the socket asks for it. */
async function write(wire: Wire, data: Buffer): Promise<void> {
  if (wire.destroyed) throw wire.error ?? new ClosedWhileSending();
  if (!wire.socket.write(data)) await wire.drain();
}

/**
 * Streams a body that is not plain bytes: a file handle (read `blocksize` bytes at a time), a
 * stream or an iterable. Empty chunks are skipped (an empty chunk would end a chunked body).
 * With `chunked`, each piece is framed and the last chunk is NOT written (the caller ends it).
 */
export async function writeBody(wire: Wire, body: RequestBody, chunked: boolean, blocksize: number): Promise<void> {
  if (typeof body === "string" || body instanceof Uint8Array) {
    const buf = toBuffer(body);
    if (buf.length > 0) await write(wire, chunked ? encodeChunk(buf) : buf);
    return;
  }
  if (isFileHandle(body)) {
    let position = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(blocksize);
      const { bytesRead } = await body.read(buf, 0, blocksize, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      const piece = buf.subarray(0, bytesRead);
      await write(wire, chunked ? encodeChunk(piece) : piece);
    }
  }
  const iterable = body as AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer | Uint8Array | string>;
  if (!(Symbol.asyncIterator in iterable) && !(Symbol.iterator in iterable)) {
    throw new TypeError(`message body should be bytes, a string, a stream, an iterable or a FileHandle, got ${typeof body}`);
  }
  for await (const chunk of iterable) {
    const buf = toBuffer(chunk);
    if (buf.length === 0) continue;
    await write(wire, chunked ? encodeChunk(buf) : buf);
  }
}
