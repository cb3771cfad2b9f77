/**
 * Finding the next request head in `rfile`'s buffer: the hot path is one `findHeadEnd` over
 * bytes already received; the slow path waits for more under the keep-alive and header
 * timeouts and rejects over-long lines and heads before they have fully arrived.
 *
 * A head that arrives in pieces is checked piece by piece by one {@link PartialHead}, which
 * keeps how far each check got (no byte is scanned twice), and which `rfile` hands the chunks to
 * while the head reader waits ({@link HTTPSocketReader.holdHead}): a chunk that neither
 * completes the head nor breaks a rule costs a copy and a scan of its own bytes, and no promise,
 * no resumed async function and no allocation (a slowloris client sending one byte at a time
 * made the server allocate and keep ~700 B per byte before; bench/README.md, `slowloris`).
 * @module
 */
import type { Duplex } from "node:stream";
import { BadRequestLine, findHeadEnd, HeadTooLarge, InvalidMethod, isToken, LineTooLong, parseRequestLine } from "@stdhttp/httplib";
import { SocketTimeout } from "@stdhttp/socketserver";
import type { HeadHold, HTTPSocketReader } from "./io.js";
import type { HTTPSettings, IdleConnection, ServerState } from "./options.js";
import { firstLine, HEADER_TIMEOUT, type HeadRefusal } from "./refusal.js";

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const EMPTY = Buffer.alloc(0);

/** What the head reader needs of a connection (a `BaseHTTPRequestHandler`). */
export interface HeadWaiter extends IdleConnection {
  /** The socket `rfile` reads. */
  readonly connection: Duplex;
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
  let skipped = 0;
  let deadline = 0;
  // The checks of the head that has started arriving (created at its first checked byte).
  let partial: PartialHead | null = null;
  for (;;) {
    let buf = rfile.peekBuffered();
    // RFC 9112 2.2: a server SHOULD ignore at least one empty line (CRLF) before the request line.
    while (buf.length >= 2 && buf[0] === CR && buf[1] === LF) {
      rfile.skip(2);
      skipped += 2;
      partial = null;
      if (skipped > settings.maxHeadSize) return false;
      buf = rfile.peekBuffered();
    }
    let hold: PartialHead | null = null;
    if (buf.length > 0) {
      if (deadline === 0) {
        waiter.requestStart = Date.now();
        deadline = settings.headerTimeout === null ? Infinity : waiter.requestStart + settings.headerTimeout * 1000;
      }
      if (!(buf.length === 1 && buf[0] === CR)) {
        partial ??= new PartialHead(settings, deadline);
        let found: number;
        try {
          found = partial.check(buf, buf.length);
        } catch (err) {
          return { error: err, received: buf };
        }
        if (found !== PENDING) {
          waiter.head = buf;
          waiter.headEnd = found;
          return true;
        }
        hold = partial;
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
      const filled = rfile.fill();
      // Until the head needs a look (complete, a rule broken, past the deadline), rfile gives
      // the chunks to `hold` instead of settling `filled` once per chunk.
      if (hold !== null) rfile.holdHead(hold.startHold(buf), waiter.connection);
      more = await filled;
    } catch (err) {
      rfile.releaseHead();
      if (!idle && err instanceof SocketTimeout) return { error: HEADER_TIMEOUT, received: rfile.peekBuffered() };
      return false;
    } finally {
      if (idle) {
        waiter.awaitingRequest = false;
        waiter.keepAliveSweep = -1;
      }
    }
    rfile.releaseHead();
    if (!more) {
      const rest = rfile.peekBuffered();
      if (rest.length === 0 || (rest.length === 1 && rest[0] === CR)) return false;
      // The client ended its side in the middle of a head: answer what we can, then close.
      return { error: new BadRequestLine(firstLine(rest), "empty"), received: rest };
    }
  }
}

/** Longest start of a request line that {@link PartialHead} checks before its end arrives. */
const PREFIX_CHECK_LIMIT = 1024;

/** {@link PartialHead.check}: neither complete nor refused yet (any other value: where the head ends). */
const PENDING = -1;

/** Above this many unscanned bytes, `Buffer#indexOf` (memchr) beats a loop over the bytes. */
const SHORT_SCAN = 64;

/**
 * A request head that has started arriving, checked as its bytes come: refused as soon as it is
 * known to be bad (request line over the limit: 414; bad request line: 400; head or a field
 * line over the limit: 431). Each check resumes where the last one stopped, and a check that
 * finds the head or throws keeps nothing, so the same bytes checked again (in `rfile`'s buffer
 * after they were held here) give the same answer. Offsets count from the head's first byte,
 * which is byte 0 both of `rfile.peekBuffered()` and of the hold block.
 *
 * While the head reader waits, it is also `rfile`'s {@link HeadHold}: chunks are appended to a
 * block holding a copy of the head so far and checked there, and only a chunk that needs the
 * head reader wakes it.
 *
 * @internal Exported for the tests (test/partial-head.test.ts), not by the package.
 */
export class PartialHead implements HeadHold {
  /** Where the next search for the head's end starts (it may begin up to 3 bytes back). */
  private headFrom = 0;
  /** Bytes of the head checked so far. */
  private checked = 0;
  /** The request line arrived and parsed. */
  private lineDone = false;
  /** Scan state of the request line's start: next byte, part (0 method, 1 target, 2 version), where the version starts. */
  private linePos = 0;
  private linePart = 0;
  private versionStart = -1;
  /** The last line end seen (for the field line limit). */
  private lastLF = -1;
  /** While holding: the head so far (`block[0, end)`), of which `block[0, base)` is also in `rfile`. */
  private block: Buffer = EMPTY;
  private base = 0;
  private end = 0;

