/**
 * Banner cutting in HTML pages, streamed (Privoxy's `banners-by-size`, `banners-by-link` and
 * `webbugs`): `<img>`, `<iframe>`, `<embed>` and `<object>` of an IAB banner size or whose URL is
 * blocked, `<a>` to a blocked click-tracker, and 1x1 web bugs are removed (or replaced by a
 * same-size empty box); optional element-hiding CSS is injected after `<head>`.
 * @module
 */
import { fieldValue, nameIs } from "./hop-by-hop.js";
import { ContentCodingError, createDecoder, isSupported, parseContentCodings, type ContentCoding } from "./content-coding.js";
import { joinedOrNull, type BodyTransform, type Filter, type FilterRequest, type FilterResponse } from "./filter.js";
import { HtmlCutter, type CutDecision, type HtmlElement } from "./html-cutter.js";
import { ResolvedUrls } from "./resolved-urls.js";

/** Privoxy's banners-by-size list (IAB ad unit sizes), as `WIDTHxHEIGHT`. */
export const IAB_BANNER_SIZES: readonly string[] = [
  "468x60", "728x90", "300x250", "160x600", "120x600", "120x240", "234x60", "88x31", "120x60", "120x90", "125x125",
  "180x150", "240x400", "250x250", "300x600", "320x50", "336x280", "970x90", "970x250", "300x50", "200x200",
];

/** What a URL found in a page is loaded as (`link`: the target of an `<a href>`, a click). */
export type BannerResourceType = "image" | "subdocument" | "object" | "link";

/** Why an element was cut from a page. */
export type BannerCutReason = "size" | "web-bug" | "blocked";

/** One element cut from a page, as {@link BannerFilterOptions.onCut} hears of it. */
export interface BannerCut {
  /** The page it was cut from. */
  pageUrl: URL;
  /** Lower-case element name (`img`, `iframe`, `embed`, `object`, `a`). */
  element: string;
  reason: BannerCutReason;
  /** Its `WIDTHxHEIGHT` when known. */
  size: string | null;
  /** The URL it loads or links to (resolved against the page), when it has a valid one; shared, not to be modified. */
  url: URL | null;
}

export interface BannerFilterOptions {
  /**
   * Whether a URL found in the page `pageUrl` is blocked (the block-list filter is wired here;
   * pass `pageUrl` on as the source, for `$third-party` and `domain=` rules). Default: nothing is.
   * The same `url` object is passed again when a page repeats a link (URLs are resolved once):
   * read it, do not modify it.
   */
  isBlocked?: ((url: URL, type: BannerResourceType, pageUrl: URL) => boolean) | null;
  /** Told of every element cut (for counters and logs); must not throw. */
  onCut?: ((cut: BannerCut) => void) | null;
  /** `"remove"` (default) or `"placeholder"`: an empty inline box of the element's size. */
  replacement?: "remove" | "placeholder";
  /** Element-hiding CSS injected as a `<style>` after `<head>` (default none). */
  injectCss?: string | null;
  /** Sizes cut, `WIDTHxHEIGHT` (default `IAB_BANNER_SIZES`). */
  sizes?: readonly string[];
  /** Bytes of one element held while it is being cut before the cut is abandoned (default 256 KiB). */
  maxCutBytes?: number;
}

const HTML_TYPE = /^\s*(text\/html|application\/xhtml\+xml)\s*(;|$)/i;

/** The `charset` parameter of a Content-Type value (lower case, unquoted), or null. */
function charsetOf(type: string): string | null {
  const m = /;\s*charset\s*=\s*("?)([^";\s]+)\1/i.exec(type);
  return m === null ? null : m[2].toLowerCase();
}

/** A dimension from an attribute (`468`, `468px`); null when absent or not in pixels. */
function pixels(v: string | undefined): number | null {
  if (v === undefined) return null;
  const m = /^\s*(\d{1,5})(?:\.0*)?\s*(?:px)?\s*$/i.exec(v);
  return m ? Number(m[1]) : null;
}

