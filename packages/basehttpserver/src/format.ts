/**
 * Text helpers with CPython's exact output: the default error page, `html.escape(s, quote=False)`,
 * `repr()` of a string, `%`-formatting for log messages, the control-character escaping of
 * `log_message`, and the two date formats of `BaseHTTPRequestHandler`.
 * @module
 */
import { formatHttpDate } from "@stdhttp/httplib";

/** CPython's `DEFAULT_ERROR_MESSAGE`: `%(code)d`, `%(message)s` and `%(explain)s` are filled in. */
export const DEFAULT_ERROR_MESSAGE = `<!DOCTYPE HTML>
<html lang="en">
    <head>
        <meta charset="utf-8">
        <title>Error response</title>
    </head>
    <body>
        <h1>Error response</h1>
        <p>Error code: %(code)d</p>
        <p>Message: %(message)s.</p>
        <p>Error code explanation: %(code)s - %(explain)s.</p>
    </body>
</html>
`;

/** CPython's `DEFAULT_ERROR_CONTENT_TYPE`. */
export const DEFAULT_ERROR_CONTENT_TYPE = "text/html;charset=utf-8";

/** Python's `html.escape(s, quote=False)`: `&`, `<` and `>` only. */
export function htmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Fill CPython's `%(name)s` / `%(name)d` placeholders from `values`. */
export function formatNamed(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/%\(([a-z_]+)\)[sd]/g, (m, key: string) => (key in values ? String(values[key]) : m));
}

/** Python's `repr()` of a str: quotes chosen as Python does, backslash escapes for control characters. */
export function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += `\\${quote}`;
    else if (c === 0x09) out += "\\t";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c < 0x20 || (c >= 0x7f && c < 0xa1) || c === 0xad) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + quote;
}

/**
 * Python's `format % args` for the conversions log formats use: `%s`, `%d`, `%r` and `%%`.
 * Extra arguments are ignored; missing ones leave the conversion as written.
 */
export function percentFormat(format: string, args: readonly unknown[]): string {
  if (args.length === 0) return format;
  let i = 0;
  return format.replace(/%([sdr%])/g, (m, conv: string) => {
    if (conv === "%") return "%";
    if (i >= args.length) return m;
    const arg = args[i++];
    if (conv === "d") return String(Math.trunc(Number(arg)));
    if (conv === "r") return typeof arg === "string" ? pyRepr(arg) : arg instanceof Error ? `${arg.name}(${pyRepr(arg.message)})` : String(arg);
    return String(arg);
  });
}

/**
 * CPython's `_control_char_table`: C0 controls, DEL and C1 controls become `\xNN`, and a
 * backslash is doubled, so a log line cannot carry terminal escapes or fake line breaks.
 */
export function escapeControl(s: string): string {
  let out: string | null = null;
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c === 0x5c) {
      out = (out ?? "") + s.slice(last, i) + (c === 0x5c ? "\\\\" : `\\x${c.toString(16).padStart(2, "0")}`);
      last = i + 1;
    }
  }
  return out === null ? s : out + s.slice(last);
}

/** CPython's `monthname` (index 0 unused). */
export const MONTH_NAMES: readonly (string | null)[] = [null, "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** CPython's `weekdayname` (Monday first). */
export const WEEKDAY_NAMES: readonly string[] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `dd/Mon/yyyy hh:mm:ss` in local time, months named by `monthNames` (CPython's `log_date_time_string`). */
export function logDateTime(now: Date = new Date(), monthNames: readonly (string | null)[] = MONTH_NAMES): string {
  return `${pad2(now.getDate())}/${monthNames[now.getMonth() + 1]}/${String(now.getFullYear()).padStart(4, "0")} ${pad2(now.getHours())}:${pad2(now.getMinutes())}:${pad2(now.getSeconds())}`;
}

let cachedSecond = -1;
let cachedDate = "";

/**
 * The IMF-fixdate of `timestamp` (seconds, as Python's), or of now. The current date is cached
 * for the second it names, so a busy server formats it once per second, not once per response.
 */
export function httpDate(timestamp?: number): string {
  if (timestamp !== undefined) return formatHttpDate(Math.floor(timestamp * 1000));
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedDate = formatHttpDate(second * 1000);
  }
  return cachedDate;
}
