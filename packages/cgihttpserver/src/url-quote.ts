/**
 * Percent-decoding as Python's `urllib.parse.unquote` (UTF-8, undecodable bytes as U+FFFD).
 * @module
 */

/** Python's `urllib.parse.unquote(s)`: `%XX` escapes decoded as UTF-8 (invalid bytes: U+FFFD). */
export function unquote(s: string): string {
  if (!s.includes("%")) return s;
  const bytes: number[] = [];
  const out: string[] = [];
  const flush = (): void => {
    if (bytes.length > 0) out.push(Buffer.from(bytes).toString("utf8"));
    bytes.length = 0;
  };
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "%" && i + 2 < s.length && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
      continue;
    }
    flush();
    out.push(s[i]);
  }
  flush();
  return out.join("");
}