  constructor(
    private readonly settings: HTTPSettings,
    private readonly deadline: number,
  ) {}

  /**
   * Check `buf[0, end)`, the head so far: where the head ends, or {@link PENDING}. Throws
   * `LineTooLong`, `HeadTooLarge`, `BadRequestLine` or `InvalidMethod` (nothing recorded then).
   */
  check(buf: Buffer, end: number): number {
    const at = headEndIn(buf, this.headFrom, end);
    if (at !== -1) return at;
    const settings = this.settings;
    let from = this.checked;
    if (!this.lineDone) {
      const lf = indexOfLF(buf, from, end);
      if (lf === -1) {
        if (end > settings.maxLineLength + 1) throw new LineTooLong("request line", settings.maxLineLength);
        // The first bytes tell HTTP from a TLS ClientHello or noise; past them, a line still arriving
        // waits for its end.
        if (end <= PREFIX_CHECK_LIMIT) this.checkLinePrefix(buf, end);
        this.commit(end);
        return PENDING;
      }
      try {
        parseRequestLine(buf, 0, lf + 1, settings.parseLimits);
      } catch (err) {
        if (!(err instanceof BadRequestLine && err.reason === "missing-version")) throw err;
        // An HTTP/0.9 simple request (`GET /` and nothing after it) has no head.
        if (end === lf + 1) return end;
        // An HTTP/0.9-style line followed by more bytes: wait for the fields, as CPython reads them.
      }
      this.lineDone = true;
      this.lastLF = lf;
      from = lf + 1;
    }
    if (end > settings.maxHeadSize) throw new HeadTooLarge(settings.maxHeadSize);
    let last = this.lastLF;
    for (let i = indexOfLF(buf, from, end); i !== -1; i = indexOfLF(buf, i + 1, end)) last = i;
    if (end - last - 1 > settings.maxLineLength + 1) throw new LineTooLong("header line", settings.maxLineLength);
    this.lastLF = last;
    this.commit(end);
    return PENDING;
  }

  private commit(end: number): void {
    this.checked = end;
    this.headFrom = Math.max(0, end - 3);
  }

