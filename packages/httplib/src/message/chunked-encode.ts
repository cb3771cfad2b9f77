/**
 * Encoder side of the chunked transfer coding (RFC 9112 7.1).
 * @module
 */
import { validateHeaderName, validateHeaderValue } from "./validate.js";

/**
 * Frames `data` as one chunk: `size-in-hex CRLF data CRLF`, in one allocation. Strings are
 * UTF-8 encoded. Empty input gives an empty Buffer, never the terminating `0\r\n\r\n`
 * (use {@link encodeLastChunk} to end the body).
 * @example
 * ```ts
 * socket.write(encodeChunk("hello")); // "5\r\nhello\r\n"
 * socket.write(encodeLastChunk());   // "0\r\n\r\n"
 * ```
 */
export function encodeChunk(data: Buffer | Uint8Array | string): Buffer {
  const body = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const n = body.length;
  if (n === 0) return Buffer.alloc(0);
  const size = n.toString(16);
  const out = Buffer.allocUnsafe(size.length + n + 4);
  let o = out.write(size, 0, "latin1");
  out[o++] = 0x0d;
  out[o++] = 0x0a;
  out.set(body, o);
  o += n;
  out[o++] = 0x0d;
  out[o] = 0x0a;
  return out;
}

/**
 * The end of a chunked body: `0 CRLF`, then each trailer as `Name: value CRLF`, then `CRLF`.
 * Trailer names and values are checked with `validateHeaderName`/`validateHeaderValue`
 * (throws `InvalidHeader`) and written as latin1.
 */
export function encodeLastChunk(trailers?: Iterable<[string, string]>): Buffer {
  if (trailers === undefined) return Buffer.from("0\r\n\r\n", "latin1");
  let s = "0\r\n";
  for (const [name, value] of trailers) {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    s += `${name}: ${value}\r\n`;
  }
  return Buffer.from(`${s}\r\n`, "latin1");
}
