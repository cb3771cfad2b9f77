/**
 * Byte ranges (RFC 9110 14): parsing `Range: bytes=...` against a representation's length, and
 * the `multipart/byteranges` framing (RFC 9110 14.6) of several ranges.
 * @module
 */
import { randomBytes } from "node:crypto";

/** One byte range, both ends inclusive (as `Content-Range` writes it). */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The outcome of a `Range` field: `null` when it is to be ignored (not `bytes`, malformed, or too
 * many ranges: RFC 9110 14.2 lets a server ignore it and send the whole representation),
 * `"unsatisfiable"` (416), or the ranges to send, sorted and with overlapping or adjacent ones
 * merged (so that a request cannot make us send the same bytes many times).
 */
export type RangeRequest = null | "unsatisfiable" | ByteRange[];

/** More ranges than this in one request: the field is ignored (whole representation). */
export const MAX_RANGES = 100;

const DIGITS = /^\d+$/;

/** Parse `Range` (`bytes=0-99,200-,-50`) for a representation of `size` bytes. */
export function parseRange(value: string, size: number): RangeRequest {
  const eq = value.indexOf("=");
  if (eq < 0 || value.slice(0, eq).trim().toLowerCase() !== "bytes") return null;
  const specs = value.slice(eq + 1).split(",");
  if (specs.length > MAX_RANGES) return null;
  const ranges: ByteRange[] = [];
  let any = false;
  for (const raw of specs) {
    const spec = raw.trim();
    if (spec === "") continue; // RFC 9110 5.6.1: empty list elements are ignored.
    const dash = spec.indexOf("-");
    if (dash < 0) return null;
    const first = spec.slice(0, dash).trim();
    const last = spec.slice(dash + 1).trim();
    any = true;
    if (first === "") {
      // suffix-range: the last N bytes.
      if (!DIGITS.test(last)) return null;
      const n = Number(last);
      if (n === 0 || size === 0) continue;
      ranges.push({ start: Math.max(0, size - n), end: size - 1 });
      continue;
    }
    if (!DIGITS.test(first) || (last !== "" && !DIGITS.test(last))) return null;
    const start = Number(first);
    if (last !== "" && Number(last) < start) return null; // RFC 9110 14.1.1: invalid, the whole field is ignored.
    if (start >= size) continue; // not satisfiable on its own
    ranges.push({ start, end: last === "" ? size - 1 : Math.min(Number(last), size - 1) });
  }
  if (!any) return null;
  if (ranges.length === 0) return "unsatisfiable";
  return coalesce(ranges);
}

function coalesce(ranges: ByteRange[]): ByteRange[] {
  if (ranges.length === 1) return ranges;
  ranges.sort((a, b) => a.start - b.start);
  const out: ByteRange[] = [{ ...ranges[0] }];
  for (let i = 1; i < ranges.length; i++) {
    const r = ranges[i];
    const last = out[out.length - 1];
    if (r.start <= last.end + 1) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/** The framing of a `multipart/byteranges` body: one head per part, and the closing line. */
export interface Multipart {
  boundary: string;
  /** `multipart/byteranges; boundary=...` */
  contentType: string;
  /** The head written before each part's bytes (the first one without the leading CRLF). */
  partHeads: string[];
  /** The closing delimiter. */
  tail: string;
  /** Total body length: heads, parts and tail. */
  length: number;
}

/** Build the `multipart/byteranges` framing of `ranges` for a part type and total size. */
export function multipartFor(ranges: readonly ByteRange[], partType: string, size: number): Multipart {
  const boundary = randomBytes(12).toString("hex");
  let length = 0;
  const partHeads = ranges.map((r, i) => {
    const head = `${i === 0 ? "" : "\r\n"}--${boundary}\r\nContent-Type: ${partType}\r\nContent-Range: bytes ${r.start}-${r.end}/${size}\r\n\r\n`;
    length += head.length + (r.end - r.start + 1);
    return head;
  });
  const tail = `\r\n--${boundary}--\r\n`;
  length += tail.length;
  return { boundary, contentType: `multipart/byteranges; boundary=${boundary}`, partHeads, tail, length };
}
