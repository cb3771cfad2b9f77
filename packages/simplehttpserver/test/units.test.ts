// Pure pieces of the handler: Python-compatible quoting, path words, HTTP dates, entity-tags and
// preconditions (RFC 9110 13.2.2), Range parsing (RFC 9110 14), Accept-Encoding (RFC 9110 12.5.3).
import { describe, expect, test } from "@jest/globals";
import { HTTPMessage } from "@stdhttp/httplib";
import fc from "fast-check";
import { evaluatePreconditions, ifRangeMatches, parseEtagList } from "../src/conditional.js";
import { acceptedCodings, chooseCoding, CODINGS } from "../src/encoding.js";
import { parseHttpDate } from "../src/http-date.js";
import { extensionOf } from "../src/mime.js";
import { multipartFor, parseRange } from "../src/range.js";
import { pathWords, targetPath, targetQuery, unsafeSegment } from "../src/request-path.js";
import { decodeFsBytes, fsEncode, htmlEscape, quote, unquote } from "../src/url-path.js";

const msg = (pairs: Array<[string, string]>) => new HTTPMessage(pairs);
const V = { etag: '"5-abc"', lastModified: 784111777 }; // Sun, 06 Nov 1994 08:49:37 GMT

describe("url-path (Python's quote/unquote, surrogateescape)", () => {
  test("quote as urllib.parse.quote(safe='/')", () => {
    expect(quote("<test&>.txt")).toBe("%3Ctest%26%3E.txt");
    expect(quote("a b/c~d_e-f.g")).toBe("a%20b/c~d_e-f.g");
    expect(quote("é")).toBe("%C3%A9");
    expect(quote("#?%")).toBe("%23%3F%25");
  });
  test("an undecodable byte round-trips as CPython's surrogatepass link", () => {
    const name = decodeFsBytes(Buffer.from([0x61, 0xff, 0x2e, 0x74]));
    expect(name).toBe("a\udcff.t");
    expect(quote(name)).toBe("a%ED%B3%BF.t");
    expect(unquote("a%ED%B3%BF.t")).toBe(name);
    expect(unquote("a%FF.t")).toBe(name);
    expect(fsEncode(name)).toEqual(Buffer.from([0x61, 0xff, 0x2e, 0x74]));
  });
  test("overlong and invalid UTF-8 never decode to the character they imitate", () => {
    expect(unquote("%C0%AE%C0%AE")).not.toContain(".");
    expect(unquote("%E0%80%AF")).not.toContain("/");
    expect(unquote("%ED%A0%80")).toBe("\udced\udca0\udc80"); // a high surrogate is not a byte escape
  });
  test("a character above U+FFFF whose low surrogate looks like an escaped byte round-trips (U+40880: F1 80 A2 80)", () => {
    const bytes = Uint8Array.from([0xf1, 0x80, 0xa2, 0x80, 0x61, 0xff]);
    const name = decodeFsBytes(bytes);
    expect(name).toBe("\u{40880}a\udcff");
    expect(Buffer.from(fsEncode(name))).toEqual(Buffer.from(bytes));
    expect(unquote(quote(name))).toBe(name);
  });
  test("quote(unquote(x)) reaches the same bytes for any byte string", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const name = decodeFsBytes(bytes);
        expect(Buffer.from(fsEncode(name))).toEqual(Buffer.from(bytes));
        expect(unquote(quote(name))).toBe(name);
      }),
      { numRuns: 2000 },
    );
  });
  test("html.escape", () => {
    expect(htmlEscape(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;");
    expect(htmlEscape(`"<&>'`, false)).toBe(`"&lt;&amp;&gt;'`);
  });
});

