/**
 * What an rfile read costs (issue 14): a line that is one whole read comes back as that read's
 * Buffer, a line spread over many reads is copied once and arrives intact, and the read timeout
 * (one coarse timer per timeout value, no socket idle timer) still fires, is restarted by bytes
 * that arrive, and follows `timeout` changes.
 */
import { describe, expect, test } from "@jest/globals";
import { PassThrough } from "node:stream";
import { SocketReader, SocketTimeout } from "../src/index.js";

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("SocketReader: copies", () => {
  test("a line that is exactly one read is returned as that Buffer (no copy, no view)", async () => {
    const stream = new PassThrough();
    const rfile = new SocketReader(stream);
    const reading = rfile.readline();
    const chunk = Buffer.from("one line\n");
    stream.write(chunk);
    const line = await reading;
    expect(line.equals(chunk)).toBe(true);
    expect(line.buffer).toBe(chunk.buffer);
    expect(line.byteOffset).toBe(chunk.byteOffset);
  });

  test("a line spread over many reads arrives whole; what follows it stays buffered", async () => {
    const stream = new PassThrough();
    const rfile = new SocketReader(stream, { maxLineLength: 1 << 20 });
    const line = Buffer.alloc(200_000);
    for (let i = 0; i < line.length; i++) line[i] = 0x21 + (i % 90);
    line[line.length - 1] = 0x0a;
    const reading = rfile.readline();
    const data = Buffer.concat([line, Buffer.from("next\ntail")]);
    for (let at = 0; at < data.length; at += 1000) {
      stream.write(data.subarray(at, at + 1000));
      await tick();
    }
    expect((await reading).equals(line)).toBe(true);
    expect((await rfile.readline()).toString()).toBe("next\n");
    expect(rfile.peekBuffered().toString()).toBe("tail");
  });

  test("read(n), read1(), peek() and skip() across queued reads see the bytes in order", async () => {
    const stream = new PassThrough();
    const rfile = new SocketReader(stream);
    const reading = rfile.read(7);
    for (const piece of ["ab", "cd", "efgh", "ij"]) {
      stream.write(piece);
      await tick();
    }
    expect((await reading).toString()).toBe("abcdefg");
    stream.write("kl");
    await tick();
    expect((await rfile.peek()).toString()).toBe("hijkl");
    rfile.skip(1);
    expect((await rfile.read1()).toString()).toBe("ijkl");
    expect(rfile.consumed).toBe(12);
  });

  test("unshift() in front of bytes spread over several reads keeps the order", async () => {
    const stream = new PassThrough();
    const rfile = new SocketReader(stream);
    const reading = rfile.readline(100);
    stream.write("abc");
    await tick();
    stream.write("def\nrest");
    await tick();
    expect((await reading).toString()).toBe("abcdef\n");
    rfile.unshift(Buffer.from("X"));
    expect(rfile.peekBuffered().toString()).toBe("Xrest");
    expect(rfile.consumed).toBe(6);
  });
});

describe("SocketReader: read timeout", () => {
  test("a read that waits longer than timeout rejects with SocketTimeout, never before the timeout", async () => {
    const rfile = new SocketReader(new PassThrough(), { timeout: 0.05 });
    const started = Date.now();
    await expect(rfile.readline()).rejects.toBeInstanceOf(SocketTimeout);
    // Only the lower bound: how late a timer fires depends on the machine's load (no upper bound in a unit test).
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    rfile.close();
  });

  test("bytes that keep arriving restart the wait; silence then times out", async () => {
    const stream = new PassThrough();
    // Bytes every 25 ms for 750 ms against a 500 ms timeout: only a single pause of over 500 ms
    // between two writes (a very loaded machine) could time the read out early.
    const rfile = new SocketReader(stream, { timeout: 0.5 });
    const reading = rfile.readline();
    let failed: unknown = null;
    reading.catch((err: unknown) => (failed = err));
    for (let i = 0; i < 30; i++) {
      stream.write("x");
      await sleep(25);
    }
    expect(failed).toBeNull();
    await expect(reading).rejects.toBeInstanceOf(SocketTimeout);
    rfile.close();
  });

  test("setting timeout to null while a read waits stops the timer; the read then completes", async () => {
    const stream = new PassThrough();
    const rfile = new SocketReader(stream, { timeout: 0.05 });
    const reading = rfile.readline();
    rfile.timeout = null;
    await sleep(150);
    stream.write("late\n");
    expect((await reading).toString()).toBe("late\n");
    rfile.close();
  });

  test("a reader with no read waiting never times out, and its next read gets the full timeout", async () => {
    const stream = new PassThrough();
    const rfile = new SocketReader(stream, { timeout: 0.05 });
    await sleep(150);
    stream.write("ok\n");
    expect((await rfile.readline()).toString()).toBe("ok\n");
    rfile.close();
  });
});