  /**
   * The start of a request line whose end has not arrived, from where the last check stopped:
   * refuse it at once when no request line could begin this way (RFC 9112 3: `method SP
   * request-target SP HTTP-version`), so that a TLS ClientHello, an HTTP/2 frame or binary noise
   * on a plain-HTTP port is answered 400 now rather than left waiting for the header timeout.
   * Throws `InvalidMethod` or `BadRequestLine`.
   */
  private checkLinePrefix(buf: Buffer, end: number): void {
    let part = this.linePart;
    let versionStart = this.versionStart;
    let i = this.linePos;
    for (; i < end; i++) {
      const b = buf[i];
      if (part === 0) {
        if (b === SP) {
          if (i === 0) throw new BadRequestLine(firstLine(buf.subarray(0, end)), "missing-method");
          part = 1;
        } else if (!isTokenByte(b)) throw new InvalidMethod(buf.toString("latin1", 0, i + 1));
        continue;
      }
      // The target, then "HTTP/" DIGIT "." DIGIT; a CR may only be the last byte (its LF is coming):
      // the scan stops on it, so that the next check looks at what follows it.
      if (b === CR) {
        if (i !== end - 1) throw new BadRequestLine(firstLine(buf.subarray(0, end)), "bare-cr");
        break;
      }
      if (b === SP) {
        part++;
        if (part > 2) throw new BadRequestLine(firstLine(buf.subarray(0, end)), "bad-version");
        versionStart = i + 1;
        continue;
      }
      if (b <= 0x20 || b === 0x7f) throw new BadRequestLine(firstLine(buf.subarray(0, end)), "bad-target");
      if (versionStart !== -1) {
        const at = i - versionStart;
        const ok = at < 5 ? b === HTTP_SLASH[at] : (b >= 0x30 && b <= 0x39) || b === 0x2e;
        if (!ok) throw new BadRequestLine(firstLine(buf.subarray(0, end)), "bad-version");
      }
    }
    this.linePos = i;
    this.linePart = part;
    this.versionStart = versionStart;
  }

  /** Start holding the chunks that follow `head` (the head so far, all of it checked). */
  startHold(head: Buffer): this {
    const block = Buffer.allocUnsafe(Math.max(256, 2 * head.length));
    head.copy(block);
    this.block = block;
    this.base = head.length;
    this.end = head.length;
    return this;
  }

  /** {@link HeadHold.take}: append `chunk`; true while the head is neither complete nor refused nor late. */
  take(chunk: Buffer): boolean {
    const start = this.end;
    const end = start + chunk.length;
    if (end > this.block.length) {
      const grown = Buffer.allocUnsafe(2 * end);
      this.block.copy(grown, 0, 0, start);
      this.block = grown;
    }
    if (chunk.length === 1) this.block[start] = chunk[0];
    else chunk.copy(this.block, start);
    this.end = end;
    if (Date.now() > this.deadline) return false;
    try {
      return this.check(this.block, end) === PENDING;
    } catch {
      // Refused: the head reader checks the same bytes again in rfile's buffer and answers.
      return false;
    }
  }

  /** {@link HeadHold.taken}: the bytes appended since `startHold`; the block is let go. */
  taken(): Buffer {
    const bytes = this.end > this.base ? this.block.subarray(this.base, this.end) : EMPTY;
    this.block = EMPTY;
    this.base = 0;
    this.end = 0;
    return bytes;
  }
}

/** Index of the first LF in `buf[from, end)`, or -1 (a short range is looped over: no call into C++). */
function indexOfLF(buf: Buffer, from: number, end: number): number {
  if (end - from > SHORT_SCAN) {
    const at = buf.indexOf(LF, from);
    return at < end ? at : -1;
  }
  for (let i = from; i < end; i++) if (buf[i] === LF) return i;
  return -1;
}

/** `findHeadEnd` over `buf[from, end)` (the bytes past `end` may be anything): where the head ends, or -1. */
function headEndIn(buf: Buffer, from: number, end: number): number {
  for (let lf = indexOfLF(buf, from, end); lf !== -1; lf = indexOfLF(buf, lf + 1, end)) {
    let j = lf + 1;
    if (j < end && buf[j] === CR) j++;
    if (j >= end) return -1;
    if (buf[j] === LF) return j + 1;
  }
  return -1;
}

/** `HTTP/` */
const HTTP_SLASH = [0x48, 0x54, 0x54, 0x50, 0x2f];

/** `tchar` (RFC 9110 5.6.2). */
function isTokenByte(b: number): boolean {
  return isToken(String.fromCharCode(b));
}
