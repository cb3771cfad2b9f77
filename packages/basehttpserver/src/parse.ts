/**
 * CPython's `parse_request`, strict (RFC 9112): request line, version, header fields, the
 * keep-alive decision, Host, body framing and `Expect: 100-continue`. Every refusal sends its
 * error answer and closes the connection.
 * @module
 */
import {
  BadRequestLine,
  HeadTooLarge,
  HTTPMessage,
  HTTPStatus,
  parseHeaderFields,
  parseRequestLine,
  requestBodyFraming,
  type BodyFraming,
  type RequestLine,
} from "@stdhttp/httplib";
import { answerFor, salvageVersion, unsupportedVersion, type Answer } from "./answers.js";
import { pyRepr } from "./format.js";
import { firstLine } from "./head-reader.js";
import { formAllowed, isValidHost, requestTargetForm, targetAuthority, type RequestTargetForm } from "./request-target.js";
import type { BaseHTTPRequestHandler } from "./handler.js";

const LF = 0x0a;
const NO_BODY: BodyFraming = Object.freeze({ kind: "none" });

/** See `BaseHTTPRequestHandler.parseRequest`. */
export function parseRequest(h: BaseHTTPRequestHandler<unknown>): boolean | Promise<boolean> {
  h.command = null;
  h.requestVersion = h.defaultRequestVersion;
  h.closeConnection = true;
  const settings = h.state.settings;
  const buf = h.head;
  const end = h.headEnd;
  h.rfile.skip(end);
  if (end > settings.maxHeadSize) return rejectHead(h, new HeadTooLarge(settings.maxHeadSize), buf);

  let line: RequestLine;
  try {
    line = parseRequestLine(buf, 0, end, settings.parseLimits);
  } catch (err) {
    if (err instanceof BadRequestLine && err.reason === "missing-version") return parseSimpleRequest(h, err.line, buf, end);
    return rejectHead(h, err, buf);
  }
  h.rawRequestLine = line.rawRequestLine;
  h.requestLine = `${line.method} ${line.target} ${line.version}`;
  const major = line.versionMajor;
  const minor = line.versionMinor;
  h.requestVersion = line.version;
  if (major >= 2) return answer(h, [HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, `Invalid HTTP version (${major}.${minor})`]);
  const http11 = major === 1 && minor >= 1;
  if (http11 && h.protocolVersion >= "HTTP/1.1") h.closeConnection = false;
  h.command = line.method;
  h.path = collapse(line.target);
  const form = requestTargetForm(line.target);
  if (form === null || !formAllowed(line.method, form)) return answer(h, badTarget(line.method, line.target, form));

  let headers: HTTPMessage;
  try {
    headers = parseHeaderFields(buf, line.fieldsStart, end, settings.parseLimits);
  } catch (err) {
    return rejectHead(h, err, buf);
  }
  h.headers = h.MessageClass === HTTPMessage ? headers : new h.MessageClass(headers);

  const conn = headers.get("connection");
  if (conn !== undefined) keepAlive(h, conn);
  // RFC 9112 3.2: a server MUST answer 400 to an HTTP/1.1 request without Host or with several.
  if (http11) {
    const hosts = headers.count("host");
    if (hosts !== 1) return answer(h, [HTTPStatus.BAD_REQUEST, hosts === 0 ? "Missing Host header" : "Multiple Host headers"]);
  }
  const host = headers.get("host");
  if (host !== undefined && !isValidHost(host)) {
    return answer(h, [HTTPStatus.BAD_REQUEST, `Bad Host header (${pyRepr(host)})`, "The Host field must be uri-host [ \":\" port ] (RFC 9112 3.2, RFC 3986 3.2)."]);
  }
  // RFC 9112 3.2.2: with an absolute-form target, the target's authority replaces Host.
  if (form === "absolute") {
    const authority = targetAuthority(line.target);
    if (authority !== null && authority !== host) h.headers.set("host", authority);
  }

  let framing: BodyFraming;
  try {
    // RFC 9112 6.1, 6.3: CL with TE, TE in HTTP/1.0, chunked not last, a bad or conflicting CL: 400;
    // a coding before chunked: 501 (answerFor).
    framing = requestBodyFraming(headers, line);
  } catch (err) {
    return rejectHead(h, err, buf);
  }
  if (framing.kind === "length" && framing.length > settings.maxBodySize) {
    return answer(h, [HTTPStatus.CONTENT_TOO_LARGE, "Content Too Large", `The body is larger than ${settings.maxBodySize} bytes`]);
  }
  if (settings.maxRequestsPerConnection > 0 && h.requestCount >= settings.maxRequestsPerConnection) h.closeConnection = true;
  if (h.state.closing) h.closeConnection = true;
  startBody(h, framing);

  const expect = headers.get("expect");
  if (expect !== undefined && expect.toLowerCase() === "100-continue" && h.protocolVersion >= "HTTP/1.1" && http11) {
    return h.handleExpect100();
  }
  return true;
}

