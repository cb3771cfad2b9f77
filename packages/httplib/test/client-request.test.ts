/**
 * What the client sends: CPython test_httplib HeaderTests, HttpMethodTests,
 * TransferEncodingTest, RequestBodyTest and the request-building parts of BasicTest,
 * checked on the bytes a real server received.
 */
import { describe, expect, test } from "@jest/globals";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  CannotSendHeader,
  CannotSendRequest,
  HTTPConnection,
  InvalidHeader,
  InvalidMethod,
  InvalidURL,
  ResponseNotReady,
  HTTPException,
} from "../src/index.js";
import { INVALID_HEADER_FIELDS } from "./fixtures/invalid-headers.js";
import { withResponse } from "./helpers/canned.js";
import { capture, headerCount, headerValue } from "./helpers/capture.js";

const EXPECTED_BODY = "It's just a flesh wound";

function* makeBody(emptyLines = false): Generator<Buffer> {
  const words = EXPECTED_BODY.split(" ");
  for (let i = 0; i < words.length; i++) {
    if (emptyLines && i % 2 === 1) yield Buffer.alloc(0);
    yield Buffer.from(i < words.length - 1 ? `${words[i]} ` : words[i]);
  }
}

function bodyOf(data: string): string {
  return data.slice(data.indexOf("\r\n\r\n") + 4);
}

function parseChunked(data: string): string {
  let out = "";
  let rest = data;
  for (;;) {
    const eol = rest.indexOf("\r\n");
    const size = parseInt(rest.slice(0, eol), 16);
    if (size === 0) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 4 + size);
  }
}

