/**
 * `wfile` for stream sockets: Python's unbuffered `_SocketWriter`, with Node's backpressure
 * made explicit through `flush()`.
 * @module
 */
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { ConnectionClosed, SocketTimeout } from "./errors.js";

/**
 * Writer over a connected stream socket (Python's `wfile`).
 *
 * `write()` hands the bytes to the socket at once and returns their count, as Python does.
 * Node never blocks, so a handler that writes a lot should `await this.wfile.flush()` now and
 * then: it resolves once the socket's buffer has drained below its high-water mark
 * (at once when it already has), and rejects if the connection is closed first.
 *
 * @example
 * for await (const chunk of file) { this.wfile.write(chunk); await this.wfile.flush(); }
 */
export class SocketWriter {
  private readonly socket: Duplex;
  private isClosed = false;
  private corked = 0;

  /** The timeout of a `flush()` that waits for the peer, in seconds (`null`: none). Set by the handler. */
  timeout: number | null = null;

  constructor(socket: Duplex) {
    this.socket = socket;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Bytes accepted by `write()` that the socket has not handed to the kernel yet (Node's
   * `writableLength`). While it is above 0 the socket may still read from the Buffers written
   * last; at 0 every Buffer passed to `write()` may be reused (a write that the kernel took at
   * once leaves it at 0).
   */
  get pending(): number {
    return this.socket.writableLength;
  }

  /** Always true (Python's `writable()`). */
  writable(): boolean {
    return true;
  }

  /**
   * Send bytes (a string is sent as UTF-8). Returns the number of bytes accepted.
   * Throws {@link ConnectionClosed} when the connection is already gone (Python's `BrokenPipeError`).
   */
  write(data: Buffer | Uint8Array | string): number {
    if (this.isClosed) throw new ConnectionClosed("write to a closed wfile");
    const socket = this.socket;
    // One getter (not destroyed, not ended or ending, no error) instead of two.
    if (!socket.writable) throw new ConnectionClosed();
    if (typeof data === "string") {
      // Node encodes a string straight into the write request: no Buffer allocated for it.
      socket.write(data, "utf8");
      return Buffer.byteLength(data, "utf8");
    }
    socket.write(data);
    return data.byteLength;
  }

  /** Send several buffers as one write (one TCP segment where they fit). */
  writeMany(chunks: ReadonlyArray<Buffer | Uint8Array | string>): number {
    this.cork();
    let n = 0;
    try {
      for (const c of chunks) n += this.write(c);
    } finally {
      this.uncork();
    }
    return n;
  }

  /** Hold writes in memory until the matching `uncork()`, then send them together. */
  cork(): void {
    this.corked++;
    this.socket.cork();
  }

  /** Release one `cork()`. */
  uncork(): void {
    if (this.corked === 0) return;
    this.corked--;
    this.socket.uncork();
  }

  /** Wait until the socket accepts more data (backpressure). Resolves at once when it already does. */
  flush(): Promise<void> {
    while (this.corked > 0) this.uncork();
    const socket = this.socket;
    if (socket.destroyed) return Promise.reject(new ConnectionClosed());
    if (!socket.writableNeedDrain) return Promise.resolve();
    const timeout = this.timeout;
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        socket.off("drain", onDrain);
        socket.off("close", onClose);
        if (timer !== null) clearTimeout(timer);
        if (idle !== null) {
          idle.off("timeout", onTimeout);
          idle.setTimeout(0);
        }
        if (err) reject(err);
        else resolve();
      };
      const onDrain = (): void => done();
      const onClose = (): void => done(new ConnectionClosed("connection closed while waiting to write"));
      const onTimeout = (): void => done(new SocketTimeout(timeout ?? 0));
      // While waiting only: the socket's idle timer, which Node restarts as long as the pending
      // write makes progress (a slow reader that keeps reading is not timed out). A stream without
      // one gets a plain deadline.
      const idle = timeout !== null && typeof (socket as Partial<Socket>).setTimeout === "function" ? (socket as Socket) : null;
      const ms = timeout === null ? 0 : Math.max(1, Math.round(timeout * 1000));
      let timer: ReturnType<typeof setTimeout> | null = null;
      if (idle !== null) {
        idle.setTimeout(ms);
        idle.on("timeout", onTimeout);
      } else if (timeout !== null) timer = setTimeout(onTimeout, ms);
      socket.on("drain", onDrain);
      socket.on("close", onClose);
    });
  }

  /** Mark the writer closed; the connection itself is closed by the server (`shutdownRequest`). */
  close(): void {
    while (this.corked > 0) this.uncork();
    this.isClosed = true;
  }
}
