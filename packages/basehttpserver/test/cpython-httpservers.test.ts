/**
 * Ports of CPython's Lib/test/test_httpservers.py (BaseHTTPServerTestCase,
 * RequestHandlerLoggingTestCase, BaseHTTPRequestHandlerTestCase) over real sockets.
 * The requests are the bytes CPython's http.client sends (`Host` and `Accept-Encoding` included).
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { BaseHTTPRequestHandler, HTTPServer } from "../src/index.js";
import { NoLogRequestHandler, connectTo, raw, readUntil, serve, splitResponses, type Running } from "./helpers.js";

class BaseHTTPServerHandler extends NoLogRequestHandler {
  override protocolVersion = "HTTP/1.1";
  override defaultRequestVersion = "HTTP/1.1";

  do_TEST(): void {
    this.sendResponse(204);
    this.sendHeader("Content-Type", "text/html");
    this.sendHeader("Connection", "close");
    this.endHeaders();
  }
  do_KEEP(): void {
    this.sendResponse(204);
    this.sendHeader("Content-Type", "text/html");
    this.sendHeader("Connection", "keep-alive");
    this.endHeaders();
  }
  do_KEYERROR(): void {
    this.sendError(999);
  }
  do_NOTFOUND(): void {
    this.sendError(404);
  }
  do_EXPLAINERROR(): void {
    this.sendError(999, "Short Message", "This is a long \n explanation");
  }
  do_CUSTOM(): void {
    this.sendResponse(999);
    this.sendHeader("Content-Type", "text/html");
    this.sendHeader("Connection", "close");
    this.endHeaders();
  }
  do_LATINONEHEADER(): void {
    this.sendResponse(999);
    this.sendHeader("X-Special", "Dängerous Mind");
    this.sendHeader("Connection", "close");
    this.endHeaders();
    // Header values arrive latin1-decoded, as in CPython; the client sent UTF-8 bytes.
    this.wfile.write(Buffer.from(this.headers.get("x-special-incoming") ?? "", "latin1"));
  }
  // CPython's do_SEND_ERROR (the lint rule allows only do_[A-Z]+ hooks).
  do_SENDERROR(): void {
    this.sendError(Number(this.path.slice(1)));
  }
  do_HEAD(): void {
    this.sendError(Number(this.path.slice(1)));
  }
}

let srv: Running;
beforeAll(async () => {
  srv = await serve(BaseHTTPServerHandler);
});
afterAll(async () => srv.stop());

/** What http.client sends for `con.request(method, url)` (with `_http_vsn_str` = `version`). */
function request(method: string, url: string, version = "HTTP/1.1", extra = ""): string {
  return `${method} ${url}${version === "" ? "" : ` ${version}`}\r\nHost: 127.0.0.1:${srv.port}\r\nAccept-Encoding: identity\r\n${extra}\r\n`;
}

async function status(data: string): Promise<number> {
  const text = await raw(srv.port, data);
  return splitResponses(text)[0]?.status ?? -1;
}

