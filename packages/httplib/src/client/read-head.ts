/**
 * Reads one response head from a {@link Wire}: waits until the blank line has arrived, then
 * parses status line and fields in one pass over the accumulated Buffer (no readline per header).
 * @module
 */
import { BadStatusLine, HeadTooLarge, LineTooLong, RemoteDisconnected, TooManyHeaders } from "../errors.js";
import { findHeadEnd, parseResponseHead, responseBodyFraming, type HeadLimits, type ResponseHead } from "../message/index.js";
import type { Wire } from "./wire.js";

/** {@link HeadLimits} with every field present. */
export type ResolvedLimits = Required<HeadLimits>;

/** Head of the next response if it is complete in `wire.buf` (consumed), else null. */
export function tryHead(wire: Wire, lim: ResolvedLimits): ResponseHead | null {
  const ahead = wire.headAhead;
  if (ahead !== null) {
    wire.consume(ahead.end);
    return ahead.head;
  }
  const buf = wire.buf;
  if (buf.length === 0) return null;
  // A status line never starts with CR or LF: an empty line where it should be is a bad status
  // line at once (CPython reads it as the line "\r\n"); waiting for more bytes could wait forever.
  // (RFC 9112 2.2 lets only a server skip empty lines before a request line.)
  if (buf[0] === 0x0d || buf[0] === 0x0a) throw new BadStatusLine(buf.toString("latin1", 0, buf[0] === 0x0d && buf[1] === 0x0a ? 2 : 1));
  const end = findHeadEnd(buf, 0);
  if (end === -1) {
    checkGrowth(buf, lim);
    return null;
  }
  const head = parseResponseHead(buf, 0, end, lim);
  wire.consume(end);
  return head;
}

/**
 * A head that has not ended yet but already breaks a limit cannot succeed: fail now, not at EOF
 * or after a timeout. A status line over `maxLineLength`, more complete field lines than
 * `maxHeaders` (CPython `_read_headers`: "got more than 100 headers" as soon as the line after
 * the 100th arrives), or more bytes than `maxHeadSize`.
 */
function checkGrowth(buf: Buffer, lim: ResolvedLimits): void {
  const lf = buf.indexOf(0x0a);
  if (lf === -1 || lf > lim.maxLineLength + 1) {
    if (buf.length > lim.maxLineLength + 2) throw new LineTooLong("status line", lim.maxLineLength);
  } else {
    // Every complete line after the status line is a field line (an empty one would have ended
    // the head). At most maxHeaders + 1 searches, each native: bounded whatever the server sends.
    let lines = 0;
    let at = lf + 1;
    for (;;) {
      const next = buf.indexOf(0x0a, at);
      if (next === -1) break;
      if (++lines > lim.maxHeaders) throw new TooManyHeaders(lim.maxHeaders);
      at = next + 1;
    }
  }
  if (buf.length > lim.maxHeadSize) {
    // Prefer the precise error (a too-long line, too many fields) when the bytes show one.
    parseResponseHead(buf, 0, buf.length, { ...lim, maxHeadSize: Number.POSITIVE_INFINITY });
    throw new HeadTooLarge(lim.maxHeadSize);
  }
}

/**
 * One step of reading a head: the head when it is complete (consumed), null when more bytes are
 * needed (wait on the wire, then call again). Throws `RemoteDisconnected` when the peer closed
 * before sending anything, the socket's error (or timeout) when one happened first, or the
 * parser's error. A head cut short by EOF is parsed as far as it goes (as CPython does).
 */
export function headStep(wire: Wire, lim: ResolvedLimits): ResponseHead | null {
  const head = tryHead(wire, lim);
  if (head !== null) return head;
  const err = wire.error;
  if (err !== null) {
    // A reset before any byte of the response is CPython's RemoteDisconnected (a ConnectionResetError).
    const code = (err as { code?: unknown }).code;
    if (wire.buf.length === 0 && (code === "ECONNRESET" || code === "EPIPE" || code === "ECONNABORTED")) {
      throw new RemoteDisconnected("Remote end reset the connection without response", { cause: err });
    }
    throw err;
  }
  if (!wire.ended) return null;
  const buf = wire.buf;
  if (buf.length === 0) throw new RemoteDisconnected();
  const partial = parseResponseHead(buf, 0, buf.length, lim);
  wire.consume(buf.length);
  return partial;
}

/** Reads the next response head (see {@link headStep}). */
export async function readHead(wire: Wire, lim: ResolvedLimits): Promise<ResponseHead> {
  let head: ResponseHead | null;
  while ((head = headStep(wire, lim)) === null) await wire.wait();
  return head;
}

/**
 * The size of the response whose head starts `wire.buf` (head plus Content-Length body) for a
 * request with `method`, or 0 when it cannot be known yet: no complete head, another framing, an
 * interim or bodiless answer, or a head the parser refuses (reading the head reports that one).
 * A head it parses is kept in `wire.headAhead` for {@link tryHead}. Used as the wire's size hint,
 * to receive a large body in place.
 */
export function responseSize(wire: Wire, method: string, lim: ResolvedLimits): number {
  const buf = wire.buf;
  const end = findHeadEnd(buf, 0);
  if (end === -1) return 0;
  let head: ResponseHead;
  try {
    head = parseResponseHead(buf, 0, end, lim);
  } catch {
    return 0;
  }
  wire.headAhead = { head, end };
  if (head.status < 200) return 0;
  const framing = responseBodyFraming(head.status, head.headers, method);
  return framing.kind === "length" ? end + framing.length : 0;
}
