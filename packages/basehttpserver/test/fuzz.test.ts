/**
 * Property-based tests (fast-check): whatever bytes a client sends, the server never crashes,
 * never reports an internal error, and never answers 5xx except the protocol answers 501 (a
 * method or transfer coding it does not implement) and 505 (HTTP major version >= 2).
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import fc from "fast-check";
import type { HTTPServer} from "../src/index.js";
import { ThreadingHTTPServer } from "../src/index.js";
import { NoLogRequestHandler, raw, serve, splitResponses, type Running } from "./helpers.js";

const internalErrors: unknown[] = [];

class Handler extends NoLogRequestHandler {
  override protocolVersion = "HTTP/1.1";
  private ok(): void {
    this.sendResponse(200);
    this.sendHeader("Content-Length", 2);
    this.endHeaders();
    if (this.command !== "HEAD") this.wfile.write("ok");
  }
  do_GET(): void {
    this.ok();
  }
  do_HEAD(): void {
    this.ok();
  }
  async do_POST(): Promise<void> {
    await this.body.readAll();
    this.ok();
  }
}

class Recording extends ThreadingHTTPServer {
  override handleError(_request: unknown, _address: unknown, error?: unknown): void {
    internalErrors.push(error);
  }
}

let srv: Running;
beforeAll(async () => {
  srv = await serve(Handler, { maxBodySize: 2000, headerTimeout: 10 }, Recording as unknown as typeof HTTPServer as never);
});
afterAll(async () => srv.stop());

/** Status codes at the start of every line that looks like a status line. */
function statuses(text: string): number[] {
  return [...text.matchAll(/^HTTP\/\d\.\d (\d{3})/gm)].map((m) => Number(m[1]));
}

function acceptable(code: number): boolean {
  return code < 500 || code === 501 || code === 505;
}

async function check(bytes: Uint8Array): Promise<void> {
  const text = await raw(srv.port, Buffer.from(bytes));
  for (const code of statuses(text)) expect(acceptable(code)).toBe(true);
  expect(internalErrors).toEqual([]);
}

const VALID = [
  "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
  "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
  "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n",
  "HEAD / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
  "GET /\r\n",
];

const tokens = fc.constantFrom(
  "GET", "POST", "HEAD", "PUT", "CONNECT", "G T", "", " ", "\r\n", "\n", "\r", "\0", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0",
  "HTTP/1.10", "Host: a", "Content-Length: 3", "Content-Length: -1", "Content-Length: 99999999999999999999",
  "Transfer-Encoding: chunked", "Transfer-Encoding: gzip, chunked", "Transfer-Encoding: chunked, gzip", "Expect: 100-continue",
  "Connection: close", "Connection: keep-alive", "0\r\n\r\n", "5\r\nhello\r\n", "ffffffffffffffff\r\n", "abc", ":", " : ", "\t",
  "\x7f", "\xff", "/", "//x", "*", "example.com:443",
);

describe("fuzz: the server survives any input", () => {
  test("random bytes", async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), check), { numRuns: 150 });
  });

  test("requests assembled from protocol fragments", async () => {
    const request = fc.array(tokens, { maxLength: 25 }).map((parts) => Buffer.from(parts.join(""), "latin1"));
    await fc.assert(fc.asyncProperty(request, check), { numRuns: 200 });
  });

  test("valid requests with random bytes spliced in", async () => {
    const mutated = fc
      .tuple(fc.constantFrom(...VALID), fc.array(fc.tuple(fc.nat(200), fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.boolean()), { maxLength: 4 }))
      .map(([base, edits]) => {
        let buf = Buffer.from(base.repeat(2), "latin1");
        for (const [at, bytes, replace] of edits) {
          const pos = at % (buf.length + 1);
          buf = Buffer.concat([buf.subarray(0, pos), Buffer.from(bytes), buf.subarray(replace ? pos + bytes.length : pos)]);
        }
        return buf;
      });
    await fc.assert(fc.asyncProperty(mutated, check), { numRuns: 200 });
  });

  test("still serving afterwards", async () => {
    const text = await raw(srv.port, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    expect(splitResponses(text)[0].body).toBe("ok");
  });
});
