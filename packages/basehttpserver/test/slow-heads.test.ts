/**
 * Heads that arrive in pieces (slow clients): while a head is incomplete, `rfile` hands the
 * socket's chunks to the head reader's `PartialHead` (io.ts `holdHead`), which wakes the head
 * reader only when the head is complete, refused or late. These tests send heads in small
 * chunks and check that every outcome of the head reader is unchanged: answered, pipelined,
 * refused with the same status, timed out with the bytes held, ended by the client.
 */
import { afterEach, describe, expect, test } from "@jest/globals";
import type { Socket } from "node:net";
import { NoLogRequestHandler, collect, connectTo, serve, splitResponses, type Running } from "./helpers.js";

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Write `data` in pieces of `size` bytes, `gap` ms apart (each piece its own TCP segment: no Nagle). */
async function trickle(socket: Socket, data: string, size = 1, gap = 2): Promise<void> {
  socket.setNoDelay(true);
  for (let i = 0; i < data.length; i += size) {
    if (socket.destroyed) return;
    socket.write(Buffer.from(data.slice(i, i + size), "latin1"));
    await pause(gap);
  }
}

/** What the handlers of one test saw: the `fill()` calls of the head reader, the logged request lines. */
const seen = { fills: 0, lines: [] as string[] };

class Handler extends NoLogRequestHandler {
  override protocolVersion = "HTTP/1.1";

  override setup(): void {
    super.setup();
    const rfile = this.rfile;
    const fill = rfile.fill.bind(rfile);
    rfile.fill = () => {
      seen.fills++;
      return fill();
    };
  }

  override logAccess(status: number, size: number): void {
    seen.lines.push(`${this.requestLine} ${status}`);
    super.logAccess(status, size);
  }

  do_GET(): void {
    const body = `path=${this.path} x=${this.headers.get("x") ?? ""}`;
    this.sendResponse(200);
    this.sendHeader("Content-Length", body.length);
    this.endHeaders();
    this.wfile.write(body);
  }
}

let running: Running | null = null;

async function start(options: Parameters<typeof serve>[1] = {}): Promise<Running> {
  seen.fills = 0;
  seen.lines = [];
  running = await serve(Handler, { headerTimeout: 30, ...options });
  return running;
}

afterEach(async () => {
  await running?.stop();
  running = null;
});

