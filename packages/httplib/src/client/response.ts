/**
 * `HTTPResponse`: status, headers and the body reader of one response (CPython
 * `http.client.HTTPResponse`), reading straight from the connection's {@link Wire}.
 * @module
 */
import { ConflictingFraming, HTTPException, IncompleteRead, UnknownProtocol } from "../errors.js";
import { ChunkedDecoder, responseBodyFraming, type HTTPMessage, type ResponseHead } from "../message/index.js";
import { Phase, type Wire } from "./wire.js";

const EMPTY = Buffer.alloc(0);
/** Content-Length bodies up to this size are read into one preallocated Buffer. */
const MAX_PREALLOC = 64 * 1024 * 1024;

/** How the body is delimited. */
const enum Kind {
  None,
  Length,
  Chunked,
  Close,
}

/** What a response tells the connection that produced it. Internal. */
export interface ResponseOwner {
  /** The body was consumed (`reuse`: the socket may carry the next response) or abandoned. */
  responseDone(resp: HTTPResponse, wire: Wire, reuse: boolean): void;
}

/** True when a comma-separated header value lists `token` (case-insensitive). */
function listHas(values: string[], token: string): boolean {
  for (const v of values) for (const part of v.split(",")) if (part.trim().toLowerCase() === token) return true;
  return false;
}

