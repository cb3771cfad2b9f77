/**
 * The response half of `BaseHTTPRequestHandler`: CPython's class properties, `sendResponse`,
 * `sendHeader`, `endHeaders`, `sendError` and the log methods. CPython keeps both halves in one
 * class; they are split here by role. Extend `BaseHTTPRequestHandler`, not this class.
 * @module
 */
import { hasToken, HTTPStatus, isFieldValue, statusInfo, validateHeaderName, validateHeaderValue } from "@stdhttp/httplib";
import { StreamRequestHandler } from "@stdhttp/socketserver";
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
  WEEKDAY_NAMES,
} from "./format.js";
import type { HTTPSocketWriter } from "./io.js";
import type { ServerState } from "./options.js";
import type { HTTPServer } from "./server.js";

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

/**
 * Builds and sends responses, and logs them (the response side of {@link BaseHTTPRequestHandler},
 * which documents every member). Class properties that may be overridden: `serverVersion`,
 * `sysVersion`, `errorMessageFormat`, `errorContentType`, `protocolVersion`, `defaultRequestVersion`,
 * `responses`, `weekdayname`, `monthname`. May be overridden: `logMessage()`, `logAccess()`,
 * `versionString()`, `addressString()`.
 */
export class HTTPResponder<TServer = HTTPServer> extends StreamRequestHandler<TServer> {
  // The class properties below live on the prototype, as CPython's class attributes do (see the
  // end of this file): a handler object stores only the ones its class or code overrides, which
  // keeps an idle keep-alive connection small.
  /** The runtime, as CPython's `sys_version` ("Python/3.x"). Default `Node.js/<version>`. */
  declare sysVersion: string;
  /** The server software; sent in `Server` with `sysVersion`. Default `BaseHTTP/0.6`. */
  declare serverVersion: string;
  /** The error page template (`%(code)d`, `%(message)s`, `%(explain)s`). */
  declare errorMessageFormat: string;
  /** Content-Type of error pages. */
  declare errorContentType: string;
  /** The version assumed until the request line is parsed (and for HTTP/0.9 requests): `"HTTP/0.9"` sends no status line. */
  declare defaultRequestVersion: string;
  /** The version this handler answers with; `"HTTP/1.1"` enables keep-alive. Default `"HTTP/1.0"`. */
  declare protocolVersion: string;
  /** Code to `[phrase, description]`, used by `sendResponse` and `sendError`. */
  declare responses: Readonly<Record<number, readonly [string, string]>>;
  /** CPython's `weekdayname` (kept for subclasses; like CPython 3, nothing here reads it). */
  declare weekdayname: readonly string[];
  /** CPython's `monthname` (index 0 unused): the month names of `logDateTimeString()`. */
  declare monthname: readonly (string | null)[];
  /** Send small writes at once (TCP_NODELAY): a head and a small body are coalesced into one buffer instead. */
  override disableNagleAlgorithm = true;

  /** True when the connection closes after this request. */
  closeConnection = true;
  /** The request line without its line end (`""` before one was read). */
  requestLine = "";
  /** The method (`null` until the request line parsed). */
  command: string | null = null;
  /** The request target (a leading `//` collapsed to `/`). */
  path = "";
  /** The request's version, e.g. `"HTTP/1.1"` (`defaultRequestVersion` for HTTP/0.9 requests). */
  requestVersion = "HTTP/0.9";
  /** Writer over the connection. */
  declare wfile: HTTPSocketWriter;
  /** @internal Shared server state (settings, shutdown flag, idle set). */
  state!: ServerState;

  protected headBuf = "";
  protected status = 0;
  protected finalHeadSent = false;
  protected connectionHeaderSent = false;
  protected framingHeaderSent = false;

  /** @internal Start a new response: forget the previous one's head state. */
  protected resetResponse(): void {
    this.headBuf = "";
    this.status = 0;
    this.finalHeadSent = false;
    this.connectionHeaderSent = false;
    this.framingHeaderSent = false;
    this.wfile.bytesWritten = 0;
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
    this.sendResponse(code, isFieldValue(msg) ? msg : short);
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
    if (this.requestVersion === "HTTP/0.9") return;
    if (this.versionString === HTTPResponder.prototype.versionString && this.dateTimeString === HTTPResponder.prototype.dateTimeString) {
      this.headBuf += serverDateLines(this.serverVersion, this.sysVersion, httpDate());
    } else {
      this.headBuf += `Server: ${this.versionString()}\r\nDate: ${this.dateTimeString()}\r\n`;
    }
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
    // The usual spellings first: no lower-cased copy per header.
    if ((n === 14 || n === 17) && !this.framingHeaderSent) {
      if (keyword === "Content-Length" || keyword === "Transfer-Encoding") this.framingHeaderSent = true;
      else {
        const lower = keyword.toLowerCase();
        if (lower === "content-length" || lower === "transfer-encoding") this.framingHeaderSent = true;
      }
    }
    if (n === 10 && (keyword === "Connection" || keyword.toLowerCase() === "connection")) {
      this.connectionHeaderSent = true;
      // RFC 9110 7.6.1: the field is a token list (CPython compares the whole value).
      if (hasToken(text, "close")) this.closeConnection = true;
      else if (hasToken(text, "keep-alive")) this.closeConnection = false;
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
    return logDateTime(new Date(), this.monthname);
  }

  /** The client's host (or the Unix socket path), for logs. */
  addressString(): string {
    const address = this.clientAddress;
    return typeof address === "string" ? address : address[0];
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

Object.assign(HTTPResponder.prototype, {
  sysVersion: `Node.js/${process.versions.node}`,
  serverVersion: `BaseHTTP/${VERSION}`,
  errorMessageFormat: DEFAULT_ERROR_MESSAGE,
  errorContentType: DEFAULT_ERROR_CONTENT_TYPE,
  defaultRequestVersion: "HTTP/0.9",
  protocolVersion: "HTTP/1.0",
  responses: RESPONSES,
  weekdayname: WEEKDAY_NAMES,
  monthname: MONTH_NAMES,
});

let linesServer = "";
let linesSys = "";
let linesDate = "";
let lines = "";

/** The `Server` and `Date` lines, rebuilt only when the date (each second) or a version changes. */
function serverDateLines(server: string, sys: string, date: string): string {
  if (date !== linesDate || server !== linesServer || sys !== linesSys) {
    linesServer = server;
    linesSys = sys;
    linesDate = date;
    lines = `Server: ${server} ${sys}\r\nDate: ${date}\r\n`;
  }
  return lines;
}


