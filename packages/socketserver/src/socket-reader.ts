/**
 * `rfile` for stream sockets: a buffered async reader with Python's file semantics
 * (`read(n)` may return fewer bytes only at end of stream, `b''` / an empty Buffer means EOF).
 * Pauses the socket while more than `highWaterMark` bytes wait unread and no read is waiting
 * for more (backpressure that never starves a read).
 *
 * The hot path (a line per round trip) costs what a `node:net` 'data' listener costs plus one
 * promise: a chunk holding exactly the line is returned as is (no `subarray`), a read that must
 * wait keeps its state in fields of the reader (no closure per call) and is settled straight from
 * the socket's events, and a line that spans several reads is copied once, when it is complete
 * (chunks are queued, not concatenated on every read).
 * @module
 */
import type { Duplex } from "node:stream";
import { IncompleteReadError, LineTooLong, NotBuffered, ServerStateError, SocketTimeout } from "./errors.js";
import { iterateLines, readAllLines } from "./lines.js";

const EMPTY = Buffer.alloc(0);
const LF = 0x0a;

/**
 * What {@link SocketReader.fillThen} calls back: once, with the outcome of the wait, from inside
 * the socket's event (neither method may throw).
 */
export interface FillWaiter {
  /** More bytes arrived (`true`), or the stream ended or the reader was closed (`false`). */
  readerFilled(more: boolean): void;
  /** The socket failed, or the wait timed out ({@link SocketTimeout}). */
  readerFailed(err: Error): void;
}

/** What the one read that may wait is (see `SocketReader.attempt`). */
const Wait = { None: 0, Read: 1, Read1: 2, Peek: 3, Readline: 4, Fill: 5 } as const;
type Wait = (typeof Wait)[keyof typeof Wait];

/**
 * The read timeout of every reader with the same timeout, enforced by one coarse interval timer
 * instead of the socket's idle timer: a socket with a timeout re-arms it on every read and every
 * write (twice per round trip; about a tenth of an echo server's instructions), while a reader
 * here only notes the sweep count when a read starts waiting or bytes arrive. A waiting read
 * fails between `timeout` and `timeout` plus one sweep interval (a quarter of the timeout, at
 * most one second) after the last byte arrived.
 */
class WaitSweeper {
  ticks = 0;
  readonly readers = new Set<SocketReader>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly interval: number;
  /** A wait expires after more than this many sweeps: at least the timeout, whenever in an interval it began. */
  private readonly needed: number;

  constructor(private readonly ms: number) {
    this.interval = Math.min(1000, Math.max(1, Math.ceil(ms / 4)));
    this.needed = Math.ceil(ms / this.interval);
  }

  add(reader: SocketReader): void {
    this.readers.add(reader);
    if (this.timer === null) {
      this.timer = setInterval(() => this.sweep(), this.interval);
      this.timer.unref();
    }
  }

  private sweep(): void {
    // Stopped lazily, one sweep after the last reader left: a server whose connections come and
    // go (or change timeouts per request) does not start and stop a timer each time.
    if (this.readers.size === 0) {
      clearInterval(this.timer!);
      this.timer = null;
      if (sweepers.get(this.ms) === this) sweepers.delete(this.ms);
      return;
    }
    const now = ++this.ticks;
    for (const reader of this.readers) reader.sweepWait(now, this.needed);
  }
}

const sweepers = new Map<number, WaitSweeper>();

function sweeperFor(seconds: number): WaitSweeper {
  const ms = Math.max(1, Math.round(seconds * 1000));
  let sweeper = sweepers.get(ms);
  if (sweeper === undefined) {
    sweeper = new WaitSweeper(ms);
    sweepers.set(ms, sweeper);
  }
  return sweeper;
}

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

/** The error of a read started while another one waits (one read at a time per rfile). */
function busyError(): ServerStateError {
  return new ServerStateError("another read is already waiting on this rfile");
}

