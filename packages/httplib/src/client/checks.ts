/**
 * Argument checks done before any byte is sent: `host[:port]` splitting (CPython
 * `_get_hostport`), and the refusal of control characters in methods, URLs, hosts and header
 * fields (CPython `_validate_method`, `_validate_path`, `_validate_host`, `putheader`).
 * @module
 */
import { domainToASCII } from "node:url";
import { InvalidMethod, InvalidURL } from "../errors.js";
import { isToken, validateHeaderName, validateHeaderValue } from "../message/index.js";

/**
 * Splits `"host:port"` or `"[v6]:port"` as CPython's `_get_hostport`: an explicit `port` wins;
 * an empty port after the colon means the default; brackets around an IPv6 literal are removed.
 * Throws `InvalidURL` for a non-numeric or out-of-range port.
 * @example
 * ```ts
 * getHostPort("[::1]:8080", undefined, 80); // ["::1", 8080]
 * getHostPort("example.com", undefined, 80); // ["example.com", 80]
 * ```
 */
export function getHostPort(host: string, port: number | undefined | null, defaultPort: number): [string, number] {
  let h = host;
  let p = port ?? undefined;
  if (p === undefined) {
    const i = h.lastIndexOf(":");
    const j = h.lastIndexOf("]");
    if (i > j) {
      const text = h.slice(i + 1);
      if (text === "") p = defaultPort;
      else if (/^[0-9]+$/.test(text)) p = Number(text);
      else throw new InvalidURL(`nonnumeric port: '${text}'`);
      h = h.slice(0, i);
    } else {
      p = defaultPort;
    }
  }
  if (!Number.isInteger(p) || p < 0 || p > 65535) throw new InvalidURL(`port out of range: ${String(p)}`);
  if (h.length > 1 && h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  return [h, p];
}

/** Index of the first character of `s` that is a control character, a space, DEL or above `max`, or -1. */
function firstBadChar(s: string, max: number): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c > max) return i;
  }
  return -1;
}

/** Throws `InvalidURL` (CPython's message) when `s` has a character {@link firstBadChar} refuses. */
function checkUrlChars(s: string, max: number): void {
  const i = firstBadChar(s, max);
  if (i !== -1) throw new InvalidURL(`URL can't contain control characters. ${JSON.stringify(s)} (found at least ${JSON.stringify(s[i])})`);
}

/** Refuses a method that is not an RFC 9110 token (CPython `_validate_method` only refuses controls): throws `InvalidMethod`. */
export function validateMethod(method: string): void {
  if (!isToken(method)) throw new InvalidMethod(method);
}

/** Refuses control characters, spaces and non-ASCII in a request-target (CPython `_validate_path`): throws `InvalidURL`. */
export function validatePath(url: string): void {
  checkUrlChars(url, 0x7e);
}

/**
 * Refuses control characters and spaces in a request target already encoded for the wire (one
 * character per byte), and characters that are not bytes: throws `InvalidURL`.
 */
export function validateTargetBytes(target: string): void {
  checkUrlChars(target, 0xff);
}

/** True when every character of `s` is ASCII. */
function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * `host` as it goes on the wire (socket, Host header, CONNECT, TLS server name): as is when it
 * is ASCII, else its IDNA A-label form (`δπθ.gr` -> `xn--pxaix.gr`; UTS #46 through
 * `url.domainToASCII`, where CPython uses its "idna" codec). Throws `InvalidURL` for a name that
 * has no such form.
 */
export function asciiHost(host: string): string {
  if (isAscii(host)) return host;
  const ascii = domainToASCII(host);
  if (ascii === "") throw new InvalidURL(`invalid host name ${JSON.stringify(host)} (no IDNA form)`);
  return ascii;
}

/**
 * Refuses control characters and spaces in a host (CPython `_validate_host`), and a non-ASCII
 * name without an IDNA form: throws `InvalidURL`.
 */
export function validateHost(host: string): void {
  checkUrlChars(host, Number.POSITIVE_INFINITY);
  asciiHost(host);
}

/** A header value as `putHeader` accepts it (CPython: str, bytes or int). */
export type HeaderValue = string | number | Buffer | Uint8Array;

/**
 * Checks a header name and its values and returns the field line `Name: v1, v2` (values joined
 * with ", ", RFC 9110 5.3; CPython folds with "\r\n\t", an obs-fold that RFC 9112 5.2 forbids
 * senders to generate). Throws `InvalidHeader`.
 */
export function formatHeaderLine(name: string, values: readonly HeaderValue[]): string {
  validateHeaderName(name);
  let line = `${name}: `;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const text = typeof v === "string" ? v : typeof v === "number" ? String(v) : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("latin1");
    validateHeaderValue(name, text);
    line += i === 0 ? text : `, ${text}`;
  }
  return `${line}\r\n`;
}

/** Request headers as `request()` accepts them: a record, an `HTTPMessage` or any iterable of pairs. */
export type RequestHeaders =
  | Readonly<Record<string, HeaderValue | readonly HeaderValue[]>>
  | Iterable<readonly [string, HeaderValue | readonly HeaderValue[]]>;

/** Normalizes {@link RequestHeaders} to an array of `[name, values]` pairs. */
export function headerPairs(headers: RequestHeaders | undefined): Array<[string, readonly HeaderValue[]]> {
  const out: Array<[string, readonly HeaderValue[]]> = [];
  if (headers === undefined || headers === null) return out;
  const pairs: Iterable<readonly [string, HeaderValue | readonly HeaderValue[]]> =
    Symbol.iterator in headers
      ? (headers as Iterable<readonly [string, HeaderValue | readonly HeaderValue[]]>)
      : Object.entries(headers as Record<string, HeaderValue | readonly HeaderValue[]>);
  for (const [name, value] of pairs) {
    out.push([name, Array.isArray(value) ? (value as readonly HeaderValue[]) : [value as HeaderValue]]);
  }
  return out;
}