describe("request-path", () => {
  test("query, fragment and absolute-form", () => {
    expect(targetPath("/a/b?x=1#f")).toBe("/a/b");
    expect(targetPath("http://example.com/a?q")).toBe("/a");
    expect(targetPath("http://example.com")).toBe("/");
    expect(targetQuery("/a?sort=size&order=desc#x")).toBe("sort=size&order=desc");
  });
  test("dot segments resolved lexically, never above the root", () => {
    expect(pathWords("/a/./b/../c")).toEqual(["a", "c"]);
    expect(pathWords("/../../etc/passwd")).toEqual(["etc", "passwd"]);
    expect(pathWords("/%2e%2e/%2E%2E/etc")).toEqual(["etc"]);
    expect(pathWords("/a%2F..%2F..%2Fetc")).toEqual(["etc"]);
  });
  test("segments that cannot name a file", () => {
    expect(unsafeSegment("a\0b")).toBe(true);
    expect(unsafeSegment("..\\..\\x")).toBe(true);
    expect(unsafeSegment("C:")).toBe(true);
    expect(unsafeSegment("c:foo")).toBe(true);
    expect(unsafeSegment("a:b")).toBe(true); // drive-relative on Windows
    expect(unsafeSegment("ab:c")).toBe(false);
  });
  test("extension as posixpath.splitext", () => {
    expect(extensionOf("/x/a.tar.gz")).toBe(".gz");
    expect(extensionOf("/x/.bashrc")).toBe("");
    expect(extensionOf("/x.y/file")).toBe("");
    expect(extensionOf("/x/..a")).toBe("");
  });
});

