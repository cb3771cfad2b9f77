import { describe, expect, test } from "@jest/globals";
import fc from "fast-check";
import { HTTPException } from "../src/errors.js";
import {
  ChunkedDecoder,
  encodeChunk,
  encodeLastChunk,
  findHeadEnd,
  formatHttpDate,
  HTTPMessage,
  parseHeaderFields,
  parseHeaders,
  parseHttpDate,
  parseRequestHead,
  parseResponseHead,
  requestBodyFraming,
  responseBodyFraming,
  validateHeaderName,
  validateHeaderValue,
} from "../src/message/index.js";

const RUNS = 3000;

const tcharList = [..."!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"];
const token = fc.string({ unit: fc.constantFrom(...tcharList), minLength: 1, maxLength: 20 });
// Field value characters: VCHAR, obs-text, SP, HTAB; no leading/trailing whitespace (it is OWS).
const valueChar = fc.oneof(
  fc.integer({ min: 0x21, max: 0x7e }),
  fc.integer({ min: 0x80, max: 0xff }),
  fc.constantFrom(0x20, 0x09),
).map((c) => String.fromCharCode(c));
const fieldValue = fc.string({ unit: valueChar, maxLength: 40 }).map((s) => s.replace(/^[ \t]+|[ \t]+$/g, ""));
const fields = fc.array(fc.tuple(token, fieldValue), { maxLength: 30 });

/** Splits `buf` at the given (sorted, deduplicated) cut points. */
function split(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

function onlyOurErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof HTTPException)) throw err;
  }
}

