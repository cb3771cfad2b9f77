/**
 * Request bodies: decoded for the handler (Content-Length and chunked), bounded to this
 * request, drained when the handler leaves some unread, and CPython's `rfile.read(n)` idiom.
 */
import { describe, expect, test } from "@jest/globals";
import { HTTPMessage } from "@stdhttp/httplib";
import { NoLogRequestHandler, collect, connectTo, raw, serve, splitResponses } from "./helpers.js";

class EchoHandler extends NoLogRequestHandler {
  override protocolVersion = "HTTP/1.1";
  private reply(text: string): void {
    const body = Buffer.from(text);
    this.sendResponse(200);
    this.sendHeader("Content-Length", body.length);
    this.endHeaders();
    this.wfile.write(body);
  }
  /** Whole body through `readBody()`. */
  async do_POST(): Promise<void> {
    const data = await this.readBody();
    const trailers = this.body.trailers?.rawPairs() ?? [];
    this.reply(`${data.toString()}|${trailers.map(([k, v]) => `${k}=${v}`).join(",")}`);
  }
  /** Body through the async iterator. */
  async do_PUT(): Promise<void> {
    const pieces: string[] = [];
    for await (const piece of this.body) pieces.push(piece.toString());
    this.reply(pieces.join(""));
  }
  /** CPython's idiom: read Content-Length bytes from rfile. */
  async do_PATCH(): Promise<void> {
    const n = Number(this.headers.get("content-length"));
    this.reply((await this.rfile.read(n)).toString());
  }
  /** Reads nothing (or a part): the server drains the rest. */
  async do_IGNORE(): Promise<void> {
    const part = this.headers.get("x-read-part");
    if (part === "body") await this.body.read(2);
    if (part === "rfile") await this.rfile.read(2);
    this.reply(`ignored ${this.path}`);
  }
  do_GET(): void {
    this.reply(`get ${this.path}`);
  }
}

describe("request bodies", () => {
  test("Content-Length body via readBody(), then the next request on the same connection", async () => {
    const s = await serve(EchoHandler);
    const text = await raw(s.port, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", true);
    await s.stop();
    expect(splitResponses(text).map((r) => r.body)).toEqual(["hello|", "get /next"]);
  });

  test("chunked body decoded, with extensions and trailers", async () => {
    const s = await serve(EchoHandler);
    const text = await raw(
      s.port,
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
      true,
    );
    await s.stop();
    expect(splitResponses(text).map((r) => r.body)).toEqual(["hello world|X-Sum=42", "get /next"]);
  });

  test("body as an async iterator", async () => {
    const s = await serve(EchoHandler);
    const text = await raw(s.port, "PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n", true);
    await s.stop();
    expect(splitResponses(text)[0].body).toBe("abcdef");
  });

  test("CPython's rfile.read(Content-Length) keeps keep-alive correct", async () => {
    const s = await serve(EchoHandler);
    const text = await raw(s.port, "PATCH / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nxyzGET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", true);
    await s.stop();
    expect(splitResponses(text).map((r) => r.body)).toEqual(["xyz", "get /next"]);
  });

  test.each([
    ["Content-Length, unread", "Content-Length: 6\r\n\r\nsmugGE", ""],
    ["Content-Length, partly read via body", "Content-Length: 6\r\n\r\nsmugGE", "body"],
    ["Content-Length, partly read via rfile", "Content-Length: 6\r\n\r\nsmugGE", "rfile"],
    ["chunked, unread", "Transfer-Encoding: chunked\r\n\r\n6\r\nsmugGE\r\n0\r\n\r\n", ""],
    ["chunked, partly read via body", "Transfer-Encoding: chunked\r\n\r\n6\r\nsmugGE\r\n0\r\n\r\n", "body"],
  ])("the unread rest of the body is drained before the next request (%s)", async (_name, rest, part) => {
    const s = await serve(EchoHandler);
    const text = await raw(s.port, `IGNORE /1 HTTP/1.1\r\nHost: a\r\nX-Read-Part: ${part}\r\n${rest}GET /2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`, true);
    await s.stop();
    expect(splitResponses(text).map((r) => r.body)).toEqual(["ignored /1", "get /2"]);
  });

  test("Expect: 100-continue: 100 first, the body only after it", async () => {
    const s = await serve(EchoHandler);
    const sock = await connectTo(s.port);
    const got = collect(sock);
    sock.write("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n");
    await got.waitFor("100 Continue\r\n\r\n");
    sock.write("data");
    const text = await got.closed;
    await s.stop();
    expect(text.startsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")).toBe(true);
    expect(text.endsWith("data|")).toBe(true);
  });

  test("a client that closes in the middle of the body: no answer, the server keeps serving", async () => {
    const s = await serve(EchoHandler);
    const text = await raw(s.port, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
    const after = await raw(s.port, "GET /ok HTTP/1.0\r\n\r\n");
    await s.stop();
    expect(splitResponses(text)[0].status).toBe(400);
    expect(splitResponses(after)[0].body).toBe("get /ok");
  });
});

describe("pipelining and bodies", () => {
  test("a pipelined request with Expect: 100-continue after a GET does not wait on held answers", async () => {
    const s = await serve(EchoHandler);
    const sock = await connectTo(s.port);
    const got = collect(sock);
    sock.write("GET /first HTTP/1.1\r\nHost: a\r\n\r\nPOST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n");
    await got.waitFor("100 Continue\r\n\r\n");
    expect(got.text()).toContain("get /first");
    sock.write("data");
    const text = await got.closed;
    await s.stop();
    expect(text.endsWith("data|")).toBe(true);
  });
});

describe("body limits and header classes", () => {
  test("readBody(limit) over the limit: 413 and close", async () => {
    class Limited extends NoLogRequestHandler {
      async do_POST(): Promise<void> {
        await this.readBody(3);
        this.sendResponse(200);
        this.endHeaders();
      }
    }
    const s = await serve(Limited);
    const text = await raw(s.port, "POST / HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello", true);
    await s.stop();
    expect(splitResponses(text)[0].status).toBe(413);
  });

  test("MessageClass builds the headers", async () => {
    class MyMessage extends HTTPMessage {}
    let seen: unknown = null;
    class Custom extends NoLogRequestHandler {
      override MessageClass = MyMessage;
      do_GET(): void {
        seen = this.headers;
        this.sendResponse(204);
        this.endHeaders();
      }
    }
    const s = await serve(Custom);
    await raw(s.port, "GET / HTTP/1.0\r\nX-A: 1\r\n\r\n", true);
    await s.stop();
    expect(seen).toBeInstanceOf(MyMessage);
    expect((seen as HTTPMessage).get("x-a")).toBe("1");
  });
});
