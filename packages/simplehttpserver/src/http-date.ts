/**
 * HTTP-date parsing for conditional requests: httplib's RFC 9110 5.6.7 parser (IMF-fixdate,
 * RFC 850, asctime, as UTC), also taking the zones CPython's `send_head` takes as UTC
 * (`UTC`, `+0000`, `-0000`); any other zone makes the date ill-formed, and so ignored.
 * @module
 */
import { parseHttpDate as parseDate } from "@stdhttp/httplib";

/** Seconds since the epoch of an HTTP-date, or `null` when the value is not one. */
export function parseHttpDate(value: string): number | null {
  const d = parseDate(value.trim().replace(/ (?:UTC|[+-]0000)$/, " GMT"));
  return d === null ? null : d.getTime() / 1000;
}