describe("BaseHTTPServerTestCase", () => {
  // cpython test_httpservers: BaseHTTPServerTestCase.test_command
  test("test_command", async () => {
    expect(await status(request("GET", "/"))).toBe(501);
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_request_line_trimming
  // CPython accepts "HTTP/1.1\n" (bare LF) and answers 501; RFC 9112 2.2 strictness answers 400.
  test("test_request_line_trimming (bare LF refused: 400)", async () => {
    expect(await status(`XYZBOGUS / HTTP/1.1\n\r\nHost: 127.0.0.1\r\n\r\n`)).toBe(400);
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_version_bogus
  test("test_version_bogus", async () => {
    expect(await status(request("GET", "/", "FUBAR"))).toBe(400);
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_version_digits
  test("test_version_digits", async () => {
    expect(await status(request("GET", "/", "HTTP/9.9.9"))).toBe(400);
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_version_signs_and_underscores
  test("test_version_signs_and_underscores", async () => {
    expect(await status(request("GET", "/", "HTTP/-9_9_9.+9_9_9"))).toBe(400);
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_major_version_number_too_long
  test("test_major_version_number_too_long", async () => {
    expect(await status(request("GET", "/", "HTTP/909876543210.0"))).toBe(400);
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_minor_version_number_too_long
  test("test_minor_version_number_too_long", async () => {
    expect(await status(request("GET", "/", "HTTP/1.909876543210"))).toBe(400);
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_version_none_get
  test("test_version_none_get", async () => {
    expect(await status(request("GET", "/", ""))).toBe(501);
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_version_none
  test("test_version_none", async () => {
    expect(await status(request("CUSTOM", "/", ""))).toBe(400);
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_version_invalid
  test("test_version_invalid", async () => {
    expect(await status(request("GET", "/", "HTTP/9.9"))).toBe(505);
    // CPython's rule for multi-digit versions: HTTP/10.0 is a version >= 2 as well.
    expect(await status(request("GET", "/", "HTTP/10.0"))).toBe(505);
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_send_blank
  test("test_send_blank", async () => {
    expect(await status(request("", "/", ""))).toBe(400);
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_header_close
  test("test_header_close", async () => {
    expect(await status(request("GET", "/", "HTTP/1.1", "Connection: close\r\n"))).toBe(501);
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_header_keep_alive
  test("test_header_keep_alive", async () => {
    expect(await status(request("GET", "/", "HTTP/1.1", "Connection: keep-alive\r\n"))).toBe(501);
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_handler
  test("test_handler", async () => {
    expect(await status(request("TEST", "/"))).toBe(204);
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_return_header_keep_alive
  test("test_return_header_keep_alive", async () => {
    const s = await connectTo(srv.port);
    s.write(request("KEEP", "/"));
    const first = splitResponses((await readUntil(s, (b) => b.includes("\r\n\r\n"))).toString("latin1"))[0];
    expect(first.headers.connection).toBe("keep-alive");
    s.write(request("TEST", "/"));
    const second = splitResponses((await readUntil(s, (b) => b.includes("\r\n\r\n"))).toString("latin1"))[0];
    expect(second.status).toBe(204);
    s.destroy();
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_internal_key_error
  test("test_internal_key_error", async () => {
    expect(await status(request("KEYERROR", "/"))).toBe(999);
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_return_custom_status
  test("test_return_custom_status", async () => {
    expect(await status(request("CUSTOM", "/"))).toBe(999);
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_return_explain_error
  test("test_return_explain_error", async () => {
    const [res] = splitResponses(await raw(srv.port, request("EXPLAINERROR", "/")));
    expect(res.status).toBe(999);
    expect(Number(res.headers["content-length"])).toBeGreaterThan(0);
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_latin1_header
  test("test_latin1_header", async () => {
    const incoming = Buffer.from("Ärger mit Unicode", "utf8");
    const head = Buffer.from(request("LATINONEHEADER", "/", "HTTP/1.1", "X-Special-Incoming: ").replace(/\r\n$/, ""), "latin1");
    const text = await raw(srv.port, Buffer.concat([head, incoming, Buffer.from("\r\n\r\n")]));
    const [res] = splitResponses(text);
    expect(res.headers["x-special"]).toBe("Dängerous Mind");
    expect(Buffer.from(res.body, "latin1").toString("utf8")).toBe("Ärger mit Unicode");
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_error_content_length
  test("test_error_content_length", async () => {
    const [res] = splitResponses(await raw(srv.port, request("NOTFOUND", "/")));
    expect(res.status).toBe(404);
    expect(Number(res.headers["content-length"])).toBe(Buffer.byteLength(res.body, "latin1"));
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_send_error
  test("test_send_error", async () => {
    for (const code of [204, 304, 102, 205, 101]) {
      const text = await raw(srv.port, request("SENDERROR", `/${code}`));
      const [res] = splitResponses(text);
      expect(res.status).toBe(code);
      expect(res.headers["content-length"]).toBeUndefined();
      expect(res.headers["content-type"]).toBeUndefined();
      expect(res.headers["transfer-encoding"]).toBeUndefined();
      expect(text.endsWith("\r\n\r\n")).toBe(true);
    }
  });

  // cpython test_httpservers: BaseHTTPServerTestCase.test_head_via_send_error
  test("test_head_via_send_error", async () => {
    for (const code of [200, 204, 304, 205, 101]) {
      const text = await raw(srv.port, request("HEAD", `/${code}`));
      const head = text.slice(0, text.indexOf("\r\n\r\n") + 4);
      const [res] = splitResponses(head);
      expect(res.status).toBe(code);
      if (code === 200) {
        expect(Number(res.headers["content-length"])).toBeGreaterThan(0);
        expect(res.headers["content-type"]).toContain("text/html");
      } else {
        expect(res.headers["content-length"]).toBeUndefined();
        expect(res.headers["content-type"]).toBeUndefined();
      }
      expect(text.length).toBe(head.length); // no body for HEAD
    }
  });
});

describe("RequestHandlerLoggingTestCase", () => {
  const lines: string[] = [];
  class LoggingHandler extends BaseHTTPRequestHandler {
    override protocolVersion = "HTTP/1.1";
    override defaultRequestVersion = "HTTP/1.1";
    override logMessage(format: string, ...args: unknown[]): void {
      // Capture what the default would write to stderr.
      const write = process.stderr.write;
      process.stderr.write = ((chunk: string) => {
        lines.push(chunk);
        return true;
      });
      try {
        super.logMessage(format, ...args);
      } finally {
        process.stderr.write = write;
      }
    }
    do_GET(): void {
      this.sendResponse(200);
      this.sendHeader("Content-Length", 0);
      this.endHeaders();
    }
    do_ERROR(): void {
      this.sendError(404, "File not found");
    }
  }
  let logSrv: Running;
  beforeAll(async () => {
    logSrv = await serve(LoggingHandler);
  });
  afterAll(async () => logSrv.stop());

  // cpython test_httpservers: RequestHandlerLoggingTestCase.test_get
  test("test_get", async () => {
    lines.length = 0;
    await raw(logSrv.port, `GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(lines.join("")).toMatch(/^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4} \d\d:\d\d:\d\d\] "GET \/ HTTP\/1\.1" 200 -\n$/);
  });

  // cpython test_httpservers: RequestHandlerLoggingTestCase.test_err
  test("test_err", async () => {
    lines.length = 0;
    await raw(logSrv.port, `ERROR / HTTP/1.1\r\nHost: x\r\n\r\n`);
    const out = lines.join("").split("\n");
    expect(out[0].endsWith("code 404, message File not found")).toBe(true);
    expect(out[1].endsWith('"ERROR / HTTP/1.1" 404 -')).toBe(true);
  });
});

describe("HTTPServer", () => {
  test("allowReuseAddress, serverName and serverPort after binding (CPython server_bind)", async () => {
    const s = await serve(NoLogRequestHandler, {}, HTTPServer as never);
    expect(s.server.allowReuseAddress).toBe(true);
    expect(s.server.serverPort).toBe(s.port);
    expect(s.server.serverName).toBe("127.0.0.1");
    await s.stop();
  });
});
