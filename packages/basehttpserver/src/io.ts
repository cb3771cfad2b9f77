/**
 * `rfile` and `wfile` of an HTTP connection: socketserver's reader and writer, plus byte
 * counters. The reader counts what was consumed, so the server knows how much of a request
 * body a handler read straight from `rfile` (CPython's `self.rfile.read(length)` idiom) and can
 * drain the rest before the next request. The writer counts body bytes for the access log.
 * @module
 */
import { SocketReader, SocketWriter, ConnectionClosed } from "@stdhttp/socketserver";

/** `rfile` of an HTTP connection: a `SocketReader` that counts the bytes consumed. */
export class HTTPSocketReader extends SocketReader {
  /** Bytes consumed (read, minus those put back with `unshift`) since the connection opened. */
  consumed = 0;

  private readonly count = (data: Buffer): Buffer => {
    this.consumed += data.length;
    return data;
  };

  override read(n = -1): Promise<Buffer> {
    return super.read(n).then(this.count);
  }

  override read1(n = -1): Promise<Buffer> {
    return super.read1(n).then(this.count);
  }

  override readline(limit?: number): Promise<Buffer> {
    return super.readline(limit).then(this.count);
  }

  override unshift(data: Buffer): void {
    super.unshift(data);
    this.consumed -= data.length;
  }

  /** Consume `n` bytes that are already buffered, synchronously (the parsed head). */
  skip(n: number): void {
    // With n bytes buffered, SocketReader.read takes them before returning its promise.
    void super.read(n);
    this.consumed += n;
  }
}

/** `wfile` of an HTTP connection: a `SocketWriter` that counts body bytes and writes heads as latin1. */
export class HTTPSocketWriter extends SocketWriter {
  /** Bytes written with `write`/`writeMany` since the counter was last reset (the response body). */
  bytesWritten = 0;
  private readonly stream: NodeJS.WritableStream & { destroyed: boolean; writableEnded: boolean };

  constructor(socket: ConstructorParameters<typeof SocketWriter>[0]) {
    super(socket);
    this.stream = socket as unknown as HTTPSocketWriter["stream"];
  }

  override write(data: Buffer | Uint8Array | string): number {
    const n = super.write(data);
    this.bytesWritten += n;
    return n;
  }

  /** Write a response head (a latin1 string, as CPython encodes it) without counting it as body. */
  writeHead(head: string): void {
    if (this.closed || this.stream.destroyed || this.stream.writableEnded) throw new ConnectionClosed();
    this.stream.write(head, "latin1");
  }
}
