/**
 * `rfile` and `wfile` of an HTTP connection: socketserver's reader and writer. The reader's
 * `consumed` count tells the server how much of a request body a handler read straight from
 * `rfile` (CPython's `self.rfile.read(length)` idiom), so it can drain the rest before the next
 * request. The writer counts body bytes for the access log.
 * @module
 */
import type { Duplex } from "node:stream";
import { SocketReader, SocketWriter, ConnectionClosed } from "@stdhttp/socketserver";

/**
 * What an HTTP connection is waiting for, each with its own read limit: the rest of a
 * request head (`headerTimeout`), a body (`idleTimeout` or the
 * handler's `timeout`), or the next request (no read timer: the server's keep-alive sweeper
 * bounds that wait, keep-alive.ts).
 */
export type WaitPhase = "head" | "body" | "idle";

/** The seconds a read may wait in each {@link WaitPhase} (`null`: no limit). */
export interface PhaseTimeouts {
  head: number | null;
  body: number | null;
}

/**
 * `rfile` of an HTTP connection: a `SocketReader` (whose `consumed` tells the server how much of a
 * request body a handler read) and the one owner of the read deadline: the server says which
 * phase the connection is in ({@link HTTPSocketReader.enterPhase}) and the reader applies that
 * phase's limit. A read by the handler during the idle phase moves to the body phase, so that a
 * `do_*` method reading `rfile` itself never waits forever.
 */
export class HTTPSocketReader extends SocketReader {
  private phase: WaitPhase = "head";
  private readonly headTimeout: number | null;
  private readonly bodyTimeout: number | null;
  /** The head being held (see {@link HTTPSocketReader.holdHead}), or null (one field: idle connections stay small). */
  private holding: Holding | null = null;

  constructor(socket: Duplex, limits: PhaseTimeouts, maxLineLength: number) {
    super(socket, { timeout: limits.head, maxLineLength });
    this.headTimeout = limits.head;
    this.bodyTimeout = limits.body;
  }

  /** The phase the connection is in. */
  get waitPhase(): WaitPhase {
    return this.phase;
  }

  /** @internal Enter `phase`: the socket's timer gets that phase's limit (re-armed only when it changes). */
  enterPhase(phase: WaitPhase): void {
    this.phase = phase;
    const seconds = phase === "head" ? this.headTimeout : phase === "body" ? this.bodyTimeout : null;
    if (this.timeout !== seconds) this.timeout = seconds;
  }

  override read(n = -1): Promise<Buffer> {
    this.guard();
    return super.read(n);
  }

  override read1(n = -1): Promise<Buffer> {
    this.guard();
    return super.read1(n);
  }

  override readline(limit?: number): Promise<Buffer> {
    this.guard();
    return super.readline(limit);
  }

  override peek(): Promise<Buffer> {
    this.guard();
    return super.peek();
  }

  private guard(): void {
    if (this.phase === "idle") this.enterPhase("body");
  }

  /**
   * @internal While the head reader waits (a pending `fill()`) for the rest of a head that has
   * started arriving, the socket's chunks go to `hold` instead of this reader: a chunk that `hold`
   * keeps (the head is neither complete nor refused nor late) settles nothing, so a head trickled
   * one byte at a time costs no promise, no resumed async function and no retained garbage per
   * byte (node:http runs no JavaScript at all for such a byte: llhttp takes it in C++). The first
   * chunk that `hold` does not keep ends the hold and reaches the reader with everything held
   * before it, which wakes the `fill()`. Held bytes do not restart the read timer: a trickling
   * client is bounded by the header timeout from the start of the wait.
   *
   * socketserver's reader offers no hook for this, so the hold takes the socket's `'data'`
   * listeners (the reader's own) off the socket and puts them back when it ends: it relies on
   * `SocketReader` reading with `'data'` events, which the tests of this package exercise
   * (trickled heads in test/slow-heads.test.ts). Until {@link HTTPSocketReader.releaseHead}, only
   * the waiting `fill()` may use this reader. `socket` is the socket this reader was made for.
   */
  holdHead(hold: HeadHold, socket: Duplex): void {
    if (this.holding !== null || this.closed) return;
    const holding: Holding = { hold, socket, saved: socket.rawListeners("data") as DataListener[], listener: (chunk: Buffer) => this.heldChunk(chunk) };
    socket.removeAllListeners("data");
    socket.on("data", holding.listener);
    this.holding = holding;
  }

  /** @internal End the hold: the reader's listeners are back, and the held bytes reach it (waking a waiting `fill()`). */
  releaseHead(): void {
    const holding = this.holding;
    if (holding === null) return;
    const bytes = this.endHold();
    if (bytes !== null && bytes.length > 0) holding.socket.emit("data", bytes);
  }

  private heldChunk(chunk: Buffer): void {
    const holding = this.holding;
    if (holding !== null && !holding.hold.take(chunk)) this.releaseHead();
  }

