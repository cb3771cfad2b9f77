/**
 * Checks for writers: a field name must be a token and a value must not smuggle a line end
 * (header injection / response splitting) before it goes on the wire.
 * @module
 */
import { InvalidHeader } from "../errors.js";
import { isToken } from "./chars.js";

/**
 * Throws `InvalidHeader` (reason `empty-name` or `bad-name`) unless `name` is an RFC 9110 token (5.1).
 * @example
 * ```ts
 * validateHeaderName("X-Ok"); // fine
 * validateHeaderName("Bad Name"); // throws InvalidHeader
 * ```
 */
export function validateHeaderName(name: string): void {
  if (name.length === 0) throw new InvalidHeader("empty-name");
  if (!isToken(name)) throw new InvalidHeader("bad-name", name);
}

/**
 * Throws `InvalidHeader` unless `value` holds only HTAB, SP, VCHAR and obs-text (RFC 9110 5.5):
 * reason `bare-cr` for CR, `invalid-value` for LF, NUL, another CTL, DEL or a character above U+00FF
 * (values are written as latin1). `name` is only used in the error.
 */
export function validateHeaderValue(name: string, value: string): void {
  const i = firstInvalidValueChar(value);
  if (i !== -1) throw new InvalidHeader(value.charCodeAt(i) === 0x0d ? "bare-cr" : "invalid-value", name);
}

/** Whether `value` may be sent as a field value (or a reason phrase): HTAB, SP, VCHAR and obs-text only (RFC 9110 5.5). */
export function isFieldValue(value: string): boolean {
  return firstInvalidValueChar(value) === -1;
}

/** Index of the first character of `value` that is not HTAB, SP, VCHAR or obs-text (a CTL, DEL, above U+00FF), or -1. */
function firstInvalidValueChar(value: string): number {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x20 ? c === 0x7f || c > 0xff : c !== 0x09) return i;
  }
  return -1;
}
