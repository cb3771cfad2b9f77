/**
 * `Wire`: one socket of a connection, seen as a byte queue. It accumulates received bytes in one
 * Buffer (parsers read from it directly), reads incoming bytes straight into a caller's Buffer
 * (a Content-Length body is read into ONE allocation), applies backpressure, and turns socket
 * inactivity into the timeout error of the current phase with a single `socket.setTimeout`.
 *
 * A socket created through the `onread` option of `net.connect` (see {@link SocketFactory}) is
 * read without 'data' events: while a body buffer is waiting, the kernel writes the bytes
 * straight into its unfilled tail (as CPython's `recv_into`); otherwise reads land in a
 * {@link ReadSlab}. Any other socket (TLS, a custom `createSocket()`) is read through 'data'.
 * @module
 */
import type { OnReadOpts, Socket } from "node:net";
import type { ResponseHead } from "../message/index.js";
import { secondsToMs } from "./durations.js";
import { BodyTimeout, ClosedWhileConnecting, ConnectTimeout, HeadersTimeout } from "./errors.js";
import { joinBytes, ownBytes, ReadSlab } from "./read-slab.js";

/** What the socket is doing; selects the timeout and its error class. */
export const enum Phase {
  Idle = 0,
  Connect = 1,
  Headers = 2,
  Body = 3,
}

/** Inactivity timeouts per {@link Phase} in seconds (as the options give them), 0 = none. */
export type PhaseTimeouts = readonly [idle: number, connect: number, headers: number, body: number];

/** Opens a socket with the given `onread` option (or ignores it: the wire then reads 'data' events). */
export type SocketFactory = (onread: OnReadOpts) => Socket;

const EMPTY = Buffer.alloc(0);
/** Received-but-unread bytes above which the socket is paused. */
const HIGH_WATER = 256 * 1024;
/** A response is given a block of its own ({@link Wire.sizeHint}) only when this much more is to come... */
const MIN_RESERVE = 16 * 1024;
/** ...and when it is at most this big (the same bound as a body read into one preallocated Buffer). */
const MAX_RESERVE = 64 * 1024 * 1024;
/** Size of the first read of a response that may be received in place (see {@link Wire.sizeHint}). */
const FIRST_READ = 16 * 1024;

/** A socket plus its receive buffer. Internal to the client. */
export class Wire {
  /** Unconsumed received bytes. */
  buf: Buffer = EMPTY;
  /** The peer ended its side (or the socket closed). */
  ended = false;
  /** First error seen on the socket (or a timeout/abort), or null. */
  error: Error | null = null;
  /** The socket has been destroyed or closed. */
  destroyed = false;
  /** Current phase. */
  phase: Phase = Phase.Connect;
  /**
   * `onread` path, while a response head is awaited: called (synchronously, in the read
   * callback) when a read filled its whole buffer, so more bytes are queued in the kernel. Returns
   * how many bytes from the start of {@link Wire.buf} make up the whole response (head plus a
   * Content-Length body), or 0 when that is not known. The wire then reads the rest straight into
   * one Buffer of that size, so the body is received in place instead of copied out of 64 KiB
   * blocks (see {@link Wire.growsInPlaceTo}). A head it parsed goes in {@link Wire.headAhead}.
   */
  sizeHint: ((wire: Wire) => number) | null = null;
  /**
   * A response head already parsed from the front of {@link Wire.buf} (by the size hint), with
   * its length in bytes, so that it is not parsed again; cleared whenever the front changes.
   */
  headAhead: { head: ResponseHead; end: number } | null = null;
  /**
   * Whether the next large responses get a block of their own ({@link Wire.sizeHint}): true while
   * the caller takes whole bodies (`read()`), false once it reads them into its own buffer or piece
   * by piece (`readInto()`, `read(amt)`, ...), whose bytes would only be copied out of that block:
   * then the reads go into the caller's buffer or the ordinary read blocks, and nothing the size
   * of the body is allocated per response.
   */
  reserveInPlace = true;
  /**
   * What else holds unread received bytes as views, besides {@link Wire.buf}: the decoded pieces
   * of a chunked body not taken yet. A read block they lie in is not filled again.
   */
  holder: ((memory: ArrayBufferLike) => boolean) | null = null;
  readonly socket: Socket;
  readonly #timeouts: PhaseTimeouts;
  /** The timeout the socket timer runs with, in seconds (the timer itself is in ms). */
  #armed = 0;
  #wake: (() => void) | null = null;
  #waiting: Promise<void> | null = null;
  #sink: Uint8Array | null = null;
  #sinkPos = 0;
  #paused = false;
  /** `onread` path: the buffer the next read goes into, and whether it is the sink's tail. */
  #target: Uint8Array | null = null;
  #targetIsSink = false;
  #slab: ReadSlab | null = null;
  /** The waiter is woken by arriving bytes only once {@link Wire.buf} holds this many (see {@link Wire.waitFor}). */
  #want = 0;