/** The rejection of a read started while another one waits. */
function busy(): Promise<never> {
  return Promise.reject(busyError());
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
  /** The first chunk with unread bytes (from `pos`); `EMPTY` when nothing is buffered. */
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Chunks received after `buf`, not yet read: only while a line or a read spans several reads. */
  private readonly tail: Buffer[] = [];
  private tailBytes = 0;
  /** The block `buf` was last joined into, when it has room after `mergeEnd` for more (see `merge`). */
  private mergeBlock: Buffer | null = null;
  private mergeEnd = 0;
  private eof = false;
  private failure: Error | null = null;
  /** The timer of `timeout` (`null`: no timeout) and the sweep count when the waiting read last saw progress. */
  private sweeper: WaitSweeper | null = null;
  private waitTick = 0;
  private paused = false;
  private isClosed = false;
  /** The read waiting for bytes (at most one), its arguments and its promise's functions. */
  private wait: Wait = Wait.None;
  /** `read`/`read1`: n; `readline`: the limit; `fill`: the buffered count when it was called. */
  private waitN = 0;
  /** `readline`: true without an explicit limit (too long a line throws LineTooLong). */
  private waitStrict = false;
  /** `readline`: unread bytes already searched for "\n". */
  private scanned = 0;
  private resolveWait: ((value: Buffer | boolean) => void) | null = null;
  private rejectWait: ((err: Error) => void) | null = null;
  /** The waiting `fillThen()`'s waiter (instead of a promise's functions). */
  private waiter: FillWaiter | null = null;

  /** The reader that {@link SocketReader.executor} is making a promise for. */
  private static starting: SocketReader | null = null;
  /** One promise executor for every reader (no closure per reader): keeps the functions of the wait's promise. */
  private static executor(this: void, resolve: (value: Buffer | boolean) => void, reject: (err: Error) => void): void {
    const reader = SocketReader.starting!;
    reader.resolveWait = resolve;
    reader.rejectWait = reject;
  }

  constructor(socket: Duplex, options: SocketReaderOptions = {}) {
    this.socket = socket;
    this.maxLineLength = options.maxLineLength ?? 65536;
    // Room for two whole lines: a line being assembled never pauses the socket, which would
    // cost a readStop/readStart pair per long line.
    this.highWaterMark = options.highWaterMark ?? Math.max(65536, 2 * this.maxLineLength);
    this.timeoutSeconds = options.timeout ?? null;
    // One set of listener functions for every socket (no closures per connection): they find
    // their reader through a symbol on the socket.
    (socket as ReaderSocket)[READER] = this;
    socket.on("data", onSocketData);
    socket.on("end", onSocketEnd);
    socket.on("close", onSocketClose);
    socket.on("error", onSocketError);
    if (this.timeoutSeconds !== null) this.armTimeout();
    // Accepted sockets start paused (pauseOnConnect): a 'data' listener alone does not start them.
    socket.resume();
  }

  /**
   * Seconds a read may wait for the peer (restarted by each chunk that arrives), or `null` for no
   * limit; setting it restarts the wait of a read in progress. A read that waits longer rejects
   * with {@link SocketTimeout} (within a quarter of the timeout, at most a second, after it).
   */
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
    return this.buf.length - this.pos + this.tailBytes;
  }

  /**
   * Read up to `n` bytes; fewer only at end of stream. Without `n` (or with a negative `n`),
   * read until end of stream.
   */
  read(n = -1): Promise<Buffer> {
    if (n === 0) return Promise.resolve(EMPTY);
    if (n > 0 && this.wait === Wait.None && this.buf.length - this.pos >= n) return Promise.resolve(this.take(n));
    if (this.wait !== Wait.None) return busy();
    this.waitN = n;
    return this.start(Wait.Read) as Promise<Buffer>;
  }

  /** Read exactly `n` bytes or throw {@link IncompleteReadError} if the stream ends first. */
  async readExactly(n: number): Promise<Buffer> {
    const data = await this.read(n);
    if (data.length < n) throw new IncompleteReadError(data, n);
    return data;
  }

  /** Return whatever is buffered (at most `n` bytes), waiting only if nothing is (Python's `read1`). */
  read1(n = -1): Promise<Buffer> {
    if (this.wait !== Wait.None) return busy();
    this.waitN = n;
    return this.start(Wait.Read1) as Promise<Buffer>;
  }

  /** Return buffered bytes without consuming them, waiting for at least one byte unless at EOF. */
  peek(): Promise<Buffer> {
    return this.start(Wait.Peek) as Promise<Buffer>;
  }

  /** The bytes buffered now, without consuming them and without waiting (consume with {@link SocketReader.skip}). */
  peekBuffered(): Buffer {
    if (this.tailBytes > 0) this.merge();
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
    if (this.wait !== Wait.None) return busy();
    this.waitN = -1;
    return this.start(Wait.Fill) as Promise<boolean>;
  }

  /**
   * `fill()` without a promise, for a server that keeps many connections waiting for their next
   * request: the wait is two fields of the reader, and one of `waiter`'s methods is called once,
   * from the socket's events (`readerFilled(true)` when more bytes arrived, `readerFilled(false)`
   * at end of stream or when the reader is closed, `readerFailed(err)` on a socket error or
   * timeout); it runs inside that event, so it must not throw. Returns `null` when it waits,
   * `false` at once when the stream has already ended; throws when the socket has already
   * failed, or when another read is waiting.
   */
  fillThen(waiter: FillWaiter): false | null {
    if (this.wait !== Wait.None) throw busyError();
    this.waitN = -1;
    // The first attempt only sees the end of stream (false) or a failure (thrown).
    if (this.attempt(Wait.Fill) === false) return false;
    this.waiter = waiter;
    this.beginWait(Wait.Fill);
    return null;
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
    // The common case first: the whole line is in the first chunk.
    const buf = this.buf;
    const pos = this.pos;
    if (pos < buf.length && this.wait === Wait.None) {
      const idx = buf.indexOf(LF, pos);
      if (idx !== -1 && idx - pos < max) return Promise.resolve(this.take(idx - pos + 1));
    }
    if (this.wait !== Wait.None) return busy();
    this.waitN = max;
    this.waitStrict = strict;
    this.scanned = 0;
    return this.start(Wait.Readline) as Promise<Buffer>;
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
    if (this.buffered > 0) {
      // Queue what was buffered behind `data` (no copy; joined only if someone needs it contiguous).
      const rest = this.buf.subarray(this.pos);
      this.tail.unshift(rest);
      this.tailBytes += rest.length;
    }
    this.buf = data;
    this.pos = 0;
  }

  /** Stop reading: detach from the socket. Buffered bytes are discarded; a pending read sees EOF. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const socket = this.socket as ReaderSocket;
    socket.off("data", onSocketData);
    socket.off("end", onSocketEnd);
    socket.off("close", onSocketClose);
    socket.off("error", onSocketError);
    if (socket[READER] === this) socket[READER] = undefined;
    this.dropSweeper();
    this.mergeBlock = null;
    this.buf = EMPTY;
    this.pos = 0;
    this.tail.length = 0;
    this.tailBytes = 0;
    this.eof = true;
    this.poke();
  }

  /**
   * Try the read `kind` (arguments in the wait fields) now; if it cannot complete from the
   * buffer, make it the waiting read, settled from the socket's events (`poke`). One promise per
   * wait, no closure.
   */
  private start(kind: Wait): Promise<Buffer | boolean> {
    if (this.wait !== Wait.None) return busy();
    let value: Buffer | boolean | undefined;
    try {
      value = this.attempt(kind);
    } catch (err) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- rethrows what attempt threw (always an Error)
      return Promise.reject(err);
    }
    if (value !== undefined) return Promise.resolve(value);
    this.beginWait(kind);
    SocketReader.starting = this;
    const promise = new Promise<Buffer | boolean>(SocketReader.executor);
    SocketReader.starting = null;
    return promise;
  }

  /** Make `kind` the waiting read: the socket flows again if it was paused, and the read timeout starts. */
  private beginWait(kind: Wait): void {
    this.wait = kind;
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
    if (this.sweeper !== null) this.waitTick = this.sweeper.ticks;
  }

  /**
   * Complete the read `kind` from what is buffered: its value, or `undefined` to keep waiting.
   * Throws the socket's error (once nothing more can come) or {@link LineTooLong}.
   */
  private attempt(kind: Wait): Buffer | boolean | undefined {
    const avail = this.buffered;
    switch (kind) {
      case Wait.Read: {
        const n = this.waitN;
        if (n > 0 && avail >= n) return this.take(n);
        if (this.eof) return this.take(avail);
        break;
      }
      case Wait.Read1: {
        const n = this.waitN;
        if (avail > 0) return this.take(n < 0 ? avail : Math.min(n, avail));
        if (this.eof) return EMPTY;
        break;
      }
      case Wait.Peek:
        if (avail > 0 || this.eof) return this.peekBuffered();
        break;
      case Wait.Readline:
        return this.attemptReadline(avail);
      case Wait.Fill:
        // The first attempt runs at once, before any new byte could arrive: it only sees EOF or an error.
        if (this.waitN < 0) this.waitN = avail;
        else if (avail > this.waitN) return true;
        if (this.eof) return false;
        break;
      default:
        return undefined;
    }
    if (this.failure) throw this.failure;
    return undefined;
  }

  private attemptReadline(avail: number): Buffer | undefined {
    const max = this.waitN;
    const strict = this.waitStrict;
    const end = Math.min(avail, strict ? max + 1 : max);
    if (end > this.scanned) {
      const at = this.indexOfLF(this.scanned, end);
      if (at !== -1) {
        if (strict && at + 1 > max) throw new LineTooLong(max);
        return this.take(at + 1);
      }
    }
    if (avail >= max) {
      if (strict) throw new LineTooLong(max);
      return this.take(max);
    }
    this.scanned = avail;
    if (this.eof) return this.take(avail);
    if (this.failure) throw this.failure;
    return undefined;
  }

  /** Offset (from the first unread byte) of the first "\n" in unread bytes [from, end), or -1. */
  private indexOfLF(from: number, end: number): number {
    let base = 0;
    let chunk = this.buf;
    let start = this.pos;
    for (let i = 0; ; i++) {
      const len = chunk.length - start;
      if (from < base + len) {
        const idx = chunk.indexOf(LF, start + Math.max(0, from - base));
        if (idx !== -1) {
          const at = base + idx - start;
          return at < end ? at : -1;
        }
      }
      base += len;
      if (base >= end || i >= this.tail.length) return -1;
      chunk = this.tail[i];
      start = 0;
    }
  }

  /** Give the waiting read a chance to complete. */
  private poke(): void {
    const kind = this.wait;
    if (kind === Wait.None) return;
    let value: Buffer | boolean | undefined;
    try {
      value = this.attempt(kind);
    } catch (err) {
      this.failWait(err as Error);
      return;
    }
    if (value === undefined) return;
    const waiter = this.waiter;
    const resolve = this.resolveWait;
    this.settled();
    if (waiter !== null) waiter.readerFilled(value as boolean);
    else resolve!(value);
  }

  /** End the waiting read with `err`. */
  private failWait(err: Error): void {
    const waiter = this.waiter;
    const reject = this.rejectWait;
    this.settled();
    if (waiter !== null) waiter.readerFailed(err);
    else reject!(err);
  }

  private settled(): void {
    this.wait = Wait.None;
    this.resolveWait = null;
    this.rejectWait = null;
    this.waiter = null;
  }

  /** Consume `n` buffered bytes (n <= buffered): the chunk itself, a view of it, or one copy across chunks. */
  private take(n: number): Buffer {
    const buf = this.buf;
    const pos = this.pos;
    let out: Buffer;
    if (n <= buf.length - pos) {
      out = pos === 0 && n === buf.length ? buf : buf.subarray(pos, pos + n);
      this.pos = pos + n;
      if (this.pos === buf.length) this.next();
    } else {
      out = Buffer.allocUnsafe(n);
      for (let off = 0; off < n; ) {
        const chunk = this.buf;
        const k = Math.min(chunk.length - this.pos, n - off);
        chunk.copy(out, off, this.pos, this.pos + k);
        off += k;
        this.pos += k;
        if (this.pos === chunk.length) this.next();
      }
    }
    this.consumed += n;
    if (this.paused && this.buffered < this.highWaterMark) {
      this.paused = false;
      this.socket.resume();
    }
    return out;
  }

  /** `buf` is used up: move to the next queued chunk. */
  private next(): void {
    this.mergeBlock = null;
    if (this.tail.length === 0) {
      this.buf = EMPTY;
    } else {
      const chunk = this.tail.shift()!;
      this.buf = chunk;
      this.tailBytes -= chunk.length;
    }
    this.pos = 0;
  }

  /**
   * Join the queued chunks into `buf`, for callers that need the buffered bytes contiguous. A small
   * join gets room to grow (`mergeBlock`): a head trickling in byte by byte is appended in place,
   * not copied whole again per byte. Only bytes past `buf`'s end are written, so views handed out
   * earlier stay as they were.
   */
  private merge(): void {
    const buf = this.buf;
    const block = this.mergeBlock;
    const add = this.tailBytes;
    if (block !== null && buf.buffer === block.buffer && buf.byteOffset + buf.length === block.byteOffset + this.mergeEnd && this.mergeEnd + add <= block.length) {
      let at = this.mergeEnd;
      for (const chunk of this.tail) {
        block.set(chunk, at);
        at += chunk.length;
      }
      this.buf = block.subarray(buf.byteOffset - block.byteOffset, at);
      this.mergeEnd = at;
    } else {
      const size = this.buffered;
      // Room to double up to the high-water mark: a head trickled byte by byte is never copied whole per byte.
      const room = size < this.highWaterMark ? Math.max(256, Math.min(2 * size, this.highWaterMark)) : size;
      const fresh = Buffer.allocUnsafe(room);
      let at = buf.copy(fresh, 0, this.pos);
      for (const chunk of this.tail) {
        fresh.set(chunk, at);
        at += chunk.length;
      }
      this.buf = fresh.subarray(0, size);
      this.pos = 0;
      this.mergeBlock = room > size ? fresh : null;
      this.mergeEnd = size;
    }
    this.tail.length = 0;
    this.tailBytes = 0;
  }

  /** Put the reader under the sweeper of its timeout (none for `null`); a waiting read starts its wait anew. */
  private armTimeout(): void {
    const seconds = this.timeoutSeconds;
    const sweeper = seconds === null || this.isClosed ? null : sweeperFor(seconds);
    if (sweeper !== this.sweeper) {
      this.dropSweeper();
      this.sweeper = sweeper;
      sweeper?.add(this);
    }
    if (sweeper !== null) this.waitTick = sweeper.ticks;
  }

  private dropSweeper(): void {
    this.sweeper?.readers.delete(this);
    this.sweeper = null;
  }

  /** @internal Called by the sweeper: fail the waiting read if it has waited more than `needed` sweeps. */
  sweepWait(now: number, needed: number): void {
    if (this.wait === Wait.None || now - this.waitTick <= needed) return;
    this.failWait(new SocketTimeout(this.timeoutSeconds ?? 0));
  }

  /** @internal A chunk arrived (the socket's 'data' listener). */
  onData(chunk: Buffer): void {
    if (this.buf.length === this.pos) {
      this.buf = chunk;
      this.pos = 0;
    } else {
      this.tail.push(chunk);
      this.tailBytes += chunk.length;
    }
    if (this.wait !== Wait.None) {
      this.poke();
      // Bytes arrived: a read still waiting (a long line) starts its timeout anew, as a socket's idle timer would.
      if (this.sweeper !== null) this.waitTick = this.sweeper.ticks;
    }
    // Pause only when nobody waits: a read still waiting after this chunk needs more bytes
    // (a readline with a limit above the mark, a parser's fill()); pausing would starve it.
    if (this.wait === Wait.None && !this.paused && this.buffered >= this.highWaterMark) {
      this.paused = true;
      this.socket.pause();
    }
  }

  /** @internal The peer ended its side (the socket's 'end' listener). */
  onEnd(): void {
    this.eof = true;
    this.poke();
  }

  /** @internal The socket closed (its 'close' listener). */
  onClose(): void {
    // Nothing more can arrive: the reader needs no timer any more.
    this.dropSweeper();
    this.onEnd();
  }

  /** @internal The socket failed (its 'error' listener). */
  onError(err: Error): void {
    this.failure ??= err;
    this.poke();
  }
}

/** Where a socket keeps its reader, for the shared listeners (one live reader per socket). */
const READER = Symbol("SocketReader");
type ReaderSocket = Duplex & { [READER]?: SocketReader };

function onSocketData(this: ReaderSocket, chunk: Buffer): void {
  this[READER]?.onData(chunk);
}
function onSocketEnd(this: ReaderSocket): void {
  this[READER]?.onEnd();
}
function onSocketClose(this: ReaderSocket): void {
  this[READER]?.onClose();
}
function onSocketError(this: ReaderSocket, err: Error): void {
  this[READER]?.onError(err);
}
