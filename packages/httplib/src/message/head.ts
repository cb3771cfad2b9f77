/**
 * Whole-head parsers: request line or status line (RFC 9112 3, 4) plus the field section.
 * @module
 */
import { BadRequestLine, BadStatusLine, HeadTooLarge, InvalidMethod, LineTooLong, UnknownProtocol } from "../errors.js";
import { CR, FIELD_VCHAR, LF, SP, TARGET_CHAR, TCHAR } from "./chars.js";
import { parseFieldLines, skipEmptyLines } from "./fields.js";
import type { HTTPMessage } from "./http-message.js";
import { resolveLimits, type HeadLimits } from "./limits.js";

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

/** A parsed response head. */
export interface ResponseHead {
  /** The version as sent, e.g. `"HTTP/1.1"`. */
  version: string;
  /** Major version digit (0 or 1; anything else throws `UnknownProtocol`). */
  versionMajor: number;
  /** Minor version digit. */
  versionMinor: number;
  /** The status code, 100-999. */
  status: number;
  /** The reason phrase without surrounding whitespace (may be empty). */
  reason: string;
  /** The header fields. */
  headers: HTTPMessage;
  /** The status line with its line end (shares memory with the input). */
  rawStatusLine: Buffer;
}

/** Start and end of the start line's content and the index after its line end. */
interface LineSpan {
  pos: number;
  lineEnd: number;
  next: number;
}

/** Finds the start line at `pos`; `fail` builds the error for a bad line end. */
function startLine(
  buf: Buffer,
  pos: number,
  end: number,
  lim: Required<HeadLimits>,
  lineType: string,
  fail: (line: string, detail: string) => Error,
): LineSpan {
  let lf = buf.indexOf(LF, pos);
  if (lf === -1 || lf >= end) lf = end;
  let lineEnd = lf;
  if (lf > pos && buf[lf - 1] === CR) lineEnd = lf - 1;
  else if (lf < end && !lim.allowBareLF) throw fail(buf.toString("latin1", pos, lf), "bare LF");
  if (lineEnd - pos > lim.maxLineLength) throw new LineTooLong(lineType, lim.maxLineLength);
  // RFC 9112 2.2: a bare CR anywhere is invalid.
  const cr = buf.indexOf(CR, pos);
  if (cr !== -1 && cr < lineEnd) throw fail(buf.toString("latin1", pos, lineEnd), "bare CR");
  return { pos, lineEnd, next: Math.min(lf + 1, end) };
}

/** Reads `HTTP/d.d` at `i` (RFC 9112 2.3); returns [major, minor] or null. */
function readVersion(buf: Buffer, i: number, end: number): [number, number] | null {
  if (end - i !== 8) return null;
  if (buf[i] !== 0x48 || buf[i + 1] !== 0x54 || buf[i + 2] !== 0x54 || buf[i + 3] !== 0x50 || buf[i + 4] !== 0x2f) return null;
  const major = buf[i + 5] - 0x30;
  const minor = buf[i + 7] - 0x30;
  if (major < 0 || major > 9 || buf[i + 6] !== 0x2e || minor < 0 || minor > 9) return null;
  return [major, minor];
}

