/**
 * Finding the next request head in `rfile`'s buffer: the hot path is one `findHeadEnd` over
 * bytes already received; the slow path waits for more under the keep-alive and header
 * timeouts and rejects over-long lines and heads before they have fully arrived.
 * @module
 */
import { BadRequestLine, findHeadEnd, HeadTooLarge, InvalidMethod, isToken, LineTooLong, parseRequestLine } from "@stdhttp/httplib";
import { SocketTimeout } from "@stdhttp/socketserver";
import type { HTTPSocketReader } from "./io.js";
import type { IdleConnection, ServerState } from "./options.js";
import { firstLine, HEADER_TIMEOUT, type HeadRefusal } from "./refusal.js";

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;

/** What the head reader needs of a connection (a `BaseHTTPRequestHandler`). */
export interface HeadWaiter extends IdleConnection {
  readonly rfile: HTTPSocketReader;
  readonly state: ServerState;
  /** Requests started on this connection, this one included. */
  readonly requestCount: number;
  /** Set to `Date.now()` when the head's first byte is seen. */
  requestStart: number;
  /** Where the head was found: `head` (`rfile`'s buffered bytes) up to `headEnd`. */
  head: Buffer;
  headEnd: number;
  /** Send the answers held back for pipelining before waiting for the client. */
  releaseBatch(): void;
}

/** What {@link readHead} found: true (a head: `waiter.head`/`headEnd`), false (close, nothing to answer), or a refusal to answer. */
export type HeadResult = boolean | HeadRefusal;

/**
 * Wait until a whole request head is buffered; sets `waiter.head` / `waiter.headEnd`.
 * Resolves false when the connection should close without an answer (end of stream or
 * keep-alive timeout before a request), or a {@link HeadRefusal} for a head that must be
 * answered (414, 431, 400, 408).
 */
export function readHead(waiter: HeadWaiter): HeadResult | Promise<HeadResult> {
  const buf = waiter.rfile.peekBuffered();
  if (buf.length > 0 && buf[0] !== CR && buf[0] !== LF) {
    const end = findHeadEnd(buf, 0);
    if (end !== -1) {
      waiter.head = buf;
      waiter.headEnd = end;
      return true;
    }
  }
  return readHeadSlow(waiter);
}

async function readHeadSlow(waiter: HeadWaiter): Promise<HeadResult> {
  const rfile = waiter.rfile;
  const state = waiter.state;
  const settings = state.settings;
  let from = 0;
  let skipped = 0;
  let deadline = 0;
  // Once the request line has arrived and passed, a trickled head is not parsed again per byte.
  let lineChecked = false;
  for (;;) {
    let buf = rfile.peekBuffered();
    // RFC 9112 2.2: a server SHOULD ignore at least one empty line (CRLF) before the request line.
    while (buf.length >= 2 && buf[0] === CR && buf[1] === LF) {
      rfile.skip(2);
      skipped += 2;
      from = 0;
      if (skipped > settings.maxHeadSize) return false;
      buf = rfile.peekBuffered();
    }
    if (buf.length > 0) {
      if (deadline === 0) {
        waiter.requestStart = Date.now();
        deadline = settings.headerTimeout === null ? Infinity : waiter.requestStart + settings.headerTimeout * 1000;
      }
      if (!(buf.length === 1 && buf[0] === CR)) {
        const end = findHeadEnd(buf, from);
        if (end !== -1) {
          waiter.head = buf;
          waiter.headEnd = end;
          return true;
        }
        try {
          const partial = checkPartialHead(waiter, buf, lineChecked);
          if (partial === SIMPLE_REQUEST) return true;
          lineChecked = partial === LINE_OK;
        } catch (err) {
          return { error: err, received: buf };
        }
        from = Math.max(0, buf.length - 3);
      }
    }
    waiter.releaseBatch();
    const idle = buf.length === 0;
    if (idle && state.closing) return false;
    // Between keep-alive requests the server's sweeper bounds the wait (keep-alive.ts), as in the
    // handler's own wait for the next request; otherwise the socket timer (header timeout).
    const keepAliveWait = idle && waiter.requestCount > 1;
    rfile.enterPhase(keepAliveWait ? "idle" : "head");
    if (!idle && Date.now() > deadline) return { error: HEADER_TIMEOUT, received: buf };
    if (idle) waiter.awaitingRequest = true;
    if (keepAliveWait && settings.keepAliveTimeout !== null) waiter.keepAliveSweep = state.sweeps;
    let more: boolean;
    try {
      more = await rfile.fill();
    } catch (err) {
      if (!idle && err instanceof SocketTimeout) return { error: HEADER_TIMEOUT, received: buf };
      return false;
    } finally {
      if (idle) {
        waiter.awaitingRequest = false;
        waiter.keepAliveSweep = -1;
      }
    }
    if (!more) {
      const rest = rfile.peekBuffered();
      if (rest.length === 0 || (rest.length === 1 && rest[0] === CR)) return false;
      // The client ended its side in the middle of a head: answer what we can, then close.
      return { error: new BadRequestLine(firstLine(rest), "empty"), received: rest };
    }
  }
}

