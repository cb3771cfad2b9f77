/**
 * `BaseHTTPRequestHandler`: CPython's http.server request handler, async, with a byte-level
 * head parser, decoded request bodies and strict RFC 9112 rules. The request loop and the
 * response writing live here; reading the head is in `head-reader.ts`, parsing it in `parse.ts`.
 * @module
 */
import type { Socket } from "node:net";
import { HTTPMessage, HTTPStatus, statusInfo, validateHeaderName, validateHeaderValue } from "@stdhttp/httplib";
import { ConnectionClosed, SocketTimeout, StreamRequestHandler } from "@stdhttp/socketserver";
import { answerFor } from "./answers.js";
import {
  DEFAULT_ERROR_CONTENT_TYPE,
  DEFAULT_ERROR_MESSAGE,
  escapeControl,
  formatNamed,
  htmlEscape,
  httpDate,
  logDateTime,
  MONTH_NAMES,
  percentFormat,
  pyRepr,
  WEEKDAY_NAMES,
} from "./format.js";
import { readHead } from "./head-reader.js";
import { HTTPSocketReader, HTTPSocketWriter } from "./io.js";
import { serverState, type IdleConnection, type ServerState } from "./options.js";
import { parseRequest } from "./parse.js";
import { RequestBody } from "./request-body.js";
import type { HTTPServer } from "./server.js";

const EMPTY = Buffer.alloc(0);

/** CPython's `http.server.__version__`. */
export const VERSION = "0.6";

/** CPython's `BaseHTTPRequestHandler.responses`: code to `[phrase, description]`. */
export const RESPONSES: Readonly<Record<number, readonly [string, string]>> = Object.freeze(
  Object.fromEntries(
    Object.values(HTTPStatus).map((code) => {
      const info = statusInfo(code)!;
      return [code, Object.freeze([info.phrase, info.description] as const)];
    }),
  ),
);

const methodNames = new Map<string, string>();
/** `do_<METHOD>`, cached for the methods a server sees (bounded: random methods are not cached). */
function methodName(command: string): string {
  let name = methodNames.get(command);
  if (name === undefined) {
    name = `do_${command}`;
    if (methodNames.size < 64) methodNames.set(command, name);
  }
  return name;
}

/**
 * HTTP request handler base class (Python's `http.server.BaseHTTPRequestHandler`). One instance
 * serves one connection: `handle()` runs `handleOneRequest()` until `closeConnection` is true.
 * Each request is dispatched to `do_<METHOD>()` (`do_GET`, `do_POST`, ...; 501 when absent),
 * which may be async.
 *
 * For the caller (inside `do_*`): `command`, `path`, `requestVersion`, `headers`, `body`,
 * `rfile`, `wfile`, `clientAddress`, `server`, `closeConnection`, `requestLine`, `rawRequestLine`;
 * `sendResponse()`, `sendHeader()`, `endHeaders()`, `sendError()`, `readBody()`, `takeConnection()`.
 *
 * May be overridden: the `do_*` methods, `handleExpect100()`, `logMessage()`, `logAccess()`,
 * `versionString()`, `addressString()`; class properties `serverVersion`, `sysVersion`,
 * `errorMessageFormat`, `errorContentType`, `protocolVersion` (default `"HTTP/1.0"`: set
 * `"HTTP/1.1"` for keep-alive), `defaultRequestVersion`, `responses`, `MessageClass`,
 * `disableNagleAlgorithm` (default true), `timeout`.
 *
 * For subclasses: `handle()`, `handleOneRequest()`, `parseRequest()`, `sendResponseOnly()`,
 * `flushHeaders()`, `logRequest()`, `logError()`, `dateTimeString()`, `logDateTimeString()`.
 *
 * @example
 * class WelcomeHandler extends BaseHTTPRequestHandler {
 *   override protocolVersion = "HTTP/1.1";
 *   do_GET() {
 *     const page = "<html><body><h1>Welcome!</h1></body></html>";
 *     this.sendResponse(200);
 *     this.sendHeader("Content-Type", "text/html");
 *     this.sendHeader("Content-Length", Buffer.byteLength(page));
 *     this.endHeaders();
 *     this.wfile.write(page);
 *   }
 * }
 * await using httpd = new HTTPServer(["", 8000], WelcomeHandler);
 * await httpd.serveForever();
 */
