/**
 * The reading half of `BaseHTTPRequestHandler`, in CPython's order: the request's fields
 * (`headers`, `body`, `rawRequestLine`, ...), `parseRequest()` over the head the head reader found,
 * the keep-alive decision, the body's start, `Expect: 100-continue`, and the answer to a refused
 * head. The request loop is in `connection-loop.ts`, dispatch in `handler.ts`, the writing half in
 * `responder.ts`.
 * Extend `BaseHTTPRequestHandler`, not this class.
 * @module
 */
import { hasToken, HTTPMessage, HTTPStatus } from "@stdhttp/httplib";
import type { HTTPSocketReader } from "./io.js";
import { isRefusal, parseHead, type ParsedRequest } from "./parse.js";
import { HEADER_TIMEOUT, refusalAnswer, type HeadRefusal } from "./refusal.js";
import { IncomingBody, NO_BODY } from "./incoming-body.js";
import { collapseLeadingSlashes } from "./request-target.js";
import { HTTPResponder } from "./responder.js";
import type { HTTPServer } from "./server.js";

const EMPTY = Buffer.alloc(0);
/** `headers` before the first request and between requests. */
export const NO_HEADERS = new HTTPMessage();

/**
 * Reads and parses requests (the request side of {@link BaseHTTPRequestHandler}, which documents
 * every member). May be overridden: `parseRequest()`, `handleExpect100()`; class property
 * `MessageClass`. It has every member the head reader needs (`HeadWaiter`).
 */
export abstract class HTTPRequestReader<TServer = HTTPServer> extends HTTPResponder<TServer> {
  /** The class the request headers are built with (a subclass of `HTTPMessage`). A class property (on the prototype). */
  declare MessageClass: new (init?: Iterable<readonly [string, string]>) => HTTPMessage;
  /** The request line as received, line end included. */
  rawRequestLine: Buffer = EMPTY;
  /** The request's header fields (an empty message between requests). */
  headers: HTTPMessage = NO_HEADERS;
  /**
   * The decoded body of the current request. Requests without a body share one empty body
   * object; a connection gets its own at its first request with a body.
   */
  body: IncomingBody = NO_BODY;
  /** Buffered reader over the connection (counts what is consumed). */
  declare rfile: HTTPSocketReader;

  /** @internal Where the current head lies in `head` (set by the head reader). */
  head: Buffer = EMPTY;
  /** @internal */
  headEnd = 0;
  /** @internal Requests started on this connection. */
  requestCount = 0;
  /** @internal `Date.now()` when the current request's first byte was seen (0: unknown). */
  requestStart = 0;
  /** @internal Seconds a body read may wait. */
  bodyTimeout: number | null = null;

  /**
   * Parse the head the head reader found (CPython's `parse_request`): sets `command`, `path`,
   * `requestVersion`, `headers`, `closeConnection`, prepares `body` and runs `handleExpect100()`.
   * Returns true to go on; false when an error answer was already sent.
   */
  parseRequest(): boolean | Promise<boolean> {
    this.command = null;
    this.requestVersion = this.defaultRequestVersion;
    this.closeConnection = true;
    const settings = this.state.settings;
    this.rfile.skip(this.headEnd);
    const parsed = parseHead(this.head, this.headEnd, settings);
    if (isRefusal(parsed)) return this.refuseHead(parsed);
    return this.startRequest(parsed, settings.maxRequestsPerConnection);
  }

  /** Take a parsed head as the current request: keep-alive, `body`, `Expect: 100-continue`. */
  private startRequest(request: ParsedRequest, maxRequests: number): boolean | Promise<boolean> {
    const http11Handler = this.protocolVersion >= "HTTP/1.1";
    this.rawRequestLine = request.rawRequestLine;
    this.requestLine = request.requestLine;
    if (request.version !== null) this.requestVersion = request.version;
    this.command = request.command;
    this.path = collapseLeadingSlashes(request.target);
    const headers = request.headers;
    this.headers = this.MessageClass === HTTPMessage ? headers : new this.MessageClass(headers);
    this.closeConnection = !(request.http11 && http11Handler);
    const connectionFields = headers.count("connection");
    if (connectionFields !== 0) this.applyConnection(headers, connectionFields, http11Handler);
    if (request.version === null || (maxRequests > 0 && this.requestCount >= maxRequests) || this.state.closing) this.closeConnection = true;
    this.startBody(request.framing);
    const expect = headers.get("expect");
    if (expect !== undefined && request.http11 && http11Handler && expect.toLowerCase() === "100-continue") return this.handleExpect100();
    return true;
  }

