/**
 * CPython's `parse_request`, strict (RFC 9112), as a function from bytes to a plain value: the
 * request line, version, request-target form, header fields, Host and body framing of one head,
 * or the refusal that answers it. Deciding keep-alive, starting the body and `Expect` are the
 * handler's (it knows its `protocolVersion` and the connection).
 * @module
 */
import {
  BadRequestLine,
  HeadTooLarge,
  HTTPStatus,
  parseHeaderFields,
  parseRequestLine,
  requestBodyFraming,
  HTTPMessage,
  type BodyFraming,
  type RequestLine,
  type HeadLimits,
} from "@stdhttp/httplib";
import type { Answer } from "./answers.js";
import { pyRepr } from "./format.js";
import type { HeadRefusal, RefusedLine } from "./refusal.js";
import { formAllowed, isValidHost, requestTargetForm, targetAuthority, type RequestTargetForm } from "./request-target.js";

const LF = 0x0a;
const NO_BODY: BodyFraming = Object.freeze({ kind: "none" });

/** A request head that passed every rule. */
export interface ParsedRequest {
  /** The method. */
  command: string;
  /** The request-target as sent. */
  target: string;
  /** The request line without its line end. */
  requestLine: string;
  /** The request line with its line end (shares memory with the head). */
  rawRequestLine: Buffer;
  /** `HTTP/d.d`, or `null` for an HTTP/0.9 request (no version). */
  version: string | null;
  /** HTTP/1.1 or a later 1.x. */
  http11: boolean;
  /** The header fields (Host replaced by the target's authority for absolute-form, RFC 9112 3.2.2). */
  headers: HTTPMessage;
  /** How the body is delimited. */
  framing: BodyFraming;
}

/** The limits `parseHead` applies. */
export interface ParseSettings {
  parseLimits: Readonly<Required<HeadLimits>>;
  maxHeadSize: number;
  maxBodySize: number;
}

/** Parse the head `buf[0, end)`: a {@link ParsedRequest}, or the {@link HeadRefusal} that answers it. */
export function parseHead(buf: Buffer, end: number, settings: ParseSettings): ParsedRequest | HeadRefusal {
  if (end > settings.maxHeadSize) return { error: new HeadTooLarge(settings.maxHeadSize), received: buf };
  let line: RequestLine;
  try {
    line = parseRequestLine(buf, 0, end, settings.parseLimits);
  } catch (err) {
    if (err instanceof BadRequestLine && err.reason === "missing-version") return parseSimpleRequest(err.line, buf, end, settings);
    return { error: err, received: buf };
  }
  const requestLine = `${line.method} ${line.target} ${line.version}`;
  const major = line.versionMajor;
  const minor = line.versionMinor;
  if (major >= 2) return refusal(buf, lineOf(line, requestLine), [HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, `Invalid HTTP version (${major}.${minor})`]);
  const form = requestTargetForm(line.target);
  if (form === null || !formAllowed(line.method, form)) return refusal(buf, lineOf(line, requestLine), badTarget(line.method, line.target, form));

  let headers: HTTPMessage;
  try {
    headers = parseHeaderFields(buf, line.fieldsStart, end, settings.parseLimits);
  } catch (err) {
    return { error: err, received: buf, line: lineOf(line, requestLine) };
  }
  const http11 = major === 1 && minor >= 1;
  // RFC 9112 3.2: a server MUST answer 400 to an HTTP/1.1 request without Host or with several,
  // and to any request whose Host is not a valid authority.
  if (http11) {
    const hosts = headers.count("host");
    if (hosts !== 1) return refusal(buf, lineOf(line, requestLine), [HTTPStatus.BAD_REQUEST, hosts === 0 ? "Missing Host header" : "Multiple Host headers"]);
  }
  const host = headers.get("host");
  if (host !== undefined && !isValidHost(host)) {
    return refusal(buf, lineOf(line, requestLine), [HTTPStatus.BAD_REQUEST, `Bad Host header (${pyRepr(host)})`, 'The Host field must be uri-host [ ":" port ] (RFC 9112 3.2, RFC 3986 3.2).']);
  }
  // RFC 9112 3.2.2: with an absolute-form target, the target's authority replaces Host.
  if (form === "absolute") {
    const authority = targetAuthority(line.target);
    if (authority !== null && authority !== host) headers.set("host", authority);
  }

  let framing: BodyFraming;
  try {
    // RFC 9112 6.1, 6.3: CL with TE, TE in HTTP/1.0, chunked not last, a bad or conflicting CL: 400;
    // a coding before chunked: 501 (answerFor).
    framing = requestBodyFraming(headers, line);
  } catch (err) {
    return { error: err, received: buf, line: lineOf(line, requestLine) };
  }
  if (framing.kind === "length" && framing.length > settings.maxBodySize) {
    return refusal(buf, lineOf(line, requestLine), [HTTPStatus.CONTENT_TOO_LARGE, "Content Too Large", `The body is larger than ${settings.maxBodySize} bytes`]);
  }
  return { command: line.method, target: line.target, requestLine, rawRequestLine: line.rawRequestLine, version: line.version, http11, headers, framing };
}

/** Whether `parseHead`'s result is a refusal. */
export function isRefusal(result: ParsedRequest | HeadRefusal): result is HeadRefusal {
  return (result as HeadRefusal).received !== undefined;
}

/** An HTTP/0.9 request line (`GET /`): no version; the handler answers it without status line. */
function parseSimpleRequest(text: string, buf: Buffer, end: number, settings: ParseSettings): ParsedRequest | HeadRefusal {
  const sp = text.indexOf(" ");
  const lf = buf.indexOf(LF);
  const command = text.slice(0, sp);
  const target = text.slice(sp + 1);
  const refused: RefusedLine = { command, target, requestLine: text, version: null };
  if (command !== "GET") return refusal(buf, refused, [HTTPStatus.BAD_REQUEST, `Bad HTTP/0.9 request type (${pyRepr(command)})`]);
  const form = requestTargetForm(target);
  if (form === null || !formAllowed(command, form)) return refusal(buf, refused, badTarget(command, target, form));
  let headers: HTTPMessage | null = null;
  if (lf !== -1 && lf + 1 < end) {
    try {
      headers = parseHeaderFields(buf, lf + 1, end, settings.parseLimits);
    } catch (err) {
      return { error: err, received: buf, line: refused };
    }
  }
  const rawRequestLine = buf.subarray(0, lf === -1 ? end : lf + 1);
  return { command, target, requestLine: text, rawRequestLine, version: null, http11: false, headers: headers ?? new HTTPMessage(), framing: NO_BODY };
}

/** The request line of a refusal (built only when refusing: nothing extra per accepted request). */
function lineOf(line: RequestLine, requestLine: string): RefusedLine {
  return { command: line.method, target: line.target, requestLine, version: line.version };
}

function refusal(received: Buffer, line: RefusedLine, answer: Answer): HeadRefusal {
  return { error: null, received, line, answer };
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