/** Width and height from the attributes, else from an inline `style` in px. */
export function elementSize(attribs: Record<string, string>): [number, number] | null {
  let w = pixels(attribs.width);
  let h = pixels(attribs.height);
  const style = attribs.style;
  if (style !== undefined) {
    const sw = /(?:^|[;\s])width\s*:\s*(\d{1,5})(?:\.0*)?px/i.exec(style);
    const sh = /(?:^|[;\s])height\s*:\s*(\d{1,5})(?:\.0*)?px/i.exec(style);
    if (sw) w = Number(sw[1]);
    if (sh) h = Number(sh[1]);
  }
  return w !== null && h !== null ? [w, h] : null;
}

const URL_ATTR: Record<string, [string, BannerResourceType]> = {
  img: ["src", "image"],
  iframe: ["src", "subdocument"],
  embed: ["src", "object"],
  object: ["data", "object"],
  a: ["href", "link"],
};

/** The elements the cutter shows us: those with a URL to judge, and `<base>` (it moves relative URLs). */
const WATCHED: ReadonlySet<string> = new Set([...Object.keys(URL_ATTR), "base"]);

/**
 * The banner filter. For HTML responses (`text/html`, `application/xhtml+xml`) in a content
 * coding it can decode (none, gzip, deflate, br), `onResponseHeaders` removes `Content-Encoding`
 * (and `Content-Length`) and `onResponseBody` returns a transform that decodes, cuts and sends
 * the page uncompressed. Decoding and sending uncompressed is simpler and cheaper than
 * re-encoding (and correct: the client gets what the headers say); the loss is bandwidth on the
 * proxy-to-client hop, which is normally loopback or a LAN. Anything else passes untouched.
 */
export class BannerFilter implements Filter {
  readonly name = "banners";
  private readonly opts: BannerFilterOptions;
  private readonly sizes: Set<string>;
  /** The codings of the responses we will transform, decided in onResponseHeaders. */
  private readonly pending = new WeakMap<FilterRequest, ContentCoding[]>();
  /** The URLs of the elements judged, resolved once per base and attribute value. */
  private readonly urls = new ResolvedUrls();

  constructor(opts: BannerFilterOptions = {}) {
    this.opts = opts;
    this.sizes = new Set(opts.sizes ?? IAB_BANNER_SIZES);
  }

  /** The codings to undo, or null when this response is not one we transform. */
  private plan(res: FilterResponse): ContentCoding[] | null {
    if (res.status === 206) return null; // a range of a page cannot be cut safely
    const type = fieldValue(res.headers, "content-type") ?? "";
    if (!HTML_TYPE.test(type)) return null;
    // Not ASCII-compatible: markup cannot be found byte-wise (the cutter also passes a page with a UTF-16 BOM).
    if (/^(utf-?16|utf-?32|ucs-?2|ucs-?4)/i.test(charsetOf(type) ?? "")) return null;
    const encodings = res.headers.filter(([k]) => nameIs(k, "content-encoding")).map(([, v]) => v);
    const codings = parseContentCodings(encodings.length === 0 ? undefined : encodings.join(","));
    if (codings === null || (codings.length > 0 && !isSupported())) return null;
    return codings;
  }

  onResponseHeaders(req: FilterRequest, res: FilterResponse): void {
    const codings = this.plan(res);
    if (codings === null) return;
    this.pending.set(req, codings);
    if (codings.length > 0) res.headers = res.headers.filter(([k]) => !/^content-(encoding|length)$/i.test(k));
  }

  onResponseBody(req: FilterRequest, res: FilterResponse): BodyTransform | null {
    // Normally decided by onResponseHeaders (which saw Content-Encoding); otherwise decide now.
    let codings: ContentCoding[] | null | undefined = this.pending.get(req);
    this.pending.delete(req);
    if (codings === undefined) {
      codings = this.plan(res);
      if (codings === null) return null;
      // The proxy sends the head after asking for transforms: drop the coding here too.
      if (codings.length > 0) res.headers = res.headers.filter(([k]) => !/^content-(encoding|length)$/i.test(k));
    }
    const type = fieldValue(res.headers, "content-type") ?? "";
    return this.transform(req.url, codings, /xhtml/i.test(type), charsetOf(type));
  }