describe("a head trickled in small pieces", () => {
  test("one byte at a time: answered, and the head reader is woken a few times, not once per byte", async () => {
    const s = await start();
    const socket = await connectTo(s.port);
    const got = collect(socket);
    const head = "GET /slow HTTP/1.1\r\nHost: a\r\nX: trickled\r\nConnection: close\r\n\r\n";
    await trickle(socket, head);
    const text = await got.closed;
    expect(splitResponses(text).map((r) => r.body)).toEqual(["path=/slow x=trickled"]);
    // The wait for the first byte, the one after it (held until the head is complete), and the
    // wait after the answer; a fill() per chunk would be one per byte (62 here).
    expect(seen.fills).toBeLessThanOrEqual(5);
  });

  test("the chunk that completes a head may carry the next requests: all answered in order", async () => {
    const s = await start();
    const socket = await connectTo(s.port);
    const got = collect(socket);
    await trickle(socket, "GET /a HTTP/1.1\r\nHost: a\r\n", 3);
    socket.write("X: 1\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\nGET /c HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    const text = await got.closed;
    expect(splitResponses(text).map((r) => r.body)).toEqual(["path=/a x=1", "path=/b x=", "path=/c x="]);
  });

  test("keep-alive: the second request trickled after the first answer is answered too", async () => {
    const s = await start();
    const socket = await connectTo(s.port);
    const got = collect(socket);
    await trickle(socket, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n", 4);
    await got.waitFor("path=/1");
    await trickle(socket, "GET /2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 2);
    const text = await got.closed;
    expect(splitResponses(text).map((r) => r.body)).toEqual(["path=/1 x=", "path=/2 x="]);
  });

  test("empty lines before the request line, trickled, are still skipped", async () => {
    const s = await start();
    const socket = await connectTo(s.port);
    const got = collect(socket);
    await trickle(socket, "\r\n\r\nGET /e HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    const text = await got.closed;
    expect(splitResponses(text).map((r) => r.body)).toEqual(["path=/e x="]);
  });

  test("an HTTP/0.9 request line trickled byte by byte is answered without a head", async () => {
    const s = await start();
    const socket = await connectTo(s.port);
    const got = collect(socket);
    await trickle(socket, "GET /old\r\n");
    const text = await got.closed;
    expect(text).toBe("path=/old x=");
  });
});

describe("refused while it arrives, with the status of a head sent at once", () => {
  test.each([
    ["a control byte in the target", "GET /a\x01b HTTP/1.1\r\n", 400],
    ["a method that is not a token", "GE(T / HTTP/1.1\r\n", 400],
    ["a version that is not HTTP", "GET / HTTQ/1.1\r\n", 400],
    ["a bare CR in the request line", "GET /\rX HTTP/1.1\r\n", 400],
  ])("%s: refused before the line ends", async (_name, line, status) => {
    const s = await start();
    const socket = await connectTo(s.port);
    const got = collect(socket);
    // Only the bytes up to the bad one are needed for the refusal; the line end is never sent.
    void trickle(socket, line.slice(0, line.indexOf("\r\n")));
    const text = await got.closed;
    expect(splitResponses(text)[0].status).toBe(status);
  });

  test("a request line over maxLineLength: 414", async () => {
    const s = await start({ maxLineLength: 100 });
    const socket = await connectTo(s.port);
    const got = collect(socket);
    void trickle(socket, `GET /${"a".repeat(200)}`, 8);
    const text = await got.closed;
    expect(splitResponses(text)[0].status).toBe(414);
  });

  test("a field line over maxLineLength: 431", async () => {
    const s = await start({ maxLineLength: 100 });
    const socket = await connectTo(s.port);
    const got = collect(socket);
    void trickle(socket, `GET / HTTP/1.1\r\nHost: a\r\nX: ${"b".repeat(200)}`, 8);
    const text = await got.closed;
    expect(splitResponses(text)[0].status).toBe(431);
  });

  test("a head over maxHeadSize: 431", async () => {
    const s = await start({ maxHeadSize: 300 });
    const socket = await connectTo(s.port);
    const got = collect(socket);
    void trickle(socket, `GET / HTTP/1.1\r\nHost: a\r\n${"X-F: 0123456789\r\n".repeat(40)}`, 16);
    const text = await got.closed;
    expect(splitResponses(text)[0].status).toBe(431);
  });

  test("a bad field found once the head is complete: 400, as for a head sent at once", async () => {
    const s = await start();
    const socket = await connectTo(s.port);
    const got = collect(socket);
    await trickle(socket, "GET / HTTP/1.1\r\nHost: a\r\nBad Field: x\r\n\r\n", 5);
    const text = await got.closed;
    expect(splitResponses(text)[0].status).toBe(400);
  });
});

describe("held bytes are not lost", () => {
  test("the header timeout while bytes are held: 408, with the request line those bytes carried", async () => {
    const s = await start({ headerTimeout: 0.3 });
    const socket = await connectTo(s.port);
    const got = collect(socket);
    socket.setNoDelay(true);
    socket.write("GET /");
    await pause(50);
    // Held by the head reader (the line is still incomplete), then silence.
    socket.write("held HTTP/1.1");
    const text = await got.closed;
    expect(splitResponses(text)[0].status).toBe(408);
    expect(seen.lines).toEqual(["GET /held HTTP/1.1 408"]);
  });

  test("a client trickling one long field line is stopped at the header deadline", async () => {
    const s = await start({ headerTimeout: 0.3 });
    const socket = await connectTo(s.port);
    const got = collect(socket);
    socket.setNoDelay(true);
    socket.write("GET /t HTTP/1.1\r\nX-Slow: ");
    const timer = setInterval(() => {
      if (!socket.destroyed) socket.write("x");
    }, 20);
    const text = await got.closed;
    clearInterval(timer);
    expect(splitResponses(text)[0].status).toBe(408);
    expect(seen.lines).toEqual(["GET /t HTTP/1.1 408"]);
  });

  test("the client ends its side with bytes held: 400 with what it sent, then close", async () => {
    const s = await start();
    const socket = await connectTo(s.port);
    const got = collect(socket);
    await trickle(socket, "GET /gone HTTP/1.1\r\nHo", 3);
    socket.end();
    const text = await got.closed;
    expect(splitResponses(text)[0].status).toBe(400);
    expect(seen.lines).toEqual(["GET /gone HTTP/1.1 400"]);
  });

  test("clients that reset their connections with bytes held: the server lets go of them", async () => {
    const s = await start();
    const sockets = await Promise.all([connectTo(s.port), connectTo(s.port), connectTo(s.port)]);
    for (const socket of sockets) await trickle(socket, "GET /x HTTP/1.1\r\nHo", 4);
    for (const socket of sockets) socket.resetAndDestroy();
    // stop() waits for every connection's handler: it returns only if the held heads ended.
    await s.stop();
    running = null;
    expect(seen.lines).toEqual([]);
  });
});
