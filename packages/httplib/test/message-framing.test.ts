import { describe, expect, test } from "@jest/globals";
import { ConflictingFraming, InvalidContentLength, UnknownTransferEncoding } from "../src/errors.js";
import { HTTPMessage, parseContentLength, requestBodyFraming, responseBodyFraming, transferCodings } from "../src/message/index.js";

const h = (...pairs: [string, string][]): HTTPMessage => new HTTPMessage(pairs);

describe("Content-Length (RFC 9110 8.6)", () => {
  test.each([
    ["0", 0],
    ["5", 5],
    ["007", 7],
    [" 12 ", 12],
    ["5, 5", 5],
    ["5,5,5", 5],
    ["999999999999999", 999999999999999],
    ["1000000000000000", 1000000000000000],
    [String(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
  ])("%j -> %d", (value, expected) => {
    expect(parseContentLength(h(["Content-Length", value]))).toBe(expected);
  });

  test("repeated identical fields are accepted", () => {
    expect(parseContentLength(h(["Content-Length", "3"], ["content-length", "3"]))).toBe(3);
  });

  // cpython test_httplib: BasicTest.test_negative_content_length (CPython reads to close; we reject)
  test.each(["-1", "+5", "", " ", "5 5", "0x10", "1e3", "5.0", "abc", "5, 6", "5,", ",5", String(2 ** 53), "9".repeat(30), "５"])(
    "%j -> InvalidContentLength",
    (value) => {
      expect(() => parseContentLength(h(["Content-Length", value]))).toThrow(InvalidContentLength);
    },
  );

  test("different repeated fields -> InvalidContentLength", () => {
    expect(() => parseContentLength(h(["Content-Length", "3"], ["Content-Length", "4"]))).toThrow(InvalidContentLength);
  });

  test("absent -> undefined", () => {
    expect(parseContentLength(h())).toBeUndefined();
  });
});

describe("requestBodyFraming (RFC 9112 6.1-6.3)", () => {
  test("no framing fields -> none", () => {
    expect(requestBodyFraming(h(["Host", "a"]))).toEqual({ kind: "none" });
  });
  test("Content-Length -> length", () => {
    expect(requestBodyFraming(h(["Content-Length", "10"]))).toEqual({ kind: "length", length: 10 });
    expect(requestBodyFraming(h(["Content-Length", "0"]))).toEqual({ kind: "length", length: 0 });
  });
  test.each(["chunked", "Chunked", " chunked ", "chunked, ", ", chunked"])("Transfer-Encoding %j -> chunked", (te) => {
    expect(requestBodyFraming(h(["Transfer-Encoding", te]))).toEqual({ kind: "chunked" });
  });
  test("Transfer-Encoding and Content-Length -> ConflictingFraming (smuggling)", () => {
    expect(() => requestBodyFraming(h(["Content-Length", "5"], ["Transfer-Encoding", "chunked"]))).toThrow(ConflictingFraming);
    expect(() => requestBodyFraming(h(["Transfer-Encoding", "chunked"], ["Content-Length", "x"]))).toThrow(ConflictingFraming);
  });
  test.each([["gzip"], ["chunked, gzip"], ["chunked, chunked"], ["chunked;q=1"], [""], ["identity"]])(
    "Transfer-Encoding %j (chunked not last) -> ConflictingFraming (RFC 9112 6.1: 400)",
    (te) => {
      expect(() => requestBodyFraming(h(["Transfer-Encoding", te]))).toThrow(ConflictingFraming);
    },
  );
  test.each([["gzip, chunked"], ["deflate,chunked"]])("Transfer-Encoding %j (a coding before chunked) -> UnknownTransferEncoding (501)", (te) => {
    expect(() => requestBodyFraming(h(["Transfer-Encoding", te]))).toThrow(UnknownTransferEncoding);
  });
  test("two Transfer-Encoding fields are one list", () => {
    expect(transferCodings(h(["Transfer-Encoding", "gzip"], ["transfer-encoding", "Chunked"]))).toEqual(["gzip", "chunked"]);
    expect(() => requestBodyFraming(h(["Transfer-Encoding", "gzip"], ["transfer-encoding", "chunked"]))).toThrow(UnknownTransferEncoding);
    expect(() => requestBodyFraming(h(["Transfer-Encoding", "chunked"], ["transfer-encoding", "chunked"]))).toThrow(ConflictingFraming);
  });
  test("Transfer-Encoding in an HTTP/1.0 request is faulty framing (RFC 9112 6.1) when the version is given", () => {
    const te = h(["Transfer-Encoding", "chunked"]);
    expect(requestBodyFraming(te, { versionMajor: 1, versionMinor: 1 })).toEqual({ kind: "chunked" });
    expect(() => requestBodyFraming(te, { versionMajor: 1, versionMinor: 0 })).toThrow(ConflictingFraming);
    expect(requestBodyFraming(h(["Content-Length", "2"]), { versionMajor: 1, versionMinor: 0 })).toEqual({ kind: "length", length: 2 });
  });
  test("bad Content-Length -> InvalidContentLength", () => {
    expect(() => requestBodyFraming(h(["Content-Length", "-1"]))).toThrow(InvalidContentLength);
  });
});

describe("responseBodyFraming (RFC 9112 6.3)", () => {
  // cpython test_httplib: BasicTest.test_read_head, test_chunked_head
  test("HEAD, 1xx, 204, 304 -> none whatever the fields claim", () => {
    const claims = h(["Content-Length", "14432"], ["Transfer-Encoding", "chunked"]);
    expect(responseBodyFraming(200, h(["Content-Length", "14432"]), "HEAD")).toEqual({ kind: "none" });
    expect(responseBodyFraming(200, h(["Transfer-Encoding", "chunked"]), "HEAD")).toEqual({ kind: "none" });
    for (const status of [100, 101, 103, 199, 204, 304]) expect(responseBodyFraming(status, claims, "GET")).toEqual({ kind: "none" });
  });
  test("2xx to CONNECT -> none; other statuses to CONNECT are framed normally", () => {
    expect(responseBodyFraming(200, h(["Content-Length", "5"]), "CONNECT")).toEqual({ kind: "none" });
    expect(responseBodyFraming(407, h(["Content-Length", "5"]), "CONNECT")).toEqual({ kind: "length", length: 5 });
  });
  test("chunked last -> chunked; TE with CL -> chunked and close", () => {
    expect(responseBodyFraming(200, h(["Transfer-Encoding", "chunked"]), "GET")).toEqual({ kind: "chunked" });
    expect(responseBodyFraming(200, h(["Transfer-Encoding", "gzip, chunked"]), "GET")).toEqual({ kind: "chunked" });
    expect(responseBodyFraming(200, h(["Content-Length", "3"], ["Transfer-Encoding", "chunked"]), "GET")).toEqual({
      kind: "chunked",
      close: true,
    });
  });
  test("Transfer-Encoding without chunked last -> read until close (rule 4)", () => {
    for (const te of ["gzip", "chunked, gzip", "chunked, chunked", ""]) {
      expect(responseBodyFraming(200, h(["Transfer-Encoding", te]), "GET")).toEqual({ kind: "close" });
    }
  });
  test("Content-Length -> length; invalid -> InvalidContentLength; nothing -> close", () => {
    expect(responseBodyFraming(200, h(["Content-Length", "10"]), "GET")).toEqual({ kind: "length", length: 10 });
    expect(responseBodyFraming(404, h(["Content-Length", "0"]), "POST")).toEqual({ kind: "length", length: 0 });
    expect(() => responseBodyFraming(200, h(["Content-Length", "-1"]), "GET")).toThrow(InvalidContentLength);
    expect(responseBodyFraming(200, h(), "GET")).toEqual({ kind: "close" });
  });
  test("Transfer-Encoding in an HTTP/1.0 response: read until close (RFC 9112 6.1)", () => {
    const te = h(["Transfer-Encoding", "chunked"], ["Content-Length", "5"]);
    expect(responseBodyFraming(200, te, "GET", { versionMajor: 1, versionMinor: 0 })).toEqual({ kind: "close" });
    expect(responseBodyFraming(200, te, "GET", { versionMajor: 1, versionMinor: 1 })).toEqual({ kind: "chunked", close: true });
  });
  test("method comparison is case-sensitive (RFC 9110 9.1)", () => {
    expect(responseBodyFraming(200, h(["Content-Length", "1"]), "head")).toEqual({ kind: "length", length: 1 });
  });
});
