/**
 * Python's `urllib.parse.quote`/`unquote` and `html.escape`, and the file-name encoding CPython
 * uses on POSIX (`surrogateescape`): a file name whose bytes are not UTF-8 is held in a JS string
 * with each undecodable byte `b` as the lone surrogate U+DC00+b, exactly as Python holds it, so
 * every name on disk can be listed, linked and served back.
 * @module
 */

const ALWAYS_SAFE = /[A-Za-z0-9_.\-~]/;
const HEX = "0123456789ABCDEF";

/** Whether `s` holds a surrogate-escaped byte (a lone surrogate U+DC80..U+DCFF). */
function hasEscapedBytes(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return true;
  }
  return false;
}

/**
 * Encode a string as UTF-8 with Python's `surrogatepass` (a lone surrogate becomes its 3-byte
 * form, as `quote(..., errors="surrogatepass")` does).
 */
function utf8SurrogatePass(s: string): Buffer {
  if (!hasEscapedBytes(s)) return Buffer.from(s, "utf8");
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Buffer.from(out);
}

/**
 * Python's `urllib.parse.quote(s, safe="/", errors="surrogatepass")`: percent-encode every byte
 * of the UTF-8 form except letters, digits, `_.-~` and the characters in `safe`.
 */
export function quote(s: string, safe = "/"): string {
  const bytes = utf8SurrogatePass(s);
  let out = "";
  for (const b of bytes) {
    const ch = String.fromCharCode(b);
    if (b < 0x80 && (ALWAYS_SAFE.test(ch) || safe.includes(ch))) out += ch;
    else out += "%" + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Percent-decode to bytes (a `%` not followed by two hex digits stays as it is, as in Python). */
export function unquoteToBytes(s: string): Buffer {
  const src = Buffer.from(s, "utf8");
  if (!src.includes(0x25)) return src;
  const out = Buffer.allocUnsafe(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const b = src[i];
    if (b === 0x25 && i + 2 < src.length) {
      const hi = hexValue(src[i + 1]);
      const lo = hexValue(src[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[n++] = b;
  }
  return out.subarray(0, n);
}

/**
 * Decode bytes as UTF-8 the way CPython decodes file names (`surrogateescape`): each byte that is
 * not part of a valid UTF-8 sequence becomes U+DC00+byte. A 3-byte encoded surrogate in
 * U+DC80..U+DCFF (what `quote(errors="surrogatepass")` produced for such a byte) decodes back to
 * the same escaped byte, so links written by a listing lead to the file. Overlong forms and other
 * invalid sequences are never decoded to the character they imitate (`%C0%AE` is not `.`).
 */
export function decodeFsBytes(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    let need = 0;
    let min = 0;
    let cp = 0;
    if (b >= 0xc2 && b <= 0xdf) [need, min, cp] = [1, 0x80, b & 0x1f];
    else if (b >= 0xe0 && b <= 0xef) [need, min, cp] = [2, 0x800, b & 0x0f];
    else if (b >= 0xf0 && b <= 0xf4) [need, min, cp] = [3, 0x10000, b & 0x07];
    let ok = need > 0 && i + need < n;
    if (ok) {
      for (let k = 1; k <= need; k++) {
        const c = bytes[i + k];
        if (c === undefined || (c & 0xc0) !== 0x80) {
          ok = false;
          break;
        }
        cp = (cp << 6) | (c & 0x3f);
      }
    }
    if (ok && cp >= min && cp <= 0x10ffff) {
      if (cp >= 0xd800 && cp <= 0xdfff) {
        // An encoded surrogate: only the escaped-byte range round-trips; anything else is escaped.
        if (cp >= 0xdc80 && cp <= 0xdcff) {
          out += String.fromCharCode(cp);
          i += need + 1;
          continue;
        }
      } else {
        out += String.fromCodePoint(cp);
        i += need + 1;
        continue;
      }
    }
    out += String.fromCharCode(0xdc00 + b);
    i++;
  }
  return out;
}

/** Python's `urllib.parse.unquote(s, errors="surrogatepass")` for paths, with undecodable bytes escaped. */
export function unquote(s: string): string {
  return decodeFsBytes(unquoteToBytes(s));
}

/**
 * CPython's display form of a request path in a listing title: `unquote(path,
 * errors="surrogatepass")`, and where that fails (bytes that are not UTF-8), `unquote(path)`,
 * which shows each undecodable sequence as U+FFFD.
 */
export function unquoteForDisplay(s: string): string {
  const bytes = unquoteToBytes(s);
  const decoded = decodeFsBytes(bytes);
  for (let i = 0; i < decoded.length; i++) {
    const c = decoded.charCodeAt(i);
    // A lone surrogate that came from an undecodable byte (not from an encoded surrogate).
    if (c >= 0xdc80 && c <= 0xdcff && !isEncodedSurrogateAt(bytes, decoded, i)) return new TextDecoder("utf-8").decode(bytes);
  }
  return decoded;
}

/** Whether the escaped char at `index` of `decoded` was written as a 3-byte encoded surrogate. */
function isEncodedSurrogateAt(bytes: Uint8Array, decoded: string, index: number): boolean {
  // Re-encode the prefix to find the byte offset of this char.
  const offset = fsEncodeBuffer(decoded.slice(0, index)).length;
  return bytes[offset] === 0xed;
}

/**
 * The bytes of a surrogate-escaped string (Python's `os.fsencode`): a plain string is returned as
 * it is (Node encodes it as UTF-8), a string with escaped bytes becomes the Buffer of its raw bytes.
 */
export function fsEncode(s: string): string | Buffer {
  if (!hasEscapedBytes(s)) return s;
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate and the low one after it are one character (U+10000 and up), whose low half
    // may fall in DC80-DCFF: it is not an escaped byte (those never follow a high surrogate).
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (c >= 0xdc80 && c <= 0xdcff) {
      parts.push(Buffer.from(s.slice(start, i), "utf8"), Buffer.of(c - 0xdc00));
      start = i + 1;
    }
  }
  parts.push(Buffer.from(s.slice(start), "utf8"));
  return Buffer.concat(parts);
}

/** {@link fsEncode}, always as a Buffer (for a page or header that must carry the raw bytes). */
export function fsEncodeBuffer(s: string): Buffer {
  const e = fsEncode(s);
  return typeof e === "string" ? Buffer.from(e, "utf8") : e;
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" };

/** Python's `html.escape(s, quote)`: `&`, `<`, `>`, and with `quote` (default) `"` and `'`. */
export function htmlEscape(s: string, quoteChars = true): string {
  return s.replace(quoteChars ? /[&<>"']/g : /[&<>]/g, (c) => HTML_ESCAPES[c]);
}
