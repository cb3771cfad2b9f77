/**
 * `HTTPConnection`: one HTTP/1.1 client connection with CPython's request state machine
 * (`_CS_IDLE` -> `_CS_REQ_STARTED` -> `_CS_REQ_SENT`), keep-alive reuse, automatic reconnect
 * (`auto_open`), optional pipelining, proxy tunnels and Unix sockets.
 * @module
 */
import { CannotSendHeader, CannotSendRequest, NotConnected, ResponseNotReady } from "../errors.js";
import type { ResponseHead } from "../message/index.js";
import { getContentLength, isFileHandle, writeBody, type RequestBody } from "./body.js";
import { formatHeaderLine, headerPairs, validateMethod, validatePath, validateTargetBytes, type HeaderValue, type RequestHeaders } from "./checks.js";
import { asError, RequestAborted, UnsolicitedUpgrade } from "./errors.js";
import { awaitContinue } from "./expect-continue.js";
import type { HTTPConnectionOptions, InformationalResponse } from "./options.js";
import { headStep, responseSize } from "./read-head.js";
import { hostHeader, netlocOf, writeHeadAndBytes } from "./request-head.js";
import { HTTPResponse, type ResponseOwner } from "./response.js";
import { ConnectionBase } from "./transport.js";
import { Phase, type Wire } from "./wire.js";

const IDLE = "Idle";
const REQ_STARTED = "Request-started";
const REQ_SENT = "Request-sent";

/** Options of {@link HTTPConnection.putRequest}. */
export interface PutRequestOptions {
  /** Do not add a Host header (CPython `skip_host`). */
  skipHost?: boolean;
  /** Do not add `Accept-Encoding: identity` (CPython `skip_accept_encoding`). */
  skipAcceptEncoding?: boolean;
}

/** Options of {@link HTTPConnection.endHeaders}. */
export interface EndHeadersOptions {
  /** Frame the body with the chunked transfer coding (the caller sent `Transfer-Encoding: chunked`). HTTP/1.1 only. */
  encodeChunked?: boolean;
}

/** Options of {@link HTTPConnection.request}. */
export interface RequestOptions extends EndHeadersOptions {
  /** Aborts this request: the socket is closed and pending calls reject with `RequestAborted`. */
  signal?: AbortSignal | null;
}

/** A request that was sent (or is being sent) and whose response has not been taken yet. */
interface Pending {
  method: string;
  wire: Wire | null;
  signal: AbortSignal | null;
  onAbort: (() => void) | null;
  skipBody: boolean;
  /** The request had an `Upgrade` header field: only then may the answer be `101 Switching Protocols`. */
  upgrade: boolean;
  error: Error | null;
  /** The transmission still running (slow path only), or null. */
  sending: Promise<void> | null;
}

const noop = (): void => {};

/** Which of the fields `request()` would add (or must react to) the caller's headers already have. */
interface GivenHeaders {
  host: boolean;
  acceptEncoding: boolean;
  contentLength: boolean;
  transferEncoding: boolean;
  /** `Expect: 100-continue`. */
  expectContinue: boolean;
}

/** One pass over the caller's header pairs (names compared case-insensitively). */
function scanHeaders(pairs: ReadonlyArray<readonly [string, readonly HeaderValue[]]>): GivenHeaders {
  const given: GivenHeaders = { host: false, acceptEncoding: false, contentLength: false, transferEncoding: false, expectContinue: false };
  for (const [name, values] of pairs) {
    switch (name.toLowerCase()) {
      case "host": given.host = true; break;
      case "accept-encoding": given.acceptEncoding = true; break;
      case "content-length": given.contentLength = true; break;
      case "transfer-encoding": given.transferEncoding = true; break;
      case "expect": given.expectContinue = values.some((v) => String(v).toLowerCase() === "100-continue"); break;
    }
  }
  return given;
}

