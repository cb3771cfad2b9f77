/**
 * Ports of CPython's BaseHTTPRequestHandlerTestCase (test_httpservers.py). CPython drives a
 * socketless handler with BytesIO; here the same bytes go over a real socket. HTTP/1.1 requests
 * carry a Host header, which RFC 9112 3.2 requires (CPython does not check it).
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { BaseHTTPRequestHandler } from "../src/index.js";
import { escapeControl, percentFormat } from "../src/format.js";
import { NoLogRequestHandler, connectTo, raw, readAll, serve, type Running } from "./helpers.js";

const calls: string[] = [];
const snapshots: Array<Record<string, unknown>> = [];

class SocketlessRequestHandler extends NoLogRequestHandler {
  override protocolVersion = "HTTP/1.1";
  do_GET(): void {
    calls.push("GET");
    snapshots.push({
      requestLine: this.requestLine,
      command: this.command,
      path: this.path,
      requestVersion: this.requestVersion,
      headers: this.headers.rawPairs(),
    });
    this.sendResponse(200);
    this.sendHeader("Content-Type", "text/html");
    this.endHeaders();
    this.wfile.write("<html><body>Data</body></html>\r\n");
  }
}

class RejectingSocketlessRequestHandler extends SocketlessRequestHandler {
  override handleExpect100(): boolean {
    this.sendError(417);
    return false;
  }
}

let srv: Running;
let rejecting: Running;
beforeAll(async () => {
  srv = await serve(SocketlessRequestHandler);
  rejecting = await serve(RejectingSocketlessRequestHandler);
});
afterAll(async () => {
  await srv.stop();
  await rejecting.stop();
});

/** CPython's send_typical_request: the answer as lines (readlines()). */
async function sendTypicalRequest(message: string, port = srv.port): Promise<string[]> {
  calls.length = 0;
  snapshots.length = 0;
  const text = await raw(port, message);
  return text.split(/(?<=\n)/);
}

function verifyExpectedHeaders(headers: string[]): void {
  for (const field of ["Server: ", "Date: ", "Content-Type: "]) {
    expect(headers.filter((h) => h.startsWith(field)).length).toBe(1);
  }
}

