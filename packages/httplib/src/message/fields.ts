/**
 * Field-section parsing from bytes (RFC 9112 5, RFC 9110 5): one pass over the Buffer with
 * table lookups per byte, no regular expression, no string building per byte.
 * @module
 */
import { HeadTooLarge, InvalidHeader, LineTooLong, TooManyHeaders } from "../errors.js";
import { COLON, CR, FIELD_VCHAR, HTAB, LF, SP, TCHAR } from "./chars.js";
import { addParsedField, HTTPMessage } from "./http-message.js";
import { hashStep, internLatin1, internRange } from "./intern.js";
import { resolveLimits, type HeadLimits } from "./limits.js";

/**
 * Finds the end of a message head: the index just past the empty line that ends it
 * (`CRLF CRLF`, or the bare-LF forms `LF LF`, `CRLF LF`, `LF CRLF`, which the parser then
 * accepts or rejects according to `allowBareLF`), or -1 when it has not arrived yet.
 *
 * To resume after more bytes arrived, pass `from = Math.max(start, previousLength - 3)`.
 * A head preceded by two or more empty lines looks empty; {@link skipEmptyLines} first if that matters.
 * @example
 * ```ts
 * const end = findHeadEnd(buf);
 * if (end !== -1) { const head = parseRequestHead(buf, 0, end); const body = buf.subarray(end); }
 * ```
 */
export function findHeadEnd(buf: Buffer, from = 0): number {
  let i = from;
  const len = buf.length;
  for (;;) {
    const lf = buf.indexOf(LF, i);
    if (lf === -1) return -1;
    let j = lf + 1;
    if (j < len && buf[j] === CR) j++;
    if (j >= len) return -1;
    if (buf[j] === LF) return j + 1;
    i = lf + 1;
  }
}

/**
 * Index of the first byte after any empty lines (CRLF, or LF when `allowBareLF`) at `start`:
 * RFC 9112 2.2 lets a server ignore empty lines received before the request line.
 */
export function skipEmptyLines(buf: Buffer, start: number, end: number, allowBareLF = false): number {
  let pos = start;
  for (;;) {
    if (pos + 1 < end && buf[pos] === CR && buf[pos + 1] === LF) pos += 2;
    else if (allowBareLF && pos < end && buf[pos] === LF) pos += 1;
    else return pos;
  }
}

/**
 * Parses the field lines in `buf[start, end)` into an {@link HTTPMessage}, stopping at the first
 * empty line (or at `end`). `end` is normally what {@link findHeadEnd} returned, with `start`
 * just after the start line. Throws `InvalidHeader`, `LineTooLong` (`lineType` "header line"),
 * `TooManyHeaders` or `HeadTooLarge` (when `end - start > maxHeadSize`).
 */
export function parseHeaderFields(buf: Buffer, start: number, end: number, limits?: HeadLimits): HTTPMessage {
  const lim = resolveLimits(limits);
  if (end - start > lim.maxHeadSize) throw new HeadTooLarge(lim.maxHeadSize);
  return parseFieldLines(buf, start, end, lim, "header line");
}

/**
 * The field-line loop shared by heads and chunked trailers; does not check `maxHeadSize`.
 * @internal
 */
