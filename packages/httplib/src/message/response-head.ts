/**
 * Response heads: the status line (RFC 9112 4) and the field section.
 * @module
 */
import { BadStatusLine, HeadTooLarge, UnknownProtocol } from "../errors.js";
import { FIELD_VCHAR, HTAB, SP } from "./chars.js";
import { parseFieldLines, skipEmptyLines } from "./fields.js";
import { internRange } from "./intern.js";
import type { HTTPMessage } from "./http-message.js";
import { resolveLimits, type HeadLimits } from "./limits.js";
import { readVersion, startLine } from "./start-line.js";

/** A parsed status line (see {@link parseStatusLine}). */
export interface StatusLine {
  /** The version as sent. */
  version: string;
  /** Major version digit. */
  versionMajor: number;
  /** Minor version digit. */
  versionMinor: number;
  /** The status code, 100-999. */
  status: number;
  /** The reason phrase without surrounding whitespace. */
  reason: string;
  /** The status line with its line end (shares memory with the input). */
  rawStatusLine: Buffer;
  /** Index of the first byte after the line end: where the field lines start. */
  fieldsStart: number;
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

/**
 * Parses only the status line at `start` (after skipping empty lines):
 * `HTTP/d.d SP 3DIGIT [SP reason]` (RFC 9112 4; a missing reason is tolerated as CPython does).
 * Bare LF line ends are accepted unless `allowBareLF: false`.
 *
 * Throws `LineTooLong` ("status line"), `BadStatusLine`, `UnknownProtocol` (a major version other than 0 or 1).
 */
export function parseStatusLine(buf: Buffer, start: number, end: number, limits?: HeadLimits): StatusLine {
  const lim = resolveLimits(limits, true);
  const from = skipEmptyLines(buf, start, end, lim.allowBareLF);
  if (from >= end) throw new BadStatusLine("");
  const { pos, lineEnd, next } = startLine(buf, from, end, lim, "status line", failStatusLine);

  if (lineEnd - pos < 12 || buf[pos + 8] !== SP) throw badStatusLine(buf, pos, lineEnd);
  const v = readVersion(buf, pos, pos + 8);
  if (v === null) throw badStatusLine(buf, pos, lineEnd);
  let status = 0;
  for (let i = pos + 9; i < pos + 12; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) throw badStatusLine(buf, pos, lineEnd);
    status = status * 10 + d;
  }
  if (status < 100) throw badStatusLine(buf, pos, lineEnd);
  let a = pos + 12;
  if (a < lineEnd && buf[a] !== SP) throw badStatusLine(buf, pos, lineEnd);
  let z = lineEnd;
  for (let i = a; i < z; i++) if (FIELD_VCHAR[buf[i]] !== 1) throw badStatusLine(buf, pos, lineEnd);
  while (a < z && (buf[a] === SP || buf[a] === HTAB)) a++;
  while (z > a && (buf[z - 1] === SP || buf[z - 1] === HTAB)) z--;
  // readVersion checked every byte, so the string follows from the digits.
  const version = v[0] === 1 && v[1] === 1 ? "HTTP/1.1" : v[0] === 1 && v[1] === 0 ? "HTTP/1.0" : buf.toString("latin1", pos, pos + 8);
  if (v[0] > 1) throw new UnknownProtocol(version);
  return {
    version,
    versionMajor: v[0],
    versionMinor: v[1],
    status,
    reason: internRange(buf, a, z).text,
    rawStatusLine: buf.subarray(pos, next),
    fieldsStart: next,
  };
}

/** The error for a status line with a bare CR or LF (see `startLine`). */
function failStatusLine(line: string, reason: string): Error {
  return new BadStatusLine(line, undefined, `bad status line (${reason}): ${JSON.stringify(line)}`);
}

/** The error for a malformed status line `buf[pos, lineEnd)`. */
function badStatusLine(buf: Buffer, pos: number, lineEnd: number): BadStatusLine {
  return new BadStatusLine(buf.toString("latin1", pos, lineEnd));
}

/**
 * Parses a response head `buf[start, end)`: the status line as {@link parseStatusLine}, then the
 * fields as {@link parseHeaderFields}. Bare LF line ends are accepted unless `allowBareLF: false`.
 *
 * Throws `HeadTooLarge`, `LineTooLong` ("status line" / "header line"), `BadStatusLine`,
 * `UnknownProtocol`, `InvalidHeader`, `TooManyHeaders`.
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
  const line = parseStatusLine(buf, start, end, lim);
  return {
    version: line.version,
    versionMajor: line.versionMajor,
    versionMinor: line.versionMinor,
    status: line.status,
    reason: line.reason,
    headers: parseFieldLines(buf, line.fieldsStart, end, lim, "header line"),
    rawStatusLine: line.rawStatusLine,
  };
}
