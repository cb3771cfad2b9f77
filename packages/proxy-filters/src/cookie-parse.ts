/**
 * A small strict `Set-Cookie` parser and serializer (RFC 6265 5.2, with RFC 6265bis `SameSite`
 * and `Partitioned`), and the `Cookie` request field split into pairs. Strict where a browser is
 * lenient: a cookie with no `=`, a bad name, control characters, a bad `Max-Age` or `Expires`, or a
 * `Domain` that the request host may not set is rejected with a reason rather than half-applied.
 * @module
 */
import { getPublicSuffix } from "tldts";

/** The attributes of a `Set-Cookie`, as reported in decision events. */
export interface CookieAttributes {
  expires?: string;
  maxAge?: number;
  domain?: string;
  path?: string;
  secure?: true;
  httpOnly?: true;
  sameSite?: string;
  partitioned?: true;
}

/** One attribute as written (`name` as sent, `value` null for flags), kept for re-serialization. */
export interface RawAttribute {
  name: string;
  value: string | null;
}

/** A parsed `Set-Cookie` field. */
export interface SetCookie {
  name: string;
  value: string;
  attributes: CookieAttributes;
  /** Every attribute in order, unknown ones included (passed on unchanged). */
  raw: RawAttribute[];
}

/** `parseSetCookie`'s answer: the cookie, or why it was rejected. */
export type SetCookieParse = { ok: true; cookie: SetCookie } | { ok: false; reason: string; name: string; value: string };

/** RFC 9110 token characters: a cookie name must be one. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// eslint-disable-next-line no-control-regex -- the point is to find control characters.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
/** Name plus value longer than this is refused (RFC 6265bis 5.6 step 5: 4096 octets). */
export const MAX_COOKIE_PAIR = 4096;
const MAX_AGE = /^-?\d+$/;

/** Options of {@link parseSetCookie}. */
export interface ParseOptions {
  /** The host the response came from: a `Domain` attribute must domain-match it. */
  requestHost?: string;
}

/** Whether `host` domain-matches `domain` (RFC 6265 5.1.3). */
export function domainMatch(host: string, domain: string): boolean {
  if (host === domain) return true;
  return host.endsWith("." + domain) && !isIp(host);
}

function isIp(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(":");
}

/**
 * Parse one `Set-Cookie` field value. Rejected (with the reason): no `=` in the pair, an empty or
 * non-token name, control characters, a pair over 4096 octets, a `Max-Age` that is not an
 * integer, an `Expires` that is not a date, a `Domain` the request host may not set (not a
 * domain-match, or a public suffix).
 * @example
 * parseSetCookie("id=42; Max-Age=3600; Path=/; HttpOnly").ok // true
 * parseSetCookie("garbage").ok                                // false: no "=" in the name-value pair
 */
export function parseSetCookie(field: string, options: ParseOptions = {}): SetCookieParse {
  const semi = field.indexOf(";");
  const pair = semi < 0 ? field : field.slice(0, semi);
  const eq = pair.indexOf("=");
  const name = eq < 0 ? pair.trim() : pair.slice(0, eq).trim();
  const value = eq < 0 ? "" : pair.slice(eq + 1).trim();
  const bad = (reason: string): SetCookieParse => ({ ok: false, reason, name, value });
  if (CONTROL.test(field)) return bad("control characters");
  if (eq < 0) return bad('no "=" in the name-value pair');
  if (name === "") return bad("empty cookie name");
  if (!TOKEN.test(name)) return bad(`cookie name ${JSON.stringify(name)} is not a token`);
  if (name.length + value.length > MAX_COOKIE_PAIR) return bad(`name and value longer than ${MAX_COOKIE_PAIR} octets`);

  const attributes: CookieAttributes = {};
  const raw: RawAttribute[] = [];
  const rest = semi < 0 ? [] : field.slice(semi + 1).split(";");
  for (const part of rest) {
    const trimmed = part.trim();
    if (trimmed === "") continue;
    const i = trimmed.indexOf("=");
    const attr = (i < 0 ? trimmed : trimmed.slice(0, i)).trim();
    const v = i < 0 ? null : trimmed.slice(i + 1).trim();
    raw.push({ name: attr, value: v });
    const val = v ?? "";
    switch (attr.toLowerCase()) {
      case "max-age":
        if (!MAX_AGE.test(val)) return bad(`bad Max-Age ${JSON.stringify(val)}`);
        attributes.maxAge = Math.max(Math.min(Number(val), Number.MAX_SAFE_INTEGER), Number.MIN_SAFE_INTEGER);
        break;
      case "expires":
        if (parseCookieDate(val) === null) return bad(`bad Expires ${JSON.stringify(val)}`);
        attributes.expires = val;
        break;
      case "domain": {
        if (val === "") break; // RFC 6265 5.2.3: an empty Domain is ignored.
        const domain = val.replace(/^\./, "").toLowerCase();
        const host = options.requestHost?.toLowerCase();
        if (host !== undefined) {
          if (!domainMatch(host, domain)) return bad(`Domain=${domain} does not match the host ${host}`);
          if (domain !== host && getPublicSuffix(domain, { allowPrivateDomains: true }) === domain) return bad(`Domain=${domain} is a public suffix`);
        }
        attributes.domain = domain;
        break;
      }
      case "path":
        attributes.path = val;
        break;
      case "secure":
        attributes.secure = true;
        break;
      case "httponly":
        attributes.httpOnly = true;
        break;
      case "samesite":
        attributes.sameSite = val;
        break;
      case "partitioned":
        attributes.partitioned = true;
        break;
      default:
        break; // unknown attributes are passed on, not interpreted
    }
  }
  return { ok: true, cookie: { name, value, attributes, raw } };
}

