/**
 * `HTTPResponse`: status, headers and the body reader of one response (CPython
 * `http.client.HTTPResponse`), reading straight from the connection's {@link Wire}.
 * @module
 */
import { ConflictingFraming, UnknownProtocol } from "../errors.js";
import { ChunkedBody, hasToken, responseBodyFraming, type HTTPMessage, type ResponseHead } from "../message/index.js";
import { BodyKind, BodyReader, type ResponseOwner } from "./body-reader.js";
import { Phase, type Wire } from "./wire.js";

const EMPTY = Buffer.alloc(0);

/**
 * One HTTP response, returned by {@link HTTPConnection.getResponse}. The head is parsed; the body
 * is read on demand with {@link HTTPResponse.read}, {@link HTTPResponse.read1},
 * {@link HTTPResponse.readInto}, {@link HTTPResponse.readInto1}, {@link HTTPResponse.readline}, {@link HTTPResponse.peek} or
 * `for await (const chunk of response)`.
 *
 * The connection is free for its next request once the body has been read to the end (or the
 * response closed). Closing a response whose body is not fully read closes the socket, so that
 * leftover bytes never reach the next request; the connection then reconnects by itself.
 * A response without a body (HEAD, 1xx, 204, 304, `Content-Length: 0`) is closed from the start.
 *
 * For the caller: `status`, `reason`, `version`, `headers`/`msg`, `getHeader()`, `getHeaders()`,
 * the read methods, `isClosed()`, `close()`, `willClose`, `chunked`, `length`, `trailers`.
 * @example
 * ```ts
 * await conn.request("GET", "/");
 * const res = await conn.getResponse();
 * console.log(res.status, res.reason, res.getHeader("content-type"));
 * const body = await res.read();
 * ```
 */
export class HTTPResponse implements AsyncIterable<Buffer> {
  /** Status code, e.g. 200. */
  readonly status: number;
  /** Reason phrase as sent (may be empty). */
  readonly reason: string;
  /** 10 for HTTP/1.0, 11 for HTTP/1.x (x >= 1), as CPython's `version`. */
  readonly version: 10 | 11;
  /** Response header fields. */
  readonly headers: HTTPMessage;
  /** Method of the request this answers. */
  readonly method: string;
  /** Whether the body uses the chunked transfer coding. */
  readonly chunked: boolean;
  /** Whether the connection closes after this response (CPython `will_close`). */
  willClose: boolean;
  /** Debug level copied from the connection (CPython `debuglevel`). */
  debugLevel: number;
  readonly #body: BodyReader;
  #closed = false;

  /** Built by the connection from a parsed head; not meant to be called directly. */
  constructor(owner: ResponseOwner, wire: Wire, head: ResponseHead, method: string, forceClose = false, debugLevel = 0) {
    if (head.versionMajor !== 1) throw new UnknownProtocol(head.version);
    this.status = head.status;
    this.reason = head.reason;
    this.version = head.versionMinor === 0 ? 10 : 11;
    this.headers = head.headers;
    this.method = method;
    this.debugLevel = debugLevel;
    // Transfer-Encoding in an HTTP/1.0 answer is faulty framing (RFC 9112 6.1): the body is still
    // decoded as chunked (as CPython reads it), but the connection is closed after it, never reused.
    const framing = responseBodyFraming(head.status, head.headers, method);
    let close = forceClose || this.#checkClose() || (head.versionMinor === 0 && framing.kind === "chunked");
    let kind: BodyKind;
    let length: number | null = null;
    let chunks: ChunkedBody | null = null;
    switch (framing.kind) {
      case "none":
        kind = BodyKind.None;
        length = 0;
        if (head.status === 101) close = true; // the socket now speaks another protocol
        break;
      case "length":
        kind = BodyKind.Length;
        length = framing.length;
        break;
      case "chunked":
        // RFC 9112 6.3: Transfer-Encoding with Content-Length "ought to be handled as an error".
        if (framing.close === true) throw new ConflictingFraming("response has both Content-Length and Transfer-Encoding");
        kind = BodyKind.Chunked;
        chunks = new ChunkedBody();
        break;
      default:
        kind = BodyKind.Close;
        close = true;
    }
    this.chunked = kind === BodyKind.Chunked;
    this.willClose = close;
    this.#body = new BodyReader(this, owner, wire, kind, length, chunks);
    if (length === 0) this.#body.finish();
    else wire.setPhase(Phase.Body);
  }

