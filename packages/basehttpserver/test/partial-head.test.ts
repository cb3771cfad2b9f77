/**
 * `PartialHead` (head-reader.ts) checks a head piece by piece, resuming where each check
 * stopped. Property: fed in any pieces, with arbitrary bytes past the end of what arrived (as in
 * its hold block), it gives after every piece the answer the head reader gave before it worked
 * piece by piece, when every check looked at the whole head received so far: still waiting,
 * where the head ends, or the same refusal. A refusal or an end found records nothing: checking
 * the same bytes again gives the same answer (the head reader does, in rfile's buffer).
 */
import { describe, expect, test } from "@jest/globals";
import fc from "fast-check";
import { BadRequestLine, findHeadEnd, HeadTooLarge, InvalidMethod, isToken, LineTooLong, parseRequestLine } from "@stdhttp/httplib";
import { PartialHead } from "../src/head-reader.js";
import { resolveSettings, type HTTPSettings } from "../src/options.js";

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;

/** The whole-head rules as the head reader applied them to everything received (before the piecewise checks). */
function wholeHeadAnswer(buf: Buffer, settings: HTTPSettings): string {
  const end = findHeadEnd(buf, 0);
  if (end !== -1) return `end ${end}`;
  try {
    const lf = buf.indexOf(LF);
    if (lf === -1) {
      if (buf.length > settings.maxLineLength + 1) throw new LineTooLong("request line", settings.maxLineLength);
      if (buf.length <= 1024) checkRequestLinePrefix(buf);
      return "pending";
    }
    try {
      parseRequestLine(buf, 0, lf + 1, settings.parseLimits);
    } catch (err) {
      if (!(err instanceof BadRequestLine && err.reason === "missing-version")) throw err;
      if (buf.length === lf + 1) return `end ${lf + 1}`;
    }
    if (buf.length > settings.maxHeadSize) throw new HeadTooLarge(settings.maxHeadSize);
    if (buf.length - buf.lastIndexOf(LF) - 1 > settings.maxLineLength + 1) throw new LineTooLong("header line", settings.maxLineLength);
    return "pending";
  } catch (err) {
    return describeError(err);
  }
}

/** The previous partial request-line check (whole line scanned each time). */
function checkRequestLinePrefix(buf: Buffer): void {
  const n = buf.length;
  const first = (): string => buf.toString("latin1").split("\n")[0].replace(/\r$/, "");
  let i = 0;
  while (i < n && buf[i] !== SP) {
    if (!isToken(String.fromCharCode(buf[i]))) throw new InvalidMethod(buf.toString("latin1", 0, i + 1));
    i++;
  }
  if (i === 0 && n > 0) throw new BadRequestLine(first(), "missing-method");
  let part = 1;
  let versionStart = -1;
  for (i++; i < n; i++) {
    const b = buf[i];
    if (b === CR) {
      if (i !== n - 1) throw new BadRequestLine(first(), "bare-cr");
      break;
    }
    if (b === SP) {
      part++;
      if (part > 2) throw new BadRequestLine(first(), "bad-version");
      versionStart = i + 1;
      continue;
    }
    if (b <= 0x20 || b === 0x7f) throw new BadRequestLine(first(), "bad-target");
    if (versionStart !== -1) {
      const at = i - versionStart;
      const ok = at < 5 ? b === [0x48, 0x54, 0x54, 0x50, 0x2f][at] : (b >= 0x30 && b <= 0x39) || b === 0x2e;
      if (!ok) throw new BadRequestLine(first(), "bad-version");
    }
  }
}

function describeError(err: unknown): string {
  const e = err as Error & { reason?: string };
  return `${e.name} ${e.reason ?? ""} ${e.message}`;
}

/** PartialHead's answer for `buf[0, end)` (bytes past `end` are garbage). */
function pieceAnswer(partial: PartialHead, buf: Buffer, end: number): string {
  try {
    const at = partial.check(buf, end);
    return at === -1 ? "pending" : `end ${at}`;
  } catch (err) {
    return describeError(err);
  }
}

