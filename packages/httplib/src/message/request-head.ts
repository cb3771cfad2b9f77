/**
 * Request heads: the request line (RFC 9112 3) and the field section.
 * @module
 */
import { BadRequestLine, HeadTooLarge, InvalidMethod, type BadRequestLineReason } from "../errors.js";
import { SP, TARGET_CHAR, TCHAR } from "./chars.js";
import { internRange } from "./intern.js";
import { parseFieldLines, skipEmptyLines } from "./fields.js";
import type { HTTPMessage } from "./http-message.js";
import { resolveLimits, type HeadLimits } from "./limits.js";
import { readVersion, startLine } from "./start-line.js";

/** A parsed request line (see {@link parseRequestLine}). */
export interface RequestLine {
  /** The method token, case preserved. */
  method: string;
  /** The request-target as sent. */
  target: string;
  /** The version as sent. */
  version: string;
  /** Major version digit. */
  versionMajor: number;
  /** Minor version digit. */
  versionMinor: number;
  /** The request line with its line end (shares memory with the input). */
  rawRequestLine: Buffer;
  /** Index of the first byte after the line end: where the field lines start. */
  fieldsStart: number;
}

/** A parsed request head. */
export interface RequestHead {
  /** The method token, case preserved (methods are case-sensitive, RFC 9110 9.1). */
  method: string;
  /** The request-target as sent (latin1-decoded, not percent-decoded). */
  target: string;
  /** The version as sent, e.g. `"HTTP/1.1"`. */
  version: string;
  /** Major version digit. */
  versionMajor: number;
  /** Minor version digit. */
  versionMinor: number;
  /** The header fields. */
  headers: HTTPMessage;
  /** The request line with its line end, as CPython's `raw_requestline` (shares memory with the input). */
  rawRequestLine: Buffer;
}

/**
 * Parses only the request line at `start` (after skipping empty lines, RFC 9112 2.2):
 * `method SP request-target SP HTTP/d.d` with single spaces (RFC 9112 3). `end` bounds the
 * search (a {@link findHeadEnd} result, or `buf.length` for a head still arriving: a line longer than
 * `maxLineLength` then throws `LineTooLong` "request line", i.e. 414, before its end has arrived).
 * Lets a server know the request line even when the fields turn out bad, as CPython's
 * `requestline`; continue with `parseHeaderFields(buf, line.fieldsStart, end)`.
 *
 * Throws `LineTooLong`, `BadRequestLine` (with a `reason`), `InvalidMethod`. The version is only
 * checked for syntax: answering 505 to `HTTP/2.0` is the server's job.
 */
export function parseRequestLine(buf: Buffer, start: number, end: number, limits?: HeadLimits): RequestLine {
  const lim = resolveLimits(limits, false);
  const from = skipEmptyLines(buf, start, end, lim.allowBareLF);
  if (from >= end) throw new BadRequestLine("", "empty");
  const fail = (line: string, reason: "bare-cr" | "bare-lf"): Error => new BadRequestLine(line, reason);
  const { pos, lineEnd, next } = startLine(buf, from, end, lim, "request line", fail);
  const bad = (reason: BadRequestLineReason): BadRequestLine => new BadRequestLine(buf.toString("latin1", pos, lineEnd), reason);

  let sp1 = buf.indexOf(SP, pos);
  if (sp1 === -1 || sp1 > lineEnd) sp1 = lineEnd;
  if (sp1 === pos) throw bad("missing-method");
  for (let i = pos; i < sp1; i++) {
    if (TCHAR[buf[i]] !== 1) throw new InvalidMethod(buf.toString("latin1", pos, sp1));
  }
  if (sp1 === lineEnd) throw bad("missing-target");
  let sp2 = buf.indexOf(SP, sp1 + 1);
  if (sp2 === -1 || sp2 > lineEnd) sp2 = lineEnd;
  if (sp2 === sp1 + 1) throw bad("empty-target");
  for (let i = sp1 + 1; i < sp2; i++) {
    if (TARGET_CHAR[buf[i]] !== 1) throw bad("bad-target");
  }
  if (sp2 === lineEnd) throw bad("missing-version");
  const v = readVersion(buf, sp2 + 1, lineEnd);
  if (v === null) throw bad("bad-version");
  return {
    // Methods and versions repeat from request to request: decoded once (intern.ts), shared after.
    method: internRange(buf, pos, sp1).text,
    target: buf.toString("latin1", sp1 + 1, sp2),
    version: internRange(buf, sp2 + 1, lineEnd).text,
    versionMajor: v[0],
    versionMinor: v[1],
    rawRequestLine: buf.subarray(pos, next),
    fieldsStart: next,
  };
}

/**
 * Parses a request head `buf[start, end)` (`end` from {@link findHeadEnd}): the request line as
 * {@link parseRequestLine}, then the fields as {@link parseHeaderFields}.
 *
 * Throws `HeadTooLarge`, `LineTooLong` ("request line" / "header line"), `BadRequestLine`,
 * `InvalidMethod`, `InvalidHeader`, `TooManyHeaders`.
 * @example
 * ```ts
 * const buf = Buffer.from("GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
 * const head = parseRequestHead(buf, 0, findHeadEnd(buf));
 * head.method; // "GET"
 * head.headers.get("host"); // "a"
 * ```
 */
export function parseRequestHead(buf: Buffer, start: number, end: number, limits?: HeadLimits): RequestHead {
  const lim = resolveLimits(limits, false);
  if (end - start > lim.maxHeadSize) throw new HeadTooLarge(lim.maxHeadSize);
  const line = parseRequestLine(buf, start, end, lim);
  return {
    method: line.method,
    target: line.target,
    version: line.version,
    versionMajor: line.versionMajor,
    versionMinor: line.versionMinor,
    headers: parseFieldLines(buf, line.fieldsStart, end, lim, "header line"),
    rawRequestLine: line.rawRequestLine,
  };
}
