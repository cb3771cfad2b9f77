/**
 * Byte classes of RFC 9110 / RFC 9112 as lookup tables, so parsers test one byte with one
 * array read instead of a regular expression.
 * @module
 */

/** `tchar` (RFC 9110 5.6.2): the bytes allowed in a token (method, field name, coding name). */
export const TCHAR: Uint8Array = makeTable((b) =>
  (b >= 0x30 && b <= 0x39) || // DIGIT
  (b >= 0x41 && b <= 0x5a) || // A-Z
  (b >= 0x61 && b <= 0x7a) || // a-z
  "!#$%&'*+-.^_`|~".includes(String.fromCharCode(b)),
);

/**
 * Bytes allowed inside a field value (RFC 9110 5.5): HTAB, SP, VCHAR and obs-text.
 * NUL, CR, LF, the other CTLs and DEL are not.
 */
export const FIELD_VCHAR: Uint8Array = makeTable((b) => b === 0x09 || (b >= 0x20 && b <= 0x7e) || b >= 0x80);

/** Bytes allowed in a request-target: VCHAR plus obs-text (decoded as latin1, as CPython does). */
export const TARGET_CHAR: Uint8Array = makeTable((b) => (b >= 0x21 && b <= 0x7e) || b >= 0x80);

/** Value of a hexadecimal digit byte, or -1 (RFC 5234 HEXDIG, both cases). */
export const HEX_VALUE: Int8Array = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let i = 0; i < 10; i++) t[0x30 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[0x41 + i] = 10 + i;
    t[0x61 + i] = 10 + i;
  }
  return t;
})();

/** Carriage return. */
export const CR = 0x0d;
/** Line feed. */
export const LF = 0x0a;
/** Space. */
export const SP = 0x20;
/** Horizontal tab. */
export const HTAB = 0x09;
/** `:` */
export const COLON = 0x3a;

function makeTable(pred: (b: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = pred(b) ? 1 : 0;
  return t;
}

/**
 * Whether `s` is a non-empty RFC 9110 `token` (5.6.2): only `tchar`s. Use it for methods,
 * field names and transfer-coding names.
 * @example
 * ```ts
 * isToken("GET"); // true
 * isToken("X Header"); // false
 * ```
 */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f || TCHAR[c] !== 1) return false;
  }
  return true;
}
