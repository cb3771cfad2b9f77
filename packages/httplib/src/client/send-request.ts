/**
 * Sending a request (CPython `putrequest`, `putheader`, `endheaders`, `send`, `request`): the
 * request head is built in memory, then written with its body in one write when possible, or
 * streamed (bodies of unknown length, `Expect: 100-continue`, a socket still connecting).
 * {@link RequestSender} is the layer of {@link HTTPConnection} that does this; reading the
 * response is in `read-response.ts`, the shared state in `exchange-state.ts`.
 * @module
 */
import { watchAbort } from "./abort-watch.js";
import { CannotSendHeader, CannotSendRequest, NotConnected } from "../errors.js";
import type { ResponseHead } from "../message/index.js";
import { getContentLength, isFileHandle, writeBody, type RequestBody } from "./body.js";
import { formatHeaderLine, headerPairs, validateMethod, validatePath, validateTargetBytes, type HeaderValue, type RequestHeaders } from "./checks.js";
import { asError, RequestAborted } from "./errors.js";
import { ExchangeState, IDLE, REQ_SENT, REQ_STARTED, type Pending } from "./exchange-state.js";
import { awaitContinue } from "./expect-continue.js";
import type { HTTPConnectionOptions, InformationalResponse } from "./options.js";
import { hostHeader, netlocOf, writeHeadAndBytes } from "./request-head.js";
import { ConnectionBase } from "./transport.js";
import { Phase } from "./wire.js";

/**
 * What `request()`/`endHeaders()` return when the whole request was written at once: one resolved
 * promise, so that a caller inside this package (the pool) can tell and go on without a hop.
 * @internal
 */
export const SENT: Promise<void> = Promise.resolve();

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
 * The request-sending layer of {@link HTTPConnection} (not used on its own): the public
 * `putRequest()`, `putHeader()`, `endHeaders()`, `send()`, `request()` and the
 * `encodeRequestTarget()` hook live here.
 */
export class RequestSender extends ConnectionBase {
  /** Requests allowed outstanding at once. */
  readonly pipelining: number;
  /** @internal The exchange state shared with the reading side. */
  protected readonly exchange = new ExchangeState();

  constructor(host: string, port: number | null | undefined, options: HTTPConnectionOptions) {
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
    if (this.exchange.state === REQ_STARTED) throw new CannotSendRequest(this.exchange.state);
    if (this.exchange.outstanding >= this.pipelining) throw new CannotSendRequest(this.exchange.state);
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
    this.exchange.head = head;
    this.exchange.method = method;
    this.exchange.upgrade = false;
    this.exchange.state = REQ_STARTED;
  }

  /** Adds a header line to the started request; several values are joined with ", " (CPython `putheader`). Throws `CannotSendHeader`, `InvalidHeader`. */
  putHeader(name: string, ...values: HeaderValue[]): void {
    if (this.exchange.state !== REQ_STARTED) throw new CannotSendHeader();
    this.exchange.head += formatHeaderLine(name, values);
    if (name.length === 7 && name.toLowerCase() === "upgrade") this.exchange.upgrade = true;
  }

  /**
   * Ends the head and sends it, with `body` if given (CPython `endheaders`); the head and a small
   * body go out in one write. Connects first if needed. Rejects with `CannotSendHeader` when no
   * request was started.
   */
  endHeaders(body?: RequestBody | null, options: EndHeadersOptions = {}): Promise<void> {
    if (this.exchange.state !== REQ_STARTED) return Promise.reject(new CannotSendHeader());
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
      this.exchange.state = this.exchange.queue.length > 0 ? REQ_SENT : IDLE;
      this.exchange.head = "";
      throw err;
    }
    const hasBody = body !== undefined && body !== null;
    return this.#dispatch(body ?? null, chunked && this.httpVsn === 11, options.signal ?? null, given.expectContinue && hasBody);
  }

  /** Queues the finished request and writes it (in one write when possible). */
  #dispatch(body: RequestBody | null, chunked: boolean, signal: AbortSignal | null, expect: boolean): Promise<void> {
    const head = `${this.exchange.head}\r\n`;
    this.exchange.head = "";
    this.exchange.state = REQ_SENT;
    const pending: Pending = { method: this.exchange.method, wire: null, signal, onAbort: null, skipBody: false, upgrade: this.exchange.upgrade, error: null, sending: null };
    this.exchange.queue.push(pending);
    if (signal !== null) {
      pending.onAbort = () => this.#abort(pending);
      watchAbort(signal, pending.onAbort);
    }
    const wire = this.wire;
    const simple = body === null || typeof body === "string" || body instanceof Uint8Array;
    if (this.exchange.sendTail === null && simple && !expect && wire !== null && wire.usable && (wire.buf.length === 0 || this.exchange.queue.length > 1 || this.exchange.response !== null)) {
      pending.wire = wire;
      if (wire.phase === Phase.Idle) wire.setPhase(Phase.Headers);
      if (this.debugLevel > 0) this.debug(`send: ${JSON.stringify(head)}`);
      writeHeadAndBytes(wire, head, body, chunked);
      return SENT;
    }
    const p = this.#transmit(this.exchange.sendTail, pending, head, body, chunked, expect);
    this.exchange.sendTail = p;
    pending.sending = p;
    const clear = (): void => {
      if (this.exchange.sendTail === p) this.exchange.sendTail = null;
    };
    p.then(clear, clear);
    return p;
  }

  async #transmit(prev: Promise<void> | null, pending: Pending, head: string, body: RequestBody | null, chunked: boolean, expect: boolean): Promise<void> {
    try {
      if (prev !== null) await prev.catch(noop);
      let wire = this.wire;
      // Bytes on an idle socket answer nothing we asked: do not take them as this response.
      const stale = wire !== null && wire.buf.length > 0 && this.exchange.queue[0] === pending && this.exchange.response === null;
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
      if (expect && this.exchange.queue[0] === pending && !(await awaitContinue(wire, this.headLimits, this.expectContinueMs, (h) => this.inform(h)))) {
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

  #abort(p: Pending): void {
    const err = new RequestAborted(p.signal?.reason);
    if (p.error === null) p.error = err;
    const wire = p.wire ?? this.wire ?? this.connectingWire;
    if (wire === this.wire) this.wire = null;
    if (wire !== null) wire.fail(err);
  }

  /** Reports an interim 1xx answer: debug output, the `onInformation` option, the `"information"` event. */
  protected inform(head: ResponseHead): void {
    const info: InformationalResponse = { status: head.status, reason: head.reason, version: head.versionMinor === 0 ? 10 : 11, headers: head.headers };
    if (this.debugLevel > 0) this.debugHead(head);
    const cb = this.options.onInformation;
    if (cb !== undefined && cb !== null) cb(info);
    if (this.listenerCount("information") > 0) this.emit("information", info);
  }
}
