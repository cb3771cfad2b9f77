import { describe, expect, test } from "@jest/globals";
import { InvalidChunk, InvalidHeader, LineTooLong, TooManyHeaders } from "../src/errors.js";
import { ChunkedDecoder, encodeChunk, encodeLastChunk, type ChunkedLimits } from "../src/message/index.js";

const bytes = (s: string): Buffer => Buffer.from(s, "latin1");

function decodeAll(input: string | Buffer, limits?: ChunkedLimits) {
  const dec = new ChunkedDecoder(limits);
  const r = dec.push(typeof input === "string" ? bytes(input) : input);
  return { body: Buffer.concat(r.data).toString("latin1"), done: r.done, rest: r.rest?.toString("latin1") ?? null, dec };
}

function chunkError(input: string, limits?: ChunkedLimits): InvalidChunk {
  try {
    decodeAll(input, limits);
  } catch (e) {
    if (e instanceof InvalidChunk) return e;
    throw e;
  }
  throw new Error("did not throw");
}

// Constants from cpython test_httplib.
const chunkedStart = "a\r\nhello worl\r\n3\r\nd! \r\n8\r\nand now \r\n22\r\nfor something completely different\r\n";
const chunkedExpected = "hello world! and now for something completely different";
const lastChunk = "0\r\n";
const lastChunkExtended = "0;foo=bar\r\n";
const trailers = "X-Dummy: foo\r\nX-Dumm2: bar\r\n";
const chunkedEnd = "\r\n";