/** Longest start of a request line that {@link checkRequestLinePrefix} looks at before its end arrives. */
const PREFIX_CHECK_LIMIT = 1024;

/** {@link checkPartialHead}: the request line has not fully arrived (what did is plausible). */
const LINE_PENDING = 0;
/** {@link checkPartialHead}: the request line arrived and passed; fields are still coming. */
const LINE_OK = 1;
/** {@link checkPartialHead}: an HTTP/0.9 simple request (`GET /` and nothing after it), which has no head. */
const SIMPLE_REQUEST = 2;

/**
 * A head that has not fully arrived: refuse it as soon as it is known to be bad (request line
 * over the limit: 414; bad request line: 400; head or a field line over the limit: 431).
 * `lineChecked`: the request line already passed on an earlier call (it is not parsed again).
 */
function checkPartialHead(waiter: HeadWaiter, buf: Buffer, lineChecked: boolean): number {
  const settings = waiter.state.settings;
  if (!lineChecked) {
    const lf = buf.indexOf(LF);
    if (lf === -1) {
      if (buf.length > settings.maxLineLength + 1) throw new LineTooLong("request line", settings.maxLineLength);
      // The first bytes tell HTTP from a TLS ClientHello or noise; past them, a line still arriving
      // waits for its end (rescanning a long line trickled byte by byte would cost O(n^2)).
      if (buf.length <= PREFIX_CHECK_LIMIT) checkRequestLinePrefix(buf);
      return LINE_PENDING;
    }
    try {
      parseRequestLine(buf, 0, lf + 1, settings.parseLimits);
    } catch (err) {
      if (!(err instanceof BadRequestLine && err.reason === "missing-version")) throw err;
      if (buf.length === lf + 1) {
        waiter.head = buf;
        waiter.headEnd = lf + 1;
        return SIMPLE_REQUEST;
      }
      // An HTTP/0.9-style line followed by more bytes: wait for the fields, as CPython reads them.
    }
  }
  if (buf.length > settings.maxHeadSize) throw new HeadTooLarge(settings.maxHeadSize);
  if (buf.length - buf.lastIndexOf(LF) - 1 > settings.maxLineLength + 1) throw new LineTooLong("header line", settings.maxLineLength);
  return LINE_OK;
}

/**
 * The start of a request line whose end has not arrived: refuse it at once when no request line
 * could begin this way (RFC 9112 3: `method SP request-target SP HTTP-version`), so that a TLS
 * ClientHello, an HTTP/2 frame or binary noise on a plain-HTTP port is answered 400 now rather
 * than left waiting for the header timeout. Throws `InvalidMethod` or `BadRequestLine`.
 */
function checkRequestLinePrefix(buf: Buffer): void {
  const n = buf.length;
  let i = 0;
  while (i < n && buf[i] !== SP) {
    if (!isTokenByte(buf[i])) throw new InvalidMethod(buf.toString("latin1", 0, i + 1));
    i++;
  }
  if (i === 0 && n > 0) throw new BadRequestLine(firstLine(buf), "missing-method");
  // The target, then "HTTP/" DIGIT "." DIGIT; a CR may only be the last byte (its LF is coming).
  let part = 1;
  let versionStart = -1;
  for (i++; i < n; i++) {
    const b = buf[i];
    if (b === CR) {
      if (i !== n - 1) throw new BadRequestLine(firstLine(buf), "bare-cr");
      break;
    }
    if (b === SP) {
      part++;
      if (part > 2) throw new BadRequestLine(firstLine(buf), "bad-version");
      versionStart = i + 1;
      continue;
    }
    if (b <= 0x20 || b === 0x7f) throw new BadRequestLine(firstLine(buf), "bad-target");
    if (versionStart !== -1) {
      const at = i - versionStart;
      const ok = at < 5 ? b === HTTP_SLASH[at] : (b >= 0x30 && b <= 0x39) || b === 0x2e;
      if (!ok) throw new BadRequestLine(firstLine(buf), "bad-version");
    }
  }
}

/** `HTTP/` */
const HTTP_SLASH = [0x48, 0x54, 0x54, 0x50, 0x2f];

/** `tchar` (RFC 9110 5.6.2). */
function isTokenByte(b: number): boolean {
  return isToken(String.fromCharCode(b));
}
