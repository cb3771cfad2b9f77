/**
 * The four forms of request-target (RFC 9112 3.2) and the authority syntax of `Host` and of
 * CONNECT targets (RFC 9112 3.2, RFC 3986 3.2): which form a target has, whether the method
 * allows it, and whether an authority is well formed. Plain functions over strings; the parser
 * turns a `false` into a 400 answer.
 * @module
 */
import { isIPv6 } from "node:net";

/** The form of a request-target (RFC 9112 3.2.1-3.2.4). */
export type RequestTargetForm = "origin" | "absolute" | "authority" | "asterisk";

/** RFC 3986 `unreserved` / `sub-delims` / `%`: the bytes of a `reg-name` (and of an IPv4 address). */
const REG_NAME = table("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=%");
/** The bytes after the dot of an RFC 3986 IPvFuture: unreserved, sub-delims and `:`. */
const IP_FUTURE = table("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:");
const SCHEME = table("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
const HEX = table("0123456789abcdefABCDEF");

function table(chars: string): Uint8Array {
  const t = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}

/**
 * The form of `target`, or `null` when it has none of the four: `/...` is origin-form,
 * `*` asterisk-form, `scheme:...` absolute-form (RFC 3986 4.3; `http`/`https` need a non-empty
 * authority, RFC 9110 4.2.1), `host:port` authority-form.
 */
export function requestTargetForm(target: string): RequestTargetForm | null {
  const first = target.charCodeAt(0);
  if (first === 0x2f) return "origin";
  if (target === "*") return "asterisk";
  const colon = target.indexOf(":");
  if (colon > 0 && isScheme(target, colon) && !isAuthorityTarget(target)) {
    return isAbsoluteTarget(target, colon) ? "absolute" : null;
  }
  return isAuthorityTarget(target) ? "authority" : null;
}

/**
 * Whether `method` may use a target of `form` (RFC 9112 3.2): asterisk-form only with OPTIONS,
 * authority-form only with (and CONNECT only with) authority-form, absolute-form with any other
 * method (a proxy receives it), origin-form otherwise.
 */
export function formAllowed(method: string, form: RequestTargetForm): boolean {
  if (method === "CONNECT") return form === "authority";
  if (form === "authority") return false;
  if (form === "asterisk") return method === "OPTIONS";
  return true;
}

/**
 * Whether `value` is a valid `Host` field value (RFC 9112 3.2): `uri-host [ ":" port ]` with
 * `port = *DIGIT`, or empty (a target without an authority). No whitespace, userinfo, path,
 * query or fragment.
 */
export function isValidHost(value: string): boolean {
  if (value.length === 0) return true;
  return isAuthority(value, 0, value.length, false);
}

/**
 * The authority of an absolute-form target (`http://host:port/path` -> `host:port`, any
 * `scheme://`), the value a server uses in place of `Host` (RFC 9112 3.2.2); `null` for a target
 * without an authority (`urn:...`).
 */
export function targetAuthority(target: string): string | null {
  const colon = target.indexOf(":");
  if (colon <= 0 || target.charCodeAt(colon + 1) !== 0x2f || target.charCodeAt(colon + 2) !== 0x2f) return null;
  const start = colon + 3;
  return target.slice(start, authorityEnd(target, start));
}

/** authority-form: `uri-host ":" port`, the port required (RFC 9112 3.2.3). */
function isAuthorityTarget(target: string): boolean {
  return isAuthority(target, 0, target.length, true);
}

function isScheme(s: string, end: number): boolean {
  const c = s.charCodeAt(0);
  if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) return false;
  for (let i = 1; i < end; i++) {
    const b = s.charCodeAt(i);
    if (b > 0x7f || SCHEME[b] !== 1) return false;
  }
  return true;
}

function isAbsoluteTarget(target: string, colon: number): boolean {
  const scheme = target.slice(0, colon).toLowerCase();
  const hasAuthority = target.charCodeAt(colon + 1) === 0x2f && target.charCodeAt(colon + 2) === 0x2f;
  if (!hasAuthority) return scheme !== "http" && scheme !== "https" && colon + 1 < target.length;
  const start = colon + 3;
  const end = authorityEnd(target, start);
  // RFC 9110 4.2.1: an http(s) URI with an empty host is invalid and MUST be rejected.
  if (end === start) return scheme !== "http" && scheme !== "https";
  return isAuthority(target, start, end, false) && target.charCodeAt(start) !== 0x3a;
}

/** Where the authority starting at `start` ends: at the first `/`, `?` or `#`. */
function authorityEnd(s: string, start: number): number {
  let i = start;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x2f || c === 0x3f || c === 0x23) break;
    i++;
  }
  return i;
}

/**
 * `host [ ":" port ]` in `s[start, end)` without userinfo (RFC 3986 3.2.2, 3.2.3); with
 * `needPort`, the `":" port` part must be there and non-empty.
 */
function isAuthority(s: string, start: number, end: number, needPort: boolean): boolean {
  let hostEnd: number;
  if (s.charCodeAt(start) === 0x5b) {
    const close = s.indexOf("]", start);
    if (close === -1 || close >= end || !isIpLiteral(s.slice(start + 1, close))) return false;
    hostEnd = close + 1;
    if (hostEnd !== end && s.charCodeAt(hostEnd) !== 0x3a) return false;
  } else {
    hostEnd = start;
    while (hostEnd < end && s.charCodeAt(hostEnd) !== 0x3a) {
      const c = s.charCodeAt(hostEnd);
      if (c > 0x7f || REG_NAME[c] !== 1) return false;
      if (c === 0x25 && !isPctEncoded(s, hostEnd, end)) return false;
      hostEnd++;
    }
    if (hostEnd === start && needPort) return false;
  }
  if (hostEnd === end) return !needPort;
  // ":" port
  if (needPort && hostEnd + 1 === end) return false;
  for (let i = hostEnd + 1; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function isPctEncoded(s: string, i: number, end: number): boolean {
  if (i + 2 >= end) return false;
  const a = s.charCodeAt(i + 1);
  const b = s.charCodeAt(i + 2);
  return a < 0x80 && b < 0x80 && HEX[a] === 1 && HEX[b] === 1;
}

/** `IPv6address` or `IPvFuture` (RFC 3986 3.2.2), the part between the brackets. */
function isIpLiteral(inner: string): boolean {
  if (inner.length === 0) return false;
  const c = inner.charCodeAt(0);
  if (c === 0x76 || c === 0x56) {
    // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
    const dot = inner.indexOf(".");
    if (dot < 2 || dot === inner.length - 1) return false;
    for (let i = 1; i < dot; i++) if (inner.charCodeAt(i) > 0x7f || HEX[inner.charCodeAt(i)] !== 1) return false;
    for (let i = dot + 1; i < inner.length; i++) {
      const b = inner.charCodeAt(i);
      if (b > 0x7f || IP_FUTURE[b] !== 1) return false;
    }
    return true;
  }
  return isIPv6(inner);
}

/**
 * gh-87389: a path starting with `//` is reduced to one `/`, so a redirect built from it cannot
 * become a scheme-relative URL pointing at another host.
 */
export function collapseLeadingSlashes(target: string): string {
  if (target.length < 2 || target.charCodeAt(0) !== 0x2f || target.charCodeAt(1) !== 0x2f) return target;
  let i = 2;
  while (i < target.length && target.charCodeAt(i) === 0x2f) i++;
  return `/${target.slice(i)}`;
}