/**
 * One HTTP response, returned by {@link HTTPConnection.getResponse}. The head is parsed; the body
 * is read on demand with {@link HTTPResponse.read}, {@link HTTPResponse.read1},
 * {@link HTTPResponse.readInto}, {@link HTTPResponse.readline}, {@link HTTPResponse.peek} or
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
  /** Bytes of a Content-Length body not read yet; null when unknown (chunked or read until close). */
  length: number | null;
  /** Whether the connection closes after this response (CPython `will_close`). */
  willClose: boolean;
  /** Trailer fields of a chunked body, once it has been read to the end; otherwise null. */
  trailers: HTTPMessage | null = null;
  /** Debug level copied from the connection (CPython `debuglevel`). */
  debugLevel: number;

  #wire: Wire | null;
  readonly #owner: ResponseOwner;
  readonly #kind: Kind;
  #decoder: ChunkedDecoder | null = null;
  #pend: Buffer[] = [];

  /** Built by the connection from a parsed head; not meant to be called directly. */
  constructor(owner: ResponseOwner, wire: Wire, head: ResponseHead, method: string, forceClose = false, debugLevel = 0) {
    if (head.versionMajor !== 1) throw new UnknownProtocol(head.version);
    this.#owner = owner;
    this.#wire = wire;
    this.status = head.status;
    this.reason = head.reason;
    this.version = head.versionMinor === 0 ? 10 : 11;
    this.headers = head.headers;
    this.method = method;
    this.debugLevel = debugLevel;
    const h = head.headers;
    const framing = responseBodyFraming(head.status, h, method);
    let close = forceClose || this.#checkClose();
    switch (framing.kind) {
      case "none":
        this.#kind = Kind.None;
        this.length = 0;
        this.chunked = false;
        if (head.status === 101) close = true; // the socket now speaks another protocol
        break;
      case "length":
        this.#kind = Kind.Length;
        this.length = framing.length;
        this.chunked = false;
        break;
      case "chunked":
        // RFC 9112 6.3: Transfer-Encoding with Content-Length "ought to be handled as an error".
        if (framing.close === true) throw new ConflictingFraming("response has both Content-Length and Transfer-Encoding");
        this.#kind = Kind.Chunked;
        this.length = null;
        this.chunked = true;
        this.#decoder = new ChunkedDecoder();
        break;
      default:
        this.#kind = Kind.Close;
        this.length = null;
        this.chunked = false;
        close = true;
    }
    this.willClose = close;
    if (this.#kind === Kind.None || (this.#kind === Kind.Length && this.length === 0)) this.#finish();
    else wire.setPhase(Phase.Body);
  }

  /** CPython `_check_close`: does the connection end after this response? */
  #checkClose(): boolean {
    const conn = this.headers.getAll("connection");
    if (this.version === 11) return listHas(conn, "close");
    // HTTP/1.0: close unless keep-alive is announced somehow.
    if (this.headers.has("keep-alive")) return false;
    if (listHas(conn, "keep-alive")) return false;
    return !listHas(this.headers.getAll("proxy-connection"), "keep-alive");
  }

  /** Same object as {@link HTTPResponse.headers} (CPython's `msg`). */
  get msg(): HTTPMessage {
    return this.headers;
  }

  /** Value of header `name` (several values joined with ", "), or `fallback` (CPython `getheader`). */
  getHeader(name: string, fallback?: string): string | undefined {
    const all = this.headers.getAll(name);
    if (all.length === 0) return fallback;
    return all.length === 1 ? all[0] : all.join(", ");
  }

  /** `[name, value]` pairs in wire order (CPython `getheaders`). */
  getHeaders(): Array<[string, string]> {
    return this.headers.rawPairs();
  }

  /** Whether the body has been fully read or the response closed (CPython `isclosed`). */
  isClosed(): boolean {
    return this.#wire === null;
  }

  /**
   * Reads the body: everything when `amt` is omitted (or negative), else up to `amt` bytes
   * (fewer only at the end of the body). Resolves to an empty Buffer once closed.
   * Throws `IncompleteRead` when the connection ends before the announced length or chunk,
   * `InvalidChunk` for bad chunked framing, `BodyTimeout`/`RequestAborted` when those fire.
   */
  read(amt?: number | null): Promise<Buffer> {
    const wire = this.#wire;
    if (wire === null) return Promise.resolve(EMPTY);
    if (amt !== undefined && amt !== null && amt >= 0) return this.#readAmount(amt);
    if (this.#kind === Kind.Length) {
      const n = this.length!;
      if (wire.buf.length < n) return this.#readLength(n);
      const out = wire.take(n); // the whole body is here: no copy, no wait
      this.length = 0;
      this.#finish();
      return Promise.resolve(out);
    }
    return this.#readAll();
  }

  async #readAll(): Promise<Buffer> {
    const parts: Buffer[] = [];
    let total = 0;
    for (;;) {
      const piece = await this.#available(parts, total);
      if (piece === null) break;
      parts.push(piece);
      total += piece.length;
      this.#consume(piece.length);
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, total);
  }

  /** Reads up to `target.length` bytes into `target`; resolves to the count (0 at the end) (CPython `readinto`). */
  async readInto(target: Uint8Array): Promise<number> {
    let at = 0;
    while (at < target.length && this.#wire !== null) {
      if (this.#kind === Kind.Length && this.#wire.buf.length === 0 && this.length! >= target.length - at) {
        const want = target.length - at;
        const got = (await this.#wire.fill(target.subarray(at, target.length), 0));
        this.length! -= got;
        at += got;
        if (got < want) throw this.#bodyError(Buffer.from(target.subarray(0, at)), this.length);
        if (this.length === 0) this.#finish();
        continue;
      }
      const piece = await this.#available(null, 0);
      if (piece === null) break;
      const n = Math.min(piece.length, target.length - at);
      target.set(n === piece.length ? piece : piece.subarray(0, n), at);
      at += n;
      this.#consume(n);
    }
    return at;
  }

  /** Returns up to `n` bytes (all available when `n` is omitted or negative) with at most one wait for data (CPython `read1`). */
  async read1(n = -1): Promise<Buffer> {
    if (this.#wire === null || n === 0) return EMPTY;
    const piece = await this.#available(null, 0);
    if (piece === null) return EMPTY;
    const out = n < 0 || n >= piece.length ? piece : piece.subarray(0, n);
    this.#consume(out.length);
    return out;
  }

  /** Returns bytes that are available without consuming them (at least one unless at the end); `n` is a hint (CPython `peek`). */
  async peek(n = 1): Promise<Buffer> {
    if (this.#wire === null || n === 0) return EMPTY;
    const piece = await this.#available(null, 0);
    return piece ?? EMPTY;
  }

  /** Reads one line, LF included, of at most `limit` bytes (unbounded when omitted or negative) (CPython `readline`). */
  async readline(limit = -1): Promise<Buffer> {
    const parts: Buffer[] = [];
    let total = 0;
    while (this.#wire !== null && (limit < 0 || total < limit)) {
      const piece = await this.#available(parts, total);
      if (piece === null) break;
      const lf = piece.indexOf(0x0a);
      let n = lf === -1 ? piece.length : lf + 1;
      if (limit >= 0) n = Math.min(n, limit - total);
      parts.push(n === piece.length ? piece : piece.subarray(0, n));
      total += n;
      this.#consume(n);
      if (lf !== -1 && n === lf + 1) break;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, total);
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
      this.close();
    }
  }

  /**
   * Closes the response. If the body was not read to the end the socket is closed too
   * (unless the rest of a Content-Length body is already buffered, then it is skipped).
   */
  close(): void {
    const wire = this.#wire;
    if (wire === null) return;
    if (this.#kind === Kind.Length && wire.buf.length >= this.length!) {
      wire.consume(this.length!);
      this.length = 0;
      this.#finish();
      return;
    }
    this.#wire = null;
    this.#pend = [];
    this.#owner.responseDone(this, wire, false);
  }

  /** Reads the rest of a Content-Length body into one Buffer. */
  async #readLength(n: number): Promise<Buffer> {
    const wire = this.#wire!;
    if (wire.buf.length >= n) {
      const out = wire.take(n);
      this.length = 0;
      this.#finish();
      return out;
    }
    if (n > MAX_PREALLOC) return this.#readAmount(n);
    const out = Buffer.allocUnsafe(n);
    const got = await wire.fill(out, 0);
    this.length = n - got;
    if (got < n) throw this.#bodyError(out.subarray(0, got), n - got);
    this.#finish();
    return out;
  }

  async #readAmount(amt: number): Promise<Buffer> {
    if (amt === 0) return EMPTY;
    const parts: Buffer[] = [];
    let total = 0;
    while (total < amt) {
      const piece = await this.#available(parts, total);
      if (piece === null) break;
      const n = Math.min(piece.length, amt - total);
      parts.push(n === piece.length ? piece : piece.subarray(0, n));
      total += n;
      this.#consume(n);
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, total);
  }

  /**
   * The next body bytes available now (a view, not consumed), waiting for some if needed;
   * null at the end of the body (the response is then closed). `parts`/`total` are what the
   * caller collected so far, reported as `partial` if the body turns out incomplete.
   */
  async #available(parts: Buffer[] | null, total: number): Promise<Buffer | null> {
    for (;;) {
      const wire = this.#wire;
      if (wire === null) return null;
      switch (this.#kind) {
        case Kind.Length: {
          const len = this.length!;
          if (wire.buf.length > 0) return wire.buf.length <= len ? wire.buf : wire.buf.subarray(0, len);
          if (wire.ended || wire.error !== null) throw this.#bodyError(partialOf(parts, total), len);
          break;
        }
        case Kind.Chunked: {
          if (this.#pend.length > 0) return this.#pend[0];
          const dec = this.#decoder!;
          if (dec.done) {
            this.#finish();
            return null;
          }
          if (wire.buf.length > 0) {
            const input = wire.buf;
            wire.consume(input.length);
            let res;
            try {
              res = dec.push(input);
            } catch (err) {
              this.#abandon(wire);
              throw err;
            }
            for (const d of res.data) if (d.length > 0) this.#pend.push(d);
            if (res.done) {
              if (res.rest !== null) wire.unshift(res.rest);
              this.trailers = dec.trailers;
            }
            continue;
          }
          if (wire.ended || wire.error !== null) {
            if (dec.sawLastChunk && wire.error === null) {
              // CPython tolerates a missing trailer section / final CRLF at EOF.
              this.willClose = true;
              this.#finish();
              return null;
            }
            throw this.#bodyError(partialOf(parts, total), dec.chunkRemaining > 0 ? dec.chunkRemaining : null);
          }
          break;
        }
        case Kind.Close:
          if (wire.buf.length > 0) return wire.buf;
          if (wire.error !== null) throw this.#bodyError(partialOf(parts, total), null);
          if (wire.ended) {
            this.#finish();
            return null;
          }
          break;
        default:
          this.#finish();
          return null;
      }
      await wire.wait();
    }
  }

  /** Marks `n` bytes of what {@link HTTPResponse.#available} returned as read. */
  #consume(n: number): void {
    const wire = this.#wire!;
    switch (this.#kind) {
      case Kind.Length:
        wire.consume(n);
        this.length! -= n;
        if (this.length === 0) this.#finish();
        break;
      case Kind.Chunked: {
        const head = this.#pend[0];
        if (n === head.length) this.#pend.shift();
        else this.#pend[0] = head.subarray(n);
        break;
      }
      default:
        wire.consume(n);
    }
  }

  /** The error for a body that stopped early: a timeout or abort as is, else `IncompleteRead`. */
  #bodyError(partial: Buffer, expected: number | null): Error {
    const wire = this.#wire;
    const cause = wire?.error ?? null;
    if (wire !== null) this.#abandon(wire);
    if (cause instanceof HTTPException) return cause;
    return new IncompleteRead(partial, expected, cause === null ? undefined : { cause });
  }

  #abandon(wire: Wire): void {
    this.#wire = null;
    this.#pend = [];
    this.#owner.responseDone(this, wire, false);
  }

  /** The body was read to the end. */
  #finish(): void {
    const wire = this.#wire;
    if (wire === null) return;
    this.#wire = null;
    this.#owner.responseDone(this, wire, !this.willClose);
  }
}

function partialOf(parts: Buffer[] | null, total: number): Buffer {
  if (parts === null || parts.length === 0) return EMPTY;
  return parts.length === 1 ? parts[0] : Buffer.concat(parts, total);
}