/** An HTTP/0.9 request line (`GET /`): no version, so `requestVersion` stays the default; close after. */
function parseSimpleRequest(h: BaseHTTPRequestHandler<unknown>, text: string, buf: Buffer, end: number): boolean {
  const sp = text.indexOf(" ");
  const lf = buf.indexOf(LF);
  h.requestLine = text;
  h.rawRequestLine = buf.subarray(0, lf === -1 ? end : lf + 1);
  h.command = text.slice(0, sp);
  if (h.command !== "GET") return answer(h, [HTTPStatus.BAD_REQUEST, `Bad HTTP/0.9 request type (${pyRepr(h.command)})`]);
  const target = text.slice(sp + 1);
  h.path = collapse(target);
  const form = requestTargetForm(target);
  if (form === null || !formAllowed(h.command, form)) return answer(h, badTarget(h.command, target, form));
  let headers = new HTTPMessage();
  if (lf !== -1 && lf + 1 < end) {
    try {
      headers = parseHeaderFields(buf, lf + 1, end, h.state.settings.parseLimits);
    } catch (err) {
      return rejectHead(h, err, buf);
    }
  }
  h.headers = h.MessageClass === HTTPMessage ? headers : new h.MessageClass(headers);
  startBody(h, NO_BODY);
  return true;
}

/**
 * gh-87389: a path starting with `//` is reduced to one `/`, so a redirect built from it cannot
 * become a scheme-relative URL pointing at another host.
 */
function collapse(target: string): string {
  if (target.length < 2 || target.charCodeAt(0) !== 0x2f || target.charCodeAt(1) !== 0x2f) return target;
  let i = 2;
  while (i < target.length && target.charCodeAt(i) === 0x2f) i++;
  return `/${target.slice(i)}`;
}

/** CPython's Connection rule (`close`; `keep-alive` only for an HTTP/1.1 handler), also inside a list. */
function keepAlive(h: BaseHTTPRequestHandler<unknown>, value: string): void {
  const v = value.toLowerCase();
  if (v === "close") h.closeConnection = true;
  else if (v === "keep-alive") {
    if (h.protocolVersion >= "HTTP/1.1") h.closeConnection = false;
  } else if (v.includes(",")) {
    const tokens = v.split(",").map((t) => t.trim());
    if (tokens.includes("close")) h.closeConnection = true;
    else if (tokens.includes("keep-alive") && h.protocolVersion >= "HTTP/1.1") h.closeConnection = false;
  }
}

function startBody(h: BaseHTTPRequestHandler<unknown>, framing: BodyFraming): void {
  const body = h.body;
  if (framing.kind === "none") {
    if (body.kind !== "none") body.reset("none", null, 0, 0, null);
    return;
  }
  // Answers held back for pipelining must leave before we wait for this body (or send 100 Continue).
  h.releaseBatch();
  const settings = h.state.settings;
  const start = h.requestStart === 0 ? Date.now() : h.requestStart;
  const deadline = settings.requestTimeout === null ? 0 : start + settings.requestTimeout * 1000;
  if (framing.kind === "length") body.reset("length", framing.length, settings.maxBodySize, deadline, h.bodyTimeout);
  else body.reset("chunked", null, settings.maxBodySize, deadline, h.bodyTimeout);
  if (h.rfile.timeout !== h.bodyTimeout) h.rfile.timeout = h.bodyTimeout;
}

/** The 400 answer to a request-target whose form the method does not allow (RFC 9112 3.2). */
function badTarget(method: string, target: string, form: RequestTargetForm | null): Answer {
  let why: string;
  if (form === null) why = "The request-target is none of origin-form, absolute-form, authority-form or asterisk-form (RFC 9112 3.2).";
  else if (method === "CONNECT") why = "CONNECT needs an authority-form target, host:port (RFC 9112 3.2.3).";
  else if (form === "authority") why = "Only CONNECT takes an authority-form target (RFC 9112 3.2.3).";
  else why = "Only OPTIONS takes the asterisk-form target (RFC 9112 3.2.4).";
  return [HTTPStatus.BAD_REQUEST, `Bad request target (${pyRepr(target)})`, why];
}

function answer(h: BaseHTTPRequestHandler<unknown>, [code, message, explain]: Answer): false {
  h.closeConnection = true;
  h.trySendError(code, message, explain);
  return false;
}

/**
 * Answer a head that cannot be served (CPython's `send_error` paths of `handle_one_request` and
 * `parse_request`), with the request line known so far, then close the connection.
 */
export function rejectHead(h: BaseHTTPRequestHandler<unknown>, err: unknown, buf: Buffer): false {
  const settings = h.state.settings;
  if (h.requestLine === "") h.requestLine = firstLine(buf, settings.maxLineLength);
  let result: Answer | null;
  if (h.command === null) {
    // CPython takes the version from the line's last word even when the rest is bad.
    const version = salvageVersion(h.requestLine);
    if (version !== null) h.requestVersion = version;
    // CPython would answer a line it could not read in HTTP/0.9 form (a body without status line
    // or headers), which a client cannot tell from a crash: only a real HTTP/0.9 request gets that.
    else if (h.requestVersion === "HTTP/0.9") h.requestVersion = "HTTP/1.0";
  }
  if (err instanceof BadRequestLine && err.reason === "bad-version") {
    const unsupported = unsupportedVersion(h.requestLine);
    if (unsupported !== null) {
      h.requestVersion = "HTTP/1.1";
      result = [HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, `Invalid HTTP version (${unsupported})`];
    } else {
      result = [HTTPStatus.BAD_REQUEST, `Bad request version (${pyRepr(h.requestLine.slice(h.requestLine.lastIndexOf(" ") + 1))})`];
    }
  } else {
    result = answerFor(err, h.requestLine);
    if (result !== null && result[0] === HTTPStatus.URI_TOO_LONG) {
      // CPython: the line is not kept, and the answer carries a status line.
      h.requestLine = "";
      h.command = "";
      h.requestVersion = "";
    }
  }
  return answer(h, result ?? [HTTPStatus.BAD_REQUEST, "Bad request"]);
}
