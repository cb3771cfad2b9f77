/**
 * RFC 9112 strictness over raw sockets: every malformed or ambiguous request gets its error
 * status, the connection is closed by the server (the client never half-closes here), the
 * handler never runs, and nothing smuggled behind it is answered.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { NoLogRequestHandler, raw, serve, splitResponses, type Running } from "./helpers.js";

let calls = 0;

class Handler extends NoLogRequestHandler {
  override protocolVersion = "HTTP/1.1";
  // As CPython's own tests: an unparsable request line is still answered with a status line.
  override defaultRequestVersion = "HTTP/1.1";
  private answer(): void {
    calls++;
    this.sendResponse(200);
    this.sendHeader("Content-Length", 2);
    this.endHeaders();
    this.wfile.write("ok");
  }
  do_GET(): void {
    this.answer();
  }
  async do_POST(): Promise<void> {
    await this.body.readAll();
    this.answer();
  }
}

let srv: Running;
beforeAll(async () => {
  srv = await serve(Handler, { maxBodySize: 1000 });
});
afterAll(async () => srv.stop());

const H = "Host: a\r\n";

/** [name, request bytes, status, RFC section] */
const RAW_CASES: Array<[string, string, number, string]> = [
  ["Content-Length and Transfer-Encoding together", `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400, "RFC 9112 6.1"],
  ["duplicate differing Content-Length", `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`, 400, "RFC 9112 6.3 rule 5"],
  ["Content-Length list with different values", `POST / HTTP/1.1\r\n${H}Content-Length: 5, 6\r\n\r\nhello!`, 400, "RFC 9110 8.6"],
  ["negative Content-Length", `POST / HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n`, 400, "RFC 9110 8.6"],
  ["signed Content-Length", `POST / HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\nhello`, 400, "RFC 9110 8.6"],
  ["hex Content-Length", `POST / HTTP/1.1\r\n${H}Content-Length: 0x5\r\n\r\nhello`, 400, "RFC 9110 8.6"],
  ["Transfer-Encoding not ending in chunked", `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n`, 400, "RFC 9112 6.1"],
  ["chunked not last", `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, gzip\r\n\r\n`, 400, "RFC 9112 6.1"],
  ["chunked twice", `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, chunked\r\n\r\n`, 400, "RFC 9112 6.1"],
  ["unknown coding before chunked", `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`, 501, "RFC 9112 6.1"],
  ["Transfer-Encoding in HTTP/1.0", `POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400, "RFC 9112 6.1"],
  ["invalid chunk size", `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`, 400, "RFC 9112 7.1"],
  ["negative chunk size", `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n`, 400, "RFC 9112 7.1"],
  ["0x chunk size", `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n`, 400, "RFC 9112 7.1"],
  ["overflowing chunk size", `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\nhello\r\n0\r\n\r\n`, 400, "RFC 9112 7.1"],
  ["chunk data without CRLF", `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhelloX0\r\n\r\n`, 400, "RFC 9112 7.1"],
  ["chunked body over maxBodySize", `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3e9\r\n${"x".repeat(1001)}\r\n0\r\n\r\n`, 413, "RFC 9110 15.5.14"],
  ["Content-Length over maxBodySize", `POST / HTTP/1.1\r\n${H}Content-Length: 1001\r\n\r\n`, 413, "RFC 9110 15.5.14"],
  ["whitespace before the colon", `GET / HTTP/1.1\r\nHost : a\r\n\r\n`, 400, "RFC 9112 5.1"],
  ["obs-fold", `GET / HTTP/1.1\r\n${H}X-A: a\r\n b\r\n\r\n`, 400, "RFC 9112 5.2"],
  ["whitespace before the first field", `GET / HTTP/1.1\r\n ${H}\r\n`, 400, "RFC 9112 2.2"],
  ["bare LF in the fields", `GET / HTTP/1.1\r\n${H}X-A: a\nX-B: b\r\n\r\n`, 400, "RFC 9112 2.2"],
  ["bare LF ending the request line", `GET / HTTP/1.1\n${H}\r\n`, 400, "RFC 9112 2.2"],
  ["bare CR in a field value", `GET / HTTP/1.1\r\n${H}X-A: a\rb\r\n\r\n`, 400, "RFC 9112 2.2"],
  ["bare CR in the request line", `GET /\r HTTP/1.1\r\n${H}\r\n`, 400, "RFC 9112 2.2"],
  ["NUL in a field value", `GET / HTTP/1.1\r\n${H}X-A: a\0b\r\n\r\n`, 400, "RFC 9110 5.5"],
  ["control character in a field value", `GET / HTTP/1.1\r\n${H}X-A: a\x01b\r\n\r\n`, 400, "RFC 9110 5.5"],
  ["DEL in a field value", `GET / HTTP/1.1\r\n${H}X-A: a\x7fb\r\n\r\n`, 400, "RFC 9110 5.5"],
  ["NUL in the target", `GET /a\0b HTTP/1.1\r\n${H}\r\n`, 400, "RFC 9112 3.2"],
  ["space in the target", `GET /a b HTTP/1.1\r\n${H}\r\n`, 400, "RFC 9112 3"],
  ["invalid method token", `G(T / HTTP/1.1\r\n${H}\r\n`, 400, "RFC 9110 9.1"],
  ["invalid field name", `GET / HTTP/1.1\r\n${H}X@Y: 1\r\n\r\n`, 400, "RFC 9110 5.1"],
  ["empty field name", `GET / HTTP/1.1\r\n${H}: 1\r\n\r\n`, 400, "RFC 9110 5.1"],
  ["missing Host on HTTP/1.1", `GET / HTTP/1.1\r\n\r\n`, 400, "RFC 9112 3.2"],
  ["two Host fields", `GET / HTTP/1.1\r\n${H}${H}\r\n`, 400, "RFC 9112 3.2"],
  ["double space in the request line", `GET  / HTTP/1.1\r\n${H}\r\n`, 400, "RFC 9112 3"],
  ["lowercase version", `GET / http/1.1\r\n${H}\r\n`, 400, "RFC 9112 2.3"],
  ["HTTP/2.0", `GET / HTTP/2.0\r\n${H}\r\n`, 505, "RFC 9110 15.6.6"],
  ["request line over the limit", `GET /${"a".repeat(70000)} HTTP/1.1\r\n${H}\r\n`, 414, "RFC 9112 3"],
  ["field line over the limit", `GET / HTTP/1.1\r\n${H}X-A: ${"a".repeat(70000)}\r\n\r\n`, 431, "RFC 6585 5"],
  ["too many fields", `GET / HTTP/1.1\r\n${H}${"X-A: a\r\n".repeat(100)}\r\n`, 431, "RFC 6585 5"],
  ["head over maxHeadSize", `GET / HTTP/1.1\r\n${H}${`X-A: ${"a".repeat(1000)}\r\n`.repeat(90)}\r\n`, 431, "RFC 6585 5"],
  ["lone LF before the request line", `\nGET / HTTP/1.1\r\n${H}\r\n`, 400, "RFC 9112 2.2"],
];

