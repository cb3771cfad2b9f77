/**
 * Output shared by several processes. The workers of `ctc --workers N` write their access logs
 * to the same pipe; a write(2) of at most PIPE_BUF bytes (4096 on Linux) to a pipe is atomic
 * (POSIX, write(2): "Write requests of {PIPE_BUF} bytes or less shall not be interleaved with
 * data from other processes"), a longer one may be split and interleaved. So each write is
 * whole lines, at most {@link PIPE_BUF} bytes.
 * @module
 */
import type { LogSink } from "./access-log.js";

/** The largest write a pipe takes atomically (POSIX's minimum is 512; Linux's value is 4096). */
export const PIPE_BUF = 4096;

const NEWLINE = 0x0a;

/**
 * `data` (text, or its UTF-8 bytes) as writes of whole lines, each at most `limit` bytes. A single
 * line longer than the limit is cut short (it keeps its newline, the cut is marked with `...`).
 */
export function lineChunks(data: string | Buffer, limit = PIPE_BUF): Buffer[] {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  if (bytes.length <= limit && (bytes.length === 0 || bytes[bytes.length - 1] === NEWLINE)) return bytes.length === 0 ? [] : [bytes];
  const out: Buffer[] = [];
  let start = 0;
  while (start < bytes.length) {
    let lineEnd = bytes.indexOf(NEWLINE, start);
    lineEnd = lineEnd < 0 ? bytes.length : lineEnd + 1;
    if (lineEnd - start > limit) {
      // One line alone is over the limit: its first bytes, marked, then its newline.
      out.push(Buffer.concat([bytes.subarray(start, start + limit - 4), Buffer.from("...\n")]));
      start = lineEnd;
      continue;
    }
    // As many whole lines as fit.
    let end = lineEnd;
    for (;;) {
      if (end >= bytes.length) break;
      let next = bytes.indexOf(NEWLINE, end);
      next = next < 0 ? bytes.length : next + 1;
      if (next - start > limit) break;
      end = next;
    }
    out.push(bytes.subarray(start, end));
    start = end;
  }
  return out;
}

/** A sink writing to `out` in whole-line writes of at most {@link PIPE_BUF} bytes each. */
export function atomicLineSink(out: { write(chunk: Buffer): unknown }): LogSink {
  return {
    write(data: string | Buffer): void {
      for (const chunk of lineChunks(data)) out.write(chunk);
    },
  };
}