describe("property: chunked round-trip", () => {
  test("encode -> decode with random splits gives the body, trailers and the pipelined rest back", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }),
        fields,
        fc.uint8Array({ maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (pieces, trailers, next, cuts) => {
          const wire = Buffer.concat([...pieces.map((p) => encodeChunk(p)), encodeLastChunk(trailers), next]);
          const dec = new ChunkedDecoder();
          const out: Buffer[] = [];
          const rest: Buffer[] = [];
          for (const part of split(wire, cuts)) {
            const r = dec.push(part);
            out.push(...r.data);
            if (r.rest !== null) rest.push(r.rest);
          }
          if (!dec.done) return false;
          expect(Buffer.concat(out).equals(Buffer.concat(pieces))).toBe(true);
          expect(Buffer.concat(rest).equals(Buffer.from(next))).toBe(true);
          expect(dec.trailers!.rawPairs()).toEqual(trailers);
          return true;
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("property: headers serialize -> parse", () => {
  test("fields written as a head parse back to the same pairs, whatever the split point of findHeadEnd", () => {
    fc.assert(
      fc.property(fields, fc.nat(), (pairs, cut) => {
        const msg = new HTTPMessage(pairs);
        const head = Buffer.from(`GET / HTTP/1.1\r\n${msg.toString()}\r\n`, "latin1");
        const c = cut % (head.length + 1);
        const first = findHeadEnd(head.subarray(0, c));
        const end = first !== -1 ? first : findHeadEnd(head, Math.max(0, c - 3));
        expect(end).toBe(head.length);
        const parsed = parseRequestHead(head, 0, end);
        expect(parsed.headers.rawPairs()).toEqual(pairs);
        const resp = Buffer.from(`HTTP/1.1 200 OK\r\n${msg.toString()}\r\n`, "latin1");
        expect(parseResponseHead(resp, 0, resp.length).headers.rawPairs()).toEqual(pairs);
      }),
      { numRuns: RUNS },
    );
  });

  test("HTTPDate round-trip to the second", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date(Date.UTC(0, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }), (d) => {
        const t = Math.floor(d.getTime() / 1000) * 1000;
        expect(parseHttpDate(formatHttpDate(t))?.getTime()).toBe(t);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("property: for any bytes, the parsers only throw HTTPException subclasses", () => {
  // Bytes biased towards the interesting ones, plus mutations of valid messages.
  const interesting = fc.oneof(
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom(0x0d, 0x0a, 0x20, 0x09, 0x3a, 0x3b, 0x3d, 0x22, 0x5c, 0x00, 0x30, 0x61, 0x46),
  );
  const noise = fc.array(interesting, { maxLength: 200 }).map((a) => Buffer.from(a));
  const seeds = [
    "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX: y\r\n\r\n",
    "5;a=b\r\nhello\r\n0\r\nT: v\r\n\r\n",
  ].map((s) => Buffer.from(s, "latin1"));
  const mutated = fc
    .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), interesting, fc.boolean()), { minLength: 1, maxLength: 6 }))
    .map(([seed, edits]) => {
      const a = [...seed];
      for (const [pos, byte, insert] of edits) {
        const p = pos % (a.length + 1);
        if (insert) a.splice(p, 0, byte);
        else if (p < a.length) a[p] = byte;
      }
      return Buffer.from(a);
    });
  const input = fc.oneof(noise, mutated);

  test("head parsers and framing", () => {
    fc.assert(
      fc.property(input, fc.boolean(), fc.boolean(), (buf, obsFold, bareLF) => {
        const limits = { allowObsFold: obsFold, allowBareLF: bareLF, maxLineLength: 64, maxHeaders: 8, maxHeadSize: 150 };
        const end = findHeadEnd(buf);
        expect(end === -1 || (end > 0 && end <= buf.length)).toBe(true);
        const stop = end === -1 ? buf.length : end;
        onlyOurErrors(() => {
          const h = parseRequestHead(buf, 0, stop, limits);
          requestBodyFraming(h.headers);
        });
        onlyOurErrors(() => {
          const h = parseResponseHead(buf, 0, stop, limits);
          responseBodyFraming(h.status, h.headers, "GET");
        });
        onlyOurErrors(() => parseHeaderFields(buf, 0, buf.length, limits));
      }),
      { numRuns: RUNS },
    );
  });

  test("chunked decoder, with random splits", () => {
    fc.assert(
      fc.property(input, fc.array(fc.nat(), { maxLength: 8 }), (buf, cuts) => {
        const dec = new ChunkedDecoder({ maxChunkSize: 1 << 20, maxExtensionLength: 16, maxTrailerSize: 64, maxTrailers: 4, maxLineLength: 32 });
        onlyOurErrors(() => {
          let consumed = 0;
          for (const part of split(buf, cuts)) {
            const r = dec.push(part);
            for (const d of r.data) consumed += d.length;
          }
          expect(consumed).toBeLessThanOrEqual(buf.length);
        });
      }),
      { numRuns: RUNS },
    );
  });
});

describe("property: HTTPMessage behaves like a list of pairs with case-insensitive names", () => {
  const name = fc.constantFrom("A", "a", "B", "b", "Content-Type", "content-type", "X");
  const op = fc.oneof(
    fc.record({ kind: fc.constant("add" as const), name, value: fc.string({ maxLength: 3 }) }),
    fc.record({ kind: fc.constant("set" as const), name, value: fc.string({ maxLength: 3 }) }),
    fc.record({ kind: fc.constant("delete" as const), name }),
  );
  test("add / set / delete against a model", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const msg = new HTTPMessage();
        let model: Array<[string, string]> = [];
        const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
        for (const o of ops) {
          if (o.kind === "add") {
            msg.add(o.name, o.value);
            model.push([o.name, o.value]);
          } else if (o.kind === "set") {
            msg.set(o.name, o.value);
            const first = model.findIndex(([n]) => same(n, o.name));
            if (first === -1) model.push([o.name, o.value]);
            else model = model.flatMap((p, i): Array<[string, string]> => (i === first ? [[o.name, o.value]] : same(p[0], o.name) ? [] : [p]));
          } else {
            const had = model.some(([n]) => same(n, o.name));
            expect(msg.delete(o.name)).toBe(had);
            model = model.filter(([n]) => !same(n, o.name));
          }
          expect(msg.rawPairs()).toEqual(model);
          expect(msg.size).toBe(model.length);
          for (const n of ["a", "B", "content-TYPE", "x"]) {
            const values = model.filter(([k]) => same(k, n)).map(([, v]) => v);
            expect(msg.getAll(n)).toEqual(values);
            expect(msg.get(n)).toBe(values[0]);
            expect(msg.has(n)).toBe(values.length > 0);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("property: writer checks and parseHeaders only throw our errors", () => {
  test("validateHeaderName / validateHeaderValue on any string; accepted values parse back", () => {
    fc.assert(
      fc.property(
        fc.oneof(token, fc.string({ unit: "binary-ascii", maxLength: 20 }), fc.string({ unit: "binary", maxLength: 20 })),
        fc.oneof(fc.string({ unit: valueChar, maxLength: 40 }), fc.string({ unit: "binary-ascii", maxLength: 40 }), fc.string({ unit: "binary", maxLength: 40 })),
        (n, v) => {
          let ok = true;
          try {
            validateHeaderName(n);
            validateHeaderValue(n, v);
          } catch (err) {
            if (!(err instanceof HTTPException)) throw err;
            ok = false;
          }
          if (ok) {
            const head = Buffer.from(`HTTP/1.1 200 OK\r\n${n}: ${v}\r\n\r\n`, "latin1");
            expect(parseResponseHead(head, 0, head.length).headers.get(n)).toBe(v.replace(/^[ \t]+|[ \t]+$/g, ""));
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  test("parseHeaders over any lines", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        const buf = Buffer.from(bytes);
        let pos = 0;
        const reader = {
          readline(limit = Infinity): Promise<Buffer> {
            const lf = buf.indexOf(0x0a, pos);
            const end = Math.min(lf === -1 ? buf.length : lf + 1, pos + limit);
            const line = buf.subarray(pos, end);
            pos = end;
            return Promise.resolve(line);
          },
        };
        try {
          await parseHeaders(reader, { maxLineLength: 50, maxHeaders: 5, maxHeadSize: 200 });
        } catch (err) {
          if (!(err instanceof HTTPException)) throw err;
        }
      }),
      { numRuns: RUNS },
    );
  });
});
