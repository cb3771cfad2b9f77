/**
 * HTTP dates (RFC 9110 5.6.7): IMF-fixdate out, the three historical formats in.
 * @module
 */

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const LONG_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * Formats a time as IMF-fixdate, e.g. `"Sun, 06 Nov 1994 08:49:37 GMT"` (RFC 9110 5.6.7), as
 * CPython's `email.utils.formatdate(usegmt=True)`. `date` is a Date or milliseconds since the
 * epoch (JavaScript's unit, not Python's seconds); default now. Throws `RangeError` for an
 * invalid date or a year outside 0-9999.
 * @example
 * ```ts
 * formatHttpDate(0); // "Thu, 01 Jan 1970 00:00:00 GMT"
 * ```
 */
export function formatHttpDate(date: Date | number = Date.now()): string {
  const d = typeof date === "number" ? new Date(date) : date;
  const year = d.getUTCFullYear();
  if (Number.isNaN(year) || year < 0 || year > 9999) throw new RangeError(`cannot format ${String(date)} as an HTTP date`);
  return `${DAYS[d.getUTCDay()]}, ${pad2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${String(year).padStart(4, "0")} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} GMT`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

const IMF_FIXDATE = /^([A-Z][a-z]{2}), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const RFC850 = /^([A-Z][a-z]{5,8}), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME = /^([A-Z][a-z]{2}) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/**
 * Parses an HTTP date in any of the three formats a recipient must accept (RFC 9110 5.6.7):
 * IMF-fixdate, obsolete RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`, two-digit years more than
 * 50 years ahead are taken as the past century) and asctime (`Sun Nov  6 08:49:37 1994`).
 * Surrounding whitespace is ignored. Returns null for anything else or an impossible date.
 */
export function parseHttpDate(value: string): Date | null {
  const s = value.trim();
  let m = IMF_FIXDATE.exec(s);
  if (m !== null) {
    if (!DAYS.includes(m[1])) return null;
    return build(+m[4], m[3], +m[2], +m[5], +m[6], +m[7]);
  }
  m = RFC850.exec(s);
  if (m !== null) {
    if (!LONG_DAYS.includes(m[1])) return null;
    return build(fullYear(+m[4]), m[3], +m[2], +m[5], +m[6], +m[7]);
  }
  m = ASCTIME.exec(s);
  if (m !== null) {
    if (!DAYS.includes(m[1])) return null;
    return build(+m[7], m[2], +m[3].trim(), +m[4], +m[5], +m[6]);
  }
  return null;
}

/** RFC 9110 5.6.7: a two-digit year more than 50 years in the future means the most recent past year with those digits. */
function fullYear(yy: number): number {
  const now = new Date().getUTCFullYear();
  let year = Math.floor(now / 100) * 100 + yy;
  if (year > now + 50) year -= 100;
  return year;
}

function build(year: number, mon: string, day: number, h: number, min: number, sec: number): Date | null {
  const month = MONTHS.indexOf(mon);
  // sec 60 is a leap second (RFC 5322 allows it); Date cannot hold it, so 60 -> 59.
  if (month === -1 || day < 1 || h > 23 || min > 59 || sec > 60) return null;
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  d.setUTCHours(h, min, Math.min(sec, 59), 0);
  if (d.getUTCDate() !== day) return null; // e.g. 31 Feb
  return d;
}
