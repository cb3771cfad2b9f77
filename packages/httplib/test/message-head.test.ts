import { describe, expect, test } from "@jest/globals";
import {
  BadRequestLine,
  BadStatusLine,
  HeadTooLarge,
  InvalidHeader,
  InvalidMethod,
  LineTooLong,
  TooManyHeaders,
  UnknownProtocol,
} from "../src/errors.js";
import {
  DEFAULT_HEAD_LIMITS,
  findHeadEnd,
  parseHeaderFields,
  parseRequestHead,
  parseRequestLine,
  parseResponseHead,
  parseStatusLine,
  skipEmptyLines,
  type HeadLimits,
} from "../src/message/index.js";

const bytes = (s: string): Buffer => Buffer.from(s, "latin1");

function req(text: string, limits?: HeadLimits) {
  const buf = bytes(text);
  const end = findHeadEnd(buf);
  return parseRequestHead(buf, 0, end === -1 ? buf.length : end, limits);
}

function res(text: string | Buffer, limits?: HeadLimits) {
  const buf = typeof text === "string" ? bytes(text) : text;
  const end = findHeadEnd(buf);
  return parseResponseHead(buf, 0, end === -1 ? buf.length : end, limits);
}

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidHeader) return err.reason;
    throw err;
  }
  throw new Error("did not throw");
}

describe("findHeadEnd", () => {
  test.each([
    ["GET / HTTP/1.1\r\nHost: a\r\n\r\nbody", 27],
    ["GET / HTTP/1.1\r\n\r\n", 18],
    ["GET / HTTP/1.1\nHost: a\n\nbody", 24],
    ["GET / HTTP/1.1\r\nHost: a\r\n\nX", 26],
    ["GET / HTTP/1.1\r\nHost: a\n\r\nX", 26],
    ["GET / HTTP/1.1\r\nHost: a\r\n", -1],
    ["GET / HTTP/1.1\r\nHost: a\r\n\r", -1],
    ["", -1],
  ])("%j -> %d", (text, expected) => {
    expect(findHeadEnd(bytes(text))).toBe(expected);
  });

  test("resumes from an offset, across every split point", () => {
    const full = bytes("GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n\r\nrest");
    const expected = findHeadEnd(full);
    for (let cut = 0; cut <= full.length; cut++) {
      const first = full.subarray(0, cut);
      const r1 = findHeadEnd(first);
      const got = r1 !== -1 ? r1 : findHeadEnd(full, Math.max(0, cut - 3));
      expect(got).toBe(expected);
    }
  });

  test("skipEmptyLines skips CRLFs (and LFs when allowed)", () => {
    expect(skipEmptyLines(bytes("\r\n\r\nGET"), 0, 7)).toBe(4);
    expect(skipEmptyLines(bytes("\n\nGET"), 0, 5)).toBe(0);
    expect(skipEmptyLines(bytes("\n\r\nGET"), 0, 6, true)).toBe(3);
  });
});

