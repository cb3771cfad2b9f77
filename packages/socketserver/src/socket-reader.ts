/**
 * `rfile` for stream sockets: a buffered async reader with Python's file semantics
 * (`read(n)` may return fewer bytes only at end of stream, `b''` / an empty Buffer means EOF).
 * Pauses the socket while more than `highWaterMark` bytes wait unread and no read is waiting
 * for more (backpressure that never starves a read).
 * @module
 */
import type { Duplex } from "node:stream";
import { IncompleteReadError, LineTooLong, NotBuffered, ServerStateError, SocketTimeout } from "./errors.js";
import { iterateLines, readAllLines } from "./lines.js";

const EMPTY = Buffer.alloc(0);
const LF = 0x0a;

/** Options of {@link SocketReader}. */
export interface SocketReaderOptions {
  /** Limit for `readline()` called without a limit; longer lines throw {@link LineTooLong}. Default 65536. */
  maxLineLength?: number;
  /** Seconds a read may wait for the peer before rejecting with {@link SocketTimeout}; `null` waits forever. */
  timeout?: number | null;
  /**
   * Unread bytes above which the socket is paused while no read waits (a waiting read always gets
   * the bytes it needs). Default `2 * maxLineLength` (128 KiB), at least 64 KiB.
   */
  highWaterMark?: number;
}

/**
 * Buffered reader over a connected stream socket (Python's `rfile = sock.makefile('rb')`).
 *
 * @example
 * const line = await this.rfile.readline();   // up to and including "\n"; empty at EOF
 * const body = await this.rfile.read(length); // exactly `length` bytes unless EOF comes first
 */
export class SocketReader {
  /** The configured line limit used by `readline()` without an explicit limit. */
  readonly maxLineLength: number;
  /**
   * Bytes consumed since the reader was created (returned by a read or skipped, minus those put
   * back with `unshift()`): where the reader stands in the stream. Protocol layers use it to
   * know how much a handler read (an HTTP server, of a request body).
   */
  consumed = 0;
  private readonly socket: Duplex;
  private readonly highWaterMark: number;
  private timeoutSeconds: number | null;
  private buf: Buffer = EMPTY;
  private pos = 0;
  private eof = false;
  private failure: Error | null = null;
  /** The read waiting for bytes: tries to complete from the buffer, true once it has settled. */
  private pending: PendingRead | null = null;
  private idleFired = false;
  private paused = false;
  private isClosed = false;

  constructor(socket: Duplex, options: SocketReaderOptions = {}) {
    this.socket = socket;
    this.maxLineLength = options.maxLineLength ?? 65536;
    // Room for two whole lines: a line being assembled never pauses the socket, which would
    // cost a readStop/readStart pair per long line.
    this.highWaterMark = options.highWaterMark ?? Math.max(65536, 2 * this.maxLineLength);
    this.timeoutSeconds = options.timeout ?? null;
    socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("close", this.onEnd);
    socket.on("error", this.onError);
    socket.on("timeout", this.onTimeout);
    if (this.timeoutSeconds !== null) this.armTimeout();
    // Accepted sockets start paused (pauseOnConnect): a 'data' listener alone does not start them.
    socket.resume();
  }

