/**
 * Issue 14's conformance rules over raw sockets, with the handler's defaults (no
 * `defaultRequestVersion` override): every refused request gets a 4xx/5xx answer with a status
 * line before the close, the reason is in the page and in the log, nothing malformed reaches
 * `do_*`, and what is not HTTP at all is refused at once instead of waiting for the header timeout.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { BaseHTTPRequestHandler } from "../src/index.js";
import { formAllowed, isValidHost, requestTargetForm, targetAuthority } from "../src/request-target.js";
import { collect, connectTo, raw, serve, splitResponses, type Running } from "./helpers.js";

const seen: Array<{ command: string | null; path: string; host: string | undefined }> = [];
const logged: string[] = [];

class Handler extends BaseHTTPRequestHandler {
  override protocolVersion = "HTTP/1.1";
  override logMessage(format: string, ...args: unknown[]): void {
    let i = 0;
    logged.push(format.replace(/%[sdr]/g, () => String(args[i++])));
  }
  private ok(): void {
    seen.push({ command: this.command, path: this.path, host: this.headers.get("host") });
    this.sendResponse(200);
    this.sendHeader("Content-Length", 2);
    this.sendHeader("Connection", "close");
    this.endHeaders();
    this.wfile.write("ok");
  }
  do_GET(): void {
    this.ok();
  }
  do_OPTIONS(): void {
    this.ok();
  }
  do_CONNECT(): void {
    this.ok();
  }
}

let srv: Running;
// A header timeout far beyond the test's own timeout: a request left waiting for it fails the test.
beforeAll(async () => {
  srv = await serve(Handler, { headerTimeout: 60 });
});
afterAll(async () => srv.stop());

/** The one answer to `request` (sent without closing our side), and the log lines it caused. */
async function answerTo(request: string | Buffer): Promise<{ status: number; statusLine: string; body: string; log: string }> {
  seen.length = 0;
  logged.length = 0;
  const text = await raw(srv.port, request, true); // resolves once the server closed the connection
  const responses = splitResponses(text);
  expect(responses.length).toBe(1);
  expect(responses[0].statusLine.startsWith("HTTP/1.1 ")).toBe(true);
  return { status: responses[0].status, statusLine: responses[0].statusLine, body: responses[0].body, log: logged.join("\n") };
}

const H = "Host: a\r\n";

describe("RFC 9112 2.3: HTTP-version is exactly HTTP/DIGIT.DIGIT, answered with a status line", () => {
  test.each([
    ["lower-case name", 400, "GET / http/1.1\r\nHost: a\r\n\r\n"],
    ["two minor digits", 400, "GET / HTTP/1.32\r\nHost: a\r\n\r\n"],
    ["a dozen minor digits", 400, "GET / HTTP/1.909876543210\r\nHost: a\r\n\r\n"],
    ["no digits", 400, "GET / HTTP/\r\nHost: a\r\n\r\n"],
    ["not HTTP", 400, "GET / FTP/1.1\r\nHost: a\r\n\r\n"],
    ["trailing space", 400, "GET / HTTP/1.1 \r\nHost: a\r\n\r\n"],
    ["CR inside the request line", 400, "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n"],
    ["NUL inside the request line", 400, "GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n"],
    ["SOH inside the request line", 400, "GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n"],
    ["TAB between the words", 400, "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n"],
    ["well-formed major 2", 505, "GET / HTTP/2.0\r\nHost: a\r\n\r\n"],
    ["well-formed major 3", 505, "GET / HTTP/3.1\r\nHost: a\r\n\r\n"],
  ])("%s -> %d", async (_name, status, request) => {
    const got = await answerTo(request);
    expect(got.status).toBe(status);
    expect(seen).toEqual([]);
    expect(got.log).toContain(`code ${status}`);
  });
});

