/**
 * HTTP-date parsing (RFC 9110 5.6.7): IMF-fixdate, the obsolete RFC 850 and asctime forms, read as
 * UTC. CPython's `send_head` takes a date without a zone as UTC and ignores any zone other than
 * GMT/UTC/+0000, and so do we (an ignored date means the condition is not evaluated).
 * @module
 */

const MONTHS: Record<string, number> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };
const IMF = /^[A-Za-z]{3}, (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (GMT|UTC|\+0000|-0000)$/;
const RFC850 = /^[A-Za-z]{6,9}, (\d{2})-([A-Za-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME = /^[A-Za-z]{3} ([A-Za-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

function utc(year: number, month: string, day: number, h: number, m: number, s: number): number | null {
  const mon = MONTHS[month.toLowerCase()];
  if (mon === undefined || day < 1 || day > 31 || h > 23 || m > 59 || s > 60) return null;
  const t = Date.UTC(year, mon, day, h, m, Math.min(s, 59));
  return Number.isFinite(t) ? t / 1000 : null;
}

/** Seconds since the epoch of an HTTP-date, or `null` when the value is not one. */
export function parseHttpDate(value: string): number | null {
  const v = value.trim();
  let r = IMF.exec(v);
  if (r) return utc(Number(r[3]), r[2], Number(r[1]), Number(r[4]), Number(r[5]), Number(r[6]));
  r = RFC850.exec(v);
  if (r) {
    // RFC 9112 5.6.7: a two-digit year more than 50 years in the future is in the past century.
    let year = 2000 + Number(r[3]);
    if (year > new Date().getUTCFullYear() + 50) year -= 100;
    return utc(year, r[2], Number(r[1]), Number(r[4]), Number(r[5]), Number(r[6]));
  }
  r = ASCTIME.exec(v);
  if (r) return utc(Number(r[6]), r[1], Number(r[2].trim()), Number(r[3]), Number(r[4]), Number(r[5]));
  return null;
}
