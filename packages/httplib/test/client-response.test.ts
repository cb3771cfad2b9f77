/**
 * HTTPResponse: CPython test_httplib BasicTest, ExtendedReadTest* and HTTPResponseTest cases,
 * run against raw servers that write the exact bytes of each case.
 */
import { describe, expect, test } from "@jest/globals";
import { BadStatusLine, HTTPException, IncompleteRead, InvalidChunk, LineTooLong, type HTTPResponse } from "../src/index.js";
import { chunkedEnd, chunkedExpected, chunkedStart, lastChunk, lastChunkExtended, trailers, withCanned, withResponse } from "./helpers/canned.js";
import { incompleteRead } from "./helpers/bodies.js";

describe("BasicTest", () => {
  // cpython test_httplib: BasicTest.test_status_lines
  test("status lines", async () => {
    await withResponse("HTTP/1.1 200 Ok\r\n\r\nText", async (resp) => {
      expect((await resp.read(0)).length).toBe(0);
      expect(resp.isClosed()).toBe(false);
      expect((await resp.read()).toString()).toBe("Text");
      expect(resp.isClosed()).toBe(true);
      resp.close();
    });
    await withCanned("HTTP/1.1 400.100 Not Ok\r\n\r\nText", async ({ conn }) => {
      await conn.request("GET", "/");
      await expect(conn.getResponse()).rejects.toBeInstanceOf(BadStatusLine);
    });
  });

  // cpython test_httplib: BasicTest.test_bad_status_repr
  test("bad status repr", () => {
    const exc = new BadStatusLine("");
    expect(exc.line).toBe("''");
    expect(exc.code).toBe("ERR_HTTP_BAD_STATUS_LINE");
  });

  // cpython test_httplib: BasicTest.test_partial_reads
  test("partial reads", async () => {
    await withResponse("HTTP/1.1 200 Ok\r\nContent-Length: 4\r\n\r\nText", async (resp) => {
      expect((await resp.read(2)).toString()).toBe("Te");
      expect(resp.isClosed()).toBe(false);
      expect((await resp.read(2)).toString()).toBe("xt");
      expect(resp.isClosed()).toBe(true);
    });
  });

  // cpython test_httplib: BasicTest.test_mixed_reads
  test("mixed reads", async () => {
    await withResponse("HTTP/1.1 200 Ok\r\nContent-Length: 13\r\n\r\nText\r\nAnother", async (resp) => {
      expect((await resp.readline()).toString()).toBe("Text\r\n");
      expect(resp.isClosed()).toBe(false);
      expect((await resp.read()).toString()).toBe("Another");
      expect(resp.isClosed()).toBe(true);
    });
  });

  // cpython test_httplib: BasicTest.test_partial_readintos
  test("partial readintos", async () => {
    await withResponse("HTTP/1.1 200 Ok\r\nContent-Length: 4\r\n\r\nText", async (resp) => {
      const b = Buffer.alloc(2);
      expect(await resp.readInto(b)).toBe(2);
      expect(b.toString()).toBe("Te");
      expect(resp.isClosed()).toBe(false);
      expect(await resp.readInto(b)).toBe(2);
      expect(b.toString()).toBe("xt");
      expect(resp.isClosed()).toBe(true);
    });
  });

  // cpython test_httplib: BasicTest.test_partial_reads_past_end
  test("partial reads past end", async () => {
    await withResponse("HTTP/1.1 200 Ok\r\nContent-Length: 4\r\n\r\nText", async (resp) => {
      expect((await resp.read(10)).toString()).toBe("Text");
      expect(resp.isClosed()).toBe(true);
    });
  });

  // cpython test_httplib: BasicTest.test_partial_readintos_past_end
  test("partial readintos past end", async () => {
    await withResponse("HTTP/1.1 200 Ok\r\nContent-Length: 4\r\n\r\nText", async (resp) => {
      const b = Buffer.alloc(10);
      expect(await resp.readInto(b)).toBe(4);
      expect(b.subarray(0, 4).toString()).toBe("Text");
      expect(resp.isClosed()).toBe(true);
    });
  });

  // cpython test_httplib: BasicTest.test_partial_reads_no_content_length
  test("partial reads no content length", async () => {
    await withResponse("HTTP/1.1 200 Ok\r\n\r\nText", async (resp) => {
      expect((await resp.read(2)).toString()).toBe("Te");
      expect(resp.isClosed()).toBe(false);
      expect((await resp.read(2)).toString()).toBe("xt");
      expect((await resp.read(1)).length).toBe(0);
      expect(resp.isClosed()).toBe(true);
      expect(resp.willClose).toBe(true);
    });
  });

  // cpython test_httplib: BasicTest.test_partial_readintos_no_content_length
  test("partial readintos no content length", async () => {
    await withResponse("HTTP/1.1 200 Ok\r\n\r\nText", async (resp) => {
      const b = Buffer.alloc(2);
      expect(await resp.readInto(b)).toBe(2);
      expect(await resp.readInto(b)).toBe(2);
      expect(b.toString()).toBe("xt");
      expect(await resp.readInto(b)).toBe(0);
      expect(resp.isClosed()).toBe(true);
    });
  });

  // cpython test_httplib: BasicTest.test_partial_reads_incomplete_body
  // Difference: CPython returns b"" at the early EOF; we raise IncompleteRead (no silent truncation).
  test("partial reads incomplete body", async () => {
    await withResponse("HTTP/1.1 200 Ok\r\nContent-Length: 10\r\n\r\nText", async (resp) => {
      expect((await resp.read(2)).toString()).toBe("Te");
      expect((await resp.read(2)).toString()).toBe("xt");
      const err = await incompleteRead(resp.read(1));
      expect(err.expected).toBe(6);
      expect(resp.isClosed()).toBe(true);
    });
  });

  // cpython test_httplib: BasicTest.test_partial_readintos_incomplete_body (same difference)
  test("partial readintos incomplete body", async () => {
    await withResponse("HTTP/1.1 200 Ok\r\nContent-Length: 10\r\n\r\nText", async (resp) => {
      const b = Buffer.alloc(2);
      expect(await resp.readInto(b)).toBe(2);
      expect(await resp.readInto(b)).toBe(2);
      await expect(resp.readInto(b)).rejects.toBeInstanceOf(IncompleteRead);
      expect(resp.isClosed()).toBe(true);
    });
  });

  // cpython test_httplib: BasicTest.test_response_headers
  test("response headers", async () => {
    const text =
      "HTTP/1.1 200 OK\r\n" +
      'Set-Cookie: Customer="WILE_E_COYOTE"; Version="1"; Path="/acme"\r\n' +
      'Set-Cookie: Part_Number="Rocket_Launcher_0001"; Version="1"; Path="/acme"\r\n' +
      "\r\n" +
      "No body\r\n";
    const hdr = 'Customer="WILE_E_COYOTE"; Version="1"; Path="/acme", Part_Number="Rocket_Launcher_0001"; Version="1"; Path="/acme"';
    await withResponse(text, (resp) => {
      expect(resp.getHeader("Set-Cookie")).toBe(hdr);
      expect(resp.headers.getAll("set-cookie")).toHaveLength(2);
    });
  });

  // cpython test_httplib: BasicTest.test_read_head
  test("read head", async () => {
    const c = "HTTP/1.1 200 OK\r\nContent-Length: 14432\r\n\r\n";
    await withCanned(
      c,
      async ({ conn }) => {
        await conn.request("HEAD", "/");
        const resp = await conn.getResponse();
        expect((await resp.read()).length).toBe(0);
        expect(resp.isClosed()).toBe(true);
      },
      {},
      false,
    );
  });

  // cpython test_httplib: BasicTest.test_readinto_head
  test("readinto head", async () => {
    await withCanned(
      "HTTP/1.1 200 OK\r\nContent-Length: 14432\r\n\r\n",
      async ({ conn }) => {
        await conn.request("HEAD", "/");
        const resp = await conn.getResponse();
        const b = Buffer.alloc(5);
        expect(await resp.readInto(b)).toBe(0);
        expect(b.equals(Buffer.alloc(5))).toBe(true);
      },
      {},
      false,
    );
  });

  // cpython test_httplib: BasicTest.test_too_many_headers
  test("too many headers", async () => {
    let headers = "";
    for (let i = 0; i < 101; i++) headers += `Header${i}: foo\r\n`;
    await withCanned(`HTTP/1.1 200 OK\r\n${headers}\r\n`, async ({ conn }) => {
      await conn.request("GET", "/");
      const err = await conn.getResponse().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HTTPException);
      expect((err as Error).message).toMatch(/got more than \d+ headers/);
      expect((err as HTTPException).code).toBe("ERR_HTTP_TOO_MANY_HEADERS");
    });
  });

  // cpython test_httplib: BasicTest.test_chunked
  test("chunked", async () => {
    const body = chunkedStart + lastChunk + chunkedEnd;
    await withResponse(body, async (resp) => {
      expect(resp.chunked).toBe(true);
      expect((await resp.read()).toString()).toBe(chunkedExpected);
    });
    for (let n = 1; n < 12; n++) {
      await withResponse(body, async (resp) => {
        const all = Buffer.concat([await resp.read(n), await resp.read(n), await resp.read()]);
        expect(all.toString()).toBe(chunkedExpected);
      });
    }
    // Truncated after the last full chunk: IncompleteRead with everything decoded so far.
    await withResponse(chunkedStart, async (resp) => {
      const err = await incompleteRead(resp.read());
      expect(err.partial.toString()).toBe(chunkedExpected);
      expect(err.message).toBe(`IncompleteRead(${chunkedExpected.length} bytes read)`);
    });
    // Difference: CPython reports a non-hex chunk size as IncompleteRead; we throw InvalidChunk.
    await withResponse(`${chunkedStart}foo\r\n`, async (resp) => {
      await expect(resp.read()).rejects.toBeInstanceOf(InvalidChunk);
    });
  });

  // cpython test_httplib: BasicTest.test_readinto_chunked
  test("readinto chunked", async () => {
    const body = chunkedStart + lastChunk + chunkedEnd;
    const n = chunkedExpected.length;
    await withResponse(body, async (resp) => {
      const b = Buffer.alloc(128);
      let got = 0;
      for (;;) {
        const k = await resp.readInto(b.subarray(got));
        if (k === 0) break;
        got += k;
      }
      expect(got).toBe(n);
      expect(b.subarray(0, n).toString()).toBe(chunkedExpected);
    });
    for (let size = 1; size < 12; size++) {
      await withResponse(body, async (resp) => {
        const b = Buffer.alloc(128);
        let i = await resp.readInto(b.subarray(0, size));
        i += await resp.readInto(b.subarray(i, size + i));
        i += await resp.readInto(b.subarray(i));
        expect(i).toBe(n);
        expect(b.subarray(0, n).toString()).toBe(chunkedExpected);
      });
    }
  });

  // cpython test_httplib: BasicTest.test_chunked_head
  test("chunked head", async () => {
    const start = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nhello world\r\n1\r\nd\r\n";
    await withCanned(start + lastChunk + chunkedEnd, async ({ conn }) => {
      await conn.request("HEAD", "/");
      const resp = await conn.getResponse();
      expect((await resp.read()).length).toBe(0);
      expect(resp.status).toBe(200);
      expect(resp.reason).toBe("OK");
      expect(resp.isClosed()).toBe(true);
    });
  });

  // cpython test_httplib: BasicTest.test_negative_content_length
  // Difference: CPython ignores the bad value and reads until close; RFC 9112 6.3 makes an
  // invalid Content-Length an unrecoverable error, so getResponse() rejects.
  test("negative content length", async () => {
    await withCanned("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nHello\r\n", async ({ conn }) => {
      await conn.request("GET", "/");
      const err = await conn.getResponse().catch((e: unknown) => e);
      expect((err as HTTPException).code).toBe("ERR_HTTP_INVALID_CONTENT_LENGTH");
    });
  });

  // cpython test_httplib: BasicTest.test_incomplete_read
  test("incomplete read", async () => {
    await withResponse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nHello\r\n", async (resp) => {
      const ir = await incompleteRead(resp.read());
      expect(ir.partial.toString()).toBe("Hello\r\n");
      expect(ir.expected).toBe(3);
      expect(ir.message).toBe("IncompleteRead(7 bytes read, 3 more expected)");
      expect(resp.isClosed()).toBe(true);
    });
  });

  // cpython test_httplib: BasicTest.test_overflowing_status_line
  test("overflowing status line", async () => {
    await withCanned(`HTTP/1.1 200 Ok${"k".repeat(65536)}\r\n`, async ({ conn }) => {
      await conn.request("GET", "/");
      await expect(conn.getResponse()).rejects.toBeInstanceOf(LineTooLong);
    });
  });

  // cpython test_httplib: BasicTest.test_overflowing_header_line
  test("overflowing header line", async () => {
    await withCanned(`HTTP/1.1 200 OK\r\nX-Foo: bar${"r".repeat(65536)}\r\n\r\n`, async ({ conn }) => {
      await conn.request("GET", "/");
      await expect(conn.getResponse()).rejects.toBeInstanceOf(LineTooLong);
    });
  });

  // cpython test_httplib: BasicTest.test_overflowing_header_limit_after_100
  test("overflowing header limit after 100", async () => {
    await withCanned(`HTTP/1.1 100 OK\r\n${"r\n".repeat(32768)}`, async ({ conn }) => {
      await conn.request("GET", "/");
      // CPython: "got more than 100 headers"; our parser rejects the first invalid field line first.
      await expect(conn.getResponse()).rejects.toBeInstanceOf(HTTPException);
    });
  });

  // cpython test_httplib: BasicTest.test_overflowing_chunked_line
  test("overflowing chunked line", async () => {
    const body = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${"0".repeat(65536)}a\r\nhello world\r\n0\r\n\r\n`;
    await withResponse(body, async (resp) => {
      await expect(resp.read()).rejects.toBeInstanceOf(LineTooLong);
    });
  });

  // cpython test_httplib: BasicTest.test_early_eof
  test("early eof", async () => {
    await withResponse("HTTP/1.1 200 Ok", async (resp) => {
      expect((await resp.read()).length).toBe(0);
      expect(resp.isClosed()).toBe(true);
    });
  });

  // cpython test_httplib: BasicTest.test_error_leak
  test("error leak: the socket is closed when getResponse fails", async () => {
    await withCanned("Invalid status line", async ({ conn }) => {
      await conn.request("GET", "/");
      await expect(conn.getResponse()).rejects.toBeInstanceOf(BadStatusLine);
      expect(conn.sock).toBeNull();
    });
  });

  // cpython test_httplib: BasicTest.test_chunked_extension
  test("chunked extension", async () => {
    const extra = "3;foo=bar\r\nabc\r\n";
    await withResponse(chunkedStart + extra + lastChunkExtended + chunkedEnd, async (resp) => {
      expect((await resp.read()).toString()).toBe(`${chunkedExpected}abc`);
    });
  });

  // cpython test_httplib: BasicTest.test_chunked_missing_end
  test("chunked missing end", async () => {
    await withResponse(chunkedStart + lastChunk, async (resp) => {
      expect((await resp.read()).toString()).toBe(chunkedExpected);
    });
  });

  // cpython test_httplib: BasicTest.test_chunked_trailers
  test("chunked trailers", async () => {
    await withResponse(chunkedStart + lastChunk + trailers + chunkedEnd, async (resp) => {
      expect((await resp.read()).toString()).toBe(chunkedExpected);
      expect(resp.trailers?.get("X-Dummy")).toBe("foo");
    });
  });

  const extradata = "extradata";
  const hello = "Hello123\r\n";

  // cpython test_httplib: BasicTest.test_chunked_sync, test_content_length_sync
  // "extradata" is read as the start of the next response on the same connection.
  test("chunked sync / content length sync: no read past the body", async () => {
    for (const text of [chunkedStart + lastChunk + trailers + chunkedEnd, `HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n${hello}`]) {
      await withResponse(`${text}${extradata}`, async (resp, c) => {
        const body = (await resp.read()).toString();
        expect(body === chunkedExpected || body === hello).toBe(true);
        expect(resp.isClosed()).toBe(true);
        // The leftover bytes are not taken as the next response: the next request goes out on a
        // fresh connection instead of the one holding unexpected bytes.
        await c.conn.request("GET", "/");
        const again = await c.conn.getResponse();
        expect((await again.read()).toString()).toBe(body);
        expect(c.server.received).toHaveLength(2);
      });
    }
  });

  // cpython test_httplib: BasicTest.test_read1_content_length
  test("read1 content length", async () => {
    await withResponse(`HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n${hello}${extradata}`, async (resp) => {
      expect((await resp.read1(2000)).toString()).toBe(hello);
      expect(resp.isClosed()).toBe(true);
    });
  });

  // cpython test_httplib: BasicTest.test_readline_bound_content_length
  test("readline bound content length", async () => {
    await withResponse(`HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n${hello}${extradata}`, async (resp) => {
      expect((await resp.readline(10)).toString()).toBe(hello);
      expect((await resp.readline(10)).length).toBe(0);
    });
  });

  // cpython test_httplib: BasicTest.test_read1_bound_content_length
  test("read1 bound content length", async () => {
    await withResponse(`HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n${hello.repeat(3)}${extradata}`, async (resp) => {
      expect((await resp.read1(20)).toString()).toBe(hello.repeat(2));
      expect((await resp.read()).toString()).toBe(hello);
    });
  });
});

const LINES = "HTTP/1.1 200 OK\r\n\r\nhello world!\nand now \nfor something completely different\nfoo";
const LINES_EXPECTED = LINES.slice(LINES.indexOf("hello"));
const BODY = LINES.split("\r\n\r\n")[1];
const VARIANTS: Array<[string, string]> = [
  ["ExtendedReadTest", LINES],
  ["ExtendedReadTestContentLengthKnown", `HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`],
  [
    "ExtendedReadTestChunked",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "a\r\nhello worl\r\n3\r\nd!\n\r\n9\r\nand now \n\r\n23\r\nfor something completely different\n\r\n3\r\nfoo\r\n0\r\n\r\n",
  ],
];

async function verifyReadline(resp: HTTPResponse, readline: (limit: number) => Promise<Buffer>, limit: number): Promise<void> {
  const all: Buffer[] = [];
  for (;;) {
    const line = await readline(limit);
    if (line.length > 0 && line.toString() !== "foo" && line.length < 5) expect(line.toString().endsWith("\n")).toBe(true);
    all.push(line);
    if (line.length === 0) break;
  }
  expect(Buffer.concat(all).toString()).toBe(LINES_EXPECTED);
  expect(resp.isClosed()).toBe(true);
}

/** CPython test_httplib's Readliner: a readline built on an arbitrary read function, with buffering. */
class Readliner {
  #remainder: Buffer = Buffer.alloc(0);
  constructor(private readonly readfunc: () => Promise<Buffer>) {}

  async readline(limit: number): Promise<Buffer> {
    const data: Buffer[] = [];
    let read = this.#remainder;
    let idx: number;
    for (;;) {
      idx = read.indexOf(0x0a);
      if (idx !== -1) break;
      data.push(read);
      read = await this.readfunc();
      if (read.length === 0) {
        idx = -1; // eof
        break;
      }
    }
    idx += 1;
    if (idx === 0) idx = read.length;
    let line = Buffer.concat([...data, read.subarray(0, idx)]);
    let rest = read.subarray(idx);
    if (limit >= 0 && line.length > limit) {
      rest = Buffer.concat([line.subarray(limit), rest]);
      line = line.subarray(0, limit);
    }
    this.#remainder = rest;
    return line;
  }
}

describe.each(VARIANTS)("%s", (_name, text) => {
  // cpython test_httplib: ExtendedReadTest.test_read1 (through Readliner)
  test("read1 via Readliner", async () => {
    await withResponse(text, async (resp) => {
      const r = async (): Promise<Buffer> => {
        const res = await resp.read1(4);
        expect(res.length).toBeLessThanOrEqual(4);
        return res;
      };
      const readliner = new Readliner(r);
      await verifyReadline(resp, (n) => readliner.readline(n), 5);
    });
  });

  // cpython test_httplib: ExtendedReadTest.test_peek
  test("peek", async () => {
    await withResponse(text, async (resp) => {
      const all: Buffer[] = [];
      for (;;) {
        const p = await resp.peek(3);
        let next: Buffer;
        if (p.length > 0) {
          const p2 = await resp.peek();
          expect(p2.length).toBeGreaterThanOrEqual(p.length);
          next = await resp.read(p2.length);
          expect(next.equals(p2)).toBe(true);
        } else {
          next = await resp.read();
          expect(next.length).toBe(0);
        }
        all.push(next);
        if (next.length === 0) break;
      }
      expect(Buffer.concat(all).toString()).toBe(LINES_EXPECTED);
    });
  });

  // cpython test_httplib: ExtendedReadTest.test_readline
  test("readline", async () => {
    await withResponse(text, (resp) => verifyReadline(resp, (n) => resp.readline(n), 5));
  });

  // cpython test_httplib: ExtendedReadTest.test_readline_without_limit
  test("readline without limit", async () => {
    await withResponse(text, (resp) => verifyReadline(resp, (n) => resp.readline(n), -1));
  });

  // cpython test_httplib: ExtendedReadTest.test_read1_unbounded
  test("read1 unbounded", async () => {
    await withResponse(text, async (resp) => {
      const all: Buffer[] = [];
      for (;;) {
        const data = await resp.read1();
        if (data.length === 0) break;
        all.push(data);
      }
      expect(Buffer.concat(all).toString()).toBe(LINES_EXPECTED);
      expect(resp.isClosed()).toBe(true);
    });
  });

  // cpython test_httplib: ExtendedReadTest.test_read1_bounded
  test("read1 bounded", async () => {
    await withResponse(text, async (resp) => {
      const all: Buffer[] = [];
      for (;;) {
        const data = await resp.read1(10);
        if (data.length === 0) break;
        expect(data.length).toBeLessThanOrEqual(10);
        all.push(data);
      }
      expect(Buffer.concat(all).toString()).toBe(LINES_EXPECTED);
      expect(resp.isClosed()).toBe(true);
    });
  });

  // cpython test_httplib: ExtendedReadTest.test_read1_0, test_peek_0
  test("read1 0 and peek 0", async () => {
    await withResponse(text, async (resp) => {
      expect((await resp.read1(0)).length).toBe(0);
      expect(resp.isClosed()).toBe(false);
      expect((await resp.peek(0)).length).toBeGreaterThanOrEqual(0);
      resp.close();
    });
  });

  test("async iteration yields the body", async () => {
    await withResponse(text, async (resp) => {
      const parts: Buffer[] = [];
      for await (const chunk of resp) parts.push(chunk);
      expect(Buffer.concat(parts).toString()).toBe(LINES_EXPECTED);
      expect(resp.isClosed()).toBe(true);
    });
  });
});

describe("HTTPResponseTest", () => {
  const text = "HTTP/1.1 200 OK\r\nFirst: val\r\nSecond: val1\r\nSecond: val2\r\n\r\n";
  // cpython test_httplib: HTTPResponseTest.test_getting_header
  test("getting header", async () => {
    await withResponse(text, (resp) => {
      expect(resp.getHeader("First")).toBe("val");
      expect(resp.getHeader("Second")).toBe("val1, val2");
    });
  });
  // cpython test_httplib: HTTPResponseTest.test_getting_nonexistent_header_with_string_default
  test("getting nonexistent header with string default", async () => {
    await withResponse(text, (resp) => {
      expect(resp.getHeader("Nonexistent", "default")).toBe("default");
    });
  });
  // cpython test_httplib: HTTPResponseTest.test_getting_nonexistent_header_without_default
  test("getting nonexistent header without default", async () => {
    await withResponse(text, (resp) => {
      expect(resp.getHeader("Nonexistent")).toBeUndefined();
      expect(resp.getHeaders()).toEqual([["First", "val"], ["Second", "val1"], ["Second", "val2"]]);
      expect(resp.msg).toBe(resp.headers);
      expect(resp.version).toBe(11);
    });
  });
});
