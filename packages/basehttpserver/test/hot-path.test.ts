/**
 * The per-request fast paths: the request loop that runs a request synchronously when it can
 * (and resumes at the right step when one waits), the head held back while a `do_*` method runs,
 * small bodies sent as one latin1 string, the cached Server/Date lines, and the head parser's
 * limits passed only when they differ from the defaults.
 */
import { describe, expect, test } from "@jest/globals";
import { NoLogRequestHandler, collect, connectTo, raw, serve, splitResponses } from "./helpers.js";

const H = "Host: a\r\n";
const GET = `GET / HTTP/1.1\r\n${H}\r\n`;
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/** Answers with the body chosen by the path; `/async` and `/late` wait before writing. */
class BodyShapes extends NoLogRequestHandler {
  override protocolVersion = "HTTP/1.1";
  /** The socket write calls of the last `/calls/<n>` answer. */
  static calls = { write: 0, writev: 0 };

  private answerHead(length: number): void {
    this.sendResponse(200);
    this.sendHeader("Content-Length", length);
    this.endHeaders();
  }

  do_GET(): void | Promise<void> {
    if (this.path.startsWith("/n/")) {
      // `/n/<i>`: `ok<i>;` at once; `/n/<i>/async`: `later<i>;` after a timer.
      const [, , i, async] = this.path.split("/");
      const body = Buffer.from(async ? `later${i};` : `ok${i};`);
      this.answerHead(body.length);
      if (!async) {
        this.wfile.write(body);
        return;
      }
      return new Promise((resolve) => setTimeout(resolve, 2)).then(() => {
        this.wfile.write(body);
      });
    }
    switch (this.path) {
      case "/bytes":
        this.answerHead(256);
        this.wfile.write(ALL_BYTES);
        return;
      case "/view": {
        // A Uint8Array (not a Buffer) over the middle of a larger ArrayBuffer.
        const view = new Uint8Array(ALL_BYTES.buffer.slice(ALL_BYTES.byteOffset, ALL_BYTES.byteOffset + 256), 10, 20);
        this.answerHead(20);
        this.wfile.write(view);
        return;
      }
      case "/1024":
      case "/1025":
      case "/20000": {
        const n = Number(this.path.slice(1));
        const body = Buffer.alloc(n);
        for (let i = 0; i < n; i++) body[i] = (i * 7) % 256;
        this.answerHead(n);
        this.wfile.write(body);
        return;
      }
      case "/calls/1000":
      case "/calls/20000":
      case "/calls/200000": {
        // Counts the socket's write calls (one `_write` or `_writev` each) for this answer.
        const n = Number(this.path.slice("/calls/".length));
        const socket = this.connection as unknown as { _write: (...a: unknown[]) => unknown; _writev: (...a: unknown[]) => unknown };
        const write = socket._write;
        const writev = socket._writev;
        const calls = { write: 0, writev: 0 };
        BodyShapes.calls = calls;
        socket._write = (...a) => (calls.write++, write.apply(socket, a));
        socket._writev = (...a) => (calls.writev++, writev.apply(socket, a));
        this.answerHead(n);
        this.wfile.write(Buffer.alloc(n, 0x61));
        return;
      }
      case "/text":
        this.answerHead(Buffer.byteLength("Ärger €"));
        this.wfile.write("Ärger €");
        return;
      case "/empty":
        this.answerHead(0);
        this.wfile.write(Buffer.alloc(0));
        return;
      case "/two":
        this.answerHead(6);
        this.wfile.write(Buffer.from("abc"));
        this.wfile.write(Buffer.from("def"));
        return;
      case "/async":
        return (async () => {
          this.answerHead(5);
          await new Promise((resolve) => setTimeout(resolve, 5));
          this.wfile.write(Buffer.from("later"));
        })();
      case "/no-body":
        // A head only: sent when the method returns, without a tick of its own.
        this.sendResponse(204);
        this.endHeaders();
        return;
      case "/throw":
        this.answerHead(5);
        throw new Error("handler failed after its head");
      default:
        this.answerHead(2);
        this.wfile.write(Buffer.from("ok"));
    }
  }

