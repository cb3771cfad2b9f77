/**
 * ChunkedBody: the shared receiving loop of a chunked body (client BodyReader, server later),
 * driven here by an in-memory byte source (the loop has no I/O of its own; the socket cases
 * are in client-hostile-servers.test.ts). Property: whatever the split and wherever the input
 * is cut, every decoded byte that arrived is delivered or is in IncompleteRead.partial.
 */
import { describe, expect, test } from "@jest/globals";
import fc from "fast-check";
import { BodyTooLarge, ChunkedBody, encodeChunk, encodeLastChunk, IncompleteRead, InvalidChunk } from "../src/index.js";

/** A byte source over fixed pieces; `read()` gives an empty Buffer at the end. */
class Pieces {
  #pieces: Buffer[];
  constructor(pieces: Buffer[]) {
    this.#pieces = [...pieces];
  }
  read(): Buffer {
    return this.#pieces.shift() ?? Buffer.alloc(0);
  }
  unshift(b: Buffer): void {
    this.#pieces.unshift(b);
  }
  rest(): Buffer {
    return Buffer.concat(this.#pieces);
  }
}

/** The loop of the ChunkedBody TSDoc. */
function run(body: ChunkedBody, source: Pieces): Buffer {
  const parts: Buffer[] = [];
  for (;;) {
    const piece = body.take();
    if (piece !== null) {
      parts.push(piece);
      continue;
    }
    if (body.ended) break;
    const input = source.read();
    if (input.length === 0) {
      if (body.sawLastChunk) break;
      throw body.incompleteRead(Buffer.concat(parts));
    }
    const rest = body.feed(input);
    if (rest !== null) source.unshift(rest);
  }
  return Buffer.concat(parts);
}

const encoded = (chunks: string[], trailer: Array<[string, string]> = []): Buffer =>
  Buffer.concat([...chunks.map((c) => encodeChunk(c)), encodeLastChunk(trailer)]);

describe("ChunkedBody", () => {
  // cpython test_httplib: BasicTest.test_chunked (the whole body, then what follows)
  test("decodes, keeps trailers, gives back the next message", () => {
    const body = new ChunkedBody();
    const source = new Pieces([Buffer.concat([encoded(["hello ", "world"], [["X-T", "1"]]), Buffer.from("NEXT")])]);
    expect(run(body, source).toString()).toBe("hello world");
    expect(body.trailers?.get("x-t")).toBe("1");
    expect(body.done).toBe(true);
    expect(body.received).toBe(11);
    expect(source.rest().toString()).toBe("NEXT");
  });

  // cpython test_httplib: BasicTest.test_chunked, "EOF in chunk size"
  test("cut inside a chunk-size line: IncompleteRead with every byte so far, expected unknown", () => {
    const err = (() => {
      try {
        run(new ChunkedBody(), new Pieces([Buffer.from("5\r\nhello\r\n1")]));
      } catch (e) {
        return e as IncompleteRead;
      }
      throw new Error("no error");
    })();
    expect(err).toBeInstanceOf(IncompleteRead);
    expect(err.partial.toString()).toBe("hello");
    expect(err.expected).toBeNull();
  });

  test("cut inside chunk data: expected is the rest of the chunk", () => {
    expect(() => run(new ChunkedBody(), new Pieces([Buffer.from("a\r\nhello")]))).toThrow(IncompleteRead);
    const body = new ChunkedBody();
    body.feed(Buffer.from("a\r\nhello"));
    expect(body.take()?.toString()).toBe("hello");
    expect(body.expectedMore).toBe(5);
  });

  test("only the trailers / final CRLF missing: sawLastChunk lets the caller end there", () => {
    const body = new ChunkedBody();
    expect(run(body, new Pieces([Buffer.from("2\r\nok\r\n0\r\n")])).toString()).toBe("ok");
    expect(body.sawLastChunk).toBe(true);
    expect(body.ended).toBe(false);
  });

  test("maxBodySize: BodyTooLarge from feed()", () => {
    const body = new ChunkedBody({ maxBodySize: 4 });
    expect(() => body.feed(encoded(["hello"]))).toThrow(BodyTooLarge);
  });

  test("decoder errors pass through, and again on the next feed", () => {
    const body = new ChunkedBody();
    expect(() => body.feed(Buffer.from("x\r\n"))).toThrow(InvalidChunk);
    expect(() => body.feed(Buffer.from("0\r\n\r\n"))).toThrow(InvalidChunk);
  });

  test("an extension and a trailer split across inputs whose memory is reused: the decoder kept copies", () => {
    const body = new ChunkedBody();
    // One buffer, refilled for every feed, as a reader that reuses its read blocks does.
    const memory = Buffer.alloc(64);
    const feed = (text: string): Buffer[] => {
      memory.fill(0x7e);
      const n = memory.write(text, "latin1");
      body.feed(memory.subarray(0, n));
      const out: Buffer[] = [];
      for (let p; (p = body.take()) !== null; ) out.push(Buffer.from(p));
      expect(body.holds(memory.buffer)).toBe(false); // everything taken: nothing of it is held
      return out;
    };
    feed("5;na");
    expect(Buffer.concat(feed('me="va')).length).toBe(0);
    expect(Buffer.concat(feed('l"\r\nhel')).toString()).toBe("hel");
    expect(Buffer.concat(feed("lo\r\n0\r\nX-Tr")).toString()).toBe("lo");
    feed("ailer: o");
    feed("k\r\n\r\n");
    expect(body.ended).toBe(true);
    expect(body.trailers?.get("x-trailer")).toBe("ok");
  });

  test("holds(): true while a piece of that memory is not taken", () => {
    const body = new ChunkedBody();
    const input = Buffer.from("3\r\nabc\r\n");
    body.feed(input);
    expect(body.holds(input.buffer)).toBe(true);
    expect(body.holds(new ArrayBuffer(8))).toBe(false);
    body.consume(2);
    expect(body.holds(input.buffer)).toBe(true);
    body.consume(1);
    expect(body.holds(input.buffer)).toBe(false);
  });

  test("peek/consume and take(n) split pieces; feed before everything was taken keeps order", () => {
    const body = new ChunkedBody();
    body.feed(Buffer.from("5\r\nhello\r\n"));
    expect(body.peek()?.toString()).toBe("hello");
    body.consume(2);
    expect(body.take(2)?.toString()).toBe("ll");
    body.feed(Buffer.from("3\r\nabc\r\n0\r\n\r\n"));
    expect(body.take()?.toString()).toBe("o");
    expect(body.take()?.toString()).toBe("abc");
    expect(body.take()).toBeNull();
    expect(body.done).toBe(true);
  });

  test("property: any split, any cut: delivered + partial = every decoded byte that arrived", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 20 }), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.nat(),
        (chunks, splits, cutAt) => {
          const full = Buffer.concat([encoded(chunks), Buffer.from("NEXT")]);
          const data = Buffer.concat(chunks.map((c) => Buffer.from(c)));
          const cut = cutAt % (full.length + 1);
          const input = full.subarray(0, cut);
          const points = [...new Set(splits.map((s) => s % (input.length + 1)))].sort((a, b) => a - b);
          const pieces: Buffer[] = [];
          let at = 0;
          for (const p of [...points, input.length]) {
            if (p > at) pieces.push(input.subarray(at, p));
            at = Math.max(at, p);
          }
          // The body bytes contained in the first `cut` bytes of the encoding.
          const reference = new ChunkedBody();
          let arrived = Buffer.alloc(0);
          if (cut > 0) {
            reference.feed(input);
            const got: Buffer[] = [];
            for (let p = reference.take(); p !== null; p = reference.take()) got.push(p);
            arrived = Buffer.concat(got);
          }
          const body = new ChunkedBody();
          let delivered: Buffer;
          try {
            delivered = run(body, new Pieces(pieces));
          } catch (err) {
            expect(err).toBeInstanceOf(IncompleteRead);
            delivered = (err as IncompleteRead).partial;
          }
          expect(delivered.equals(arrived)).toBe(true);
          if (body.ended) expect(delivered.equals(data)).toBe(true);
        },
      ),
    );
  });
});
