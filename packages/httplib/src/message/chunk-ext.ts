/**
 * Validation of chunk extensions (RFC 9112 7.1.1). We accept and ignore them, but only when
 * well-formed, so a malformed size line cannot hide bytes from a front-end parser.
 * @module
 */
import { InvalidChunk } from "../errors.js";
import { HTAB, SP, TCHAR } from "./chars.js";

/**
 * Checks `ext`, the bytes between the chunk size and its CR, against
 * `*( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )` where names are tokens and
 * values tokens or quoted-strings. Throws `InvalidChunk` ("size" when there is no `;` at all,
 * e.g. `"1 \r\n"`; "extension" otherwise).
 */
export function validateChunkExtensions(ext: Buffer): void {
  const n = ext.length;
  let i = 0;
  const skipBWS = (): void => {
    while (i < n && (ext[i] === SP || ext[i] === HTAB)) i++;
  };
  const token = (): boolean => {
    const s = i;
    while (i < n && TCHAR[ext[i]] === 1) i++;
    return i > s;
  };
  let first = true;
  while (i < n) {
    skipBWS();
    if (ext[i] !== 0x3b) throw new InvalidChunk(first ? "size" : "extension", "expected ';'");
    first = false;
    i++;
    skipBWS();
    if (!token()) throw new InvalidChunk("extension", "missing extension name");
    skipBWS();
    if (i < n && ext[i] === 0x3d) {
      i++;
      skipBWS();
      if (ext[i] === 0x22) quotedString();
      else if (!token()) throw new InvalidChunk("extension", "missing extension value");
    }
  }

  // RFC 9110 5.6.4: quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
  function quotedString(): void {
    i++;
    while (i < n) {
      const b = ext[i];
      if (b === 0x22) {
        i++;
        return;
      }
      if (b === 0x5c) {
        const q = ext[i + 1];
        if (q === undefined || !(q === HTAB || (q >= 0x20 && q !== 0x7f))) break;
        i += 2;
      } else if (b === HTAB || (b >= 0x20 && b !== 0x7f)) {
        i++;
      } else {
        break;
      }
    }
    throw new InvalidChunk("extension", "bad quoted-string");
  }
}
