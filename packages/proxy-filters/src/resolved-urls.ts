/**
 * URLs found in pages, resolved once. The pages of a site repeat their links and their ad and
 * tracker URLs, and `new URL(raw, base)` was the costliest step of judging one (a tenth of the
 * CPU of cutting a 100 KiB page with ~300 links; bench/README.md, `proxy-html`).
 * @module
 */
import { BoundedMemo } from "./bounded-memo.js";

/** Resolutions remembered (the bases resolved against longest ago forgotten first). */
const DEFAULT_LIMIT = 4096;

/**
 * A bounded memo of `new URL(raw.trim(), base)`, by base then raw attribute value. The URL
 * objects it returns are shared by every caller that resolves the same value: they must not be
 * modified.
 */
export class ResolvedUrls {
  readonly #memo: BoundedMemo<URL | null>;

  constructor(limit = DEFAULT_LIMIT) {
    this.#memo = new BoundedMemo(limit);
  }

  /** `raw` (an attribute value) resolved against `base`; null when it is no URL. */
  resolve(raw: string, base: URL): URL | null {
    const known = this.#memo.get(base.href, raw);
    if (known !== undefined) return known;
    const url = resolveUrl(raw, base);
    this.#memo.set(base.href, ownString(raw), url);
    return url;
  }

  /** How many resolutions are remembered. */
  get size(): number {
    return this.#memo.size;
  }
}

/** `raw` resolved against `base` (surrounding whitespace ignored, as browsers do); null when it is no URL. */
function resolveUrl(raw: string, base: URL): URL | null {
  try {
    return new URL(raw.trim(), base);
  } catch {
    return null;
  }
}

/**
 * `s` in memory of its own. An attribute value is a substring of a whole chunk of the page (V8
 * shares the memory of substrings of 13 characters or more): kept as a key, it would keep the
 * chunk alive. Prefixing a character and cutting it off again copies the value (the prefixed
 * string is flattened into a new one of its own length).
 */
function ownString(s: string): string {
  return ` ${s}`.slice(1);
}