  /** The streaming transform for one page at `pageUrl` (decoding `codings` first; `charset`: as its Content-Type declares it, if it does). */
  transform(pageUrl: URL, codings: readonly ContentCoding[] = [], xhtml = false, charset: string | null = null): BodyTransform {
    let base = pageUrl;
    let baseSeen = false;
    const css = this.opts.injectCss;
    const cutter = new HtmlCutter({
      decide: (el) => this.decide(el, base, pageUrl),
      observe: (el: HtmlElement) => {
        if (el.name === "base" && !baseSeen && el.attribs.href !== undefined) {
          baseSeen = true;
          try {
            base = new URL(el.attribs.href.trim(), pageUrl);
          } catch {
            /* an invalid <base href> is ignored, as browsers do */
          }
        }
      },
      inject: css ? `<style>${css.replace(/<\//g, "<\\/")}</style>` : null,
      xhtml,
      maxCutBytes: this.opts.maxCutBytes,
      elements: WATCHED,
      charset,
    });
    if (codings.length === 0) return { push: (chunk) => cutter.push(chunk), end: () => cutter.end() };
    const decoder = createDecoder(codings);
    let failed: ContentCodingError | null = null;
    // The decoded page is cut piece by piece as it is decoded (a small compressed body may expand
    // to gigabytes: it is never held whole). A decoding error comes after every piece decoded
    // before it was sent; the proxy then closes the connection, so the client never takes the
    // page as complete.
    function* cutPieces(decoded: Iterable<Buffer>, ending: boolean): Generator<Buffer, void, undefined> {
      if (failed) throw failed;
      try {
        for (const piece of decoded) {
          const out = cutter.push(piece);
          if (out !== null && out.length > 0) yield out;
        }
      } catch (err) {
        if (err instanceof ContentCodingError) failed = err;
        throw err;
      }
      if (ending) {
        const tail = cutter.end();
        if (tail !== null && tail.length > 0) yield tail;
      }
    }
    const collect = (pieces: Iterable<Buffer>): Buffer | null => {
      const all: Buffer[] = [];
      try {
        for (const piece of pieces) all.push(piece);
      } catch (err) {
        // push(): what was produced before the error is returned; the next call throws it.
        if (!(err instanceof ContentCodingError)) throw err;
      }
      return joinedOrNull(all);
    };
    return {
      push: (chunk) => {
        if (failed) throw failed;
        return collect(cutPieces(decoder.pieces(chunk), false));
      },
      end: () => {
        if (failed) throw failed;
        return joinedOrNull([...cutPieces(decoder.endPieces(), true)]);
      },
      pushPieces: (chunk) => cutPieces(decoder.pieces(chunk), false),
      endPieces: () => cutPieces(decoder.endPieces(), true),
    };
  }

  /** Whether to cut an element, and what to put in its place (no allocation for elements kept). */
  private decide(el: HtmlElement, base: URL, pageUrl: URL): CutDecision {
    const urlAttr = URL_ATTR[el.name];
    if (urlAttr === undefined) return null;
    const size = el.name === "a" ? null : elementSize(el.attribs);
    const raw = el.attribs[urlAttr[0]];
    // Web bugs: invisible images, removed without a trace.
    if (el.name === "img" && size !== null && size[0] <= 1 && size[1] <= 1) return this.cut(el, "web-bug", size, raw, base, pageUrl);
    if (size !== null && this.sizes.has(`${size[0]}x${size[1]}`)) return this.cut(el, "size", size, raw, base, pageUrl);
    const isBlocked = this.opts.isBlocked;
    if (!isBlocked || raw === undefined) return null;
    const target = this.urls.resolve(raw, base);
    if (target === null || (target.protocol !== "http:" && target.protocol !== "https:")) return null;
    return isBlocked(target, urlAttr[1], pageUrl) ? this.cut(el, "blocked", size, target, base, pageUrl) : null;
  }

  /** Cut `el`: tell `onCut`, and answer with its replacement (a placeholder box when asked for and sized). */
  private cut(el: HtmlElement, reason: BannerCutReason, size: [number, number] | null, url: URL | string | undefined, base: URL, pageUrl: URL): CutDecision {
    const onCut = this.opts.onCut;
    if (onCut) onCut({ pageUrl, element: el.name, reason, size: size === null ? null : `${size[0]}x${size[1]}`, url: typeof url === "string" ? this.urls.resolve(url, base) : (url ?? null) });
    if (reason === "web-bug" || this.opts.replacement !== "placeholder" || size === null) return { replacement: "" };
    return { replacement: `<span style="display:inline-block;width:${size[0]}px;height:${size[1]}px"></span>` };
  }
}