export class BaseHTTPRequestHandler<TServer = HTTPServer> extends StreamRequestHandler<TServer> implements IdleConnection {
  /** The runtime, as CPython's `sys_version` ("Python/3.x"). */
  sysVersion = `Node.js/${process.versions.node}`;
  /** The server software; sent in `Server` with `sysVersion`. */
  serverVersion = `BaseHTTP/${VERSION}`;
  /** The error page template (`%(code)d`, `%(message)s`, `%(explain)s`). */
  errorMessageFormat = DEFAULT_ERROR_MESSAGE;
  /** Content-Type of error pages. */
  errorContentType = DEFAULT_ERROR_CONTENT_TYPE;
  /** The version assumed until the request line is parsed (and for HTTP/0.9 requests): `"HTTP/0.9"` sends no status line. */
  defaultRequestVersion = "HTTP/0.9";
  /** The version this handler answers with; `"HTTP/1.1"` enables keep-alive. Default `"HTTP/1.0"`. */
  protocolVersion = "HTTP/1.0";
  /** Code to `[phrase, description]`, used by `sendResponse` and `sendError`. */
  responses: Readonly<Record<number, readonly [string, string]>> = RESPONSES;
  /** The class the request headers are built with (a subclass of `HTTPMessage`). */
  MessageClass: new (init?: Iterable<readonly [string, string]>) => HTTPMessage = HTTPMessage;
  /** CPython's `weekdayname`. */
  weekdayname: readonly string[] = WEEKDAY_NAMES;
  /** CPython's `monthname` (index 0 unused). */
  monthname: readonly (string | null)[] = MONTH_NAMES;
  /** Send small writes at once (TCP_NODELAY): heads and bodies are coalesced by corking instead. */
  override disableNagleAlgorithm = true;

  /** True when the connection closes after this request. */
  closeConnection = true;
  /** The request line without its line end (`""` before one was read). */
  requestLine = "";
  /** The request line as received, line end included. */
  rawRequestLine: Buffer = EMPTY;
  /** The method (`null` until the request line parsed). */
  command: string | null = null;
  /** The request target (a leading `//` collapsed to `/`). */
  path = "";
  /** The request's version, e.g. `"HTTP/1.1"` (`defaultRequestVersion` for HTTP/0.9 requests). */
  requestVersion = "HTTP/0.9";
  /** The request's header fields. */
  headers: HTTPMessage = new HTTPMessage();
  /** The decoded body of the current request. */
  body!: RequestBody;
  /** Buffered reader over the connection (counts what is consumed). */
  declare rfile: HTTPSocketReader;
  /** Writer over the connection. */
  declare wfile: HTTPSocketWriter;

  /** @internal Where the current head lies in `head` (set by the head reader). */
  head: Buffer = EMPTY;
  /** @internal */
  headEnd = 0;
  /** @internal Requests started on this connection. */
  requestCount = 0;
  /** @internal `Date.now()` when the current request's first byte was seen (0: unknown). */
  requestStart = 0;
  /** @internal Shared server state (settings, shutdown flag, idle set). */
  state!: ServerState;
  /** @internal Seconds a body read may wait. */
  bodyTimeout: number | null = null;

  private headBuf = "";
  private status = 0;
  private finalHeadSent = false;
  private connectionHeaderSent = false;
  private framingHeaderSent = false;
  private tookConnection = false;
  private batching = false;

  /** Create `rfile`, `wfile` and `body`; apply `timeout` and `disableNagleAlgorithm`. */
  override setup(): void {
    this.connection = this.request;
    this.state = serverState(this.server as object);
    const settings = this.state.settings;
    this.bodyTimeout = this.timeout ?? settings.bodyTimeout;
    if (this.disableNagleAlgorithm) this.connection.setNoDelay?.(true);
    this.rfile = new HTTPSocketReader(this.connection, { timeout: settings.headerTimeout, maxLineLength: settings.maxLineLength });
    this.wfile = new HTTPSocketWriter(this.connection);
    this.wfile.timeout = this.bodyTimeout;
    // rfile and wfile share the socket's idle timer: a write that waits uses the body timeout,
    // not the keep-alive or header timeout the reader may have left set.
    this.wfile.beforeWait = () => {
      if (this.rfile.timeout !== this.bodyTimeout) this.rfile.timeout = this.bodyTimeout;
    };
    this.body = new RequestBody(this.rfile);
  }

