/**
 * Refused request heads as plain values: what the head reader or the parser found wrong, and
 * the answer it gets (CPython's `send_error` paths of `handle_one_request` and `parse_request`),
 * with the request line, method and version the answer and the log report.
 * @module
 */
import { BadRequestLine, HTTPStatus } from "@stdhttp/httplib";
import { answerFor, salvageVersion, unsupportedVersion, type Answer } from "./answers.js";
import { pyRepr } from "./format.js";

const CR = 0x0d;
const LF = 0x0a;

/** `HeadRefusal.error` when the header timeout expired with part of a head received. */
export const HEADER_TIMEOUT = Symbol("header timeout");

/** The request line of a refused head, when it could be read. */
export interface RefusedLine {
  command: string;
  /** The request-target as sent. */
  target: string;
  requestLine: string;
  /** `HTTP/d.d`, or `null` for an HTTP/0.9 line. */
  version: string | null;
}

/** A request head that is refused; the handler answers it and closes the connection. */
export interface HeadRefusal {
  /** The error that refused it (an httplib `HTTPException`), {@link HEADER_TIMEOUT}, or `null` when `answer` says it all. */
  error: unknown;
  /** The bytes of the head received so far. */
  received: Buffer;
  /** The request line, when it was read before the refusal. */
  line?: RefusedLine;
  /** The answer, when the rule is the server's own (Host, target form, 505, 413). */
  answer?: Answer;
}

/** What the handler sets and sends for a refusal. */
export interface RefusalAnswer {
  answer: Answer;
  requestLine: string;
  command: string | null;
  /** The request-target, when the request line was read (`""` otherwise). */
  target: string;
  /** The version to answer with (`null`: keep the handler's default). */
  requestVersion: string | null;
}

/**
 * The answer to `refusal`. `defaultVersion` is the handler's `defaultRequestVersion`: CPython
 * answers in HTTP/0.9 form (no status line) while no version was read; here only a real HTTP/0.9
 * request line is answered that way, any other unreadable line gets a status line.
 */
export function refusalAnswer(refusal: HeadRefusal, maxLineLength: number, defaultVersion: string): RefusalAnswer {
  const line = refusal.line;
  if (refusal.error === HEADER_TIMEOUT) {
    const requestLine = firstLine(refusal.received, maxLineLength);
    const version = refusal.received.includes(LF) ? salvageVersion(requestLine) : null;
    return { answer: [HTTPStatus.REQUEST_TIMEOUT, "Request Timeout"], requestLine, command: null, target: "", requestVersion: version ?? readable(defaultVersion) };
  }
  if (line !== undefined) {
    const answer = refusal.answer ?? answerFor(refusal.error, line.requestLine) ?? [HTTPStatus.BAD_REQUEST, "Bad request"];
    return { answer, requestLine: line.requestLine, command: line.command, target: line.target, requestVersion: line.version };
  }
  const err = refusal.error;
  let requestLine = firstLine(refusal.received, maxLineLength);
  // CPython takes the version from the line's last word even when the rest is bad.
  let requestVersion = salvageVersion(requestLine) ?? readable(defaultVersion);
  let command: string | null = null;
  let answer: Answer;
  if (err instanceof BadRequestLine && err.reason === "bad-version") {
    const unsupported = unsupportedVersion(requestLine);
    if (unsupported !== null) {
      requestVersion = "HTTP/1.1";
      answer = [HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, `Invalid HTTP version (${unsupported})`];
    } else {
      answer = [HTTPStatus.BAD_REQUEST, `Bad request version (${pyRepr(requestLine.slice(requestLine.lastIndexOf(" ") + 1))})`];
    }
  } else {
    answer = answerFor(err, requestLine) ?? [HTTPStatus.BAD_REQUEST, "Bad request"];
    if (answer[0] === HTTPStatus.URI_TOO_LONG) {
      // CPython: the line is not kept, and the answer carries a status line.
      requestLine = "";
      command = "";
      requestVersion = "";
    }
  }
  return { answer, requestLine, command, target: "", requestVersion };
}

/** A version under which an answer has a status line (`HTTP/0.9` has none). */
function readable(version: string): string {
  return version === "HTTP/0.9" ? "HTTP/1.0" : version;
}

/** The first line of `buf` without its line end, latin1 (CPython's `requestline`); `""` past `limit`. */
export function firstLine(buf: Buffer, limit = 65536): string {
  let end = buf.indexOf(LF);
  if (end === -1) end = buf.length;
  if (end > 0 && buf[end - 1] === CR) end--;
  return end > limit ? "" : buf.toString("latin1", 0, end);
}