describe("SocketReader: a head trickled byte by byte", () => {
  test("peekBuffered() grows in place, and every view it handed out keeps its bytes", async () => {
    const stream = new PassThrough();
    const rfile = new SocketReader(stream);
    const data = Buffer.from(`GET /${"x".repeat(600)} HTTP/1.1\r\nHost: a\r\n\r\nrest`);
    const views: Buffer[] = [];
    for (let i = 0; i < data.length; i++) {
      const more = rfile.fill();
      stream.write(data.subarray(i, i + 1));
      expect(await more).toBe(true);
      views.push(rfile.peekBuffered());
      if (i === 99) rfile.skip(10); // consumed bytes move the start; later views begin after them
    }
    const shared = new Set(views.slice(110).map((v) => v.buffer));
    // Doubling room: a few blocks for ~650 bytes, not one copy per byte.
    expect(shared.size).toBeLessThan(8);
    views.forEach((view, i) => {
      const start = i >= 100 ? 10 : 0;
      expect(view.equals(data.subarray(start, i + 1))).toBe(true);
    });
    expect((await rfile.read(data.length - 10)).equals(data.subarray(10))).toBe(true);
  });
});

describe("SocketReader: one read at a time", () => {
  test("a second read while one waits is refused and leaves the waiting read as it was", async () => {
    const stream = new PassThrough();
    const rfile = new SocketReader(stream);
    const line = rfile.readline();
    await expect(rfile.fill()).rejects.toThrow("another read is already waiting");
    await expect(rfile.readline(5)).rejects.toThrow("another read is already waiting");
    await expect(rfile.read1()).rejects.toThrow("another read is already waiting");
    stream.write("a whole line, longer than five bytes\n");
    expect((await line).toString()).toBe("a whole line, longer than five bytes\n");
  });
});

describe("SocketReader: fillThen(), the wait without a promise", () => {
  /** A waiter that records what it was told. */
  function recorder(): { calls: string[]; waiter: { readerFilled(more: boolean): void; readerFailed(err: Error): void } } {
    const calls: string[] = [];
    return { calls, waiter: { readerFilled: (more) => calls.push(`filled ${more}`), readerFailed: (err) => calls.push(`failed ${err.name}`) } };
  }

  test("more bytes: readerFilled(true) once, from the socket's event; the bytes are buffered for the caller", async () => {
    const stream = new PassThrough();
    const rfile = new SocketReader(stream);
    const { calls, waiter } = recorder();
    expect(rfile.fillThen(waiter)).toBeNull();
    expect(calls).toEqual([]);
    stream.write("GET / HTTP/1.1\r\n");
    await tick();
    expect(calls).toEqual(["filled true"]);
    expect(rfile.peekBuffered().toString()).toBe("GET / HTTP/1.1\r\n");
    stream.write("more");
    await tick();
    expect(calls).toEqual(["filled true"]); // once: the wait is over
    rfile.close();
  });

  test("end of stream and close() call readerFilled(false); an already ended stream answers false at once", async () => {
    const stream = new PassThrough();
    const rfile = new SocketReader(stream);
    const a = recorder();
    expect(rfile.fillThen(a.waiter)).toBeNull();
    stream.end();
    await tick();
    expect(a.calls).toEqual(["filled false"]);
    expect(rfile.fillThen(recorder().waiter)).toBe(false);

    const other = new SocketReader(new PassThrough());
    const b = recorder();
    expect(other.fillThen(b.waiter)).toBeNull();
    other.close();
    expect(b.calls).toEqual(["filled false"]);
  });

  test("a socket error and the read timeout call readerFailed(); a second wait is refused", async () => {
    const stream = new PassThrough();
    const rfile = new SocketReader(stream);
    const a = recorder();
    expect(rfile.fillThen(a.waiter)).toBeNull();
    expect(() => rfile.fillThen(recorder().waiter)).toThrow("another read is already waiting");
    await expect(rfile.fill()).rejects.toThrow("another read is already waiting");
    stream.destroy(new Error("ECONNRESET"));
    await tick();
    expect(a.calls).toEqual(["failed Error"]);
    // The socket closed after its error: the stream is over, as fill() would say.
    expect(rfile.fillThen(recorder().waiter)).toBe(false);

    const slow = new SocketReader(new PassThrough(), { timeout: 0.05 });
    const b = recorder();
    expect(slow.fillThen(b.waiter)).toBeNull();
    for (const deadline = Date.now() + 5000; b.calls.length === 0 && Date.now() < deadline; ) await sleep(10);
    expect(b.calls).toEqual([`failed ${new SocketTimeout(0.05).name}`]);
    slow.close();
  });
});
