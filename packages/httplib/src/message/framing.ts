/**
 * Message body length (RFC 9112 6.1-6.3): which framing a request or response body uses.
 * @module
 */
import { ConflictingFraming, InvalidContentLength, UnknownTransferEncoding } from "../errors.js";
import type { HTTPMessage } from "./http-message.js";
import { parseTokenList } from "./token-list.js";

/**
 * How the body of a message is delimited:
 * - `none`: no body;
 * - `length`: exactly `length` bytes (Content-Length);
 * - `chunked`: chunked transfer coding, decode with `ChunkedDecoder`;
 * - `close`: everything until the peer closes the connection (responses only).
 *
 * `close: true` on `length`/`chunked` means the message is framed but the connection must not be
 * reused afterwards (a response that had both Transfer-Encoding and Content-Length, RFC 9112 6.3 rule 3).
 */
export type BodyFraming =
  | { kind: "none" }
  | { kind: "length"; length: number; close?: boolean }
  | { kind: "chunked"; close?: boolean }
  | { kind: "close" };

const NONE: BodyFraming = Object.freeze({ kind: "none" });
const CHUNKED: BodyFraming = Object.freeze({ kind: "chunked" });
const CLOSE: BodyFraming = Object.freeze({ kind: "close" });

/**
 * Parses the Content-Length fields (RFC 9110 8.6): every value, or every element of a
 * comma-separated list, must be the same run of digits (no sign, no spaces inside) not above
 * `Number.MAX_SAFE_INTEGER`. Returns `undefined` when there is no Content-Length; throws
 * `InvalidContentLength` otherwise.
 */
export function parseContentLength(headers: HTTPMessage): number | undefined {
  const values = headers.getAll("content-length");
  if (values.length === 0) return undefined;
  // The usual case, one field of at most 15 digits (below 2^53), without splitting a list.
  if (values.length === 1 && values[0].length <= 15 && isDigits(values[0])) return Number(values[0]);
  let found: string | undefined;
  for (const value of values) {
    for (const part of value.split(",")) {
      const item = part.trim();
      if (!isDigits(item)) throw new InvalidContentLength(values.join(", "));
      if (found === undefined) found = item;
      else if (item !== found && Number(item) !== Number(found)) throw new InvalidContentLength(values.join(", "));
    }
  }
  const n = Number(found);
  if (!Number.isSafeInteger(n)) throw new InvalidContentLength(values.join(", "));
  return n;
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * The transfer codings named by every Transfer-Encoding field, in order, lower-cased, empty list
 * elements dropped (RFC 9110 5.6.1); `undefined` when there is no Transfer-Encoding field.
 */
export function transferCodings(headers: HTTPMessage): string[] | undefined {
  const values = headers.getAll("transfer-encoding");
  return values.length === 0 ? undefined : parseTokenList(values);
}

/** True when `codings` ends with `chunked` and names it only once (RFC 9112 6.1, 7). */
function chunkedLast(codings: string[]): boolean {
  return codings.length > 0 && codings[codings.length - 1] === "chunked" && codings.indexOf("chunked") === codings.length - 1;
}

/** The version fields of a parsed head (`RequestHead` and `ResponseHead` both fit). */
export interface MessageVersion {
  /** Major version digit. */
  versionMajor: number;
  /** Minor version digit. */
  versionMinor: number;
}

function isHttp10(version: MessageVersion | undefined): boolean {
  return version !== undefined && version.versionMajor === 1 && version.versionMinor === 0;
}

/**
 * Body framing of a request (RFC 9112 6.1, 6.3):
 * Transfer-Encoding together with Content-Length throws `ConflictingFraming` (smuggling, 400);
 * a Transfer-Encoding whose last coding is not `chunked` (or that names it twice) throws
 * `ConflictingFraming` (400, close); `chunked` after other codings throws `UnknownTransferEncoding` (501);
 * a bad Content-Length throws `InvalidContentLength` (400); neither field means no body.
 * Pass the parsed head as `version` to also refuse Transfer-Encoding in an HTTP/1.0 request
 * (RFC 9112 6.1: faulty framing) with `ConflictingFraming`.
 * @example
 * ```ts
 * const framing = requestBodyFraming(head.headers, head);
 * if (framing.kind === "length") body = await rfile.read(framing.length);
 * ```
 */
export function requestBodyFraming(headers: HTTPMessage, version?: MessageVersion): BodyFraming {
  // Most requests have neither field: answer without building any list.
  if (!headers.has("transfer-encoding") && !headers.has("content-length")) return NONE;
  const codings = transferCodings(headers);
  if (codings !== undefined) {
    if (headers.has("content-length")) throw new ConflictingFraming();
    if (isHttp10(version)) throw new ConflictingFraming("Transfer-Encoding in an HTTP/1.0 message");
    // RFC 9112 6.1: chunked not last (or twice) leaves the length unknowable: 400 and close.
    if (!chunkedLast(codings)) throw new ConflictingFraming("Transfer-Encoding must end with chunked (RFC 9112 6.1)");
    // A coding before chunked that we do not implement: 501.
    if (codings.length !== 1) throw new UnknownTransferEncoding(headers.getAll("transfer-encoding").join(", "));
    return CHUNKED;
  }
  const length = parseContentLength(headers);
  return length === undefined ? NONE : { kind: "length", length };
}

/**
 * Body framing of a response to a `requestMethod` request (RFC 9112 6.3):
 * 1. HEAD, 1xx, 204 and 304 have no body, whatever the fields claim; neither has a 2xx answer to CONNECT (a tunnel follows).
 * 2. Transfer-Encoding with `chunked` last: chunked (with `close: true` when Content-Length was
 *    also present: TE wins, and the connection must not be reused). Any other Transfer-Encoding: read until close.
 * 3. A valid Content-Length: that many bytes; an invalid one throws `InvalidContentLength`
 *    (unrecoverable: close the connection).
 * 4. Otherwise: read until close.
 *
 * Pass the parsed head as `version` to treat Transfer-Encoding in an HTTP/1.0 response as faulty
 * framing (RFC 9112 6.1): read until close.
 */
export function responseBodyFraming(status: number, headers: HTTPMessage, requestMethod: string, version?: MessageVersion): BodyFraming {
  if (requestMethod === "HEAD" || (status >= 100 && status < 200) || status === 204 || status === 304) return NONE;
  if (requestMethod === "CONNECT" && status >= 200 && status < 300) return NONE;
  const codings = transferCodings(headers);
  if (codings !== undefined) {
    if (!chunkedLast(codings) || isHttp10(version)) return CLOSE;
    return headers.has("content-length") ? { kind: "chunked", close: true } : CHUNKED;
  }
  const length = parseContentLength(headers);
  return length === undefined ? CLOSE : { kind: "length", length };
}