/**
 * An HTTP/1.1 connection to one server (CPython `http.client.HTTPConnection`).
 *
 * For the caller: `request()`, `getResponse()`, or the step-by-step `putRequest()`,
 * `putHeader()`, `endHeaders()`, `send()`; `setTunnel()`, `setDebugLevel()`, `connect()`, `close()`.
 * Events: `"information"` with an {@link InformationalResponse} for each interim 1xx answer
 * (never `"error"`: failures reject the promise of the call concerned).
 *
 * May be overridden: `createSocket()` (how the socket is opened) and `secureWire()` (what
 * happens after TCP connect and tunnel; {@link HTTPSConnection} does TLS there); the static
 * `defaultPort`.
 *
 * Requests are sent one at a time: after `request()`, call `getResponse()` and read the body to
 * its end (or `close()` the response) before the next request, as in CPython; with
 * `{ pipelining: n }` up to n requests may be outstanding and `getResponse()` returns their
 * responses in order. The socket is kept alive when the response allows it and reopened
 * automatically when it was closed. Durations in the options are seconds, as in CPython
 * (`{ timeout: 10 }` is ten seconds).
 * @example
 * ```ts
 * const conn = new HTTPConnection("localhost", 8080, { timeout: 10 });
 * await conn.request("GET", "/", null, { Accept: "text/html" });
 * const res = await conn.getResponse();
 * console.log(res.status, (await res.read()).toString());
 * conn.close();
 * ```
 */
export class HTTPConnection extends ConnectionBase implements ResponseOwner {
  /** Requests allowed outstanding at once. */
  readonly pipelining: number;
  /** Called when a response finished and the connection can take a request (used by the pool). */
  onFree: ((conn: HTTPConnection) => void) | null = null;

  #state = IDLE;
  #head = "";
  #method = "";
  #upgrade = false;
  #queue: Pending[] = [];
  #active: Pending | null = null;
  #response: HTTPResponse | null = null;
  #responseWaiters: Array<() => void> = [];
  #readingHead = false;
  #sendTail: Promise<void> | null = null;
  /** Bytes received but not parsable when the last response head failed (the legacy `getFile()`). */
  lastUnparsed: Buffer | null = null;

  /**
   * @param host - `"host"`, `"host:port"` or `"[v6]:port"` (CPython `_get_hostport`).
   * @param port - overrides a port in `host`; default {@link HTTPConnection.defaultPort}.
   * @param options - see {@link HTTPConnectionOptions}.
   */
  constructor(host: string, port?: number | null, options: HTTPConnectionOptions = {}) {
    super(host, port, options);
    this.pipelining = Math.max(1, options.pipelining ?? 1);
  }

  /**
   * Hook (CPython `_encode_request`): the request target as sent, one character per byte. Default:
   * `url` as is, refusing control characters, spaces and non-ASCII (`InvalidURL`). Override it to
   * send other bytes, e.g. UTF-8 (`return Buffer.from(url, "utf8").toString("latin1")`) or a
   * percent-encoded form; control characters and spaces are refused whatever it returns.
   */
  protected encodeRequestTarget(url: string): string {
    validatePath(url);
    return url;
  }

