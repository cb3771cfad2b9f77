/**
 * In-memory `rfile`/`wfile` for datagram handlers (Python's `io.BytesIO`), with the same
 * async read API as the stream reader so one handler class can serve both kinds of server.
 * @module
 */
import { iterateLines, readAllLines } from "./lines.js";

const EMPTY = Buffer.alloc(0);

/** Reads from a fixed Buffer (a datagram's payload). */
export class BytesReader {
  private readonly data: Buffer;
  private pos = 0;

  constructor(data: Buffer) {
    this.data = data;
  }

  /** Bytes not yet read. */
  get buffered(): number {
    return this.data.length - this.pos;
  }

  /** Read up to `n` bytes (all remaining without `n`). */
  read(n = -1): Promise<Buffer> {
    return Promise.resolve(this.take(n < 0 ? this.buffered : n));
  }

  /** Same as `read(n)`: everything is already buffered. */
  read1(n = -1): Promise<Buffer> {
    return this.read(n);
  }

  /** Read one line including `"\n"`, at most `limit` bytes; empty at the end. */
  readline(limit = -1): Promise<Buffer> {
    const nl = this.data.indexOf(0x0a, this.pos);
    let len = nl === -1 ? this.buffered : nl - this.pos + 1;
    if (limit >= 0 && len > limit) len = limit;
    return Promise.resolve(this.take(len));
  }

  /** Every remaining line. */
  readlines(): Promise<Buffer[]> {
    return readAllLines(this);
  }

  /** Iterate over the remaining lines. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    return iterateLines(this);
  }

  private take(n: number): Buffer {
    if (n <= 0) return EMPTY;
    const out = this.data.subarray(this.pos, this.pos + n);
    this.pos += out.length;
    return out;
  }
}

/** Collects writes in memory; `getValue()` returns them as one Buffer. */
export class BytesWriter {
  private readonly parts: Buffer[] = [];
  private size = 0;

  /** Append bytes (strings as UTF-8); returns the byte count. */
  write(data: Buffer | Uint8Array | string): number {
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.parts.push(buf);
    this.size += buf.length;
    return buf.length;
  }

  /** Everything written so far. */
  getValue(): Buffer {
    return Buffer.concat(this.parts, this.size);
  }

  /** Nothing to wait for in memory. */
  flush(): Promise<void> {
    return Promise.resolve();
  }
}
