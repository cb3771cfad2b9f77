/**
 * Helpers shared by the request-line and status-line parsers: finding the start line with its
 * line-end rules (RFC 9112 2.2) and reading `HTTP/d.d` (RFC 9112 2.3).
 * @module
 */
import { LineTooLong } from "../errors.js";
import { CR, LF } from "./chars.js";
import type { HeadLimits } from "./limits.js";

/** Start and end of the start line's content and the index after its line end. (For the parsers of this package.) */
export interface LineSpan {
  pos: number;
  lineEnd: number;
  next: number;
}

/** Finds the start line at `pos`; `fail` builds the error for a bare CR or LF. */
export function startLine(
  buf: Buffer,
  pos: number,
  end: number,
  lim: Required<HeadLimits>,
  lineType: string,
  fail: (line: string, reason: "bare-cr" | "bare-lf") => Error,
): LineSpan {
  let lf = buf.indexOf(LF, pos);
  if (lf === -1 || lf >= end) lf = end;
  let lineEnd = lf;
  if (lf > pos && buf[lf - 1] === CR) lineEnd = lf - 1;
  // The length check comes first so that an endless line is a LineTooLong (414/431), not a parse error.
  if (lineEnd - pos > lim.maxLineLength) throw new LineTooLong(lineType, lim.maxLineLength);
  if (lineEnd === lf && lf < end && !lim.allowBareLF) throw fail(buf.toString("latin1", pos, lf), "bare-lf");
  // RFC 9112 2.2: a bare CR anywhere is invalid.
  const cr = buf.indexOf(CR, pos);
  if (cr !== -1 && cr < lineEnd) throw fail(buf.toString("latin1", pos, lineEnd), "bare-cr");
  return { pos, lineEnd, next: Math.min(lf + 1, end) };
}

/** Reads `HTTP/d.d` at `i` (RFC 9112 2.3); returns [major, minor] or null. */
export function readVersion(buf: Buffer, i: number, end: number): [number, number] | null {
  if (end - i !== 8) return null;
  if (buf[i] !== 0x48 || buf[i + 1] !== 0x54 || buf[i + 2] !== 0x54 || buf[i + 3] !== 0x50 || buf[i + 4] !== 0x2f) return null;
  const major = buf[i + 5] - 0x30;
  const minor = buf[i + 7] - 0x30;
  if (major < 0 || major > 9 || buf[i + 6] !== 0x2e || minor < 0 || minor > 9) return null;
  return [major, minor];
}