  /** Handle requests until `closeConnection` is true (CPython's `handle`). */
  override async handle(): Promise<void> {
    this.closeConnection = true;
    await this.handleOneRequest();
    while (!this.closeConnection) await this.handleOneRequest();
  }

  /**
   * Read, parse and answer one request. You normally do not override this: write `do_*` methods.
   * A timeout, a bad body or a vanished client ends the connection; other errors propagate to
   * the server's `handleError` (the connection is closed).
   */
  async handleOneRequest(): Promise<void> {
    this.beginRequest();
    try {
      // Each step completes synchronously when it can; awaiting only real promises saves ticks.
      let got = readHead(this);
      if (got !== true && got !== false) got = await got;
      if (!got) {
        this.closeConnection = true;
        return;
      }
      let ok = this.parseRequest();
      if (ok !== true && ok !== false) ok = await ok;
      if (!ok) {
        // Refused (an answer was sent): the unread rest must not be parsed as a request.
        this.closeConnection = true;
        return;
      }
      const command = this.command!;
      const method = (this as unknown as Record<string, unknown>)[methodName(command)];
      if (typeof method !== "function") {
        this.sendError(HTTPStatus.NOT_IMPLEMENTED, `Unsupported method (${pyRepr(command)})`);
        return;
      }
      const result: unknown = method.call(this);
      if (result instanceof Promise) await result;
      const ended = this.endRequest();
      if (ended !== undefined) await ended;
    } catch (err) {
      this.requestFailed(err);
    } finally {
      if (this.status !== 0) this.logAccess(this.status, this.wfile.bytesWritten);
    }
  }