describe("parseRequestHead", () => {
  test("parses the request line and fields", () => {
    const h = req("POST /a?b=c HTTP/1.1\r\nHost: example.com\r\nContent-Length:5\r\nX-Multi: a\r\nx-multi: b\r\n\r\n");
    expect(h.method).toBe("POST");
    expect(h.target).toBe("/a?b=c");
    expect(h.version).toBe("HTTP/1.1");
    expect([h.versionMajor, h.versionMinor]).toEqual([1, 1]);
    expect(h.headers.get("host")).toBe("example.com");
    expect(h.headers.get("content-length")).toBe("5");
    expect(h.headers.getAll("X-MULTI")).toEqual(["a", "b"]);
    expect(h.rawRequestLine.toString()).toBe("POST /a?b=c HTTP/1.1\r\n");
  });

  test("respects start and end inside a larger buffer (pipelining)", () => {
    const buf = bytes("XXGET /1 HTTP/1.1\r\nA: 1\r\n\r\nGET /2 HTTP/1.0\r\nB: 2\r\n\r\n");
    const end1 = findHeadEnd(buf, 2);
    const h1 = parseRequestHead(buf, 2, end1);
    const end2 = findHeadEnd(buf, end1);
    const h2 = parseRequestHead(buf, end1, end2);
    expect([h1.target, h1.headers.get("a"), h1.headers.has("b")]).toEqual(["/1", "1", false]);
    expect([h2.target, h2.version, h2.headers.get("b")]).toEqual(["/2", "HTTP/1.0", "2"]);
    expect(end2).toBe(buf.length);
  });

  test("ignores an empty line before the request line (RFC 9112 2.2)", () => {
    expect(req("\r\nGET / HTTP/1.1\r\n\r\n").method).toBe("GET");
  });

  test("keeps method case and odd token methods; HTTP/2.0 passes syntax (the server answers 505)", () => {
    expect(req("get / HTTP/1.1\r\n\r\n").method).toBe("get");
    expect(req("M-SEARCH * HTTP/1.1\r\n\r\n").target).toBe("*");
    expect(req("CONNECT example.com:443 HTTP/1.1\r\n\r\n").target).toBe("example.com:443");
    const h = req("GET / HTTP/2.0\r\n\r\n");
    expect([h.versionMajor, h.versionMinor]).toEqual([2, 0]);
    expect(req("GET / HTTP/1.0\r\n\r\n").versionMinor).toBe(0);
  });

  test("obs-text in the target is kept (latin1), as CPython", () => {
    expect(req("GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n").target).toBe("/caf\xc3\xa9");
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_version_* and friends, stricter (RFC 9112 3)
  test.each([
    ["GET\r\n\r\n", "missing-target"],
    ["GET /\r\n\r\n", "missing-version"],
    ["GET  / HTTP/1.1\r\n\r\n", "empty-target"],
    ["GET / HTTP/1.1 \r\n\r\n", "bad-version"],
    [" GET / HTTP/1.1\r\n\r\n", "missing-method"],
    ["GET / FUBAR\r\n\r\n", "bad-version"], // test_version_bogus
    ["GET / HTTP/9.9.9\r\n\r\n", "bad-version"], // test_version_digits
    ["GET / HTTP/-9_9_9.+9_9_9\r\n\r\n", "bad-version"], // test_version_signs_and_underscores
    ["GET / HTTP/909876543210.0\r\n\r\n", "bad-version"], // test_major_version_number_too_long
    ["GET / HTTP/1.909876543210\r\n\r\n", "bad-version"], // test_minor_version_number_too_long
    ["GET / HTTP/1\r\n\r\n", "bad-version"],
    ["GET / HTTP/1.10\r\n\r\n", "bad-version"],
    ["GET / http/1.1\r\n\r\n", "bad-version"],
    ["GET / HTTP/a.b\r\n\r\n", "bad-version"],
    ["GET /a\x00b HTTP/1.1\r\n\r\n", "bad-target"],
    ["GET /a\x7fb HTTP/1.1\r\n\r\n", "bad-target"],
    ["GET /a\tb HTTP/1.1\r\n\r\n", "bad-target"],
    ["GET /\r HTTP/1.1\r\n\r\n", "bare-cr"],
    ["GET / HTTP/1.1\nHost: a\r\n\r\n", "bare-lf"],
    ["\r\n\r\n", "empty"],
  ])("rejects %j (%s)", (text, expected) => {
    try {
      req(text);
      throw new Error("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(BadRequestLine);
      expect((e as BadRequestLine).reason).toBe(expected);
    }
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_request_line_trimming (with allowBareLF)
  test("a request line ended by a bare LF parses with allowBareLF", () => {
    const h = req("XYZBOGUS / HTTP/1.1\n\r\n", { allowBareLF: true });
    expect([h.method, h.version, h.headers.size]).toEqual(["XYZBOGUS", "HTTP/1.1", 0]);
  });

  // cpython test_httpservers: BaseHTTPRequestHandlerTestCase.test_header_length / test_too_many_headers
  test("parseRequestLine gives the request line even when the fields are bad", () => {
    const buf = bytes(`GET / HTTP/1.1\r\nX-Foo: bar${"r".repeat(65537)}\r\n\r\n`);
    const line = parseRequestLine(buf, 0, buf.length);
    expect(line.rawRequestLine.toString()).toBe("GET / HTTP/1.1\r\n");
    expect(line.fieldsStart).toBe(16);
    expect(() => parseHeaderFields(buf, line.fieldsStart, buf.length, { maxHeadSize: 1 << 20 })).toThrow(LineTooLong);
  });

  // cpython test_httpservers: BaseHTTPRequestHandlerTestCase.test_request_length (414)
  test("parseRequestLine on a line still arriving: LineTooLong('request line') once over the limit", () => {
    const buf = bytes(`GET ${"x".repeat(65537)}`);
    try {
      parseRequestLine(buf, 0, buf.length);
      throw new Error("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(LineTooLong);
      expect((e as LineTooLong).lineType).toBe("request line");
    }
  });

  test("parseStatusLine alone", () => {
    const buf = bytes("HTTP/1.1 301 Moved\r\nLocation: /x\r\n\r\n");
    const line = parseStatusLine(buf, 0, buf.length);
    expect([line.status, line.reason, line.fieldsStart]).toEqual([301, "Moved", 20]);
  });

  test.each(["GE(T / HTTP/1.1\r\n\r\n", "G\x01T / HTTP/1.1\r\n\r\n", "GET\t/ HTTP/1.1\r\n\r\n", "GÉT / HTTP/1.1\r\n\r\n"])(
    "InvalidMethod for %j",
    (text) => {
      expect(() => req(text)).toThrow(InvalidMethod);
    },
  );

  test("bare LF accepted when allowed", () => {
    const h = req("GET / HTTP/1.1\nHost: a\n\n", { allowBareLF: true });
    expect(h.headers.get("host")).toBe("a");
    expect(h.rawRequestLine.toString()).toBe("GET / HTTP/1.1\n");
  });

  test("request line longer than maxLineLength -> LineTooLong('request line')", () => {
    const err = (() => {
      try {
        req(`GET /${"a".repeat(100)} HTTP/1.1\r\n\r\n`, { maxLineLength: 50 });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(LineTooLong);
    expect((err as LineTooLong).lineType).toBe("request line");
  });

  test("maxHeadSize counts the whole head", () => {
    const text = "GET / HTTP/1.1\r\nA: 1\r\n\r\n";
    expect(() => req(text, { maxHeadSize: text.length - 1 })).toThrow(HeadTooLarge);
    expect(req(text, { maxHeadSize: text.length }).headers.get("a")).toBe("1");
  });
});

describe("field lines (RFC 9112 5, RFC 9110 5)", () => {
  test("OWS trimmed, empty values kept, interior whitespace kept", () => {
    const h = req("GET / HTTP/1.1\r\nA:  x  y \t\r\nB:\r\nC: \t \r\n\r\n");
    expect(h.headers.get("a")).toBe("x  y");
    expect(h.headers.get("b")).toBe("");
    expect(h.headers.get("c")).toBe("");
  });

  // cpython test_httplib: HeaderTests.test_parse_all_octets (without obs-fold, which is strict here)
  test("every valid field octet parses (tchar names, VCHAR and obs-text values)", () => {
    const vchar = Buffer.from(Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => 0x21 + i));
    const obsText = Buffer.from(Array.from({ length: 0x80 }, (_, i) => 0x80 + i));
    const buf = Buffer.concat([
      bytes("HTTP/1.1 200 OK\r\n!#$%&'*+-.^_`|~: value\r\nVCHAR: "),
      vchar,
      bytes("\r\nobs-text: "),
      obsText,
      bytes("\r\nContent-Length: 0\r\n\r\n"),
    ]);
    const h = res(buf);
    expect(h.headers.get("Content-Length")).toBe("0");
    expect(h.headers.get("!#$%&'*+-.^_`|~")).toBe("value");
    expect(h.headers.get("VCHAR")).toBe(vchar.toString("latin1"));
    expect(h.headers.get("obs-text")).toBe(obsText.toString("latin1"));
  });

  // cpython test_httplib: HeaderTests.test_parse_all_octets (the obs-fold part, with allowObsFold)
  test("obs-fold is replaced by SP when allowed", () => {
    const text = "HTTP/1.1 200 OK\r\nobs-fold: text\r\n folded with space\r\n\tfolded with tab\r\nNext: 1\r\n\r\n";
    const h = res(text, { allowObsFold: true });
    const folded = h.headers.get("obs-fold")!;
    expect(folded).toBe("text folded with space folded with tab");
    expect(h.headers.get("next")).toBe("1");
    expect(reason(() => res(text))).toBe("obs-fold");
  });

  test("whitespace before the first field line is rejected even with allowObsFold (RFC 9112 2.2)", () => {
    expect(reason(() => req("GET / HTTP/1.1\r\n Host: a\r\n\r\n", { allowObsFold: true }))).toBe("obs-fold");
  });

  test.each([
    ["Host : a", "whitespace-before-colon"],
    ["Host\t: a", "whitespace-before-colon"],
    [": nval", "empty-name"],
    ["Ho st: a", "bad-name"],
    ["Ho(st: a", "bad-name"],
    ["H\xe9: a", "bad-name"],
    ["NoColon", "missing-colon"],
    ["A: b\rc", "bare-cr"],
    ["A\r: b", "bare-cr"],
    ["A: b\x00c", "invalid-value"],
    ["A: b\x01c", "invalid-value"],
    ["A: b\x7fc", "invalid-value"],
    ["A: b\x1bc", "invalid-value"],
    [" folded: x", "obs-fold"],
  ])("request field %j -> InvalidHeader %s", (line, expected) => {
    expect(reason(() => req(`GET / HTTP/1.1\r\n${line}\r\n\r\n`))).toBe(expected);
  });

  // cpython test_httplib: HeaderTests.test_malformed_headers_coped_with (CPython ignores ": nval"; we reject)
  test("a response field line without a name is rejected", () => {
    expect(reason(() => res("HTTP/1.1 200 OK\r\nFirst: val\r\n: nval\r\nSecond: val\r\n\r\n"))).toBe("empty-name");
  });

  test("bare LF inside the fields is rejected for requests, accepted for responses by default", () => {
    expect(reason(() => req("GET / HTTP/1.1\r\nA: 1\nB: 2\r\n\r\n"))).toBe("bare-lf");
    expect(reason(() => req("GET / HTTP/1.1\r\nA: 1\r\n\n"))).toBe("bare-lf");
    const h = res("HTTP/1.1 200 OK\nA: 1\nB: 2\n\n");
    expect(h.headers.rawPairs()).toEqual([["A", "1"], ["B", "2"]]);
    expect(reason(() => res("HTTP/1.1 200 OK\r\nA: 1\nB: 2\r\n\r\n", { allowBareLF: false }))).toBe("bare-lf");
  });

  // cpython test_httplib: BasicTest.test_overflowing_header_line
  test("an overlong header line -> LineTooLong('header line')", () => {
    const text = `HTTP/1.1 200 OK\r\nX-Foo: bar${"r".repeat(65536)}\r\n\r\n`;
    try {
      res(text, { maxHeadSize: 1 << 20 });
      throw new Error("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(LineTooLong);
      expect((e as LineTooLong).lineType).toBe("header line");
    }
  });

  // cpython test_httplib: BasicTest.test_too_many_headers
  test("more than 100 headers -> TooManyHeaders('got more than 100 headers')", () => {
    const headers = Array.from({ length: DEFAULT_HEAD_LIMITS.maxHeaders + 1 }, (_, i) => `Header${i}: foo\r\n`).join("");
    expect(() => res(`HTTP/1.1 200 OK\r\n${headers}\r\n`)).toThrow(TooManyHeaders);
    expect(() => res(`HTTP/1.1 200 OK\r\n${headers}\r\n`)).toThrow(/got more than \d+ headers/);
    expect(res(`HTTP/1.1 200 OK\r\n${headers}\r\n`, { maxHeaders: 101 }).headers.size).toBe(101);
  });

  // cpython test_httplib: BasicTest.test_overflowing_header_limit_after_100
  test("a flood of bare-LF lines after a 100 response is bounded", () => {
    expect(() => res(`HTTP/1.1 100 OK\r\n${"r\n".repeat(32768)}`)).toThrow(InvalidHeader); // no colon
    const text = `HTTP/1.1 100 OK\r\n${"r: x\n".repeat(32768)}`;
    expect(() => res(text)).toThrow(HeadTooLarge);
    expect(() => res(text, { maxHeadSize: 1 << 20 })).toThrow(/got more than 100 headers/);
  });

  test("parseHeaderFields parses a bare field block and checks maxHeadSize", () => {
    const buf = bytes("A: 1\r\nB: 2\r\n\r\nignored: x\r\n");
    expect(parseHeaderFields(buf, 0, buf.length).rawPairs()).toEqual([["A", "1"], ["B", "2"]]);
    expect(() => parseHeaderFields(buf, 0, buf.length, { maxHeadSize: 4 })).toThrow(HeadTooLarge);
    expect(parseHeaderFields(bytes("\r\n"), 0, 2).size).toBe(0);
  });

  // cpython test_httplib: BasicTest.test_response_headers
  test("repeated Set-Cookie fields stay separate", () => {
    const h = res(
      'HTTP/1.1 200 OK\r\nSet-Cookie: Customer="WILE_E_COYOTE"; Version="1"; Path="/acme"\r\n' +
        'Set-Cookie: Part_Number="Rocket_Launcher_0001"; Version="1"; Path="/acme"\r\n\r\nNo body\r\n',
    );
    expect(h.headers.getAll("set-cookie")).toEqual([
      'Customer="WILE_E_COYOTE"; Version="1"; Path="/acme"',
      'Part_Number="Rocket_Launcher_0001"; Version="1"; Path="/acme"',
    ]);
  });
});

describe("parseResponseHead", () => {
  // cpython test_httplib: BasicTest.test_status_lines
  test("status lines", () => {
    const h = res("HTTP/1.1 200 Ok\r\n\r\nText");
    expect([h.version, h.status, h.reason]).toEqual(["HTTP/1.1", 200, "Ok"]);
    expect(h.rawStatusLine.toString()).toBe("HTTP/1.1 200 Ok\r\n");
    expect(() => res("HTTP/1.1 400.100 Not Ok\r\n\r\nText")).toThrow(BadStatusLine);
  });

  test("reason may be empty or missing, and may contain spaces and obs-text", () => {
    expect(res("HTTP/1.1 204\r\n\r\n").reason).toBe("");
    expect(res("HTTP/1.1 204 \r\n\r\n").reason).toBe("");
    expect(res("HTTP/1.0 404 Not  Found \r\n\r\n").reason).toBe("Not  Found");
    expect(res("HTTP/1.1 200 \xe9t\xe9\r\n\r\n").reason).toBe("\xe9t\xe9");
    expect(res("HTTP/1.0 200 OK\r\n\r\n").versionMinor).toBe(0);
    expect(res("HTTP/1.5 200 OK\r\n\r\n").versionMinor).toBe(5);
  });

  // cpython test_httplib: BasicTest.test_error_leak ('Invalid status line') and friends
  test.each([
    "Invalid status line\r\n\r\n",
    "HTTP/1.1 20 OK\r\n\r\n",
    "HTTP/1.1 2000 OK\r\n\r\n",
    "HTTP/1.1 099 OK\r\n\r\n",
    "HTTP/1.1  200 OK\r\n\r\n",
    "HTTP/1.1 -20 OK\r\n\r\n",
    "HTTP/1 200 OK\r\n\r\n",
    "HTTP/1.1 200 O\x00K\r\n\r\n",
    "HTTP/1.1 200 O\rK\r\n\r\n",
    "ICY 200 OK\r\n\r\n",
    "HTTP/1.1\r\n\r\n",
  ])("BadStatusLine for %j", (text) => {
    expect(() => res(text)).toThrow(BadStatusLine);
  });

  test("an empty head -> BadStatusLine with line \"''\"", () => {
    try {
      parseResponseHead(bytes("\r\n\r\n"), 0, 4);
      throw new Error("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(BadStatusLine);
      expect((e as BadStatusLine).line).toBe("''");
    }
  });

  test("HTTP/2.0 and above -> UnknownProtocol", () => {
    expect(() => res("HTTP/2.0 200 OK\r\n\r\n")).toThrow(UnknownProtocol);
  });

  // cpython test_httplib: BasicTest.test_overflowing_status_line
  test("an overlong status line -> LineTooLong('status line')", () => {
    expect(() => res(`HTTP/1.1 200 Ok${"k".repeat(65536)}\r\n\r\n`, { maxHeadSize: 1 << 20 })).toThrow(LineTooLong);
  });
});