/** The `Set-Cookie` value for `cookie`: the pair, then its raw attributes in order. */
export function serializeSetCookie(cookie: SetCookie): string {
  let out = `${cookie.name}=${cookie.value}`;
  for (const a of cookie.raw) out += a.value === null ? `; ${a.name}` : `; ${a.name}=${a.value}`;
  return out;
}

/** `cookie` without the raw attributes named (case-insensitive) in `names`, with `add` appended. */
export function rewriteAttributes(cookie: SetCookie, names: readonly string[], add: RawAttribute[] = []): SetCookie {
  const drop = new Set(names.map((n) => n.toLowerCase()));
  const raw = [...cookie.raw.filter((a) => !drop.has(a.name.toLowerCase())), ...add];
  const attributes: CookieAttributes = { ...cookie.attributes };
  if (drop.has("expires")) delete attributes.expires;
  if (drop.has("max-age")) delete attributes.maxAge;
  for (const a of add) {
    if (a.name.toLowerCase() === "max-age") attributes.maxAge = Number(a.value);
    if (a.name.toLowerCase() === "expires" && a.value !== null) attributes.expires = a.value;
  }
  return { ...cookie, attributes, raw };
}

/**
 * The cookie's lifetime in seconds from `now` (RFC 6265 5.3 step 3: Max-Age wins over Expires), or
 * null for a session cookie. Zero or less means the cookie is being deleted.
 */
export function lifetimeOf(cookie: SetCookie, now: Date): number | null {
  const { maxAge, expires } = cookie.attributes;
  if (maxAge !== undefined) return maxAge;
  if (expires !== undefined) return Math.floor(((parseCookieDate(expires) ?? 0) - now.getTime()) / 1000);
  return null;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
/** RFC 6265 5.1.1 delimiter: %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E. */
const DATE_DELIMITERS = /[\t\x20-\x2f\x3b-\x40\x5b-\x60\x7b-\x7e]+/;
const TIME_TOKEN = /^(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\D|$)/;
const DAY_TOKEN = /^(\d{1,2})(?:\D|$)/;
const YEAR_TOKEN = /^(\d{2,4})(?:\D|$)/;

/**
 * An `Expires` value as browsers read it (RFC 6265 5.1.1, the cookie-date algorithm), in ms since
 * the epoch, or null when it is no date. Not `Date.parse`: that reads `Wed, 01 Jan 55` as 1955
 * (a date past, a deletion) where a browser reads 2055 (a cookie kept for thirty years), and
 * accepts forms browsers do not.
 */
export function parseCookieDate(value: string): number | null {
  let time: number[] | null = null;
  let day: number | null = null;
  let month: number | null = null;
  let year: number | null = null;
  for (const token of value.split(DATE_DELIMITERS)) {
    if (token === "") continue;
    let m: RegExpExecArray | null;
    if (time === null && (m = TIME_TOKEN.exec(token)) !== null) time = [Number(m[1]), Number(m[2]), Number(m[3])];
    else if (day === null && (m = DAY_TOKEN.exec(token)) !== null) day = Number(m[1]);
    else if (month === null && token.length >= 3 && MONTHS.includes(token.slice(0, 3).toLowerCase())) month = MONTHS.indexOf(token.slice(0, 3).toLowerCase());
    else if (year === null && (m = YEAR_TOKEN.exec(token)) !== null) year = Number(m[1]);
  }
  if (time === null || day === null || month === null || year === null) return null;
  if (year >= 70 && year <= 99) year += 1900;
  else if (year >= 0 && year <= 69) year += 2000;
  const [hour, minute, second] = time;
  if (day < 1 || day > 31 || year < 1601 || hour > 23 || minute > 59 || second > 59) return null;
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  date.setUTCHours(hour, minute, second, 0);
  // A day the month does not have (30 February) is no date (RFC 6265 5.1.1 step 6).
  return date.getUTCDate() === day ? date.getTime() : null;
}

/** The `name=value` pairs of `Cookie` fields (RFC 6265 4.2.1); a pair without `=` gets an empty name. */
export function parseCookieHeader(field: string): Array<{ name: string; value: string }> {
  const out: Array<{ name: string; value: string }> = [];
  for (const part of field.split(";")) {
    const p = part.trim();
    if (p === "") continue;
    const i = p.indexOf("=");
    out.push(i < 0 ? { name: "", value: p } : { name: p.slice(0, i).trim(), value: p.slice(i + 1).trim() });
  }
  return out;
}

/** A cookie value as shown in events and logs: its first two characters, then "…". */
export function maskValue(value: string): string {
  return value.slice(0, 2) + "…";
}