  /**
   * CPython's Connection rule (`close` closes; `keep-alive` keeps an HTTP/1.1 handler's
   * connection open), applied to the field's token list (RFC 9110 5.6.1, 7.6.1), several
   * Connection fields included.
   */
  private applyConnection(headers: HTTPMessage, fields: number, http11Handler: boolean): void {
    const value = fields === 1 ? headers.get("connection") : headers.getAll("connection");
    if (hasToken(value, "close")) this.closeConnection = true;
    else if (http11Handler && hasToken(value, "keep-alive")) this.closeConnection = false;
  }

  /** Prepare `body` for the request's framing; a body's reads run in the body phase under `requestTimeout`. */
  private startBody(framing: ParsedRequest["framing"]): void {
    let body = this.body;
    if (framing.kind === "none") {
      if (body.kind !== "none") body.reset("none", null, 0, 0, null);
      return;
    }
    // Answers held back for pipelining must leave before we wait for this body (or send 100 Continue).
    this.releaseBatch();
    if (body === NO_BODY) this.body = body = new IncomingBody(this.rfile);
    const settings = this.state.settings;
    const start = this.requestStart === 0 ? Date.now() : this.requestStart;
    const deadline = settings.requestTimeout === null ? 0 : start + settings.requestTimeout * 1000;
    if (framing.kind === "length") body.reset("length", framing.length, settings.maxBodySize, deadline, this.bodyTimeout);
    else body.reset("chunked", null, settings.maxBodySize, deadline, this.bodyTimeout);
    this.rfile.enterPhase("body");
  }

  /** Answer a refused head (its error page and a log line), then close: returns false. */
  protected refuseHead(refusal: HeadRefusal): false {
    const settings = this.state.settings;
    const refused = refusalAnswer(refusal, settings.maxLineLength, this.defaultRequestVersion);
    this.requestLine = refused.requestLine;
    this.command = refused.command;
    this.path = collapseLeadingSlashes(refused.target);
    if (refused.requestVersion !== null) this.requestVersion = refused.requestVersion;
    this.closeConnection = true;
    if (refusal.error === HEADER_TIMEOUT) this.logError("Request timed out: %r", "header timeout");
    const [code, message, explain] = refused.answer;
    this.trySendError(code, message, explain);
    return false;
  }

  /**
   * Answer `Expect: 100-continue` (HTTP/1.1 requests to an HTTP/1.1 handler). The default sends
   * `100 Continue` and returns true. Override to refuse: send an error (e.g. 417) and return false.
   */
  handleExpect100(): boolean | Promise<boolean> {
    this.sendResponseOnly(HTTPStatus.CONTINUE);
    this.endHeaders();
    return true;
  }

  /** Read the whole request body (at most `limit` bytes, default the server's `maxBodySize`). */
  readBody(limit?: number): Promise<Buffer> {
    return this.body.readAll(limit);
  }

  /** @internal True while waiting for the next request. */
  awaitingRequest = false;
  /** @internal The keep-alive sweep count when the wait began (-1: not under the sweeper). */
  keepAliveSweep = -1;

  /** @internal Send the answers held back while pipelined requests were served. */
  abstract releaseBatch(): void;
  /** @internal Shutdown of the server: close this connection, which waits for its next request. */
  abstract closeIdle(): void;
  /** @internal The keep-alive timeout expired: the wait for the next request ends as at end of stream. */
  abstract expireIdle(): void;
}

HTTPRequestReader.prototype.MessageClass = HTTPMessage;
