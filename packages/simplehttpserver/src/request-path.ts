/**
 * From a request-target to the words of a file path: the query and fragment dropped, the
 * path of an absolute-form target taken, percent-decoding (undecodable bytes kept, see
 * `url-path.ts`), and `.`/`..`/empty segments resolved lexically as `posixpath.normpath` does
 * (never above the root).
 * @module
 */
import { unquote } from "./url-path.js";

const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/;

/** The path part of a request-target: no query or fragment; the path of an absolute-form URL. */
export function targetPath(target: string): string {
  let p = target;
  const q = p.indexOf("?");
  if (q >= 0) p = p.slice(0, q);
  const h = p.indexOf("#");
  if (h >= 0) p = p.slice(0, h);
  if (p.charCodeAt(0) !== 0x2f) {
    const m = ABSOLUTE_FORM.exec(p);
    if (m !== null) p = p.slice(m[0].length) || "/";
  }
  return p;
}

/** The query of a request-target, without `?` (`""` when none). */
export function targetQuery(target: string): string {
  const q = target.indexOf("?");
  if (q < 0) return "";
  const h = target.indexOf("#", q);
  return h < 0 ? target.slice(q + 1) : target.slice(q + 1, h);
}

let lastTarget: string | null = null;
let lastWords: readonly string[] = [];

/**
 * The decoded, normalised segments of a request-target's path. The last answer is kept: a request
 * asks for the same target's words twice (`pathRefusal()`, then `translatePath()`).
 */
export function pathWords(target: string): readonly string[] {
  if (target === lastTarget) return lastWords;
  const words: string[] = [];
  for (const seg of unquote(targetPath(target)).split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") words.pop();
    else words.push(seg);
  }
  lastTarget = target;
  lastWords = words;
  return words;
}

const DRIVE = /^[A-Za-z]:/;

/**
 * Why a segment can never name a file under the root, on any platform: a NUL byte, a
 * backslash (a separator on Windows, and `/\host` is `//host` to browsers), a drive letter.
 */
export function unsafeSegment(word: string): boolean {
  return word.includes("\0") || word.includes("\\") || DRIVE.test(word);
}
