/**
 * Which status answers which request error (RFC 9112 / RFC 9110), with CPython's messages
 * where CPython has the same rule.
 * @module
 */
import {
  BadRequestLine,
  BodyTooLarge,
  ConflictingFraming,
  HeadTooLarge,
  HTTPException,
  IncompleteRead,
  InvalidChunk,
  InvalidContentLength,
  InvalidHeader,
  InvalidMethod,
  LineTooLong,
  TooManyHeaders,
  UnknownTransferEncoding,
} from "@stdhttp/httplib";
import { pyRepr } from "./format.js";

/** `[status, message, explain]` of an error answer (`explain` undefined: the registry's text). */
export type Answer = [status: number, message: string, explain?: string];

/**
 * The answer to a request-head or body error, or `null` when `err` is not a request error
 * (a handler bug or a socket failure: not the client's fault, no answer is invented).
 */
export function answerFor(err: unknown, requestLine: string): Answer | null {
  if (!(err instanceof HTTPException)) return null;
  if (err instanceof LineTooLong) {
    // RFC 9112 3: a request line longer than the server accepts gets 414; CPython answers a long
    // header line with 431 "Line too long" (RFC 6585 5).
    if (err.lineType === "request line") return [414, "URI Too Long"];
    if (err.lineType === "chunk size") return [400, "Bad chunked encoding", String(err.message)];
    return [431, "Line too long", String(err.message)];
  }
  if (err instanceof TooManyHeaders) return [431, "Too many headers", String(err.message)];
  if (err instanceof HeadTooLarge) return [431, "Request header fields too large", String(err.message)];
  if (err instanceof InvalidMethod) return [400, `Bad request syntax (${pyRepr(requestLine)})`, "Invalid method token (RFC 9110 9.1)"];
  if (err instanceof BadRequestLine) return [400, `Bad request syntax (${pyRepr(requestLine)})`];
  if (err instanceof InvalidHeader) return [400, `Bad header (${err.reason})`, String(err.message)];
  if (err instanceof InvalidContentLength) return [400, "Bad Content-Length", String(err.message)];
  if (err instanceof ConflictingFraming) return [400, "Bad message framing", String(err.message)];
  if (err instanceof UnknownTransferEncoding) return [501, "Unsupported Transfer-Encoding", String(err.message)];
  if (err instanceof InvalidChunk) return [400, "Bad chunked encoding", String(err.message)];
  if (err instanceof BodyTooLarge) return [413, "Content Too Large", String(err.message)];
  if (err instanceof IncompleteRead) return [400, "Incomplete request body", String(err.message)];
  return [400, "Bad request", String(err.message)];
}

/**
 * CPython answers `HTTP/` + up to 10 digits `.` up to 10 digits with a major version >= 2 with 505;
 * the strict parser only reads one digit each, so a request line it rejected as `bad-version`
 * is looked at again here. Returns the version digits when 505 applies.
 */
export function unsupportedVersion(line: string): string | null {
  const sp = line.lastIndexOf(" ");
  const word = line.slice(sp + 1);
  if (!word.startsWith("HTTP/")) return null;
  const parts = word.slice(5).split(".");
  if (parts.length !== 2) return null;
  for (const p of parts) {
    if (p.length === 0 || p.length > 10) return null;
    for (let i = 0; i < p.length; i++) if (p.charCodeAt(i) < 0x30 || p.charCodeAt(i) > 0x39) return null;
  }
  return Number(parts[0]) >= 2 ? word.slice(5) : null;
}

/** The `HTTP/d.d` at the end of a request line that failed to parse, so the error gets a status line (as CPython). */
export function salvageVersion(line: string): string | null {
  const word = line.slice(line.lastIndexOf(" ") + 1);
  if (word.length !== 8 || !word.startsWith("HTTP/") || word[6] !== ".") return null;
  const major = word.charCodeAt(5);
  const minor = word.charCodeAt(7);
  if (major < 0x30 || major > 0x39 || minor < 0x30 || minor > 0x39) return null;
  return word;
}