export function parseFieldLines(
  buf: Buffer,
  start: number,
  end: number,
  lim: Required<HeadLimits>,
  lineType: string,
): HTTPMessage {
  const msg = new HTTPMessage();
  let pos = start;
  let count = 0;
  let pendingName: string | undefined;
  let pendingLower = "";
  let pendingValue = "";
  while (pos < end) {
    // Fast path: a well-formed `name: value CRLF` line, scanned once; anything else (the empty
    // line, obs-fold, bare LF, a bad byte, a limit) falls through to the general code below.
    let i = pos;
    let h = 0;
    const tchar = TCHAR; // a local: the imported binding is slower to read in a loop
    for (; i < end; i++) {
      const c = buf[i];
      if (tchar[c] !== 1) break;
      h = hashStep(h, c);
    }
    const b = i < end ? buf[i] : -1;
    if (b === COLON && i > pos) {
      let a = i + 1;
      while (a < end && (buf[a] === SP || buf[a] === HTAB)) a++;
      let j = a;
      // FIELD_VCHAR as two comparisons (faster than the table here): stop at CTLs but HTAB, and DEL.
      for (; j < end; j++) {
        const c = buf[j];
        if (c < 0x20 ? c !== 0x09 : c === 0x7f) break;
      }
      if (j + 1 < end && buf[j] === CR && buf[j + 1] === LF && j - pos <= lim.maxLineLength && count < lim.maxHeaders) {
        count++;
        let z = j;
        while (z > a && (buf[z - 1] === SP || buf[z - 1] === HTAB)) z--;
        if (pendingName !== undefined) addParsedField(msg, pendingName, pendingLower, pendingValue);
        const name = internLatin1(buf, pos, i, h);
        pendingName = name.text;
        pendingLower = name.lower;
        pendingValue = buf.toString("latin1", a, z);
        pos = j + 2;
        continue;
      }
    } else if (b === CR && i === pos && pos + 1 < end && buf[pos + 1] === LF) {
      break; // the empty line ending the section
    }
    let lf = buf.indexOf(LF, pos);
    let lineEnd: number;
    if (lf === -1 || lf >= end) {
      lf = end - 1; // last line without a line end (the caller's range cut it)
      lineEnd = end;
    } else if (lf > pos && buf[lf - 1] === CR) {
      lineEnd = lf - 1;
    } else {
      // RFC 9112 2.2: a recipient MAY recognize a single LF as a line terminator.
      if (!lim.allowBareLF) throw new InvalidHeader("bare-lf", pendingName);
      lineEnd = lf;
    }
    if (lineEnd === pos) break; // the empty line ending the section
    if (lineEnd - pos > lim.maxLineLength) throw new LineTooLong(lineType, lim.maxLineLength);
    if (++count > lim.maxHeaders) throw new TooManyHeaders(lim.maxHeaders);
    const first = buf[pos];
    if (first === SP || first === HTAB) {
      // RFC 9112 5.2: obs-fold is rejected unless allowed, then replaced by SP.
      // RFC 9112 2.2: whitespace before the first field line is rejected too.
      if (!lim.allowObsFold || pendingName === undefined) throw new InvalidHeader("obs-fold", pendingName);
      const text = readValue(buf, pos, lineEnd, pendingName);
      if (text !== "") pendingValue = pendingValue === "" ? text : `${pendingValue} ${text}`;
    } else {
      const colon = scanName(buf, pos, lineEnd);
      const name = internRange(buf, pos, colon);
      if (pendingName !== undefined) addParsedField(msg, pendingName, pendingLower, pendingValue);
      pendingName = name.text;
      pendingLower = name.lower;
      pendingValue = readValue(buf, colon + 1, lineEnd, pendingName);
    }
    pos = lf + 1;
  }
  if (pendingName !== undefined) addParsedField(msg, pendingName, pendingLower, pendingValue);
  return msg;
}

/** Returns the index of the colon ending a valid field name that starts at `pos` (RFC 9110 5.1, RFC 9112 5.1). */
function scanName(buf: Buffer, pos: number, lineEnd: number): number {
  let i = pos;
  while (i < lineEnd && TCHAR[buf[i]] === 1) i++;
  if (i === lineEnd) throw new InvalidHeader("missing-colon", buf.toString("latin1", pos, i));
  const b = buf[i];
  if (b === COLON) {
    if (i === pos) throw new InvalidHeader("empty-name");
    return i;
  }
  const name = buf.toString("latin1", pos, i);
  if (b === SP || b === HTAB) {
    let j = i;
    while (j < lineEnd && (buf[j] === SP || buf[j] === HTAB)) j++;
    if (j < lineEnd && buf[j] === COLON) throw new InvalidHeader("whitespace-before-colon", name);
  }
  if (b === CR) throw new InvalidHeader("bare-cr", name);
  throw new InvalidHeader(i === pos ? "empty-name" : "bad-name", i === pos ? undefined : name);
}

/** Reads a field value in `[from, lineEnd)`, trimming OWS (RFC 9112 5) and checking every byte (RFC 9110 5.5). */
function readValue(buf: Buffer, from: number, lineEnd: number, name: string | undefined): string {
  let a = from;
  let z = lineEnd;
  while (a < z && (buf[a] === SP || buf[a] === HTAB)) a++;
  while (z > a && (buf[z - 1] === SP || buf[z - 1] === HTAB)) z--;
  for (let i = a; i < z; i++) {
    const b = buf[i];
    if (FIELD_VCHAR[b] !== 1) throw new InvalidHeader(b === CR ? "bare-cr" : "invalid-value", name);
  }
  return buf.toString("latin1", a, z);
}