  /**
   * @param socket - the socket, or a {@link SocketFactory} to open it with this wire's `onread` option.
   */
  constructor(socket: Socket | SocketFactory, timeouts: PhaseTimeouts, phase: Phase = Phase.Connect) {
    this.#timeouts = timeouts;
    if (typeof socket === "function") {
      this.#slab = new ReadSlab();
      socket = socket({ buffer: this.#nextTarget, callback: this.#onRead });
    }
    this.socket = socket;
    socket.on("data", this.#onData);
    socket.on("end", this.#onEnd);
    socket.on("error", this.#onError);
    socket.on("close", this.#onClose);
    socket.on("timeout", this.#onTimeout);
    this.setPhase(phase);
  }

  /** Switches phase; touches the socket timer only when the timeout value changes. */
  setPhase(phase: Phase): void {
    this.phase = phase;
    const t = this.#timeouts[phase];
    if (t !== this.#armed) {
      this.#armed = t;
      this.socket.setTimeout(secondsToMs(t));
    }
  }

  /** Whether a new request may be written on this socket. */
  get usable(): boolean {
    return !this.ended && !this.destroyed && this.error === null;
  }

  /** Resolves once `event` ("connect" or "secureConnect") fires; rejects with the socket's error or timeout. */
  ready(event: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.socket.off(event, onReady);
        this.socket.off("close", onClose);
      };
      const onReady = (): void => {
        done();
        resolve();
      };
      const onClose = (): void => {
        done();
        reject(this.error ?? new ClosedWhileConnecting());
      };
      this.socket.once(event, onReady);
      this.socket.once("close", onClose);
    });
  }

  /** Resolves when something happens: bytes arrive, the sink fills, EOF, error or {@link Wire.wakeUp}. */
  wait(): Promise<void> {
    if (this.#waiting === null) {
      this.#waiting = new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      if (this.#paused) this.#resume();
    }
    return this.#waiting;
  }

  /** Wakes the current waiter, if any. */
  wakeUp(): void {
    const w = this.#wake;
    if (w !== null) {
      this.#wake = null;
      this.#waiting = null;
      w();
    }
  }

  /**
   * Whether {@link Wire.buf} will grow in place, without copying, until it holds `n` bytes:
   * the next reads land right after it in a block reserved through {@link Wire.sizeHint}.
   */
  growsInPlaceTo(n: number): boolean {
    const slab = this.#slab;
    if (slab === null || this.#sink !== null) return false;
    const room = slab.reservedRoom;
    return room > 0 && n - this.buf.length <= room && (this.buf.length === 0 || slab.endsAtTail(this.buf));
  }

  /**
   * Stops receiving into a block reserved through {@link Wire.sizeHint}: called when the body is
   * read piece by piece (or into the caller's own buffer), so that memory stays bounded by the
   * read blocks and the high-water mark instead of the whole body.
   */
  dropReservation(): void {
    this.#slab?.dropReservation();
  }

  /** Waits until {@link Wire.buf} holds at least `n` bytes, or EOF, an error or {@link Wire.wakeUp}. */
  async waitFor(n: number): Promise<void> {
    while (this.buf.length < n && !this.ended && this.error === null) {
      this.#want = n;
      try {
        await this.wait();
      } finally {
        this.#want = 0;
      }
    }
  }

  /** Drops `n` bytes from the front of {@link Wire.buf}. */
  consume(n: number): void {
    this.headAhead = null;
    this.buf = n >= this.buf.length ? EMPTY : this.buf.subarray(n);
    if (this.#paused && this.buf.length < HIGH_WATER) this.#resume();
  }

  /** Returns and consumes the first `n` bytes (a view, no copy; its memory is then never reused). */
  take(n: number): Buffer {
    const out = this.buf.subarray(0, n);
    this.lend(out);
    this.consume(n);
    return out;
  }

  /**
   * Returns and consumes the first `n` bytes as a Buffer the caller may keep: a copy when small
   * (see {@link ownBytes}), so that the read block stays reusable, else a view, as {@link Wire.take}.
   */
  takeOwn(n: number): Buffer {
    const view = this.buf.subarray(0, n);
    const out = ownBytes(view);
    if (out === view) this.lend(view);
    this.consume(n);
    return out;
  }

  /**
   * Records that the caller keeps `view` (bytes of {@link Wire.buf}): the read block it lies in is
   * never filled again. Every view of received bytes that leaves the client must be lent (the
   * bytes that are only parsed or copied need not be).
   */
  lend(view: Buffer): void {
    this.#slab?.lend(view);
  }

  /** Puts bytes back in front of the buffer (bytes a decoder read past its end). */
  unshift(data: Buffer): void {
    this.headAhead = null;
    this.buf = this.buf.length === 0 ? data : Buffer.concat([data, this.buf]);
  }

  /**
   * Fills `target[pos..]` with the next bytes: first from the buffer, then straight from the
   * socket. Resolves with the number of bytes now in `target` (short on EOF or error).
   */
  async fill(target: Uint8Array, pos: number): Promise<number> {
    this.dropReservation();
    let at = pos;
    const have = this.buf.length;
    if (have > 0) {
      const n = Math.min(have, target.length - at);
      target.set(n === have ? this.buf : this.buf.subarray(0, n), at);
      at += n;
      this.consume(n);
    }
    if (at === target.length || this.ended || this.error !== null) return at;
    this.#sink = target;
    this.#sinkPos = at;
    while (this.#sink !== null && !this.ended && this.error === null) await this.wait();
    const got = this.#sinkPos;
    this.#sink = null;
    return got;
  }

  /** Resolves after 'drain', or at once when the socket is gone. */
  drain(): Promise<void> {
    if (this.destroyed || !this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off("drain", done);
        this.socket.off("close", done);
        resolve();
      };
      this.socket.on("drain", done);
      this.socket.on("close", done);
    });
  }

  /** Records `err` (first one wins), destroys the socket and wakes the waiter. */
  fail(err: Error): void {
    if (this.error === null) this.error = err;
    this.destroy();
  }

  /** Destroys the socket (idempotent). */
  destroy(): void {
    if (!this.destroyed) {
      this.destroyed = true;
      this.ended = true;
      this.socket.destroy();
    }
    this.wakeUp();
  }

  /** Stops listening to the socket (before it is wrapped in TLS), keeping an error sink. */
  detach(): Socket {
    const s = this.socket;
    s.off("data", this.#onData);
    s.off("end", this.#onEnd);
    s.off("close", this.#onClose);
    s.off("timeout", this.#onTimeout);
    s.setTimeout(0);
    return s;
  }

  #resume(): void {
    this.#paused = false;
    this.socket.resume();
  }

  /** `onread` buffer: the sink's unfilled tail when a body buffer waits, else the slab's free tail. */
  readonly #nextTarget = (): Uint8Array => {
    const sink = this.#sink;
    let t: Uint8Array;
    if (sink !== null && this.#sinkPos < sink.length) {
      t = sink.subarray(this.#sinkPos);
      this.#targetIsSink = true;
    } else {
      // The first read of a response that may be received in place is kept short: when it fills,
      // the rest goes into the response's own block (#reserve), so only this much is copied there
      // and only this much of the ordinary block is used up per response.
      const first = this.sizeHint !== null && this.reserveInPlace && this.phase === Phase.Headers && this.buf.length === 0;
      t = this.#slab!.next(first ? FIRST_READ : Number.POSITIVE_INFINITY, this.#held);
      this.#targetIsSink = false;
    }
    this.#target = t;
    return t;
  };

  /** Whether unread bytes still lie in `memory` (a read block): in {@link Wire.buf} or with the {@link Wire.holder}. */
  readonly #held = (memory: ArrayBufferLike): boolean => (this.buf.length > 0 && this.buf.buffer === memory) || (this.holder !== null && this.holder(memory));

  /** `onread` callback: `n` bytes were read into `buf` (the last {@link Wire.#nextTarget}). */
  readonly #onRead = (n: number, buf: Uint8Array): boolean => {
    if (this.#targetIsSink && buf === this.#target) {
      const sink = this.#sink;
      if (sink === null) {
        // fill() gave up (EOF, error): the socket is finished, these bytes have no reader.
        this.destroy();
        return false;
      }
      this.#sinkPos += n;
      if (this.#sinkPos >= sink.length) {
        this.#sink = null;
        this.wakeUp();
      }
      return true;
    }
    this.#onData(this.#slab!.take(buf as Buffer, n));
    if (n === buf.length && this.sizeHint !== null && this.reserveInPlace && this.phase === Phase.Headers && this.#sink === null && this.#slab!.reservedRoom === 0) {
      this.#reserve(this.sizeHint(this));
    }
    return true;
  };

  /** Moves {@link Wire.buf} to the start of a new block of `total` bytes that the next reads fill. */
  #reserve(total: number): void {
    const have = this.buf.length;
    if (total < have + MIN_RESERVE || total > MAX_RESERVE) return;
    const block = Buffer.allocUnsafeSlow(total);
    block.set(this.buf, 0);
    this.buf = block.subarray(0, have);
    this.#slab!.adopt(block, have);
  }

  readonly #onData = (chunk: Buffer): void => {
    const sink = this.#sink;
    if (sink !== null) {
      const n = Math.min(chunk.length, sink.length - this.#sinkPos);
      sink.set(n === chunk.length ? chunk : chunk.subarray(0, n), this.#sinkPos);
      this.#sinkPos += n;
      if (this.#sinkPos < sink.length) return;
      this.#sink = null;
      if (n < chunk.length) {
        this.headAhead = null;
        this.buf = chunk.subarray(n);
      }
      this.wakeUp();
      return;
    }
    this.buf = this.buf.length === 0 ? chunk : joinBytes(this.buf, chunk);
    if (this.buf.length >= HIGH_WATER && this.#wake === null) {
      this.#paused = true;
      this.socket.pause();
    }
    if (this.buf.length >= this.#want) this.wakeUp();
  };

  readonly #onEnd = (): void => {
    this.ended = true;
    this.wakeUp();
  };

  readonly #onError = (err: Error): void => {
    if (this.error === null) this.error = err;
    this.wakeUp();
  };

  readonly #onClose = (): void => {
    this.destroyed = true;
    this.ended = true;
    this.wakeUp();
  };

  readonly #onTimeout = (): void => {
    const t = this.#armed;
    switch (this.phase) {
      case Phase.Connect:
        this.fail(new ConnectTimeout(t));
        break;
      case Phase.Headers:
        this.fail(new HeadersTimeout(t));
        break;
      case Phase.Body:
        this.fail(new BodyTimeout(t));
        break;
      default:
        this.destroy(); // an idle keep-alive socket: just let it go
    }
  };
}
