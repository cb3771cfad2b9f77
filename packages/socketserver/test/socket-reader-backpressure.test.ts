/**
 * SocketReader's backpressure must never starve a read that is waiting: the socket pauses past
 * `highWaterMark` only while nobody waits for more. A read that needs more than the mark
 * (readline with a larger limit, fill() for a parser) used to pause the socket and wait forever.
 */
import { describe, expect, test } from "@jest/globals";
import { PassThrough } from "node:stream";
import { SocketReader } from "../src/index.js";

/** Writes `data` into `stream` in pieces of `size` bytes, one per tick. */
async function feed(stream: PassThrough, data: Buffer, size: number): Promise<void> {
  for (let at = 0; at < data.length; at += size) {
    stream.write(data.subarray(at, at + size));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("SocketReader backpressure", () => {
  test("readline(limit) above highWaterMark gets a line longer than the mark", async () => {
    const stream = new PassThrough();
    const rfile = new SocketReader(stream, { highWaterMark: 1024 });
    const line = Buffer.concat([Buffer.alloc(3000, 0x61), Buffer.from("\n")]);
    const reading = rfile.readline(5000);
    await feed(stream, Buffer.concat([line, Buffer.from("next\n")]), 256);
    expect((await reading).equals(line)).toBe(true);
    expect((await rfile.readline()).toString()).toBe("next\n");
  });

  test("fill() keeps receiving past highWaterMark for a parser that consumes nothing yet", async () => {
    const stream = new PassThrough();
    const rfile = new SocketReader(stream, { highWaterMark: 1024 });
    const data = Buffer.alloc(4096, 0x62);
    void feed(stream, data, 512);
    while (rfile.buffered < data.length) expect(await rfile.fill()).toBe(true);
    expect(rfile.peekBuffered().equals(data)).toBe(true);
  });

  test("with nobody waiting, the stream is paused past the mark, and a read resumes it", async () => {
    const stream = new PassThrough();
    const rfile = new SocketReader(stream, { highWaterMark: 1024 });
    await feed(stream, Buffer.alloc(4096, 0x63), 512);
    expect(stream.isPaused()).toBe(true);
    expect(rfile.buffered).toBeLessThan(4096); // the rest waits in the stream, not in rfile
    expect((await rfile.read(4096)).length).toBe(4096);
  });
});

describe("SocketReader.skip", () => {
  test("consumes bytes already buffered, synchronously; more than buffered is a RangeError", async () => {
    const stream = new PassThrough();
    const rfile = new SocketReader(stream);
    stream.write("GET / HTTP/1.1\r\n\r\nrest");
    await new Promise((resolve) => setImmediate(resolve));
    expect(rfile.buffered).toBe(22);
    const head = rfile.peekBuffered().indexOf("\r\n\r\n") + 4;
    rfile.skip(head);
    expect(rfile.peekBuffered().toString()).toBe("rest");
    expect(() => rfile.skip(5)).toThrow(RangeError);
    expect(() => rfile.skip(-1)).toThrow(RangeError);
    expect(rfile.buffered).toBe(4);
    rfile.skip(4);
    expect(rfile.buffered).toBe(0);
  });
});

describe("SocketReader.consumed", () => {
  test("counts what reads return and skip() takes, minus what unshift() puts back", async () => {
    const stream = new PassThrough();
    const rfile = new SocketReader(stream);
    stream.write("line one\nline two\n0123456789");
    await new Promise((resolve) => setImmediate(resolve));
    expect(rfile.consumed).toBe(0);
    await rfile.readline();
    expect(rfile.consumed).toBe(9);
    rfile.skip(9);
    expect(rfile.consumed).toBe(18);
    const four = await rfile.read(4);
    expect(rfile.consumed).toBe(22);
    rfile.unshift(four);
    expect(rfile.consumed).toBe(18);
    expect((await rfile.read1()).toString()).toBe("0123456789");
    expect(rfile.consumed).toBe(28);
  });
});