describe("ChunkedDecoder", () => {
  // cpython test_httplib: BasicTest.test_chunked
  test("decodes CPython's chunked body, fed in pieces of every size", () => {
    const wire = bytes(chunkedStart + lastChunk + chunkedEnd);
    for (let n = 1; n <= wire.length; n++) {
      const dec = new ChunkedDecoder();
      const parts: Buffer[] = [];
      let done = false;
      for (let i = 0; i < wire.length; i += n) {
        const r = dec.push(wire.subarray(i, i + n));
        parts.push(...r.data);
        done = r.done;
        expect(r.rest).toBeNull();
      }
      expect(done).toBe(true);
      expect(Buffer.concat(parts).toString()).toBe(chunkedExpected);
      expect(dec.trailers?.size).toBe(0);
    }
  });

  // cpython test_httplib: BasicTest.test_chunked (the IncompleteRead part: CPython raises
  // IncompleteRead with the data so far; the decoder reports "not done", or a typed error)
  test("truncated after the data: not done, no last chunk", () => {
    const r = decodeAll(chunkedStart);
    expect(r.body).toBe(chunkedExpected);
    expect(r.done).toBe(false);
    expect(r.dec.sawLastChunk).toBe(false);
    expect(chunkError(`${chunkedStart}foo\r\n`).reason).toBe("size");
  });

  // cpython test_httplib: BasicTest.test_chunked_extension
  test("chunk extensions are accepted and ignored", () => {
    const r = decodeAll(`${chunkedStart}3;foo=bar\r\nabc\r\n${lastChunkExtended}${chunkedEnd}`);
    expect(r.body).toBe(`${chunkedExpected}abc`);
    expect(r.done).toBe(true);
  });

  // cpython test_httplib: BasicTest.test_chunked_missing_end
  test("missing final CRLF: not done but sawLastChunk (a client may tolerate it at EOF)", () => {
    const r = decodeAll(chunkedStart + lastChunk);
    expect(r.body).toBe(chunkedExpected);
    expect(r.done).toBe(false);
    expect(r.dec.sawLastChunk).toBe(true);
  });

  // cpython test_httplib: BasicTest.test_chunked_trailers
  test("trailers are parsed", () => {
    const r = decodeAll(chunkedStart + lastChunk + trailers + chunkedEnd);
    expect(r.done).toBe(true);
    expect(r.dec.trailers?.rawPairs()).toEqual([["X-Dummy", "foo"], ["X-Dumm2", "bar"]]);
  });

  // cpython test_httplib: BasicTest.test_chunked_sync
  test("never reads past the end: the rest is returned", () => {
    const r = decodeAll(`${chunkedStart}${lastChunk}${trailers}${chunkedEnd}extradata`);
    expect(r.body).toBe(chunkedExpected);
    expect(r.rest).toBe("extradata");
    expect(r.dec.push(bytes("more"))).toEqual({ data: [], done: true, rest: bytes("more") });
    expect(r.dec.push(Buffer.alloc(0))).toEqual({ data: [], done: true, rest: null });
  });

  // cpython test_httplib: BasicTest.test_overflowing_chunked_line
  test("an overlong chunk-size line -> LineTooLong('chunk size')", () => {
    const dec = new ChunkedDecoder();
    let err: unknown;
    try {
      dec.push(bytes(`${"0".repeat(65536)}a\r\nhello world\r\n0\r\n\r\n`));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LineTooLong);
    expect((err as LineTooLong).lineType).toBe("chunk size");
  });

  test("leading zeros within the line limit are fine", () => {
    expect(decodeAll("0005\r\nhello\r\n000\r\n\r\n").body).toBe("hello");
  });

  test("hex digits in both cases", () => {
    expect(decodeAll(`A\r\n${"x".repeat(10)}\r\nb\r\n${"y".repeat(11)}\r\n0\r\n\r\n`).body.length).toBe(21);
  });

  test.each([
    ["\r\n", "size"],
    ["-5\r\nhello\r\n0\r\n\r\n", "size"],
    ["+5\r\nhello\r\n0\r\n\r\n", "size"],
    ["0x5\r\nhello\r\n0\r\n\r\n", "size"],
    [" 5\r\nhello\r\n0\r\n\r\n", "size"],
    ["5 \r\nhello\r\n0\r\n\r\n", "size"],
    ["5g\r\nhello\r\n0\r\n\r\n", "size"],
    ["5\nhello\r\n0\r\n\r\n", "size"],
    ["5;\r\nhello\r\n0\r\n\r\n", "extension"],
    ["5;=x\r\nhello\r\n0\r\n\r\n", "extension"],
    ["5;a=\r\nhello\r\n0\r\n\r\n", "extension"],
    ['5;a="x\r\nhello\r\n0\r\n\r\n', "extension"],
    ["5;a=b c\r\nhello\r\n0\r\n\r\n", "extension"],
    ["5;a\nb\r\nhello\r\n0\r\n\r\n", "missing-crlf"],
    ["5\rhello\r\n0\r\n\r\n", "missing-crlf"],
    ["5\r\nhelloX\r\n0\r\n\r\n", "missing-crlf"],
    ["5\r\nhello\rX0\r\n\r\n", "missing-crlf"],
    ["5\r\nhello\n0\r\n\r\n", "missing-crlf"],
    ["0\r\n\n", "missing-crlf"],
    ["0\r\n\rX", "missing-crlf"],
    ["fffffffffffffffff\r\n", "size-too-large"],
  ])("%j -> InvalidChunk %s", (input, reason) => {
    expect(chunkError(input).reason).toBe(reason);
  });

  test("valid extensions with BWS, quoted strings and several parameters (RFC 9112 7.1.1)", () => {
    const r = decodeAll('5 ; a = b ;c;d="x \\" ; y"\r\nhello\r\n0;last\r\n\r\n');
    expect(r.body).toBe("hello");
    expect(r.done).toBe(true);
  });

  test("limits: chunk size, extension length, trailer size and count", () => {
    expect(chunkError("11\r\n", { maxChunkSize: 16 }).reason).toBe("size-too-large");
    expect(decodeAll("10\r\n0123456789abcdef\r\n0\r\n\r\n", { maxChunkSize: 16 }).done).toBe(true);
    expect(chunkError(`1;a=${"x".repeat(100)}\r\n`, { maxExtensionLength: 50 }).reason).toBe("extension-too-long");
    expect(chunkError(`0\r\nX: ${"y".repeat(100)}\r\n\r\n`, { maxTrailerSize: 50 }).reason).toBe("trailer-too-large");
    const many = Array.from({ length: 5 }, (_, i) => `T${i}: v\r\n`).join("");
    expect(() => decodeAll(`0\r\n${many}\r\n`, { maxTrailers: 4 })).toThrow(TooManyHeaders);
    expect(decodeAll(`0\r\n${many}\r\n`, { maxTrailers: 5 }).dec.trailers?.size).toBe(5);
  });

  test("trailer fields follow the header rules", () => {
    expect(() => decodeAll("0\r\nBad Name: x\r\n\r\n")).toThrow(InvalidHeader);
    expect(() => decodeAll("0\r\nA: x\r\n folded\r\n\r\n")).toThrow(InvalidHeader);
    expect(() => decodeAll("0\r\nA: x\nB: y\r\n\r\n")).toThrow(InvalidHeader);
  });

  test("an error is thrown again by later pushes", () => {
    const dec = new ChunkedDecoder();
    expect(() => dec.push(bytes("zz\r\n"))).toThrow(InvalidChunk);
    expect(() => dec.push(bytes("0\r\n\r\n"))).toThrow(InvalidChunk);
  });

  test("chunkRemaining tells how much of the current chunk is missing", () => {
    const dec = new ChunkedDecoder();
    dec.push(bytes("a\r\nhel"));
    expect(dec.chunkRemaining).toBe(7);
    dec.push(bytes("lo worl\r\n"));
    expect(dec.chunkRemaining).toBe(0);
    expect(dec.trailers).toBeNull();
  });

  test("data comes back as views of the input (no copy)", () => {
    const input = bytes("5\r\nhello\r\n");
    const r = new ChunkedDecoder().push(input);
    expect(r.data[0].buffer).toBe(input.buffer);
  });
});

describe("encodeChunk / encodeLastChunk", () => {
  test("frames data with a hex size", () => {
    expect(encodeChunk("hello").toString()).toBe("5\r\nhello\r\n");
    expect(encodeChunk(Buffer.alloc(255, 0x61)).subarray(0, 4).toString()).toBe("ff\r\n");
    expect(encodeChunk(new Uint8Array([1, 2])).equals(Buffer.from([0x32, 13, 10, 1, 2, 13, 10]))).toBe(true);
    expect(encodeChunk("é").toString()).toBe("2\r\né\r\n");
  });
  test("empty input gives an empty Buffer, never the terminator", () => {
    expect(encodeChunk("").length).toBe(0);
    expect(encodeChunk(Buffer.alloc(0)).length).toBe(0);
  });
  test("last chunk with and without trailers", () => {
    expect(encodeLastChunk().toString()).toBe("0\r\n\r\n");
    expect(encodeLastChunk([["X-Sum", "abc"], ["X-B", "1"]]).toString()).toBe("0\r\nX-Sum: abc\r\nX-B: 1\r\n\r\n");
    expect(() => encodeLastChunk([["X", "a\r\nInjected: 1"]])).toThrow(InvalidHeader);
    expect(() => encodeLastChunk([["Bad Name", "a"]])).toThrow(InvalidHeader);
  });
});