/** Bytes that make request heads (and broken ones) likely. */
const token = fc.constantFrom("GET", "POST", " ", "/", "/a?b=c", "HTTP/1.1", "HTTP/1.0", "HTTP/2", "HTTQ", "\r\n", "\r", "\n", "Host: a", "X: ", "x".repeat(40), ":", "\x01", "\x7f", "(", "\t", "0", ".");
const eol = fc.constantFrom("\r\n", "\r\n", "\n");
const line = fc.tuple(fc.constantFrom("GET", "POST", "M-1"), fc.constantFrom("/", "/a?b", "*", "/" + "p".repeat(30)), fc.constantFrom(" HTTP/1.1", " HTTP/1.0", " HTTP/12.3", ""), eol);
const field = fc.tuple(fc.constantFrom("Host", "X-A", "Content-Length", "Bad Name"), fc.constantFrom(": a", ":", ": " + "v".repeat(30), ":\tb c"), eol);
/** A head built like a request (request line, fields, maybe the empty line, maybe more), often with a token put in somewhere. */
const requestArb = fc
  .tuple(line, fc.array(field, { maxLength: 6 }), fc.constantFrom("\r\n", "\n", ""), fc.constantFrom("", "GET / HTTP/1.1\r\n"), fc.option(fc.tuple(fc.nat(), token), { freq: 2 }))
  .map(([[m, t, v, e], fields, last, more, insert]) => {
    let text = `${m} ${t}${v}${e}${fields.map(([n, value, end]) => n + value + end).join("")}${last}${more}`;
    if (insert !== null) {
      const at = 1 + (insert[0] % text.length);
      text = text.slice(0, at) + insert[1] + text.slice(at);
    }
    return text;
  });
const headArb = fc
  .oneof({ arbitrary: requestArb, weight: 3 }, { arbitrary: fc.array(token, { minLength: 1, maxLength: 30 }).map((parts) => parts.join("")), weight: 1 })
  .map((text) => Buffer.from(text, "latin1"))
  .filter((b) => b[0] !== CR && b[0] !== LF);

function run(bytes: Buffer, cuts: number[], settings: HTTPSettings): void {
  const partial = new PartialHead(settings, Infinity);
  // The hold block: the head so far, then garbage that could look like line ends.
  const block = Buffer.alloc(2 * bytes.length + 16, "\r\n\r\n");
  const points = [...new Set(cuts.map((c) => 1 + (c % bytes.length)))].sort((a, b) => a - b);
  if (points[points.length - 1] !== bytes.length) points.push(bytes.length);
  for (const end of points) {
    bytes.copy(block, 0, 0, end);
    const expected = wholeHeadAnswer(bytes.subarray(0, end), settings);
    const got = pieceAnswer(partial, block, end);
    expect({ end, got }).toEqual({ end, got: expected });
    if (got !== "pending") {
      // Nothing was recorded: the same bytes, now exact (rfile's buffer), give the same answer.
      expect(pieceAnswer(partial, bytes.subarray(0, end), end)).toBe(expected);
      return;
    }
  }
}

describe("PartialHead: piece by piece as the whole head", () => {
  test("any head, cut anywhere, default limits", () => {
    const settings = resolveSettings({});
    fc.assert(
      fc.property(headArb, fc.array(fc.nat(), { maxLength: 12 }), (bytes, cuts) => run(bytes, cuts, settings)),
      { numRuns: 2000 },
    );
  });

  test("any head, cut anywhere, small limits (line 24, head 80)", () => {
    const settings = resolveSettings({ maxLineLength: 24, maxHeadSize: 80 });
    fc.assert(
      fc.property(headArb, fc.array(fc.nat(), { maxLength: 12 }), (bytes, cuts) => run(bytes, cuts, settings)),
      { numRuns: 2000 },
    );
  });

  test("byte by byte", () => {
    const settings = resolveSettings({});
    fc.assert(
      fc.property(headArb, (bytes) => run(bytes, Array.from({ length: bytes.length }, (_, i) => i), settings)),
      { numRuns: 500 },
    );
  });
});