  /** CPython `_check_close`: does the connection end after this response? */
  #checkClose(): boolean {
    const conn = this.headers.getAll("connection");
    if (this.version === 11) return hasToken(conn, "close");
    // HTTP/1.0: close unless keep-alive is announced somehow.
    if (this.headers.has("keep-alive")) return false;
    if (hasToken(conn, "keep-alive")) return false;
    return !hasToken(this.headers.getAll("proxy-connection"), "keep-alive");
  }

  /** Same object as {@link HTTPResponse.headers} (CPython's `msg`). */
  get msg(): HTTPMessage {
    return this.headers;
  }

  /**
   * Value of header `name` (several values joined with ", "), or `fallback` when there is none
   * (CPython `getheader`: a list of strings as fallback is joined with ", ", any other value is
   * returned as is).
   */
  getHeader(name: string): string | undefined;
  getHeader(name: string, fallback: string | readonly string[]): string;
  getHeader<T>(name: string, fallback: T): string | T;
  getHeader(name: string, fallback?: unknown): unknown {
    const all = this.headers.getAll(name);
    if (all.length === 0) return Array.isArray(fallback) ? fallback.join(", ") : fallback;
    return all.length === 1 ? all[0] : all.join(", ");
  }

  /** `[name, value]` pairs in wire order (CPython `getheaders`). */
  getHeaders(): Array<[string, string]> {
    return this.headers.rawPairs();
  }

  /** Whether the body has been fully read or the response closed (CPython `isclosed`). */
  isClosed(): boolean {
    return this.#body.wire === null;
  }

  /** Bytes of a Content-Length body not read yet; null when unknown (chunked or read until close). */
  get length(): number | null {
    return this.#body.length;
  }

  /** Trailer fields of a chunked body, once it has been read to the end; otherwise null. */
  get trailers(): HTTPMessage | null {
    return this.#body.trailers;
  }

  /**
   * Reads the body: everything when `amt` is omitted (or negative), else up to `amt` bytes
   * (fewer only at the end of the body). Resolves to an empty Buffer once closed.
   * Throws `IncompleteRead` when the connection ends before the announced length or chunk,
   * `InvalidChunk` for bad chunked framing, `BodyTimeout`/`RequestAborted` when those fire.
   */
  read(amt?: number | null): Promise<Buffer> {
    return this.#body.read(amt);
  }

  /** Reads up to `target.length` bytes into `target`; resolves to the count (0 at the end) (CPython `readinto`). */
  readInto(target: Uint8Array): Promise<number> {
    return this.#body.readInto(target);
  }

  /**
   * Copies up to `target.length` body bytes into `target` with at most one wait for data;
   * resolves to the count, 0 at the end of the body (CPython `readinto1`). The cheapest way to
   * stream a large body through a buffer of your own: the bytes are copied out of the
   * connection's read block, which is then filled again, so nothing is allocated per read
   * (`read1()` and the async iterator hand out views, so each read needs fresh memory).
   * @example
   * const block = Buffer.allocUnsafe(256 * 1024);
   * for (let n; (n = await res.readInto1(block)) > 0; ) out.write(block.subarray(0, n)); // wait for each write before the next read
   */
  readInto1(target: Uint8Array): Promise<number> {
    return this.#body.readInto1(target);
  }

  /** Returns up to `n` bytes (all available when `n` is omitted or negative) with at most one wait for data (CPython `read1`). */
  async read1(n = -1): Promise<Buffer> {
    if (this.#body.wire === null || n === 0) return EMPTY;
    const piece = await this.#body.available(null, 0);
    if (piece === null) return EMPTY;
    const out = n < 0 || n >= piece.length ? piece : piece.subarray(0, n);
    this.#body.consume(out.length);
    return out;
  }

  /** Returns bytes that are available without consuming them (at least one unless at the end); `n` is a hint (CPython `peek`). */
  async peek(n = 1): Promise<Buffer> {
    if (this.#body.wire === null || n === 0) return EMPTY;
    return (await this.#body.available(null, 0)) ?? EMPTY;
  }

  /** Reads one line, LF included, of at most `limit` bytes (unbounded when omitted or negative) (CPython `readline`). */
  readline(limit = -1): Promise<Buffer> {
    return this.#body.readline(limit);
  }

  /**
   * Reads lines (LF included) to the end of the body, or until the lines read so far total more
   * than `hint` bytes when `hint` is positive (CPython `readlines`, from `IOBase`).
   */
  async readlines(hint = -1): Promise<Buffer[]> {
    const lines: Buffer[] = [];
    let total = 0;
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) break;
      lines.push(line);
      total += line.length;
      if (hint > 0 && total >= hint) break;
    }
    return lines;
  }

  /** Body chunks as they arrive. Leaving the loop early closes the response (and its socket). */
  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    try {
      for (;;) {
        const chunk = await this.read1();
        if (chunk.length === 0) return;
        yield chunk;
      }
    } finally {
      this.#body.close(); // frees (or, when left early, closes) the connection; `closed` stays as it was
    }
  }

  /**
   * Closes the response. If the body was not read to the end the socket is closed too
   * (unless the rest of a Content-Length body is already buffered, then it is skipped).
   */
  close(): void {
    this.#closed = true;
    this.#body.close();
  }

  /**
   * Whether {@link HTTPResponse.close} was called (CPython's `closed`, from `IOBase`); unlike
   * {@link HTTPResponse.isClosed}, reading the body to its end does not set it.
   */
  get closed(): boolean {
    return this.#closed;
  }
}
