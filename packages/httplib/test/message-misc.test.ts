import { describe, expect, test } from "@jest/globals";
import { INVALID_HEADER_FIELDS } from "./fixtures/invalid-headers.js";
import { HeadTooLarge, InvalidHeader, LineTooLong, TooManyHeaders } from "../src/errors.js";
import {
  formatHttpDate,
  isFieldValue,
  isToken,
  parseHeaders,
  parseHttpDate,
  validateHeaderName,
  validateHeaderValue,
  type LineReader,
} from "../src/message/index.js";

/** An in-memory line reader with the rfile.readline(limit) contract (no socket involved). */
class BufferLineReader implements LineReader {
  #buf: Buffer;
  #pos = 0;
  constructor(data: string) {
    this.#buf = Buffer.from(data, "latin1");
  }
  readline(limit = Infinity): Promise<Buffer> {
    const lf = this.#buf.indexOf(0x0a, this.#pos);
    let end = lf === -1 ? this.#buf.length : lf + 1;
    end = Math.min(end, this.#pos + limit);
    const line = this.#buf.subarray(this.#pos, end);
    this.#pos = end;
    return Promise.resolve(line);
  }
  rest(): string {
    return this.#buf.subarray(this.#pos).toString("latin1");
  }
}

describe("parseHeaders (CPython parse_headers)", () => {
  test("reads until the empty line and leaves the body", async () => {
    const r = new BufferLineReader("Host: a\r\nX: 1\r\nx: 2\r\n\r\nBODY");
    const msg = await parseHeaders(r);
    expect(msg.rawPairs()).toEqual([["Host", "a"], ["X", "1"], ["x", "2"]]);
    expect(r.rest()).toBe("BODY");
  });
  test("end of stream ends the headers, as CPython", async () => {
    expect((await parseHeaders(new BufferLineReader("A: 1\r\n"))).get("a")).toBe("1");
    expect((await parseHeaders(new BufferLineReader(""))).size).toBe(0);
  });
  test("same strict rules as the Buffer parser", async () => {
    await expect(parseHeaders(new BufferLineReader("A : 1\r\n\r\n"))).rejects.toThrow(InvalidHeader);
    await expect(parseHeaders(new BufferLineReader("A: 1\nB: 2\r\n\r\n"))).rejects.toThrow(InvalidHeader);
    expect((await parseHeaders(new BufferLineReader("A: 1\nB: 2\n\n"), { allowBareLF: true })).size).toBe(2);
  });
  // cpython test_httplib: BasicTest.test_overflowing_header_line, test_too_many_headers
  test("limits", async () => {
    await expect(parseHeaders(new BufferLineReader(`X: ${"a".repeat(200)}\r\n\r\n`), { maxLineLength: 100 })).rejects.toThrow(LineTooLong);
    expect((await parseHeaders(new BufferLineReader(`X: ${"a".repeat(97)}\r\n\r\n`), { maxLineLength: 100 })).size).toBe(1);
    const many = Array.from({ length: 101 }, (_, i) => `H${i}: v\r\n`).join("");
    await expect(parseHeaders(new BufferLineReader(`${many}\r\n`))).rejects.toThrow(TooManyHeaders);
    await expect(parseHeaders(new BufferLineReader(`${many}\r\n`), { maxHeadSize: 100, maxHeaders: 1000 })).rejects.toThrow(HeadTooLarge);
  });
});

describe("HTTP dates (RFC 9110 5.6.7)", () => {
  test("formatHttpDate gives IMF-fixdate", () => {
    expect(formatHttpDate(0)).toBe("Thu, 01 Jan 1970 00:00:00 GMT");
    expect(formatHttpDate(new Date(Date.UTC(1994, 10, 6, 8, 49, 37)))).toBe("Sun, 06 Nov 1994 08:49:37 GMT");
    expect(formatHttpDate()).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    expect(() => formatHttpDate(Number.NaN)).toThrow(RangeError);
  });
  test.each([
    "Sun, 06 Nov 1994 08:49:37 GMT",
    "Sunday, 06-Nov-94 08:49:37 GMT",
    "Sun Nov  6 08:49:37 1994",
    "  Sun, 06 Nov 1994 08:49:37 GMT ",
  ])("parses %j", (value) => {
    expect(parseHttpDate(value)?.toISOString()).toBe("1994-11-06T08:49:37.000Z");
  });
  test("round-trips", () => {
    const t = Date.UTC(2031, 1, 28, 23, 59, 59);
    expect(parseHttpDate(formatHttpDate(t))?.getTime()).toBe(t);
  });
  test("two-digit years more than 50 years ahead mean the past century", () => {
    const year = new Date().getUTCFullYear();
    const ahead = (year + 60) % 100;
    const near = (year + 1) % 100;
    const pad = (n: number): string => String(n).padStart(2, "0");
    expect(parseHttpDate(`Monday, 01-Jan-${pad(ahead)} 00:00:00 GMT`)?.getUTCFullYear()).toBe(year + 60 - 100);
    expect(parseHttpDate(`Monday, 01-Jan-${pad(near)} 00:00:00 GMT`)?.getUTCFullYear()).toBe(year + 1);
  });
  test.each([
    "",
    "yesterday",
    "Sun, 06 Nov 1994 08:49:37 UTC",
    "Sun, 6 Nov 1994 08:49:37 GMT",
    "Xyz, 06 Nov 1994 08:49:37 GMT",
    "Sun, 31 Feb 1994 08:49:37 GMT",
    "Sun, 06 Foo 1994 08:49:37 GMT",
    "Sun, 06 Nov 1994 24:00:00 GMT",
    "Sun, 06 Nov 1994 08:60:00 GMT",
    "Sun, 00 Nov 1994 08:49:37 GMT",
    "Sun, 06 Nov 1994 08:49:37 GMT extra",
  ])("rejects %j", (value) => {
    expect(parseHttpDate(value)).toBeNull();
  });
});

describe("writer checks", () => {
  // cpython test_httplib: HeaderTests.test_invalid_headers
  test.each(INVALID_HEADER_FIELDS.map(([n, v]) => [n, v]))("rejects %j: %j", (name, value) => {
    expect(() => {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    }).toThrow(InvalidHeader);
  });

  test("accepts tokens and VCHAR / obs-text / SP / HTAB values", () => {
    validateHeaderName("!#$%&'*+-.^_`|~09azAZ");
    validateHeaderValue("X", "a b\tc ~ \xe9\xff");
    validateHeaderValue("X", "");
  });

  test("isToken", () => {
    expect(isToken("GET")).toBe(true);
    expect(isToken("")).toBe(false);
    expect(isToken("a b")).toBe(false);
    expect(isToken("é")).toBe(false);
    expect(isToken("a\u0100")).toBe(false);
  });
});

describe("isFieldValue", () => {
  test("the same characters as validateHeaderValue, without throwing", () => {
    expect(isFieldValue("a b\tc ~ \xe9\xff")).toBe(true);
    expect(isFieldValue("")).toBe(true);
    for (const [, value] of INVALID_HEADER_FIELDS.filter(([name]) => name === "ValidName")) expect(isFieldValue(value)).toBe(false);
  });
});