  do_HEAD(): void {
    this.answerHead(2);
  }
}

function bodyOf(text: string): Buffer {
  return Buffer.from(text.slice(text.indexOf("\r\n\r\n") + 4), "latin1");
}

describe("bodies written after the head", () => {
  test.each([
    ["/bytes", ALL_BYTES],
    ["/view", ALL_BYTES.subarray(10, 30)],
    ["/1024", Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 7) % 256))],
    ["/1025", Buffer.from(Array.from({ length: 1025 }, (_, i) => (i * 7) % 256))],
    ["/20000", Buffer.from(Array.from({ length: 20000 }, (_, i) => (i * 7) % 256))],
    ["/text", Buffer.from("Ärger €")],
    ["/empty", Buffer.alloc(0)],
    ["/two", Buffer.from("abcdef")],
    ["/async", Buffer.from("later")],
  ])("%s arrives byte for byte", async (path, expected) => {
    const s = await serve(BodyShapes);
    try {
      const text = await raw(s.port, `GET ${path} HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
      expect(text.startsWith("HTTP/1.1 200 OK\r\n")).toBe(true);
      expect(bodyOf(text).equals(expected)).toBe(true);
    } finally {
      await s.stop();
    }
  });

  test("a head without a body is sent when a synchronous method returns (keep-alive, then pipelined)", async () => {
    const s = await serve(BodyShapes);
    try {
      const c = await connectTo(s.port);
      const got = collect(c);
      c.write(`GET /no-body HTTP/1.1\r\n${H}\r\n`);
      await got.waitFor("\r\n\r\n");
      expect(got.text()).toMatch(/^HTTP\/1\.1 204 No Content\r\n/);
      c.write(`HEAD / HTTP/1.1\r\n${H}\r\nGET /no-body HTTP/1.1\r\n${H}\r\nHEAD / HTTP/1.1\r\n${H}\r\nGET /bytes HTTP/1.1\r\n${H}\r\n`);
      await got.waitFor("\u00ff");
      const statuses = got.text().match(/^HTTP\/1\.1 \d+/gm);
      expect(statuses).toEqual(["HTTP/1.1 204", "HTTP/1.1 200", "HTTP/1.1 204", "HTTP/1.1 200", "HTTP/1.1 200"]);
      expect(bodyOf(got.text().slice(got.text().lastIndexOf("HTTP/1.1 200"))).equals(ALL_BYTES)).toBe(true);
      c.end();
      await got.closed;
    } finally {
      await s.stop();
    }
  });

  test("a method that throws after its head: the head still leaves, then the connection closes", async () => {
    const s = await serve(BodyShapes);
    const errors: unknown[] = [];
    s.server.handleError = (_request: unknown, _address: unknown, err?: unknown): void => {
      errors.push(err);
    };
    try {
      const text = await raw(s.port, `GET /throw HTTP/1.1\r\n${H}\r\nGET / HTTP/1.1\r\n${H}\r\n`);
      expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(text.match(/^HTTP\/1\.1/gm)).toHaveLength(1);
      expect(String(errors[0])).toContain("handler failed after its head");
    } finally {
      await s.stop();
    }
  });
});

describe("one system call per answer written at once", () => {
  test.each([
    ["/calls/1000", 1000],
    ["/calls/20000", 20000],
    ["/calls/200000", 200000],
  ])("%s: the head and the body leave in one write call", async (path, n) => {
    const s = await serve(BodyShapes);
    try {
      const text = await raw(s.port, `GET ${path} HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
      expect(bodyOf(text).equals(Buffer.alloc(n, 0x61))).toBe(true);
      // Up to 16 KiB the head and body are one buffer (`_write`); above, one `_writev` of both.
      expect(BodyShapes.calls.write + BodyShapes.calls.writev).toBe(1);
    } finally {
      await s.stop();
    }
  });
});

