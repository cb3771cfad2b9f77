/**
 * `rfile` for stream sockets: a buffered async reader with Python's file semantics
 * (`read(n)` may return fewer bytes only at end of stream, `b''` / an empty Buffer means EOF).
 * Pauses the socket while more than `highWaterMark` bytes wait unread (backpressure).
 * @module
 */
import type { Duplex } from "node:stream";
import { IncompleteReadError, LineTooLong, SocketTimeout } from "./errors.js";

const EMPTY = Buffer.alloc(0);
const LF = 0x0a;

/** Options of {@link SocketReader}. */
export interface SocketReaderOptions {
  /** Limit for `readline()` called without a limit; longer lines throw {@link LineTooLong}. Default 65536. */
  maxLineLength?: number;
  /** Seconds a read may wait for the peer before rejecting with {@link SocketTimeout}; `null` waits forever. */
  timeout?: number | null;
  /** Unread bytes above which the socket is paused. Default 65536. */
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
  private readonly socket: Duplex;
  private readonly highWaterMark: number;
  private timeoutSeconds: number | null;
  private buf: Buffer = EMPTY;
  private pos = 0;
  private eof = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  private timedOut = false;
  private idleFired = false;
  private paused = false;
  private isClosed = false;

  constructor(socket: Duplex, options: SocketReaderOptions = {}) {
    this.socket = socket;
    this.maxLineLength = options.maxLineLength ?? 65536;
    this.highWaterMark = options.highWaterMark ?? 65536;
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
  async read(n = -1): Promise<Buffer> {
    if (n < 0) return this.readToEnd();
    if (n === 0) return EMPTY;
    if (this.buffered >= n) return this.take(n);
    const parts: Buffer[] = [];
    let got = 0;
    for (;;) {
      const avail = this.buffered;
      if (avail > 0) {
        const piece = this.take(Math.min(avail, n - got));
        parts.push(piece);
        got += piece.length;
        if (got === n) break;
      }
      if (!(await this.more())) break;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, got);
  }

  /** Read exactly `n` bytes or throw {@link IncompleteReadError} if the stream ends first. */
  async readExactly(n: number): Promise<Buffer> {
    const data = await this.read(n);
    if (data.length < n) throw new IncompleteReadError(data, n);
    return data;
  }

  /** Return whatever is buffered (at most `n` bytes), waiting only if nothing is (Python's `read1`). */
  async read1(n = -1): Promise<Buffer> {
    if (this.buffered === 0 && !(await this.more())) return EMPTY;
    return this.take(n < 0 ? this.buffered : Math.min(n, this.buffered));
  }

  /** Return buffered bytes without consuming them, waiting for at least one byte unless at EOF. */
  async peek(): Promise<Buffer> {
    if (this.buffered === 0) await this.more();
    return this.buf.subarray(this.pos);
  }

  /** The bytes buffered now, without consuming them and without waiting (consume with `read(n)`). */
  peekBuffered(): Buffer {
    return this.buf.subarray(this.pos);
  }

  /**
   * Wait until more bytes arrive than are buffered now. Resolves false at end of stream; rejects
   * on a socket error or timeout. For protocol parsers that scan `peekBuffered()` themselves.
   */
  fill(): Promise<boolean> {
    return this.more();
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
  async readline(limit?: number): Promise<Buffer> {
    const strict = limit === undefined || limit < 0;
    const max = strict ? this.maxLineLength : limit;
    let scanned = 0;
    for (;;) {
      const avail = this.buffered;
      const end = Math.min(avail, max + (strict ? 1 : 0));
      const idx = end > scanned ? this.buf.indexOf(LF, this.pos + scanned) : -1;
      if (idx !== -1 && idx - this.pos < end) {
        const len = idx - this.pos + 1;
        if (strict && len > max) throw new LineTooLong(max);
        return this.take(len);
      }
      if (avail >= max) {
        if (strict) throw new LineTooLong(max);
        return this.take(max);
      }
      scanned = avail;
      if (!(await this.more())) return this.take(this.buffered);
    }
  }

  /** Read every remaining line (Python's `readlines()`). */
  async readlines(): Promise<Buffer[]> {
    const lines: Buffer[] = [];
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return lines;
      lines.push(line);
    }
  }

  /** Iterate over lines until end of stream. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return;
      yield line;
    }
  }

  /**
   * Put bytes back in front of the buffer (for protocol layers that read ahead, e.g. an HTTP
   * server that parsed a head and hands the rest to the next request).
   */
  unshift(data: Buffer): void {
    if (data.length === 0) return;
    this.buf = this.buffered === 0 ? data : Buffer.concat([data, this.buf.subarray(this.pos)]);
    this.pos = 0;
  }

  /** Stop reading: detach from the socket. Buffered bytes are discarded. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.socket.off("data", this.onData);
    this.socket.off("timeout", this.onTimeout);
    this.buf = EMPTY;
    this.pos = 0;
  }

  private async readToEnd(): Promise<Buffer> {
    const parts: Buffer[] = [];
    let got = 0;
    do {
      if (this.buffered > 0) {
        const piece = this.take(this.buffered);
        parts.push(piece);
        got += piece.length;
      }
    } while (await this.more());
    return Buffer.concat(parts, got);
  }

  private take(n: number): Buffer {
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
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

  /** Wait for more bytes. Resolves false at end of stream; rejects on socket error or timeout. */
  private more(): Promise<boolean> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.eof || this.isClosed) return Promise.resolve(false);
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
    if (this.idleFired) this.armTimeout();
    const before = this.buffered;
    return new Promise<boolean>((resolve, reject) => {
      this.wake = () => {
        this.wake = null;
        if (this.buffered > before) resolve(true);
        else if (this.timedOut) {
          this.timedOut = false;
          reject(new SocketTimeout(this.timeoutSeconds ?? 0));
        } else if (this.failure) reject(this.failure);
        else resolve(false);
      };
    });
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
    if (this.buffered >= this.highWaterMark && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    this.wake?.();
  };

  private readonly onEnd = (): void => {
    this.eof = true;
    this.wake?.();
  };

  private readonly onError = (err: Error): void => {
    this.failure ??= err;
    this.wake?.();
  };

  private readonly onTimeout = (): void => {
    if (this.wake) {
      this.timedOut = true;
      this.wake();
    } else {
      this.idleFired = true;
    }
  };
}