const CASES = RAW_CASES.map(([name, request, status, rfc]) => [name, status, rfc, request] as const);

describe("strict request parsing: status and close", () => {
  test.each(CASES)("%s -> %d (%s)", async (_name, status, _rfc, request) => {
    calls = 0;
    const text = await raw(srv.port, request, true); // resolves only once the server closed
    const responses = splitResponses(text);
    expect(responses.length).toBe(1);
    expect(responses[0].status).toBe(status);
    expect(responses[0].headers.connection).toBe("close");
    if (status !== 413 && !_name.startsWith("chunk") && !_name.includes("chunk size")) expect(calls).toBe(0);
  });
});

describe("request smuggling", () => {
  test("CL.TE: the request hidden in the body is never answered", async () => {
    calls = 0;
    const text = await raw(
      srv.port,
      `POST / HTTP/1.1\r\n${H}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\n${H}\r\n`,
      true,
    );
    expect(splitResponses(text).map((r) => r.status)).toEqual([400]);
    expect(calls).toBe(0);
  });

  test("TE.CL: an obfuscated Transfer-Encoding is refused", async () => {
    calls = 0;
    const text = await raw(srv.port, `POST / HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n`, true);
    expect(splitResponses(text).map((r) => r.status)).toEqual([400]);
    expect(calls).toBe(0);
  });
});

describe("accepted edge cases", () => {
  test("empty lines before the request line are ignored (RFC 9112 2.2)", async () => {
    const text = await raw(srv.port, `\r\n\r\nGET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`, true);
    expect(splitResponses(text)[0].status).toBe(200);
  });

  test("HTTP/1.0 needs no Host", async () => {
    const text = await raw(srv.port, `GET / HTTP/1.0\r\n\r\n`, true);
    expect(splitResponses(text)[0].status).toBe(200);
  });

  test("equal repeated Content-Length is one length (RFC 9110 8.6)", async () => {
    const text = await raw(srv.port, `POST / HTTP/1.1\r\n${H}Content-Length: 2\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi`, true);
    expect(splitResponses(text)[0].status).toBe(200);
  });

  test("a path starting with // is collapsed (gh-87389)", async () => {
    let seen = "";
    class PathHandler extends NoLogRequestHandler {
      do_GET(): void {
        seen = this.path;
        this.sendResponse(204);
        this.endHeaders();
      }
    }
    const s = await serve(PathHandler);
    await raw(s.port, "GET //evil.example/x HTTP/1.0\r\n\r\n", true);
    await s.stop();
    expect(seen).toBe("/evil.example/x");
  });
});
