/**
 * `IncomingBody`: the decoded body of the current request, Content-Length or chunked, that
 * stops exactly at this request's end so keep-alive and pipelining stay correct.
 * @module
 */
import { BodyTooLarge, ChunkedBody, IncompleteRead, type HTTPMessage } from "@stdhttp/httplib";
import { SocketTimeout } from "@stdhttp/socketserver";
import type { HTTPSocketReader } from "./io.js";

const EMPTY = Buffer.alloc(0);

/** How the current request's body is delimited. */
export type IncomingBodyKind = "none" | "length" | "chunked";

/**
 * The body of the current request (`this.body` in a handler), decoded: Content-Length bodies
 * are passed through, chunked bodies are de-chunked (trailers in {@link IncomingBody.trailers}).
 * Reading never goes past the end of this request's body.
 *
 * A handler may also read a Content-Length body straight from `rfile` as in CPython; the server
 * notices how much was read. Whatever is left unread when the handler returns is drained
 * before the next request (or the connection is closed when that is not possible).
 *
 * @example
 * async do_POST() {
 *   const data = await this.body.readAll();           // or: for await (const chunk of this.body) ...
 *   this.sendResponse(200); this.sendHeader("Content-Length", data.length); this.endHeaders();
 *   this.wfile.write(data);
 * }
 */
export class IncomingBody implements AsyncIterable<Buffer> {
  /** `"none"`, `"length"` or `"chunked"`. */
  kind: IncomingBodyKind = "none";
  /** The Content-Length, or `null` for chunked or no body. */
  length: number | null = null;
  /** Trailer fields of a chunked body once it was read to the end; `null` before (and for other bodies). */
  trailers: HTTPMessage | null = null;

  private readonly rfile: HTTPSocketReader;
  private start = 0;
  private expected = 0;
  private maxSize = Number.MAX_SAFE_INTEGER;
  private deadline = 0;
  private timeout: number | null = null;
  /** The chunked receiving loop's state (httplib's `ChunkedBody`), for a chunked body. */
  private chunked: ChunkedBody | null = null;
  private failure: Error | null = null;

  /** @internal Created once per connection by the handler. */
  constructor(rfile: HTTPSocketReader) {
    this.rfile = rfile;
  }

  /** @internal Start a new request's body. `deadline` is a `Date.now()` value (0: none). */
  reset(kind: IncomingBodyKind, length: number | null, maxSize: number, deadline: number, timeout: number | null): void {
    this.kind = kind;
    this.length = length;
    this.trailers = null;
    this.start = this.expected = this.rfile.consumed;
    this.maxSize = maxSize;
    this.deadline = deadline;
    this.timeout = timeout;
    this.chunked = kind === "chunked" ? new ChunkedBody({ maxBodySize: maxSize }) : null;
    this.failure = null;
  }

  /** Bytes of a Content-Length body not read yet (by `read` or from `rfile`); `null` for chunked bodies. */
  get remaining(): number | null {
    if (this.kind === "none") return 0;
    if (this.kind === "chunked") return null;
    return (this.length ?? 0) - (this.rfile.consumed - this.start);
  }

  /** True once the whole body has been read. */
  get done(): boolean {
    if (this.kind === "chunked") return this.chunked!.done;
    return (this.remaining ?? 0) <= 0;
  }

  /**
   * Read up to `n` bytes of the body (without `n`: whatever is available, waiting only when nothing
   * is). An empty Buffer means the body is over. Rejects with `IncompleteRead` when the client
   * closes early, `InvalidChunk` for a malformed chunked body, `BodyTooLarge` past `maxBodySize`,
   * `SocketTimeout` when the client is too slow.
   */
  async read(n = -1): Promise<Buffer> {
    if (this.failure) throw this.failure;
    if (n === 0) return EMPTY;
    try {
      return this.kind === "chunked" ? await this.readChunked(n) : await this.readLength(n);
    } catch (err) {
      this.failure = err as Error;
      throw err;
    }
  }

  /** Read the whole body into one Buffer (at most `limit` bytes, default the server's `maxBodySize`). */
  async readAll(limit = this.maxSize): Promise<Buffer> {
    const declared = this.remaining;
    if (declared !== null && declared > limit) throw new BodyTooLarge(limit);
    const parts: Buffer[] = [];
    let total = 0;
    for (let piece = await this.read(); piece.length > 0; piece = await this.read()) {
      total += piece.length;
      if (total > limit) throw new BodyTooLarge(limit);
      parts.push(piece);
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, total);
  }

  /** The whole body decoded as text (UTF-8 unless told otherwise). */
  async text(encoding: BufferEncoding = "utf8"): Promise<string> {
    return (await this.readAll()).toString(encoding);
  }

  /** Iterate over the body's pieces as they arrive. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    for (let piece = await this.read(); piece.length > 0; piece = await this.read()) yield piece;
  }

  /**
   * @internal Discard what the handler left unread so the next request can be parsed.
   * Resolves false when the connection cannot be reused (bad body, body read past its end,
   * client gone).
   */
  async drain(): Promise<boolean> {
    if (this.kind === "none") return true;
    if (this.failure) return false;
    try {
      if (this.kind === "length") {
        let rest = this.remaining ?? 0;
        if (rest < 0) return false; // the handler read into the next request
        while (rest > 0) {
          const piece = await this.readLength(rest);
          rest -= piece.length;
        }
        return true;
      }
      if (this.rfile.consumed !== this.expected) return false; // chunked bytes read raw: position unknown
      while ((await this.readChunked(-1)).length > 0);
      return true;
    } catch {
      return false;
    }
  }

  private async readLength(n: number): Promise<Buffer> {
    const rest = this.remaining ?? 0;
    if (rest <= 0) return EMPTY;
    const want = n < 0 ? rest : Math.min(n, rest);
    if (this.rfile.buffered === 0) this.beforeWait();
    const piece = await this.rfile.read1(want);
    if (piece.length === 0) throw new IncompleteRead(EMPTY, rest);
    return piece;
  }

  private async readChunked(n: number): Promise<Buffer> {
    const rfile = this.rfile;
    const chunked = this.chunked!;
    for (;;) {
      const piece = chunked.take(n);
      if (piece !== null) return piece;
      if (chunked.ended) {
        this.trailers = chunked.trailers;
        return EMPTY;
      }
      if (rfile.buffered === 0) this.beforeWait();
      const data = await rfile.read1();
      if (data.length === 0) throw chunked.incompleteRead(EMPTY);
      const rest = chunked.feed(data);
      if (rest !== null) rfile.unshift(rest);
      this.expected = rfile.consumed;
      if (chunked.ended) this.trailers = chunked.trailers;
    }
  }

  /** About to wait for the client: enforce the whole-request deadline and set the body read timeout. */
  private beforeWait(): void {
    if (this.deadline !== 0 && Date.now() > this.deadline) throw new SocketTimeout(this.timeout ?? 0);
    this.rfile.enterPhase("body");
  }
}

/**
 * The body of every request without one (`kind` `"none"`: reads return an empty Buffer), shared
 * by all connections until their first request with a body. Never reset: it reads no socket.
 */
export const NO_BODY: IncomingBody = new IncomingBody(null as unknown as HTTPSocketReader);