describe("HeaderTests", () => {
  // cpython test_httplib: HeaderTests.test_auto_headers
  test("auto headers are not duplicated when given explicitly", async () => {
    for (const explicit of [true, false]) {
      for (const header of ["Content-length", "Host", "Accept-encoding"]) {
        const body = "spamspamspam";
        const headers: Record<string, string> = explicit ? { [header]: String(body.length) } : {};
        const data = await capture((c) => c.request("POST", "/", body, headers));
        expect(headerCount(data, header)).toBe(1);
      }
    }
  });

  // cpython test_httplib: HeaderTests.test_content_length_0
  test("content length 0", async () => {
    for (const method of ["PUT", "POST", "PATCH"]) {
      for (const body of [null, ""]) {
        const data = await capture((c) => c.request(method, "/", body));
        expect(headerValue(data, "content-length")).toBe("0");
      }
    }
    for (const method of ["GET", "DELETE", "OPTIONS", "TRACE"]) {
      expect(headerValue(await capture((c) => c.request(method, "/", null)), "content-length")).toBeUndefined();
      expect(headerValue(await capture((c) => c.request(method, "/", "")), "content-length")).toBe("0");
      expect(headerValue(await capture((c) => c.request(method, "/", " ")), "content-length")).toBe("1");
    }
  });

  // cpython test_httplib: HeaderTests.test_putheader
  // Difference: several values are joined with ", " (CPython folds them with "\r\n\t", an
  // obs-fold RFC 9112 5.2 forbids); values with CR/LF and names that are not tokens are refused.
  test("putheader", async () => {
    const data = await capture(async (c) => {
      c.putRequest("GET", "/");
      c.putHeader("Content-length", 42);
      c.putHeader("Foo", " bar ");
      c.putHeader("Bar", "\tbaz\t");
      c.putHeader("Authorization", "Bearer mytoken");
      c.putHeader("IterHeader", "IterA", "IterB");
      c.putHeader("LatinHeader", Buffer.from([0xff]));
      c.putHeader("Utf8Header", Buffer.from([0xc3, 0x80]));
      c.putHeader("C1-Control", Buffer.from("next\x85line", "latin1"));
      expect(() => c.putHeader("Embedded-Fold-Space", "is\r\n allowed")).toThrow(InvalidHeader);
      expect(() => c.putHeader("Key Space", "value")).toThrow(InvalidHeader);
      await c.endHeaders();
    });
    for (const line of [
      "Content-length: 42",
      "Foo:  bar ",
      "Bar: \tbaz\t",
      "Authorization: Bearer mytoken",
      "IterHeader: IterA, IterB",
      "LatinHeader: \xff",
      "Utf8Header: \xc3\x80",
      "C1-Control: next\x85line",
    ]) {
      expect(data).toContain(`\r\n${line}\r\n`);
    }
  });

  // cpython test_httplib: HeaderTests.test_ipv6host_header
  test("ipv6 host header", async () => {
    const cases: Array<[string, string]> = [
      ["[2001::]:81", "Host: [2001::]:81"],
      ["[2001:102A::]", "Host: [2001:102A::]"],
      ["[fe80::%2]", "Host: [fe80::]"],
      ["[fe80::%2]:81", "Host: [fe80::]:81"],
    ];
    for (const [host, line] of cases) {
      const data = await capture((c) => c.request("GET", "/foo"), host);
      expect(data.startsWith(`GET /foo HTTP/1.1\r\n${line}\r\nAccept-Encoding: identity\r\n\r\n`)).toBe(true);
    }
  });

  // cpython test_httplib: HeaderTests.test_malformed_headers_coped_with
  // Difference: a field line with an empty name is refused (RFC 9110 5.1), not skipped.
  test("malformed headers", async () => {
    await expect(
      withResponse("HTTP/1.1 200 OK\r\nFirst: val\r\n: nval\r\nSecond: val\r\n\r\n", () => Promise.resolve()),
    ).rejects.toBeInstanceOf(InvalidHeader);
  });

  // cpython test_httplib: HeaderTests.test_parse_all_octets (obs-fold needs headLimits.allowObsFold)
  test("parse all octets", async () => {
    const vchar = Buffer.from(Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => 0x21 + i));
    const obsText = Buffer.from(Array.from({ length: 0x80 }, (_, i) => 0x80 + i));
    const body = Buffer.concat([
      Buffer.from("HTTP/1.1 200 OK\r\n!#$%&'*+-.^_`|~: value\r\nVCHAR: "),
      vchar,
      Buffer.from("\r\nobs-text: "),
      obsText,
      Buffer.from("\r\nobs-fold: text\r\n folded with space\r\n\tfolded with tab\r\nContent-Length: 0\r\n\r\n"),
    ]);
    await withResponse(
      body,
      (resp) => {
        expect(resp.getHeader("Content-Length")).toBe("0");
        expect(resp.getHeader("!#$%&'*+-.^_`|~")).toBe("value");
        expect(resp.getHeader("VCHAR")).toBe(vchar.toString("latin1"));
        expect(resp.headers.has("obs-text")).toBe(true);
        const folded = resp.getHeader("obs-fold")!;
        expect(folded.startsWith("text")).toBe(true);
        expect(folded).toContain(" folded with space");
        expect(folded.endsWith("folded with tab")).toBe(true);
      },
      "GET",
      { headLimits: { allowObsFold: true } },
    );
  });

  // cpython test_httplib: HeaderTests.test_invalid_headers
  test("invalid headers", () => {
    const conn = new HTTPConnection("example.com");
    conn.putRequest("GET", "/");
    for (const [name, value] of INVALID_HEADER_FIELDS) expect(() => conn.putHeader(name, value)).toThrow(InvalidHeader);
    conn.close();
  });
});