describe("RFC 9112 3.2: the request-target's form matches the method", () => {
  test.each([
    ["asterisk-form with GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n"],
    ["authority-form with GET", "GET a.example:80 HTTP/1.1\r\nHost: a\r\n\r\n"],
    ["origin-form with CONNECT", "CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n"],
    ["absolute-form with CONNECT", "CONNECT http://a.example/ HTTP/1.1\r\nHost: a\r\n\r\n"],
    ["authority-form without port with CONNECT", "CONNECT a.example HTTP/1.1\r\nHost: a\r\n\r\n"],
    ["authority-form with userinfo", "CONNECT u@a.example:443 HTTP/1.1\r\nHost: a\r\n\r\n"],
    ["a bare word", "GET index.html HTTP/1.1\r\nHost: a\r\n\r\n"],
    ["http URI without host", "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n"],
    ["HTTP/0.9 GET of a non-path", "GET index.html\r\n"],
  ])("%s -> 400", async (_name, request) => {
    const text = await raw(srv.port, request, true);
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad request target|^<!DOCTYPE/);
    expect(text).toContain("Bad request target");
    expect(seen).toEqual([]);
  });

  test("asterisk-form with OPTIONS is served", async () => {
    await raw(srv.port, "OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", true);
    expect(seen).toEqual([{ command: "OPTIONS", path: "*", host: "a" }]);
  });

  test("authority-form with CONNECT is served", async () => {
    seen.length = 0;
    await raw(srv.port, "CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n", true);
    expect(seen).toEqual([{ command: "CONNECT", path: "a.example:443", host: "a.example:443" }]);
  });

  test("RFC 9112 3.2.2: absolute-form is served for any method, its authority replaces Host", async () => {
    seen.length = 0;
    await raw(srv.port, "GET http://b.example:8080/x?y HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", true);
    expect(seen).toEqual([{ command: "GET", path: "http://b.example:8080/x?y", host: "b.example:8080" }]);
  });
});

