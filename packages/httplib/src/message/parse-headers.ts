/**
 * `parseHeaders(reader)`: CPython's `http.client.parse_headers(fp)` over an async line reader.
 * @module
 */
import { HeadTooLarge, LineTooLong, TooManyHeaders } from "../errors.js";
import { parseFieldLines } from "./fields.js";
import type { HTTPMessage } from "./http-message.js";
import { resolveLimits, type HeadLimits } from "./limits.js";

/** Anything with an async `readline(limit)` returning a Buffer that includes the line end (an `rfile`). */
export interface LineReader {
  /** Reads one line, at most `limit` bytes, line end included; an empty Buffer at end of stream. */
  readline(limit?: number): Promise<Buffer>;
}

/**
 * Reads field lines from `reader` until the empty line (or end of stream, as CPython) and parses
 * them with the same strict rules as {@link parseHeaderFields}. Use it after reading a start
 * line yourself, e.g. from a handler's `rfile`.
 *
 * Throws `LineTooLong` ("header line"), `TooManyHeaders`, `HeadTooLarge`, `InvalidHeader`.
 * @example
 * ```ts
 * const requestLine = await rfile.readline(65537);
 * const headers = await parseHeaders(rfile);
 * ```
 */
export async function parseHeaders(reader: LineReader, limits?: HeadLimits): Promise<HTTPMessage> {
  const lim = resolveLimits(limits);
  const lines: Buffer[] = [];
  let size = 0;
  for (;;) {
    // +2 for CRLF, +1 to notice a line that is too long (CPython reads _MAXLINE + 1).
    const line = await reader.readline(lim.maxLineLength + 3);
    if (line.length === 0) break;
    const content = line.length - lineEndLength(line);
    if (content > lim.maxLineLength) throw new LineTooLong("header line", lim.maxLineLength);
    size += line.length;
    if (size > lim.maxHeadSize) throw new HeadTooLarge(lim.maxHeadSize);
    lines.push(line);
    if (content === 0) break;
    if (lines.length > lim.maxHeaders) throw new TooManyHeaders(lim.maxHeaders);
  }
  const buf = lines.length === 1 ? lines[0] : Buffer.concat(lines, size);
  return parseFieldLines(buf, 0, buf.length, lim, "header line");
}

function lineEndLength(line: Buffer): number {
  const n = line.length;
  if (n > 0 && line[n - 1] === 0x0a) return n > 1 && line[n - 2] === 0x0d ? 2 : 1;
  return 0;
}