  /** Seconds a read may wait, or `null` for no limit; setting it re-arms the socket's idle timer. */
  get timeout(): number | null {
    return this.timeoutSeconds;
  }
  set timeout(seconds: number | null) {
    this.timeoutSeconds = seconds;
    this.armTimeout();
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Bytes already received and not yet read. */
  get buffered(): number {
    return this.buf.length - this.pos;
  }

  /**
   * Read up to `n` bytes; fewer only at end of stream. Without `n` (or with a negative `n`),
   * read until end of stream.
   */
  read(n = -1): Promise<Buffer> {
    if (n === 0) return Promise.resolve(EMPTY);
    if (n > 0 && this.buffered >= n) return Promise.resolve(this.take(n));
    const parts: Buffer[] = [];
    let got = 0;
    return this.settle<Buffer>((done) => {
      const avail = this.buffered;
      if (avail > 0) {
        const piece = this.take(n < 0 ? avail : Math.min(avail, n - got));
        parts.push(piece);
        got += piece.length;
      }
      if (got === n || this.eof) return done(parts.length === 1 ? parts[0] : Buffer.concat(parts, got));
      return this.failed();
    });
  }

  /** Read exactly `n` bytes or throw {@link IncompleteReadError} if the stream ends first. */
  async readExactly(n: number): Promise<Buffer> {
    const data = await this.read(n);
    if (data.length < n) throw new IncompleteReadError(data, n);
    return data;
  }

  /** Return whatever is buffered (at most `n` bytes), waiting only if nothing is (Python's `read1`). */
  read1(n = -1): Promise<Buffer> {
    return this.settle<Buffer>((done) => {
      const avail = this.buffered;
      if (avail > 0) return done(this.take(n < 0 ? avail : Math.min(n, avail)));
      if (this.eof) return done(EMPTY);
      return this.failed();
    });
  }

  /** Return buffered bytes without consuming them, waiting for at least one byte unless at EOF. */
  peek(): Promise<Buffer> {
    return this.settle<Buffer>((done) => (this.buffered > 0 || this.eof ? done(this.buf.subarray(this.pos)) : this.failed()));
  }

  /** The bytes buffered now, without consuming them and without waiting (consume with {@link SocketReader.skip}). */
  peekBuffered(): Buffer {
    return this.buf.subarray(this.pos);
  }

  /**
   * Consume `n` bytes that are already buffered (seen with `peekBuffered()`), synchronously.
   * Throws {@link NotBuffered} (a `RangeError`) when fewer are buffered.
   */
  skip(n: number): void {
    if (!(n >= 0 && n <= this.buffered)) throw new NotBuffered(n, this.buffered);
    if (n > 0) this.take(n);
  }

  /**
   * Wait until more bytes arrive than are buffered now. Resolves false at end of stream; rejects
   * on a socket error or timeout. For protocol parsers that scan `peekBuffered()` themselves.
   */
  fill(): Promise<boolean> {
    const before = this.buffered;
    return this.settle<boolean>((done) => {
      // The first attempt runs at once, before any new byte could arrive: it only sees EOF or an error.
      if (this.buffered > before) return done(true);
      if (this.eof) return done(false);
      return this.failed();
    });
  }

  /** True once the peer has closed its side (buffered bytes may remain). */
  get atEof(): boolean {
    return this.eof;
  }

  /**
   * Read one line, up to and including `"\n"`; an empty Buffer at end of stream.
   * With an explicit `limit`, behave as Python: return at most `limit` bytes, possibly without `"\n"`.
   * Without one, a line longer than `maxLineLength` throws {@link LineTooLong} (a safe default Python lacks).
   */
  readline(limit?: number): Promise<Buffer> {
    const strict = limit === undefined || limit < 0;
    const max = strict ? this.maxLineLength : limit;
    let scanned = 0;
    return this.settle<Buffer>((done) => {
      const avail = this.buffered;
      const end = Math.min(avail, strict ? max + 1 : max);
      if (end > scanned) {
        const idx = this.buf.indexOf(LF, this.pos + scanned);
        if (idx !== -1 && idx - this.pos < end) {
          const len = idx - this.pos + 1;
          if (strict && len > max) throw new LineTooLong(max);
          return done(this.take(len));
        }
      }
      if (avail >= max) {
        if (strict) throw new LineTooLong(max);
        return done(this.take(max));
      }
      scanned = avail;
      if (this.eof) return done(this.take(avail));
      return this.failed();
    });
  }

  /** Read every remaining line (Python's `readlines()`). */
  readlines(): Promise<Buffer[]> {
    return readAllLines(this);
  }

  /** Iterate over lines until end of stream. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    return iterateLines(this);
  }

  /**
   * Put bytes back in front of the buffer (for protocol layers that read ahead, e.g. an HTTP
   * server that parsed a head and hands the rest to the next request).
   */
  unshift(data: Buffer): void {
    if (data.length === 0) return;
    this.consumed -= data.length;
    this.buf = this.buffered === 0 ? data : Buffer.concat([data, this.buf.subarray(this.pos)]);
    this.pos = 0;
  }

  /** Stop reading: detach from the socket. Buffered bytes are discarded; a pending read sees EOF. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.socket.off("data", this.onData);
    this.socket.off("timeout", this.onTimeout);
    this.buf = EMPTY;
    this.pos = 0;
    this.eof = true;
    this.poke();
  }

  /**
   * Run `attempt` now; if it cannot complete from the buffer, keep it as the pending read and
   * run it again whenever bytes, EOF or an error arrive. One promise per wait, settled directly
   * from the socket's events (no extra hop through an async function).
   */
  private settle<T>(attempt: (done: (value: T) => true) => boolean): Promise<T> {
    if (this.pending) return Promise.reject(new ServerStateError("another read is already waiting on this rfile"));
    let result!: T;
    const now = (value: T): true => {
      result = value;
      return true;
    };
    try {
      if (attempt(now)) return Promise.resolve(result);
    } catch (err) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- rethrows what attempt threw (always an Error)
      return Promise.reject(err);
    }
    return new Promise<T>((resolve, reject: (err: Error) => void) => {
      const later = (value: T): true => {
        resolve(value);
        return true;
      };
      this.pending = {
        attempt: () => {
          try {
            return attempt(later);
          } catch (err) {
            reject(err as Error);
            return true;
          }
        },
        reject,
      };
      if (this.paused) {
        this.paused = false;
        this.socket.resume();
      }
      if (this.idleFired) this.armTimeout();
    });
  }

  /** For attempts that cannot complete: throw the socket's error if there is one, else keep waiting. */
  private failed(): false {
    if (this.failure) throw this.failure;
    return false;
  }

  /** Give the pending read a chance to complete. */
  private poke(): void {
    const pending = this.pending;
    if (pending && pending.attempt()) {
      if (this.pending === pending) this.pending = null;
    }
  }

  private take(n: number): Buffer {
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    this.consumed += n;
    if (this.pos === this.buf.length) {
      this.buf = EMPTY;
      this.pos = 0;
    }
    if (this.paused && this.buffered < this.highWaterMark) {
      this.paused = false;
      this.socket.resume();
    }
    return out;
  }

  private armTimeout(): void {
    this.idleFired = false;
    const s = this.socket as Duplex & { setTimeout?: (ms: number) => unknown };
    s.setTimeout?.(this.timeoutSeconds === null ? 0 : Math.max(1, Math.round(this.timeoutSeconds * 1000)));
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.buffered === 0) {
      this.buf = chunk;
      this.pos = 0;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
      this.pos = 0;
    }
    this.poke();
    // Pause only when nobody waits: a read still waiting after this chunk needs more bytes
    // (a readline with a limit above the mark, a parser's fill()); pausing would starve it.
    if (this.pending === null && this.buffered >= this.highWaterMark && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
  };

  private readonly onEnd = (): void => {
    this.eof = true;
    this.poke();
  };

  private readonly onError = (err: Error): void => {
    this.failure ??= err;
    this.poke();
  };

  private readonly onTimeout = (): void => {
    const pending = this.pending;
    if (!pending) {
      this.idleFired = true;
      return;
    }
    this.pending = null;
    pending.reject(new SocketTimeout(this.timeoutSeconds ?? 0));
  };
}

interface PendingRead {
  attempt(): boolean;
  reject(err: Error): void;
}