describe("RFC 9112 3.2 / RFC 3986 3.2: Host is uri-host [ \":\" port ]", () => {
  test.each([
    ["whitespace inside", "a b"],
    ["userinfo", "user@a"],
    ["a path", "a/x"],
    ["a query", "a?x"],
    ["a fragment", "a#x"],
    ["a port with a letter", "a:8x"],
    ["a signed port", "a:+80"],
    ["two colons", "a:80:81"],
    ["an unclosed IPv6 literal", "[::1"],
    ["a bad IPv6 literal", "[::g]"],
    ["a bad percent-encoding", "a%zz"],
    ["a backslash", "a\\b"],
  ])("%s -> 400", async (_name, host) => {
    const got = await answerTo(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    expect(got.status).toBe(400);
    expect(got.statusLine).toContain("Bad Host header");
    expect(seen).toEqual([]);
  });

  test.each([["a.example"], ["a.example:8080"], ["127.0.0.1:80"], ["[::1]:8000"], ["[v1.x]"], ["xn--bcher-kva.example"], ["a%41"], ["a:"]])(
    "%s is accepted",
    async (host) => {
      seen.length = 0;
      await raw(srv.port, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, true);
      expect(seen).toEqual([{ command: "GET", path: "/", host }]);
    },
  );

  test("an empty Host is valid (a target without authority), also on HTTP/1.0 with an invalid one refused", async () => {
    seen.length = 0;
    await raw(srv.port, "GET / HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n", true);
    expect(seen.length).toBe(1);
    const got = await answerTo("GET / HTTP/1.0\r\nHost: u@a\r\n\r\n");
    expect(got.status).toBe(400);
  });
});

describe("not HTTP at all: refused at once, never left waiting for the header timeout", () => {
  // A ClientHello's first bytes: content type 22 (handshake), version 3.1, then the length.
  const clientHello = Buffer.from("16030100f5010000f10303" + "ab".repeat(32), "hex");

  test.each([
    ["a TLS ClientHello", clientHello],
    ["binary noise", Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe])],
    ["a method with a control byte", Buffer.from("GE\x01T / HTTP/1.1")],
    ["a line starting with a space", Buffer.from(" GET / HTTP/1.1")],
    ["a target with a control byte", Buffer.from("GET /\x02")],
    ["a version that is not HTTP", Buffer.from("GET / XTTP")],
    ["a bare CR in the line", Buffer.from("GET /\rX")],
  ])("%s -> 400 and close, before any line end", async (_name, bytes) => {
    const socket = await connectTo(srv.port);
    const got = collect(socket);
    socket.write(bytes); // the connection stays open on our side: only the server's refusal ends it
    const text = await got.closed;
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(seen).toEqual([]);
  });

  test("the HTTP/2 preface is answered 505 (a well-formed request line of version 2.0)", async () => {
    const got = await answerTo("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    expect(got.status).toBe(505);
  });

  test("the start of a valid request line is still waited for", async () => {
    seen.length = 0;
    const socket = await connectTo(srv.port);
    const got = collect(socket);
    socket.write("GET /x HTTP/1.");
    // One whole request after the partial one proves the server did not refuse the prefix.
    await new Promise((r) => setTimeout(r, 20));
    socket.write(`1\r\n${H}Connection: close\r\n\r\n`);
    const text = await got.closed;
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe("request-target.ts", () => {
  test.each([
    ["/", "origin"],
    ["/a?b", "origin"],
    ["*", "asterisk"],
    ["a.example:443", "authority"],
    ["[::1]:443", "authority"],
    ["http://a.example", "absolute"],
    ["https://a.example:8443/x", "absolute"],
    ["HTTP://A.EXAMPLE/", "absolute"],
    ["urn:isbn:0451450523", "absolute"],
    ["ftp://a.example/x", "absolute"],
    ["a.example", null],
    ["http://", null],
    ["http:/x", null],
    ["http://u@a.example/", null],
    ["1http://a/", null],
    ["", null],
  ])("requestTargetForm(%j) = %j", (target, form) => {
    expect(requestTargetForm(target)).toBe(form);
  });

  test("formAllowed", () => {
    expect(formAllowed("GET", "origin")).toBe(true);
    expect(formAllowed("POST", "absolute")).toBe(true);
    expect(formAllowed("OPTIONS", "asterisk")).toBe(true);
    expect(formAllowed("GET", "asterisk")).toBe(false);
    expect(formAllowed("CONNECT", "authority")).toBe(true);
    expect(formAllowed("CONNECT", "origin")).toBe(false);
    expect(formAllowed("GET", "authority")).toBe(false);
  });

  test("isValidHost and targetAuthority", () => {
    expect(isValidHost("")).toBe(true);
    expect(isValidHost("a:1")).toBe(true);
    expect(isValidHost("a b")).toBe(false);
    expect(isValidHost("[::1]x")).toBe(false);
    expect(targetAuthority("http://a.example:81/x")).toBe("a.example:81");
    expect(targetAuthority("http://a.example?x")).toBe("a.example");
    expect(targetAuthority("urn:x")).toBeNull();
  });
});

describe("RFC 9110 7.6.1: Connection is a token list", () => {
  class KeepAlive extends BaseHTTPRequestHandler {
    override protocolVersion = "HTTP/1.1";
    override logMessage(): void {}
    do_GET(): void {
      this.sendResponse(204);
      this.endHeaders();
    }
  }
  let ka: Running;
  beforeAll(async () => {
    ka = await serve(KeepAlive);
  });
  afterAll(async () => ka.stop());

  /** How many of two pipelined GETs are answered when the first carries `fields`. */
  async function answered(fields: string): Promise<number> {
    const socket = await connectTo(ka.port);
    const got = collect(socket);
    socket.write(`GET / HTTP/1.1\r\n${H}${fields}\r\nGET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
    return splitResponses(await got.closed).length;
  }

  test.each([
    ["close among other tokens", "Connection: Upgrade, close\r\n"],
    ["close in a second field", "Connection: keep-alive\r\nConnection: close\r\n"],
    ["upper case, OWS and empty elements", "Connection: ,  CLOSE ,\r\n"],
  ])("%s: the connection closes after the first answer", async (_name, fields) => {
    expect(await answered(fields)).toBe(1);
  });

  test("keep-alive among other tokens keeps it open", async () => {
    expect(await answered("Connection: Upgrade, keep-alive\r\n")).toBe(2);
  });
});