describe("HTTP dates (RFC 9110 5.6.7)", () => {
  test("the three formats", () => {
    expect(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT")).toBe(784111777);
    expect(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT")).toBe(784111777);
    expect(parseHttpDate("Sun Nov  6 08:49:37 1994")).toBe(784111777);
  });
  test("ill-formed or zoned dates are not dates (CPython ignores them)", () => {
    expect(parseHttpDate("yesterday")).toBeNull();
    expect(parseHttpDate("Sun, 06 Nov 1994 08:49:37 +0100")).toBeNull();
    expect(parseHttpDate("Sun, 32 Nov 1994 08:49:37 GMT")).toBeNull();
  });
});

describe("preconditions (RFC 9110 13.2.2)", () => {
  test("If-Match: strong comparison, * matches, failure is 412", () => {
    expect(evaluatePreconditions(msg([["If-Match", '"5-abc"']]), "GET", V)).toBe("proceed");
    expect(evaluatePreconditions(msg([["If-Match", "*"]]), "GET", V)).toBe("proceed");
    expect(evaluatePreconditions(msg([["If-Match", 'W/"5-abc"']]), "GET", V)).toBe(412);
    expect(evaluatePreconditions(msg([["If-Match", '"x", "5-abc"']]), "GET", V)).toBe("proceed");
  });
  test("If-Unmodified-Since only without If-Match", () => {
    expect(evaluatePreconditions(msg([["If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:36 GMT"]]), "GET", V)).toBe(412);
    expect(evaluatePreconditions(msg([["If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"]]), "GET", V)).toBe("proceed");
    expect(evaluatePreconditions(msg([["If-Match", "*"], ["If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:36 GMT"]]), "GET", V)).toBe("proceed");
  });
  test("If-None-Match: weak comparison, 304 for GET/HEAD, 412 otherwise; it overrides If-Modified-Since", () => {
    expect(evaluatePreconditions(msg([["If-None-Match", 'W/"5-abc"']]), "GET", V)).toBe(304);
    expect(evaluatePreconditions(msg([["If-None-Match", "*"]]), "PUT", V)).toBe(412);
    // For GET, `*` only turns If-Modified-Since off, as CPython (test_browser_cache_with_If_None_Match_header).
    expect(evaluatePreconditions(msg([["If-None-Match", "*"]]), "GET", V)).toBe("proceed");
    expect(evaluatePreconditions(msg([["If-None-Match", '"other"'], ["If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"]]), "GET", V)).toBe("proceed");
    expect(evaluatePreconditions(msg([["If-None-Match", '"a"'], ["If-None-Match", '"5-abc"']]), "HEAD", V)).toBe(304);
  });
  test("If-Modified-Since as CPython (<=, ill-formed ignored, GET/HEAD only)", () => {
    expect(evaluatePreconditions(msg([["If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"]]), "GET", V)).toBe(304);
    expect(evaluatePreconditions(msg([["If-Modified-Since", "Sun, 06 Nov 1994 08:49:36 GMT"]]), "GET", V)).toBe("proceed");
    expect(evaluatePreconditions(msg([["If-Modified-Since", "garbage"]]), "GET", V)).toBe("proceed");
    expect(evaluatePreconditions(msg([["If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"]]), "PUT", V)).toBe("proceed");
  });
  test("If-Range: strong entity-tag or the exact date", () => {
    expect(ifRangeMatches('"5-abc"', V)).toBe(true);
    expect(ifRangeMatches('W/"5-abc"', V)).toBe(false);
    expect(ifRangeMatches("Sun, 06 Nov 1994 08:49:37 GMT", V)).toBe(true);
    expect(ifRangeMatches("Sun, 06 Nov 1994 08:49:38 GMT", V)).toBe(false);
  });
  test("entity-tag lists", () => {
    expect(parseEtagList(' "a" ,W/"b",*, junk, "c,d"')).toEqual(['"a"', 'W/"b"', "*", '"c,d"']);
  });
});

describe("Range (RFC 9110 14.1)", () => {
  test("forms", () => {
    expect(parseRange("bytes=0-9", 100)).toEqual([{ start: 0, end: 9 }]);
    expect(parseRange("bytes=90-", 100)).toEqual([{ start: 90, end: 99 }]);
    expect(parseRange("bytes=-10", 100)).toEqual([{ start: 90, end: 99 }]);
    expect(parseRange("bytes=-1000", 100)).toEqual([{ start: 0, end: 99 }]);
    expect(parseRange("bytes=50-1000", 100)).toEqual([{ start: 50, end: 99 }]);
    expect(parseRange("BYTES = 0-0", 100)).toEqual([{ start: 0, end: 0 }]);
  });
  test("several ranges: sorted, overlapping and adjacent ones merged", () => {
    expect(parseRange("bytes=50-59,0-9", 100)).toEqual([{ start: 0, end: 9 }, { start: 50, end: 59 }]);
    expect(parseRange("bytes=0-9,5-19,20-29", 100)).toEqual([{ start: 0, end: 29 }]);
    expect(parseRange("bytes=0-0,0-0,0-0,0-0", 100)).toEqual([{ start: 0, end: 0 }]);
  });
  test("ignored (whole representation): other units, malformed, reversed, too many", () => {
    expect(parseRange("items=0-9", 100)).toBeNull();
    expect(parseRange("bytes=a-b", 100)).toBeNull();
    expect(parseRange("bytes=9-0", 100)).toBeNull();
    expect(parseRange("bytes=", 100)).toBeNull();
    expect(parseRange("bytes=0-1" + ",2-3".repeat(200), 100)).toBeNull();
  });
  test("unsatisfiable: 416", () => {
    expect(parseRange("bytes=100-", 100)).toBe("unsatisfiable");
    expect(parseRange("bytes=-0", 100)).toBe("unsatisfiable");
    expect(parseRange("bytes=0-", 0)).toBe("unsatisfiable");
  });
  test("multipart length is the exact body length", () => {
    const m = multipartFor([{ start: 0, end: 1 }, { start: 5, end: 9 }], "text/plain", 10);
    const body = m.partHeads[0] + "xx" + m.partHeads[1] + "yyyyy" + m.tail;
    expect(Buffer.byteLength(body)).toBe(m.length);
    expect(m.contentType).toBe(`multipart/byteranges; boundary=${m.boundary}`);
  });
});

describe("Accept-Encoding (RFC 9110 12.5.3)", () => {
  const all = [...CODINGS];
  test("preference: q-values, then br > zstd > gzip", () => {
    expect(chooseCoding("gzip, br", all)?.name).toBe("br");
    expect(chooseCoding("gzip;q=1, br;q=0.5", all)?.name).toBe("gzip");
    expect(chooseCoding("zstd, gzip", all)?.name).toBe("zstd");
    expect(chooseCoding("x-gzip", all)?.name).toBe("gzip");
    expect(chooseCoding("*", all)?.name).toBe("br");
    expect(chooseCoding("*, br;q=0", all)?.name).toBe("zstd");
  });
  test("nothing acceptable or nothing available: identity", () => {
    expect(chooseCoding("identity", all)).toBeNull();
    expect(chooseCoding("gzip;q=0", all)).toBeNull();
    expect(chooseCoding(undefined, all)).toBeNull();
    expect(chooseCoding("br", [CODINGS[2]])).toBeNull();
  });
  test("q-values out of range are not acceptable", () => {
    expect(acceptedCodings("br;q=2").get("br")).toBe(0);
  });
});