describe("BaseHTTPRequestHandlerTestCase", () => {
  // cpython test_httpservers: BaseHTTPRequestHandlerTestCase.test_unprintable_not_logged
  test("test_unprintable_not_logged", () => {
    const out: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => {
      out.push(chunk);
      return true;
    });
    try {
      const h = Object.create(BaseHTTPRequestHandler.prototype) as BaseHTTPRequestHandler;
      Object.assign(h, { clientAddress: ["127.0.0.1", 1337] });
      h.logMessage("/foo");
      h.logMessage("/\x1bbar\x00\x1b");
      h.logMessage("/spam %s.", "a");
      h.logMessage("/spam %s.", "\x1b\x7f\x9f\xa0beans");
      h.logMessage('"GET /foo\\b"ar\x07 HTTP/1.0"');
    } finally {
      process.stderr.write = write;
    }
    const stderr = out.join("");
    expect(stderr).not.toContain("\x1b");
    expect(stderr).not.toContain("\x00");
    const lines = stderr.split("\n");
    expect(lines[0]).toContain("/foo");
    expect(lines[1]).toContain("/\\x1bbar\\x00\\x1b");
    expect(lines[2]).toContain("/spam a.");
    expect(lines[3]).toContain("/spam \\x1b\\x7f\\x9f\xa0beans.");
    expect(lines[4]).toContain('"GET /foo\\\\b"ar\\x07 HTTP/1.0"');
  });

  // cpython test_httpservers: BaseHTTPRequestHandlerTestCase.test_http_1_1
  test("test_http_1_1", async () => {
    const result = await sendTypicalRequest("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    expect(result[0]).toMatch(/^HTTP\/1\.[0-9]+ 200 OK/);
    verifyExpectedHeaders(result.slice(1, -1));
    expect(calls).toEqual(["GET"]);
    expect(result[result.length - 1]).toBe("<html><body>Data</body></html>\r\n");
    expect(snapshots[0]).toMatchObject({ requestLine: "GET / HTTP/1.1", command: "GET", path: "/", requestVersion: "HTTP/1.1" });
  });

  // cpython test_httpservers: BaseHTTPRequestHandlerTestCase.test_http_1_0
  test("test_http_1_0", async () => {
    const result = await sendTypicalRequest("GET / HTTP/1.0\r\n\r\n");
    expect(result[0]).toMatch(/^HTTP\/1\.[0-9]+ 200 OK/);
    verifyExpectedHeaders(result.slice(1, -1));
    expect(result[result.length - 1]).toBe("<html><body>Data</body></html>\r\n");
    expect(snapshots[0]).toMatchObject({ requestLine: "GET / HTTP/1.0", command: "GET", path: "/", requestVersion: "HTTP/1.0", headers: [] });
  });

  // cpython test_httpservers: BaseHTTPRequestHandlerTestCase.test_http_0_9
  test("test_http_0_9", async () => {
    const result = await sendTypicalRequest("GET / HTTP/0.9\r\n\r\n");
    expect(result).toEqual(["<html><body>Data</body></html>\r\n"]);
    expect(calls).toEqual(["GET"]);
  });

  test("HTTP/0.9 simple request (no version, no head) is answered without a status line", async () => {
    const s = await connectTo(srv.port);
    const all = readAll(s);
    s.write("GET /\r\n"); // a 0.9 client sends this line and waits, without closing
    expect((await all).toString()).toBe("<html><body>Data</body></html>\r\n");
  });

  // cpython test_httpservers: BaseHTTPRequestHandlerTestCase.test_extra_space
  test("test_extra_space", async () => {
    const result = await sendTypicalRequest("GET /spaced out HTTP/1.1\r\nHost: dummy\r\n\r\n");
    expect(result[0].startsWith("HTTP/1.1 400 ")).toBe(true);
    verifyExpectedHeaders(result.slice(1, result.indexOf("\r\n")));
    expect(calls).toEqual([]);
  });

  // cpython test_httpservers: BaseHTTPRequestHandlerTestCase.test_with_continue_1_0
  test("test_with_continue_1_0", async () => {
    const result = await sendTypicalRequest("GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n");
    expect(result[0]).toMatch(/^HTTP\/1\.[0-9]+ 200 OK/);
    verifyExpectedHeaders(result.slice(1, -1));
    expect(snapshots[0]).toMatchObject({ requestVersion: "HTTP/1.0", headers: [["Expect", "100-continue"]] });
  });

  // cpython test_httpservers: BaseHTTPRequestHandlerTestCase.test_with_continue_1_1
  test("test_with_continue_1_1", async () => {
    const result = await sendTypicalRequest("GET / HTTP/1.1\r\nExpect: 100-continue\r\nHost: a\r\nConnection: close\r\n\r\n");
    expect(result[0]).toBe("HTTP/1.1 100 Continue\r\n");
    expect(result[1]).toBe("\r\n");
    expect(result[2]).toBe("HTTP/1.1 200 OK\r\n");
    verifyExpectedHeaders(result.slice(2, -1));
    expect(result[result.length - 1]).toBe("<html><body>Data</body></html>\r\n");
    expect(snapshots[0]).toMatchObject({ requestVersion: "HTTP/1.1", headers: [["Expect", "100-continue"], ["Host", "a"], ["Connection", "close"]] });
  });

  // cpython test_httpservers: BaseHTTPRequestHandlerTestCase.test_header_buffering_of_send_error,
  // test_header_buffering_of_send_response_only, test_header_buffering_of_send_header
  test("test_header_buffering_of_send_response_only / send_header: nothing written before endHeaders", async () => {
    const written: number[] = [];
    class Buffering extends NoLogRequestHandler {
      do_GET(): void {
        this.sendResponseOnly(418);
        this.sendHeader("Foo", "foo");
        this.sendHeader("bar", "bar");
        written.push(this.connection.bytesWritten + this.wfile.bytesWritten);
        this.endHeaders();
        this.wfile.sendHead();
        written.push(this.connection.bytesWritten);
      }
    }
    const s = await serve(Buffering);
    const text = await raw(s.port, "GET / HTTP/1.0\r\n\r\n");
    await s.stop();
    expect(written[0]).toBe(0);
    expect(written[1]).toBe(text.length);
    expect(text).toBe("HTTP/1.0 418 I'm a Teapot\r\nFoo: foo\r\nbar: bar\r\n\r\n");
  });

  // cpython test_httpservers: BaseHTTPRequestHandlerTestCase.test_header_unbuffered_when_continue
  test("test_header_unbuffered_when_continue", async () => {
    const result = (await raw(srv.port, "GET / HTTP/1.1\r\nExpect: 100-continue\r\nHost: a\r\nConnection: close\r\n\r\n")).split("\r\n");
    expect(result[0]).toBe("HTTP/1.1 100 Continue");
    expect(result[1]).toBe("");
    expect(result[2]).toBe("HTTP/1.1 200 OK");
  });

  // cpython test_httpservers: BaseHTTPRequestHandlerTestCase.test_with_continue_rejected
  test("test_with_continue_rejected", async () => {
    const result = await sendTypicalRequest("GET / HTTP/1.1\r\nExpect: 100-continue\r\nHost: a\r\n\r\n", rejecting.port);
    expect(result[0]).toBe("HTTP/1.1 417 Expectation Failed\r\n");
    const head = result.slice(1, result.indexOf("\r\n"));
    verifyExpectedHeaders(head);
    expect(calls).toEqual([]);
    expect(head.filter((r) => r === "Connection: close\r\n").length).toBe(1);
  });

  // cpython test_httpservers: BaseHTTPRequestHandlerTestCase.test_request_length
  test("test_request_length", async () => {
    const result = await sendTypicalRequest(`GET ${"x".repeat(65537)}`);
    expect(result[0]).toBe("HTTP/1.1 414 URI Too Long\r\n");
    expect(calls).toEqual([]);
  });

  // cpython test_httpservers: BaseHTTPRequestHandlerTestCase.test_header_length
  test("test_header_length", async () => {
    const result = await sendTypicalRequest(`GET / HTTP/1.1\r\nX-Foo: bar${"r".repeat(65537)}\r\n\r\n`);
    expect(result[0]).toBe("HTTP/1.1 431 Line too long\r\n");
    expect(calls).toEqual([]);
  });

  // cpython test_httpservers: BaseHTTPRequestHandlerTestCase.test_too_many_headers
  test("test_too_many_headers", async () => {
    const result = await sendTypicalRequest(`GET / HTTP/1.1\r\n${"X-Foo: bar\r\n".repeat(101)}\r\n`);
    expect(result[0]).toBe("HTTP/1.1 431 Too many headers\r\n");
    expect(calls).toEqual([]);
  });

  // cpython test_httpservers: BaseHTTPRequestHandlerTestCase.test_html_escape_on_error
  test("test_html_escape_on_error", async () => {
    const result = (await sendTypicalRequest('<script>alert("hello")</script> / HTTP/1.1')).join("");
    expect(result).toContain('&lt;script&gt;alert("hello")&lt;/script&gt;');
    expect(result.slice(result.indexOf("\r\n\r\n"))).not.toContain("<script>"); // the body; the reason phrase is not HTML
  });

  // cpython test_httpservers: BaseHTTPRequestHandlerTestCase.test_close_connection
  test("test_close_connection", async () => {
    const h = Object.create(BaseHTTPRequestHandler.prototype) as BaseHTTPRequestHandler;
    let values = [true];
    h.handleOneRequest = () => {
      h.closeConnection = values.shift()!;
      return Promise.resolve();
    };
    await h.handle();
    expect(values).toEqual([]);
    values = [false, false, true];
    await h.handle();
    expect(values).toEqual([]);
  });

  // cpython test_httpservers: BaseHTTPRequestHandlerTestCase.test_date_time_string
  test("test_date_time_string", () => {
    const h = Object.create(BaseHTTPRequestHandler.prototype) as BaseHTTPRequestHandler;
    const now = Date.now() / 1000;
    const d = new Date(Math.floor(now) * 1000);
    const wd = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d.getUTCDay()];
    const mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getUTCMonth()];
    const p = (n: number): string => String(n).padStart(2, "0");
    const expected = `${wd}, ${p(d.getUTCDate())} ${mon} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} GMT`;
    expect(h.dateTimeString(now)).toBe(expected);
  });
});

describe("log formatting helpers", () => {
  test("logDateTimeString() names months with the handler's monthname, as CPython's log_date_time_string", () => {
    const h = Object.create(BaseHTTPRequestHandler.prototype) as BaseHTTPRequestHandler;
    h.monthname = [null, "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"];
    const month = new Date().getMonth() + 1;
    const text = h.logDateTimeString();
    // This month, or the next one if the month changed in between.
    expect([h.monthname[month], h.monthname[(month % 12) + 1]]).toContain(text.split("/")[1]);
    expect(text).toMatch(/^\d\d\/[a-z]{3}\/\d{4} \d\d:\d\d:\d\d$/);
  });
  test("percentFormat handles %s %d %r %%", () => {
    expect(percentFormat("code %d, message %s", [404, "x"])).toBe("code 404, message x");
    expect(percentFormat("%r and 100%%", ["it's"])).toBe(`"it's" and 100%`);
  });
  test("escapeControl escapes C0, DEL, C1 and backslash only", () => {
    expect(escapeControl("a\\b\x00\x7f\x9f\xa0é")).toBe("a\\\\b\\x00\\x7f\\x9f\xa0é");
  });
});