describe("the request loop", () => {
  test("many keep-alive requests on one connection, synchronous and asynchronous methods mixed", async () => {
    const s = await serve(BodyShapes);
    try {
      const c = await connectTo(s.port);
      const got = collect(c);
      const expected: string[] = [];
      for (let i = 0; i < 30; i++) {
        const async = i % 3 === 0;
        c.write(`GET /n/${i}${async ? "/async" : ""} HTTP/1.1\r\n${H}\r\n`);
        expected.push(async ? `later${i};` : `ok${i};`);
        await got.waitFor(expected[i]);
        expect(splitResponses(got.text())).toHaveLength(i + 1);
      }
      // The same mix pipelined: answers in order.
      c.write(Array.from({ length: 12 }, (_, j) => `GET /n/${30 + j}${j % 4 === 1 ? "/async" : ""} HTTP/1.1\r\n${H}\r\n`).join(""));
      for (let j = 0; j < 12; j++) expected.push(j % 4 === 1 ? `later${30 + j};` : `ok${30 + j};`);
      await got.waitFor(expected[41]);
      c.end();
      const all = splitResponses(await got.closed);
      expect(all.map((r) => r.body)).toEqual(expected);
    } finally {
      await s.stop();
    }
  });

  test("a subclass overriding handleOneRequest is called once per request", async () => {
    let calls = 0;
    class Counting extends BodyShapes {
      override async handleOneRequest(): Promise<void> {
        calls++;
        await super.handleOneRequest();
      }
    }
    const s = await serve(Counting);
    try {
      const text = await raw(s.port, `${GET}${GET}GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
      expect(splitResponses(text).map((r) => r.body)).toEqual(["ok", "ok", "ok"]);
      expect(calls).toBe(3);
    } finally {
      await s.stop();
    }
  });

  test("a head arriving in pieces, then an asynchronous Expect handler, then a refused head", async () => {
    class AsyncExpect extends BodyShapes {
      override async handleExpect100(): Promise<boolean> {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return super.handleExpect100();
      }
      async do_POST(): Promise<void> {
        const data = await this.readBody();
        this.sendResponse(200);
        this.sendHeader("Content-Length", data.length);
        this.endHeaders();
        this.wfile.write(data);
      }
    }
    const s = await serve(AsyncExpect);
    try {
      const c = await connectTo(s.port);
      const got = collect(c);
      c.write("GET / HT");
      await new Promise((resolve) => setTimeout(resolve, 20));
      c.write(`TP/1.1\r\n${H}\r\n`);
      await got.waitFor("ok");
      c.write(`POST / HTTP/1.1\r\n${H}Content-Length: 4\r\nExpect: 100-continue\r\n\r\n`);
      await got.waitFor("100 Continue\r\n\r\n");
      c.write("data");
      await got.waitFor("data");
      c.write("GET / HTTP/1.1\r\nHo");
      await new Promise((resolve) => setTimeout(resolve, 20));
      c.write("st: a\r\nBad Field: x\r\n\r\n");
      const text = await got.closed;
      expect(text.match(/HTTP\/1\.1 \d{3}/g)).toEqual(["HTTP/1.1 200", "HTTP/1.1 100", "HTTP/1.1 200", "HTTP/1.1 400"]);
    } finally {
      await s.stop();
    }
  });

  test("an unknown method is answered 501 and closes, without running the next request", async () => {
    const s = await serve(BodyShapes);
    try {
      const text = await raw(s.port, `BREW / HTTP/1.1\r\n${H}\r\n${GET}`);
      expect(text.match(/^HTTP\/1\.1 \d+/gm)).toEqual(["HTTP/1.1 501"]);
    } finally {
      await s.stop();
    }
  });
});

describe("Server and Date lines", () => {
  test("overridden versionString and dateTimeString, and a changed serverVersion, are used", async () => {
    class Custom extends BodyShapes {
      override versionString(): string {
        return "Custom/1";
      }
      override dateTimeString(): string {
        return "Thu, 01 Jan 1970 00:00:00 GMT";
      }
    }
    class Renamed extends BodyShapes {
      override serverVersion = "Renamed/2";
    }
    const a = await serve(Custom);
    const b = await serve(Renamed);
    const c = await serve(BodyShapes);
    try {
      const [ra] = splitResponses(await raw(a.port, `GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`));
      expect(ra.headers.server).toBe("Custom/1");
      expect(ra.headers.date).toBe("Thu, 01 Jan 1970 00:00:00 GMT");
      const [rb] = splitResponses(await raw(b.port, `GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`));
      expect(rb.headers.server).toBe(`Renamed/2 Node.js/${process.versions.node}`);
      expect(rb.headers.date).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      const [rc] = splitResponses(await raw(c.port, `GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`));
      expect(rc.headers.server).toBe(`BaseHTTP/0.6 Node.js/${process.versions.node}`);
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()]);
    }
  });
});

describe("head limits other than the defaults", () => {
  test("maxHeaders, maxLineLength and maxHeadSize options still apply", async () => {
    const headers = await serve(BodyShapes, { maxHeaders: 2 });
    const line = await serve(BodyShapes, { maxLineLength: 100 });
    const size = await serve(BodyShapes, { maxHeadSize: 200 });
    try {
      expect(await raw(headers.port, `GET / HTTP/1.1\r\n${H}X-A: 1\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
      expect(await raw(headers.port, `GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 200 /);
      expect(await raw(line.port, `GET / HTTP/1.1\r\n${H}X-A: ${"a".repeat(120)}\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
      expect(await raw(line.port, `GET /${"a".repeat(120)} HTTP/1.1\r\n${H}Connection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 414 /);
      expect(await raw(size.port, `GET / HTTP/1.1\r\n${H}X-A: ${"a".repeat(150)}\r\nX-B: ${"b".repeat(50)}\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
      expect(await raw(size.port, `GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      await Promise.all([headers.stop(), line.stop(), size.stop()]);
    }
  });
});

describe("framing and Connection headers in any case", () => {
  test("lower-case content-length keeps the connection; CONNECTION: close closes it", async () => {
    class Cased extends NoLogRequestHandler {
      override protocolVersion = "HTTP/1.1";
      do_GET(): void {
        this.sendResponse(200);
        if (this.path === "/te") this.sendHeader("transfer-ENCODING", "chunked");
        else this.sendHeader("content-length", 2);
        if (this.path === "/close") this.sendHeader("CONNECTION", "close");
        this.endHeaders();
        this.wfile.write(this.path === "/te" ? "2\r\nok\r\n0\r\n\r\n" : "ok");
      }
    }
    const s = await serve(Cased);
    try {
      const text = await raw(s.port, `GET /a HTTP/1.1\r\n${H}\r\nGET /te HTTP/1.1\r\n${H}\r\nGET /close HTTP/1.1\r\n${H}\r\nGET /never HTTP/1.1\r\n${H}\r\n`);
      expect(text.match(/HTTP\/1\.1 \d{3}/g)).toEqual(["HTTP/1.1 200", "HTTP/1.1 200", "HTTP/1.1 200"]);
      expect(text).not.toContain("Connection: close");
    } finally {
      await s.stop();
    }
  });
});

describe("between keep-alive requests", () => {
  test("headers belong to their request, also after awaits; emptied once the connection idles", async () => {
    const seen: Array<string | undefined> = [];
    const handlers: NoLogRequestHandler[] = [];
    class Remember extends NoLogRequestHandler {
      override protocolVersion = "HTTP/1.1";
      async do_GET(): Promise<void> {
        handlers.push(this);
        await new Promise((resolve) => setTimeout(resolve, 1));
        const n = this.headers.get("x-n") ?? "?";
        seen.push(n);
        this.sendResponse(200);
        this.sendHeader("Content-Length", 3);
        this.endHeaders();
        this.wfile.write(`ok${n}`);
      }
    }
    const s = await serve(Remember);
    try {
      const c = await connectTo(s.port);
      const got = collect(c);
      c.write(`GET / HTTP/1.1\r\n${H}X-N: 1\r\n\r\n`);
      await got.waitFor("ok1");
      const handler = handlers[0];
      for (let i = 0; i < 100 && handler.headers.size > 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(handler.headers.size).toBe(0);
      expect(handler.rawRequestLine.length).toBe(0);
      c.write(`GET / HTTP/1.1\r\n${H}X-N: 2\r\n\r\n`);
      await got.waitFor("ok2");
      expect(seen).toEqual(["1", "2"]);
      c.end();
      await got.closed;
    } finally {
      await s.stop();
    }
  });
});