/**
 * Parses a request head `buf[start, end)` (`end` from {@link findHeadEnd}): strict RFC 9112
 * request line `method SP request-target SP HTTP/d.d` (single spaces), then the fields.
 * Empty lines before the request line are skipped (RFC 9112 2.2).
 *
 * Throws `HeadTooLarge`, `LineTooLong` ("request line" / "header line"), `BadRequestLine`,
 * `InvalidMethod`, `InvalidHeader`, `TooManyHeaders`. The version is only checked for syntax:
 * answering 505 to `HTTP/2.0` is the server's job.
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
  const from = skipEmptyLines(buf, start, end, lim.allowBareLF);
  if (from >= end) throw new BadRequestLine("", "empty request line");
  const fail = (line: string, detail: string): Error => new BadRequestLine(line, detail);
  const { pos, lineEnd, next } = startLine(buf, from, end, lim, "request line", fail);
  const lineText = (): string => buf.toString("latin1", pos, lineEnd);

  let sp1 = buf.indexOf(SP, pos);
  if (sp1 === -1 || sp1 > lineEnd) sp1 = lineEnd;
  if (sp1 === pos) throw new BadRequestLine(lineText(), "missing method");
  for (let i = pos; i < sp1; i++) {
    if (TCHAR[buf[i]] !== 1) throw new InvalidMethod(buf.toString("latin1", pos, sp1));
  }
  if (sp1 === lineEnd) throw new BadRequestLine(lineText(), "missing request-target");
  let sp2 = buf.indexOf(SP, sp1 + 1);
  if (sp2 === -1 || sp2 > lineEnd) sp2 = lineEnd;
  if (sp2 === sp1 + 1) throw new BadRequestLine(lineText(), "empty request-target");
  if (sp2 === lineEnd) throw new BadRequestLine(lineText(), "missing HTTP-version");
  for (let i = sp1 + 1; i < sp2; i++) {
    if (TARGET_CHAR[buf[i]] !== 1) throw new BadRequestLine(lineText(), "invalid byte in request-target");
  }
  const v = readVersion(buf, sp2 + 1, lineEnd);
  if (v === null) throw new BadRequestLine(lineText(), "bad HTTP-version");
  return {
    method: buf.toString("latin1", pos, sp1),
    target: buf.toString("latin1", sp1 + 1, sp2),
    version: buf.toString("latin1", sp2 + 1, lineEnd),
    versionMajor: v[0],
    versionMinor: v[1],
    headers: parseFieldLines(buf, next, end, lim, "header line"),
    rawRequestLine: buf.subarray(pos, next),
  };
}

/**
 * Parses a response head `buf[start, end)`: status line `HTTP/d.d SP 3DIGIT [SP reason]`
 * (RFC 9112 4; a missing reason is tolerated as CPython does), then the fields. Bare LF
 * line ends are accepted unless `allowBareLF: false`.
 *
 * Throws `HeadTooLarge`, `LineTooLong` ("status line" / "header line"), `BadStatusLine`,
 * `UnknownProtocol` (a major version other than 0 or 1), `InvalidHeader`, `TooManyHeaders`.
 * @example
 * ```ts
 * const buf = Buffer.from("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
 * const head = parseResponseHead(buf, 0, findHeadEnd(buf));
 * head.status; // 404
 * ```
 */
export function parseResponseHead(buf: Buffer, start: number, end: number, limits?: HeadLimits): ResponseHead {
  const lim = resolveLimits(limits, true);
  if (end - start > lim.maxHeadSize) throw new HeadTooLarge(lim.maxHeadSize);
  const from = skipEmptyLines(buf, start, end, lim.allowBareLF);
  if (from >= end) throw new BadStatusLine("");
  const fail = (line: string, detail: string): Error => new BadStatusLine(line, undefined, `bad status line (${detail}): ${JSON.stringify(line)}`);
  const { pos, lineEnd, next } = startLine(buf, from, end, lim, "status line", fail);
  const bad = (): BadStatusLine => new BadStatusLine(buf.toString("latin1", pos, lineEnd));

  if (lineEnd - pos < 12 || buf[pos + 8] !== SP) throw bad();
  const v = readVersion(buf, pos, pos + 8);
  if (v === null) throw bad();
  let status = 0;
  for (let i = pos + 9; i < pos + 12; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) throw bad();
    status = status * 10 + d;
  }
  if (status < 100) throw bad();
  let a = pos + 12;
  if (a < lineEnd && buf[a] !== SP) throw bad();
  let z = lineEnd;
  for (let i = a; i < z; i++) if (FIELD_VCHAR[buf[i]] !== 1) throw bad();
  while (a < z && (buf[a] === SP || buf[a] === 0x09)) a++;
  while (z > a && (buf[z - 1] === SP || buf[z - 1] === 0x09)) z--;
  const version = buf.toString("latin1", pos, pos + 8);
  if (v[0] > 1) throw new UnknownProtocol(version);
  return {
    version,
    versionMajor: v[0],
    versionMinor: v[1],
    status,
    reason: buf.toString("latin1", a, z),
    headers: parseFieldLines(buf, next, end, lim, "header line"),
    rawStatusLine: buf.subarray(pos, next),
  };
}