  /** Put the socket's `'data'` listeners back; the bytes held (null when nothing was held). */
  private endHold(): Buffer | null {
    const holding = this.holding;
    if (holding === null) return null;
    this.holding = null;
    const socket = holding.socket;
    socket.removeListener("data", holding.listener);
    for (const listener of holding.saved) socket.on("data", listener);
    return holding.hold.taken();
  }

  override close(): void {
    // Held bytes are dropped with the rest of the buffer; the reader's listeners go back so that
    // its close() removes them.
    this.endHold();
    super.close();
  }
}

type DataListener = (chunk: Buffer) => void;

/** A hold in progress: who takes the chunks, the socket, its own `'data'` listeners (put back after), the hold's listener. */
interface Holding {
  readonly hold: HeadHold;
  readonly socket: Duplex;
  readonly saved: DataListener[];
  readonly listener: DataListener;
}

/**
 * @internal The chunks of a request head that has not fully arrived, while the head reader
 * waits for more (head-reader.ts `PartialHead`).
 */
export interface HeadHold {
  /** Append `chunk`; false when the head reader must look at the bytes now (complete, refused or late). */
  take(chunk: Buffer): boolean;
  /** The bytes appended so far, in order, handed back to the reader (the hold ends). */
  taken(): Buffer;
}

/** Heads and bodies up to this size are copied into one buffer (one `write`, one TCP segment); larger ones go out together as one `writev`. */
const COALESCE_LIMIT = 16384;
const STRING_LIMIT = 1024;

/** The bytes of `data` as a latin1 string (one character per byte). */
function latin1(data: Buffer | Uint8Array): string {
  return Buffer.isBuffer(data) ? data.toString("latin1") : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("latin1");
}

function sendPendingHead(writer: HTTPSocketWriter): void {
  writer.sendHead();
}

/**
 * `wfile` of an HTTP connection: a `SocketWriter` that counts body bytes, and holds a response
 * head until the end of the tick so that a small body written right after it goes out in the
 * same buffer (one `write` call, one segment; no cork/writev).
 */
export class HTTPSocketWriter extends SocketWriter {
  /** Bytes written with `write`/`writeMany` since the counter was last reset (the response body). */
  bytesWritten = 0;
  private readonly stream: Duplex;
  private pendingHead: string | null = null;

  constructor(socket: ConstructorParameters<typeof SocketWriter>[0]) {
    super(socket);
    this.stream = socket;
  }

  override write(data: Buffer | Uint8Array | string): number {
    const head = this.pendingHead;
    if (head !== null) {
      this.pendingHead = null;
      if (this.closed || this.stream.destroyed || this.stream.writableEnded) throw new ConnectionClosed();
      const n = typeof data === "string" ? Buffer.byteLength(data, "utf8") : data.byteLength;
      if (n <= STRING_LIMIT && typeof data !== "string") {
        // One latin1 string: Node writes it from a stack buffer, no Buffer is allocated.
        this.stream.write(head + latin1(data), "latin1");
        this.bytesWritten += n;
        return n;
      }
      if (n <= COALESCE_LIMIT) {
        const out = Buffer.allocUnsafe(head.length + n);
        out.write(head, 0, "latin1");
        if (typeof data === "string") out.write(data, head.length, "utf8");
        else out.set(data, head.length);
        this.stream.write(out);
        this.bytesWritten += n;
        return n;
      }
      // Larger: the head and the data still leave in one system call (corked writes are sent
      // as one writev), without copying the data behind the head.
      this.stream.cork();
      try {
        this.stream.write(head, "latin1");
        const n = super.write(data);
        this.bytesWritten += n;
        return n;
      } finally {
        this.stream.uncork();
      }
    }
    const n = super.write(data);
    this.bytesWritten += n;
    return n;
  }

  /**
   * Queue a response head (a latin1 string, as CPython encodes it); it is sent with the next
   * `write`, or at the end of the tick, or by `flush()`/`sendHead()`. Not counted as body.
   */
  writeHead(head: string): void {
    if (this.closed || this.stream.destroyed || this.stream.writableEnded) throw new ConnectionClosed();
    if (this.pendingHead !== null) {
      this.pendingHead += head;
      return;
    }
    this.pendingHead = head;
    if (!this.deferred) process.nextTick(sendPendingHead, this);
  }

  /**
   * @internal While a `do_*` method runs synchronously, a queued head needs no tick of its own:
   * the handler sends it when the method returns (`endDefer()`, then `sendHead()` or a tick).
   */
  deferred = false;

  /** @internal End of the synchronous part of a `do_*` method: a head still queued leaves at the end of this tick. */
  endDefer(): void {
    this.deferred = false;
    if (this.pendingHead !== null) process.nextTick(sendPendingHead, this);
  }

  /** Send a queued head now. */
  sendHead(): void {
    const head = this.pendingHead;
    if (head === null) return;
    this.pendingHead = null;
    if (!this.stream.destroyed && !this.stream.writableEnded) this.stream.write(head, "latin1");
  }

  override cork(): void {
    this.sendHead();
    super.cork();
  }

  override flush(): Promise<void> {
    this.sendHead();
    return super.flush();
  }

  override close(): void {
    this.sendHead();
    super.close();
  }
}
