/**
 * The access log: NCSA Common Log Format (`host ident authuser [date] "request" status bytes`)
 * or the Combined format (plus `"referer" "user-agent"`), one line per answered request. Lines
 * are gathered and written together at most 50 ms after the first of them (or once 64 KiB are
 * gathered, and when the proxy stops), and the date string is built once per second, so logging
 * costs little per request: under load a few writes per second instead of one per request (each
 * of which also wakes whatever reads the log: a terminal, a pipe, journald), as nginx's
 * `access_log ... buffer= flush=` and Apache's `BufferedLogs` do. Lines are copied into a block
 * of bytes as they come (every line is ASCII: {@link quoteField} escapes the rest), not joined
 * into one string: a string of a thousand appended lines cost more to flatten and encode at the
 * flush than the lines cost to format (about a tenth of a small request's CPU through the proxy).
 * @module
 */
import type { LogFormat } from "./options.js";

/** Where log lines go: text (notices) or bytes (the access log's batches, which the sink may keep). */
export interface LogSink {
  write(data: string | Buffer): unknown;
}

/** One answered request. */
export interface AccessEntry {
  client: string;
  requestLine: string;
  status: number;
  size: number;
  referer?: string;
  userAgent?: string;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const FLUSH_AT = 64 * 1024;
/** Room for lines past {@link FLUSH_AT}: a line is at most ~4 KiB (its fields are clipped). */
const BLOCK_SIZE = FLUSH_AT + 8 * 1024;
/** Longest time a line waits to be written (ms). */
export const FLUSH_DELAY_MS = 50;

const pad = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** A CLF time stamp, `10/Oct/2000:13:55:36 -0700`, in local time. */
export function clfDate(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? "+" : "-";
  const abs = Math.abs(off);
  return (
    `${pad(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

/** Whether `s` has a character {@link quoteField} escapes (a loop: cheaper than a regular expression here). */
function needsEscape(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || c === 0x22 || c === 0x5c) return true;
  }
  return false;
}

/** A quoted log field: `"` and `\` escaped, control and non-ASCII characters as `\xHH` (as Apache does). */
export function quoteField(s: string): string {
  // Most fields need no escape: one scan, no replacement pass.
  if (!needsEscape(s)) return s;
  // eslint-disable-next-line no-control-regex -- control characters are what is escaped here.
  return s.replace(/["\\\x00-\x1f\x7f-\u{10ffff}]/gu, (c) => {
    if (c === '"' || c === "\\") return `\\${c}`;
    const code = c.charCodeAt(0);
    if (code < 0x100) return `\\x${code.toString(16).padStart(2, "0")}`;
    // UTF-8 bytes as %HH (a lone surrogate, which encodeURIComponent refuses, as U+FFFD's).
    let out = "";
    for (const byte of Buffer.from(c, "utf8")) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    return out;
  });
}

/** Most characters of a quoted request line, and of a quoted Referer or User-Agent, in a log line. */
const REQUEST_FIELD_MAX = 3000;
const HEADER_FIELD_MAX = 400;

/**
 * `quoted` cut to `max` characters (marked `...`) without leaving half an escape: whole log lines
 * stay under a pipe's atomic write (PIPE_BUF, 4096 bytes), so that a line is never cut after its
 * request field and the status and size are always there, with one worker or several.
 */
function clipField(quoted: string, max: number): string {
  if (quoted.length <= max) return quoted;
  // Walk the escapes quoteField made (`\"`, `\\`, `\xHH`, `%HH`) so that none is cut in two.
  let end = 0;
  while (end < max) {
    const c = quoted.charCodeAt(end);
    const step = c === 0x5c ? (quoted.charCodeAt(end + 1) === 0x78 ? 4 : 2) : c === 0x25 ? 3 : 1;
    if (end + step > max) break;
    end += step;
  }
  return `${quoted.slice(0, end)}...`;
}

/** The log line of `entry` (with its newline). */
export function formatEntry(format: Exclude<LogFormat, "off">, entry: AccessEntry, date: string): string {
  const size = entry.size > 0 ? String(entry.size) : "-";
  const line = `${entry.client} - - [${date}] "${clipField(quoteField(entry.requestLine), REQUEST_FIELD_MAX)}" ${entry.status} ${size}`;
  if (format === "common") return `${line}\n`;
  return `${line} "${clipField(quoteField(entry.referer ?? "-"), HEADER_FIELD_MAX)}" "${clipField(quoteField(entry.userAgent ?? "-"), HEADER_FIELD_MAX)}"\n`;
}

/** An access log writing batched lines to a sink. */
export class AccessLog {
  readonly format: Exclude<LogFormat, "off">;
  private readonly sink: LogSink;
  private block: Buffer = Buffer.allocUnsafeSlow(BLOCK_SIZE);
  private used = 0;
  private scheduled = false;
  private dateSecond = -1;
  private dateText = "";

  constructor(format: Exclude<LogFormat, "off">, sink: LogSink) {
    this.format = format;
    this.sink = sink;
  }

  /** Add a line; it is written within {@link FLUSH_DELAY_MS}, with the lines gathered meanwhile. */
  record(entry: AccessEntry): void {
    const now = Date.now();
    const second = Math.floor(now / 1000);
    if (second !== this.dateSecond) {
      this.dateSecond = second;
      this.dateText = clfDate(new Date(now));
    }
    const line = formatEntry(this.format, entry, this.dateText);
    // A line is clipped to a few KiB, so it always fits an emptied block.
    if (line.length > this.block.length - this.used) this.flush();
    this.used += this.block.write(line, this.used, "latin1");
    if (this.used >= FLUSH_AT) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      // Unreferenced: a pending line does not keep the process alive (stopping flushes it).
      setTimeout(() => this.flush(), FLUSH_DELAY_MS).unref();
    }
  }

  /** Write what is gathered now. */
  flush(): void {
    this.scheduled = false;
    if (this.used === 0) return;
    const bytes = this.block.subarray(0, this.used);
    // A new block for the next lines: the sink may keep these bytes (a stream's queued write).
    this.block = Buffer.allocUnsafeSlow(BLOCK_SIZE);
    this.used = 0;
    this.sink.write(bytes);
  }
}