  /**
   * Parse the head the head reader found (CPython's `parse_request`): sets `command`, `path`,
   * `requestVersion`, `headers`, `closeConnection`, prepares `body` and runs `handleExpect100()`.
   * Returns true to go on; false when an error answer was already sent.
   */
  parseRequest(): boolean | Promise<boolean> {
    return parseRequest(this);
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

  /**
   * Send an error answer with an HTML page (HTML-escaped `message` and `explain`), and
   * `Connection: close`. No body for HEAD, 1xx, 204, 205 and 304 (RFC 9110 15.3.5, 15.3.6, 15.4.5).
   * Call it before any other output.
   */
  sendError(code: number, message?: string, explain?: string): void {
    const entry = this.responses[code];
    const short = entry ? entry[0] : "???";
    const msg = message ?? short;
    const exp = explain ?? (entry ? entry[1] : "???");
    this.logError("code %d, message %s", code, msg);
    this.sendResponse(code, isStatusText(msg) ? msg : short);
    this.sendHeader("Connection", "close");
    let body: Buffer | null = null;
    if (code >= 200 && code !== 204 && code !== 205 && code !== 304) {
      body = Buffer.from(formatNamed(this.errorMessageFormat, { code, message: htmlEscape(msg), explain: htmlEscape(exp) }), "utf8");
      this.sendHeader("Content-Type", this.errorContentType);
      this.sendHeader("Content-Length", body.length);
    }
    this.endHeaders();
    if (this.command !== "HEAD" && body) this.wfile.write(body);
  }

  /** Buffer the status line, then `Server` and `Date`; logs the request. */
  sendResponse(code: number, message?: string): void {
    this.logRequest(code);
    this.sendResponseOnly(code, message);
    if (this.requestVersion !== "HTTP/0.9") this.headBuf += `Server: ${this.versionString()}\r\nDate: ${this.dateTimeString()}\r\n`;
  }

  /** Buffer the status line only. Throws `InvalidHeader` for a reason phrase with CR, LF or other controls. */
  sendResponseOnly(code: number, message?: string): void {
    this.status = code;
    if (this.requestVersion === "HTTP/0.9") return;
    let text = message;
    if (text === undefined) text = this.responses[code]?.[0] ?? "";
    else validateHeaderValue("reason-phrase", text);
    this.headBuf += `${this.protocolVersion} ${code} ${text}\r\n`;
  }

  /**
   * Buffer a header line. The name must be a token and the value must not hold CR, LF or other
   * controls (`InvalidHeader`: no header injection). `Connection: close` / `keep-alive` also set
   * `closeConnection`, as in CPython.
   */
  sendHeader(keyword: string, value: string | number): void {
    const text = typeof value === "string" ? value : String(value);
    if (this.requestVersion !== "HTTP/0.9") {
      validateHeaderName(keyword);
      validateHeaderValue(keyword, text);
      this.headBuf += `${keyword}: ${text}\r\n`;
    }
    const n = keyword.length;
    if ((n === 14 || n === 17) && !this.framingHeaderSent) {
      const lower = keyword.toLowerCase();
      if (lower === "content-length" || lower === "transfer-encoding") this.framingHeaderSent = true;
    }
    if (n === 10 && keyword.toLowerCase() === "connection") {
      this.connectionHeaderSent = true;
      const v = text.toLowerCase();
      if (v === "close") this.closeConnection = true;
      else if (v === "keep-alive") this.closeConnection = false;
    }
  }

  /**
   * End the head and send it. A body written right after (in the same tick) goes out in the same
   * TCP segment. An HTTP/1.1 answer that closes the connection gets `Connection: close` if the
   * handler did not send a Connection header (RFC 9112 9.6).
   */
  endHeaders(): void {
    if (this.requestVersion === "HTTP/0.9") return;
    const status = this.status;
    if (status >= 200) {
      if (this.state.closing) this.closeConnection = true; // graceful shutdown
      // RFC 9112 6.3 rule 8: a body with neither Content-Length nor Transfer-Encoding ends when
      // the connection closes, so keep-alive is impossible for it.
      else if (!this.framingHeaderSent && status !== 204 && status !== 304 && this.command !== "HEAD" && this.command !== "CONNECT") this.closeConnection = true;
    }
    if (this.status >= 200 && this.closeConnection && !this.connectionHeaderSent && this.requestVersion >= "HTTP/1.1" && this.protocolVersion >= "HTTP/1.1") {
      this.headBuf += "Connection: close\r\n";
      this.connectionHeaderSent = true;
    }
    this.headBuf += "\r\n";
    this.flushHeaders();
  }

  /**
   * Send the buffered head. It leaves at the end of the current tick at the latest; a body
   * written before then (`wfile.write`) goes out in the same buffer.
   */
  flushHeaders(): void {
    if (this.headBuf.length === 0) return;
    const head = this.headBuf;
    this.headBuf = "";
    this.wfile.writeHead(head);
    if (this.status >= 200) this.finalHeadSent = true;
  }

  /**
   * For `do_CONNECT` and protocol upgrades: after your `200` (or `101`), take the raw connection
   * and the bytes the client already sent past the head. `rfile` stops reading; the connection
   * closes when the `do_*` method returns, so await the tunnel's end before returning.
   */
  takeConnection(): { socket: Socket; head: Buffer } {
    this.releaseBatch();
    this.wfile.sendHead();
    const head = Buffer.from(this.rfile.peekBuffered());
    this.rfile.close();
    this.tookConnection = true;
    this.closeConnection = true;
    return { socket: this.connection, head };
  }

  /** Log an answered request: `"<requestLine>" <code> <size>` (called by `sendResponse`). */
  logRequest(code: number | string = "-", size: number | string = "-"): void {
    this.logMessage('"%s" %s %s', this.requestLine, String(code), String(size));
  }

  /** Log an error (called by `sendError`); the default passes it to `logMessage`. */
  logError(format: string, ...args: unknown[]): void {
    this.logMessage(format, ...args);
  }

  /**
   * Write `<address> - - [<date>] <message>` to stderr, control characters escaped. `format` takes
   * `%s`, `%d` and `%r` as Python's `%`. Override to log elsewhere (or not at all).
   */
  logMessage(format: string, ...args: unknown[]): void {
    process.stderr.write(`${this.addressString()} - - [${this.logDateTimeString()}] ${escapeControl(percentFormat(format, args))}\n`);
  }

  /**
   * Called once per answered request with the final status and the body bytes written. The
   * default calls the server's `accessLog` option, if any. May be overridden.
   */
  logAccess(status: number, size: number): void {
    const hook = this.state.settings.accessLog;
    if (hook) {
      hook({ clientAddress: this.clientAddress, requestLine: this.requestLine, command: this.command, path: this.path, status, size });
    }
  }

  /** `serverVersion sysVersion`, the `Server` header. */
  versionString(): string {
    return `${this.serverVersion} ${this.sysVersion}`;
  }

  /** An IMF-fixdate for `Date` headers: of `timestamp` (seconds since the epoch, as Python), or now. */
  dateTimeString(timestamp?: number): string {
    return httpDate(timestamp);
  }

  /** The current local time as `dd/Mon/yyyy hh:mm:ss`, for logs. */
  logDateTimeString(): string {
    return logDateTime();
  }

  /** The client's host (or the Unix socket path), for logs. */
  addressString(): string {
    const address = this.clientAddress;
    return typeof address === "string" ? address : address[0];
  }

  /** @internal Send the answers held back while pipelined requests were served. */
  releaseBatch(): void {
    if (!this.batching) return;
    this.batching = false;
    this.wfile.uncork();
  }

  /** @internal Shutdown of the server: close this connection, which waits for its next request. */
  closeIdle(): void {
    this.connection.destroy();
  }

  /** Flush `wfile` and close `rfile`/`wfile` (the server then closes the connection). */
  override async finish(): Promise<void> {
    this.releaseBatch();
    this.wfile.sendHead();
    await super.finish();
  }

  private beginRequest(): void {
    this.command = null;
    this.path = "";
    this.requestLine = "";
    this.rawRequestLine = EMPTY;
    this.requestVersion = this.defaultRequestVersion;
    this.headBuf = "";
    this.status = 0;
    this.finalHeadSent = false;
    this.connectionHeaderSent = false;
    this.framingHeaderSent = false;
    this.wfile.bytesWritten = 0;
    this.requestStart = 0;
    this.requestCount++;
  }

  /** After the `do_*` method: send what is buffered (CPython's `wfile.flush()`), drain the unread body. */
  private endRequest(): Promise<void> | undefined {
    if (this.tookConnection || this.state.closing || (this.command === "CONNECT" && this.status >= 200 && this.status < 300)) this.closeConnection = true;
    if (!this.closeConnection && this.rfile.buffered > 0 && this.body.kind === "none" && !this.connection.writableNeedDrain) {
      // Pipelining: the next request is already here. Hold this answer so the answers to the
      // whole batch leave in one write; released before waiting for the client (releaseBatch).
      if (!this.batching) {
        this.batching = true;
        this.wfile.cork();
      }
      return undefined;
    }
    this.releaseBatch();
    this.wfile.sendHead();
    const drainBody = !this.closeConnection && this.body.kind !== "none" && !this.body.done;
    if (!drainBody && !this.connection.writableNeedDrain) return undefined;
    return this.endRequestSlow(drainBody);
  }

  /** Wait for the client to take the answer (backpressure), then drain the unread body. */
  private async endRequestSlow(drainBody: boolean): Promise<void> {
    await this.wfile.flush();
    if (drainBody && !(await this.body.drain())) this.closeConnection = true;
  }

  /** A request error surfacing from the handler (bad body, timeout, client gone): answer if still possible, close. */
  private requestFailed(err: unknown): void {
    this.closeConnection = true;
    if (err instanceof SocketTimeout) {
      this.logError("Request timed out: %r", err);
      if (!this.finalHeadSent && this.command !== null) this.trySendError(HTTPStatus.REQUEST_TIMEOUT);
      return;
    }
    if (err instanceof ConnectionClosed || isSocketError(err)) return;
    const answer = answerFor(err, this.requestLine);
    if (answer === null) throw err;
    if (!this.finalHeadSent) this.trySendError(answer[0], answer[1], answer[2]);
    else this.logError("code %d, message %s (after the response started)", answer[0], answer[1]);
  }

  /** `sendError` when the connection may already be gone. @internal */
  trySendError(code: number, message?: string, explain?: string): void {
    try {
      this.headBuf = "";
      this.sendError(code, message, explain);
    } catch {
      // The client is gone: nothing to answer.
    }
  }
}

function isStatusText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 ? c === 0x7f || c > 0xff : c !== 0x09) return false;
  }
  return true;
}

function isSocketError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "ECONNRESET" || code === "EPIPE" || code === "ERR_STREAM_DESTROYED" || code === "ERR_STREAM_WRITE_AFTER_END";
}