  /**
   * Starts a request: the request line plus Host and `Accept-Encoding: identity` unless skipped
   * (CPython `putrequest`). Control characters in `method` or `url` throw before anything is
   * sent (`InvalidMethod`, `InvalidURL`); a request already started or outstanding throws `CannotSendRequest`.
   */
  putRequest(method: string, url: string, options: PutRequestOptions = {}): void {
    if (this.#state === REQ_STARTED) throw new CannotSendRequest(this.#state);
    if (this.#queue.length + (this.#response !== null ? 1 : 0) >= this.pipelining) throw new CannotSendRequest(this.#state);
    validateMethod(method);
    const target = this.encodeRequestTarget(url === "" ? "/" : url);
    validateTargetBytes(target);
    let head = `${method} ${target} ${this.httpVsnStr}\r\n`;
    if (options.skipHost !== true) {
      const netloc = target.startsWith("http") ? netlocOf(target) : "";
      if (netloc !== "") head += `Host: ${netloc}\r\n`;
      else if (this.tunnelHost !== null) head += `Host: ${hostHeader(this.tunnelHost, this.tunnelPort, this.defaultPort)}\r\n`;
      else head += `Host: ${hostHeader(this.host, this.port, this.defaultPort)}\r\n`;
    }
    if (options.skipAcceptEncoding !== true && this.httpVsn === 11) head += "Accept-Encoding: identity\r\n";
    this.#head = head;
    this.#method = method;
    this.#upgrade = false;
    this.#state = REQ_STARTED;
  }

  /** Adds a header line to the started request; several values are joined with ", " (CPython `putheader`). Throws `CannotSendHeader`, `InvalidHeader`. */
  putHeader(name: string, ...values: HeaderValue[]): void {
    if (this.#state !== REQ_STARTED) throw new CannotSendHeader();
    this.#head += formatHeaderLine(name, values);
    if (name.length === 7 && name.toLowerCase() === "upgrade") this.#upgrade = true;
  }

  /**
   * Ends the head and sends it, with `body` if given (CPython `endheaders`); the head and a small
   * body go out in one write. Connects first if needed. Rejects with `CannotSendHeader` when no
   * request was started.
   */
  endHeaders(body?: RequestBody | null, options: EndHeadersOptions = {}): Promise<void> {
    if (this.#state !== REQ_STARTED) return Promise.reject(new CannotSendHeader());
    return this.#dispatch(body ?? null, options.encodeChunked === true && this.httpVsn === 11, null, false);
  }

  /** Sends raw bytes (or a stream, iterable or file handle) on the socket, connecting first if needed (CPython `send`). */
  async send(data: RequestBody): Promise<void> {
    let wire = this.wire;
    if (wire === null || !wire.usable) {
      if (!this.autoOpen) throw new NotConnected();
      wire = await this.open();
    }
    if (this.debugLevel > 0) this.debug(`send: ${typeof data === "string" ? JSON.stringify(data) : "<body>"}`);
    await writeBody(wire, data, false, this.blocksize);
  }

  /**
   * Sends a whole request (CPython `request`): `Host` and `Accept-Encoding` unless in `headers`;
   * `Content-Length` when the body's length is known (0 for PATCH/POST/PUT without body, nothing
   * for other methods without body), else `Transfer-Encoding: chunked`; then the headers and the
   * body. With `Expect: 100-continue` the body waits for the interim answer (or `expectContinueTimeout`)
   * and is not sent at all when a final response comes first.
   * @example
   * ```ts
   * await conn.request("POST", "/upload", JSON.stringify(data), { "Content-Type": "application/json" });
   * ```
   */
  request(method: string, url: string, body?: RequestBody | null, headers?: RequestHeaders, options: RequestOptions = {}): Promise<void> {
    try {
      const signal = options.signal ?? null;
      if (signal !== null && signal.aborted) throw new RequestAborted(signal.reason);
      const pairs = headerPairs(headers);
      const given = scanHeaders(pairs);
      if (!given.contentLength && !given.transferEncoding && isFileHandle(body)) {
        return body.stat().then((st) => this.#request(method, url, body, pairs, given, options, st.size));
      }
      return this.#request(method, url, body, pairs, given, options, null);
    } catch (err) {
      return Promise.reject(asError(err));
    }
  }

  /** The synchronous part of {@link HTTPConnection.request} (CPython `_send_request`); `fileSize` is a FileHandle's size. */
  #request(
    method: string,
    url: string,
    body: RequestBody | null | undefined,
    pairs: Array<[string, readonly HeaderValue[]]>,
    given: GivenHeaders,
    options: RequestOptions,
    fileSize: number | null,
  ): Promise<void> {
    this.putRequest(method, url, { skipHost: given.host, skipAcceptEncoding: given.acceptEncoding });
    let chunked = options.encodeChunked === true;
    try {
      if (!given.contentLength && !given.transferEncoding) {
        chunked = false;
        const length = fileSize ?? getContentLength(body, method);
        if (length !== null) this.putHeader("Content-Length", length);
        else if (body !== undefined && body !== null) {
          chunked = true;
          this.putHeader("Transfer-Encoding", "chunked");
        }
      } else if (given.contentLength) chunked = false;
      for (const [name, values] of pairs) this.putHeader(name, ...values);
    } catch (err) {
      this.#state = this.#queue.length > 0 ? REQ_SENT : IDLE;
      this.#head = "";
      throw err;
    }
    const hasBody = body !== undefined && body !== null;
    return this.#dispatch(body ?? null, chunked && this.httpVsn === 11, options.signal ?? null, given.expectContinue && hasBody);
  }

  /** Queues the finished request and writes it (in one write when possible). */
  #dispatch(body: RequestBody | null, chunked: boolean, signal: AbortSignal | null, expect: boolean): Promise<void> {
    const head = `${this.#head}\r\n`;
    this.#head = "";
    this.#state = REQ_SENT;
    const pending: Pending = { method: this.#method, wire: null, signal, onAbort: null, skipBody: false, upgrade: this.#upgrade, error: null, sending: null };
    this.#queue.push(pending);
    if (signal !== null) {
      pending.onAbort = () => this.#abort(pending);
      signal.addEventListener("abort", pending.onAbort, { once: true });
    }
    const wire = this.wire;
    const simple = body === null || typeof body === "string" || body instanceof Uint8Array;
    if (this.#sendTail === null && simple && !expect && wire !== null && wire.usable && (wire.buf.length === 0 || this.#queue.length > 1 || this.#response !== null)) {
      pending.wire = wire;
      if (wire.phase === Phase.Idle) wire.setPhase(Phase.Headers);
      if (this.debugLevel > 0) this.debug(`send: ${JSON.stringify(head)}`);
      writeHeadAndBytes(wire, head, body, chunked);
      return Promise.resolve();
    }
    const p = this.#transmit(this.#sendTail, pending, head, body, chunked, expect);
    this.#sendTail = p;
    pending.sending = p;
    const clear = (): void => {
      if (this.#sendTail === p) this.#sendTail = null;
    };
    p.then(clear, clear);
    return p;
  }

  async #transmit(prev: Promise<void> | null, pending: Pending, head: string, body: RequestBody | null, chunked: boolean, expect: boolean): Promise<void> {
    try {
      if (prev !== null) await prev.catch(noop);
      let wire = this.wire;
      // Bytes on an idle socket answer nothing we asked: do not take them as this response.
      const stale = wire !== null && wire.buf.length > 0 && this.#queue[0] === pending && this.#response === null;
      if (wire === null || !wire.usable || stale) {
        if (wire === null && !this.autoOpen) throw new NotConnected();
        if (stale) wire?.destroy();
        this.wire = null;
        try {
          wire = await this.open();
        } catch (err) {
          throw pending.error ?? err; // an abort while connecting shows as RequestAborted
        }
      }
      if (pending.error !== null) throw pending.error;
      pending.wire = wire;
      if (wire.phase === Phase.Idle) wire.setPhase(Phase.Headers);
      if (this.debugLevel > 0) this.debug(`send: ${JSON.stringify(head)}`);
      const simple = body === null || typeof body === "string" || body instanceof Uint8Array;
      if (simple && !expect) {
        writeHeadAndBytes(wire, head, body, chunked);
        return;
      }
      wire.socket.write(head, "latin1");
      if (body === null) return;
      if (expect && this.#queue[0] === pending && !(await awaitContinue(wire, this.headLimits, this.expectContinueMs, (h) => this.#inform(h)))) {
        pending.skipBody = true;
        return;
      }
      await writeBody(wire, body, chunked, this.blocksize);
      if (chunked) wire.socket.write("0\r\n\r\n", "latin1");
    } catch (err) {
      const e = asError(err);
      if (pending.error === null) pending.error = e;
      throw e;
    }
  }

  /**
   * Reads the head of the next response (CPython `getresponse`), skipping interim 1xx answers
   * (reported through `"information"`). Rejects with `ResponseNotReady` when no request is
   * outstanding or the previous response is unread (without pipelining), `RemoteDisconnected`,
   * `BadStatusLine`, `LineTooLong`, `TooManyHeaders`, `HeadersTimeout`, ... (the connection is
   * closed after such an error).
   */
  async getResponse(): Promise<HTTPResponse> {
    while (this.#response !== null || this.#readingHead) {
      if (this.pipelining === 1) throw new ResponseNotReady(this.#state);
      await new Promise<void>((resolve) => this.#responseWaiters.push(resolve));
    }
    const pending = this.#queue[0];
    if (pending === undefined) throw new ResponseNotReady(this.#state);
    this.#readingHead = true;
    try {
      // Its own transmission first (e.g. still waiting for 100 Continue), never later ones.
      if (pending.sending !== null) await pending.sending.catch(noop);
      this.#queue.shift();
      if (this.#queue.length === 0 && this.#state === REQ_SENT) this.#state = IDLE;
      const wire = pending.wire;
      // A request whose body could not be written may still have been answered (CPython
      // test_epipe: a 401 sent before the server stopped reading): try to read that answer.
      if (wire === null || pending.error instanceof RequestAborted) {
        this.#release(pending);
        throw pending.error ?? new NotConnected();
      }
      this.#active = pending;
      const lim = this.headLimits;
      let resp: HTTPResponse;
      try {
        let head: ResponseHead | null;
        for (;;) {
          while ((head = headStep(wire, lim)) === null) await wire.wait();
          if (head.status >= 200) break;
          if (head.status === 101) {
            // RFC 9110 7.8, 15.2.2: a server switches only to a protocol the request asked for.
            if (!pending.upgrade) throw new UnsolicitedUpgrade(head.headers.get("upgrade"));
            break;
          }
          this.#inform(head);
        }
        if (this.debugLevel > 0) this.debugHead(head);
        resp = new HTTPResponse(this, wire, head, pending.method, pending.skipBody, this.debugLevel);
      } catch (err) {
        this.lastUnparsed = wire.buf.length > 0 ? Buffer.from(wire.buf) : null;
        if (this.#active === pending) this.#active = null;
        this.#release(pending);
        if (wire === this.wire) this.wire = null;
        wire.destroy();
        throw err;
      }
      if (!resp.isClosed()) {
        this.#response = resp;
        // CPython closes the connection object now; the response keeps the socket until read.
        if (resp.willClose && this.wire === wire) this.wire = null;
      }
      return resp;
    } finally {
      this.#readingHead = false;
      if (this.#response === null) this.#wakeWaiters();
    }
  }

  /** @internal Called by {@link HTTPResponse} when its body is done or abandoned. */
  responseDone(resp: HTTPResponse, wire: Wire, reuse: boolean): void {
    if (this.#response === resp) this.#response = null;
    const p = this.#active;
    if (p !== null) {
      this.#active = null;
      this.#release(p);
    }
    if (!reuse || wire !== this.wire) {
      if (wire === this.wire) this.wire = null;
      if (!reuse || this.#queue.every((q) => q.wire !== wire)) wire.destroy();
    } else {
      wire.setPhase(this.#queue.length > 0 ? Phase.Headers : Phase.Idle);
    }
    if (!this.#readingHead) this.#wakeWaiters();
    if (this.onFree !== null) this.onFree(this);
  }

  /** {@link Wire.sizeHint} for the response to the oldest outstanding request (see {@link responseSize}). */
  protected override readonly sizeHint = (wire: Wire): number => {
    const p = this.#active ?? this.#queue[0];
    return p === undefined || p.skipBody ? 0 : responseSize(wire, p.method, this.headLimits);
  };

  #wakeWaiters(): void {
    const waiters = this.#responseWaiters;
    if (waiters.length > 0) {
      this.#responseWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Whether a new request can be started now (no request being built, fewer than `pipelining` outstanding). */
  isAvailable(): boolean {
    return this.#state !== REQ_STARTED && this.#queue.length + (this.#response !== null ? 1 : 0) < this.pipelining;
  }

  /** Number of requests sent whose responses are not read to the end yet. */
  get outstanding(): number {
    return this.#queue.length + (this.#response !== null ? 1 : 0);
  }

  /** Closes the socket and the current response; the connection reopens on the next request (CPython `close`). */
  close(): void {
    this.#state = IDLE;
    this.#active = null;
    this.#head = "";
    const wire = this.wire;
    this.wire = null;
    if (wire !== null) wire.destroy();
    const queue = this.#queue;
    this.#queue = [];
    for (const p of queue) {
      this.#release(p);
      p.wire?.destroy();
    }
    const resp = this.#response;
    this.#response = null;
    if (resp !== null) resp.close();
    this.#wakeWaiters();
  }

  /** `await using conn = new HTTPConnection(...)` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  #abort(p: Pending): void {
    const err = new RequestAborted(p.signal?.reason);
    if (p.error === null) p.error = err;
    const wire = p.wire ?? this.wire ?? this.connectingWire;
    if (wire === this.wire) this.wire = null;
    if (wire !== null) wire.fail(err);
  }

  #release(p: Pending): void {
    if (p.signal !== null && p.onAbort !== null) p.signal.removeEventListener("abort", p.onAbort);
    p.onAbort = null;
  }

  #inform(head: ResponseHead): void {
    const info: InformationalResponse = { status: head.status, reason: head.reason, version: head.versionMinor === 0 ? 10 : 11, headers: head.headers };
    if (this.debugLevel > 0) this.debugHead(head);
    const cb = this.options.onInformation;
    if (cb !== undefined && cb !== null) cb(info);
    if (this.listenerCount("information") > 0) this.emit("information", info);
  }
}