describe("debug output", () => {
  // cpython test_httplib: HeaderTests.test_headers_debuglevel
  test("send/reply/header lines", async () => {
    const lines: string[] = [];
    const { withCanned } = await import("./helpers/canned.js");
    await withCanned(
      "HTTP/1.1 200 OK\r\nFirst: val\r\nSecond: val1\r\nSecond: val2\r\nContent-Length: 0\r\n\r\n",
      async ({ conn }) => {
        conn.setDebugLevel(1);
        await conn.request("GET", "/");
        await conn.getResponse();
      },
      { debugWriter: (l) => lines.push(l) },
    );
    expect(lines[0]).toMatch(/^send: "GET \/ HTTP\/1.1\\r\\nHost: /);
    expect(lines[1]).toBe('reply: "HTTP/1.1 200 OK\\r\\n"');
    expect(lines.slice(2, 5)).toEqual(["header: First: val", "header: Second: val1", "header: Second: val2"]);
  });
});

describe("HttpMethodTests", () => {
  // cpython test_httplib: HttpMethodTests.test_invalid_method_names
  test("invalid method names", async () => {
    const methods = ["GET\r", "POST\n", "PUT\n\r", "POST\nValue", "POST\nHOST:abc", "GET\nrHost:abc\n", "POST\rRemainder:\r", "GET\rHOST:\n", "\nPUT", "GET /x"];
    for (const method of methods) {
      const conn = new HTTPConnection("example.com");
      await expect(conn.request(method, "/")).rejects.toBeInstanceOf(InvalidMethod);
      expect(conn.sock).toBeNull(); // nothing was sent: not even connected
    }
  });
});

describe("control characters are refused before anything is sent", () => {
  // cpython test_httplib: BasicTest.test_putrequest_override_domain_validation (inverse) and
  // test_urllib2 / test_httplib "URL can't contain control characters"
  test("url", async () => {
    const conn = new HTTPConnection("example.com");
    for (const url of ["/a b", "/\r\nX-Injected: 1", "/\0", "/\x7f", "/é"]) {
      await expect(conn.request("GET", url)).rejects.toBeInstanceOf(InvalidURL);
    }
    expect(conn.sock).toBeNull();
  });

  test("host", () => {
    for (const host of ["exa mple.com", "example.com\r\nX: 1", "a\0b"]) {
      expect(() => new HTTPConnection(host)).toThrow(InvalidURL);
    }
    const conn = new HTTPConnection("example.com");
    expect(() => conn.setTunnel("evil\r\nhost")).toThrow(InvalidURL);
  });

  test("header values given to request()", async () => {
    const conn = new HTTPConnection("example.com");
    await expect(conn.request("GET", "/", null, { "X-A": "1\r\nX-B: 2" })).rejects.toBeInstanceOf(InvalidHeader);
    // The connection is usable again afterwards (the half-built request was dropped).
    expect(() => conn.putRequest("GET", "/")).not.toThrow();
    expect(conn.sock).toBeNull();
    conn.close();
  });
});

describe("host and port", () => {
  // cpython test_httplib: BasicTest.test_host_port
  test("host port", () => {
    for (const hp of ["www.python.org:abc", "user:password@www.python.org"]) {
      expect(() => new HTTPConnection(hp)).toThrow(InvalidURL);
    }
    const cases: Array<[string, string, number]> = [
      ["[fe80::207:e9ff:fe9b]:8000", "fe80::207:e9ff:fe9b", 8000],
      ["www.python.org:80", "www.python.org", 80],
      ["www.python.org:", "www.python.org", 80],
      ["www.python.org", "www.python.org", 80],
      ["[fe80::207:e9ff:fe9b]", "fe80::207:e9ff:fe9b", 80],
      ["[fe80::207:e9ff:fe9b]:", "fe80::207:e9ff:fe9b", 80],
    ];
    for (const [hp, h, p] of cases) {
      const c = new HTTPConnection(hp);
      expect(c.host).toBe(h);
      expect(c.port).toBe(p);
    }
    expect(new HTTPConnection("example.com:8080", 81).port).toBe(81);
  });

  test("absolute URL gives the Host header (putrequest netloc)", async () => {
    const data = await capture((c) => c.request("GET", "http://other.example:8080/x"));
    expect(headerValue(data, "host")).toBe("other.example:8080");
    expect(data.startsWith("GET http://other.example:8080/x HTTP/1.1\r\n")).toBe(true);
  });

  // cpython test_httplib: BasicTest.test_putrequest_override_host_validation / _encoding (skip flags)
  test("skipHost and skipAcceptEncoding", async () => {
    const data = await capture(async (c) => {
      c.putRequest("GET", "/", { skipHost: true, skipAcceptEncoding: true });
      c.putHeader("Host", "chosen");
      await c.endHeaders();
    });
    expect(data).toBe("GET / HTTP/1.1\r\nHost: chosen\r\n\r\n");
  });
});

describe("TransferEncodingTest", () => {
  // cpython test_httplib: TransferEncodingTest.test_endheaders_chunked
  test("endheaders chunked", async () => {
    const data = await capture(async (c) => {
      c.putRequest("POST", "/");
      c.putHeader("Transfer-Encoding", "chunked");
      await c.endHeaders(makeBody(), { encodeChunked: true });
    });
    expect(parseChunked(bodyOf(data))).toBe(EXPECTED_BODY);
  });

  // cpython test_httplib: TransferEncodingTest.test_explicit_headers
  test("explicit headers", async () => {
    // Explicit chunked: the caller frames the body itself; request() does not encode it.
    let data = await capture((c) => c.request("POST", "/", Buffer.from(`5\r\nhello\r\n0\r\n\r\n`), { "Transfer-Encoding": "chunked" }));
    expect(headerValue(data, "content-length")).toBeUndefined();
    expect(headerValue(data, "transfer-encoding")).toBe("chunked");
    expect(bodyOf(data)).toBe("5\r\nhello\r\n0\r\n\r\n");
    // User-specified TE, but request() does the chunk encoding.
    data = await capture((c) => c.request("POST", "/", makeBody(), { "Transfer-Encoding": "gzip, chunked" }, { encodeChunked: true }));
    expect(headerValue(data, "content-length")).toBeUndefined();
    expect(headerValue(data, "transfer-encoding")).toBe("gzip, chunked");
    expect(parseChunked(bodyOf(data))).toBe(EXPECTED_BODY);
  });

  // cpython test_httplib: TransferEncodingTest.test_request
  test("request", async () => {
    for (const emptyLines of [false, true]) {
      const data = await capture((c) => c.request("POST", "/", makeBody(emptyLines)));
      expect(parseChunked(bodyOf(data))).toBe(EXPECTED_BODY);
      expect(headerValue(data, "transfer-encoding")).toBe("chunked");
      expect(headerValue(data, "content-length")).toBeUndefined();
    }
  });

  // cpython test_httplib: TransferEncodingTest.test_empty_body
  test("empty body", async () => {
    const data = await capture((c) => c.request("POST", "/", []));
    expect(headerValue(data, "transfer-encoding")).toBe("chunked");
    expect(headerValue(data, "content-length")).toBeUndefined();
    expect(bodyOf(data)).toBe("0\r\n\r\n");
  });
});

describe("RequestBodyTest", () => {
  // cpython test_httplib: RequestBodyTest.test_list_body
  test("list body", async () => {
    const data = await capture((c) => c.request("PUT", "/url", [Buffer.from("body1"), Buffer.from("body2")]));
    expect(parseChunked(bodyOf(data))).toBe("body1body2");
  });

  // cpython test_httplib: RequestBodyTest.test_manual_content_length
  test("manual content length", async () => {
    const data = await capture((c) => c.request("PUT", "/url", "body", { "Content-Length": "42" }));
    expect(headerValue(data, "content-length")).toBe("42");
    expect(bodyOf(data)).toBe("body");
  });

  // cpython test_httplib: RequestBodyTest.test_ascii_body, test_bytes_body
  test("ascii and bytes body", async () => {
    for (const body of ["body\xc1", Buffer.from("body\xc1", "latin1")]) {
      const data = await capture((c) => c.request("PUT", "/url", body));
      const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
      expect(headerValue(data, "content-length")).toBe(String(bytes.length));
      expect(bodyOf(data)).toBe(bytes.toString("latin1"));
    }
  });

  // cpython test_httplib: RequestBodyTest.test_latin1_body — Difference: strings are sent as UTF-8.
  test("string body is UTF-8", async () => {
    const data = await capture((c) => c.request("PUT", "/url", "héllo €"));
    expect(headerValue(data, "content-length")).toBe(String(Buffer.byteLength("héllo €")));
    expect(Buffer.from(bodyOf(data), "latin1").toString("utf8")).toBe("héllo €");
  });

  // cpython test_httplib: RequestBodyTest.test_binary_file_body, BasicTest.test_send_file
  test("file body (FileHandle: Content-Length from stat)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "httplib-"));
    try {
      const path = join(dir, "body.bin");
      const content = Buffer.alloc(20000, "x");
      await writeFile(path, content);
      const fh = await open(path, "r");
      try {
        const data = await capture((c) => c.request("PUT", "/url", fh), "example.com", 1, { blocksize: 4096 });
        expect(headerValue(data, "content-length")).toBe("20000");
        expect(bodyOf(data)).toBe(content.toString("latin1"));
      } finally {
        await fh.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("Readable stream body is sent chunked", async () => {
    const data = await capture((c) => c.request("POST", "/", Readable.from([Buffer.from("ab"), Buffer.from("cd")])));
    expect(headerValue(data, "transfer-encoding")).toBe("chunked");
    expect(parseChunked(bodyOf(data))).toBe("abcd");
  });

  // cpython test_httplib: BasicTest.test_send, test_send_iter
  test("send", async () => {
    const expected = "this is a test this is only a test";
    const data = await capture(async (c) => {
      c.putRequest("POST", "/");
      c.putHeader("Content-Length", expected.length * 2 + 3);
      await c.endHeaders();
      await c.send(expected);
      await c.send(Buffer.from(expected));
      await c.send(["f", "o", "o"]);
    });
    expect(bodyOf(data)).toBe(`${expected}${expected}foo`);
  });

  // cpython test_httplib: BasicTest.test_send_type_error
  test("send type error", async () => {
    const data = await capture(async (c) => {
      await c.request("GET", "/");
      await expect(c.send(42 as unknown as string)).rejects.toBeInstanceOf(TypeError);
    });
    expect(data.startsWith("GET / HTTP/1.1\r\n")).toBe(true);
  });
});

describe("state machine (CPython _CS_IDLE / _CS_REQ_STARTED / _CS_REQ_SENT)", () => {
  test("errors for calls in the wrong state", async () => {
    const conn = new HTTPConnection("example.com");
    expect(() => conn.putHeader("A", "b")).toThrow(CannotSendHeader);
    await expect(conn.endHeaders()).rejects.toBeInstanceOf(CannotSendHeader);
    await expect(conn.getResponse()).rejects.toBeInstanceOf(ResponseNotReady);
    conn.putRequest("GET", "/");
    expect(() => conn.putRequest("GET", "/")).toThrow(CannotSendRequest);
    await expect(conn.getResponse()).rejects.toBeInstanceOf(ResponseNotReady);
    conn.close();
    expect(new CannotSendRequest("Idle")).toBeInstanceOf(HTTPException);
  });

  test("second request before reading the response", async () => {
    await capture(async (c) => {
      await c.request("GET", "/");
      await expect(c.request("GET", "/")).rejects.toBeInstanceOf(CannotSendRequest);
      const r = await c.getResponse();
      await expect(c.getResponse()).rejects.toBeInstanceOf(ResponseNotReady);
      await r.read();
      await c.request("GET", "/again");
    });
  });
});
