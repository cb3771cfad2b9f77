// BannerFilter: the streaming cutter fed pages in random chunk sizes (output compared byte for
// byte), content codings, and the filter in the proxy end to end with a node:http origin.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import fc from "fast-check";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import zlib from "node:zlib";
import { BannerFilter, IAB_BANNER_SIZES, type BannerFilterOptions, type BannerResourceType } from "../src/banners.js";
import { ContentCodingError, createDecoder, parseContentCodings } from "../src/content-coding.js";
import type { BodyTransform } from "../src/filter.js";
import { HtmlCutter, type HtmlElement } from "../src/html-cutter.js";
import { ResolvedUrls } from "../src/resolved-urls.js";
import { DEFAULT_POOLS, ProxyRequestHandler, ThreadingHTTPServer } from "../src/index.js";

const PAGE = new URL("http://news.example/2024/story.html");
const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/banners/${name}`, import.meta.url));

/** Feed `input` split at `cuts` (sorted offsets) through a fresh transform. */
function feed(t: BodyTransform, input: Buffer, cuts: number[] = []): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (const c of [...cuts, input.length]) {
    const o = t.push(input.subarray(at, c));
    if (o) out.push(o);
    at = c;
  }
  const e = t.end();
  if (e) out.push(e);
  return Buffer.concat(out);
}

function cut(html: string | Buffer, opts: BannerFilterOptions = {}, cuts: number[] = []): string {
  const input = typeof html === "string" ? Buffer.from(html, "latin1") : html;
  return feed(new BannerFilter(opts).transform(PAGE), input, cuts).toString("latin1");
}

/** Sorted distinct split points inside a buffer of length n. */
const splits = (n: number) => fc.uniqueArray(fc.integer({ min: 0, max: n }), { maxLength: 40 }).map((a) => a.sort((x, y) => x - y));

const blocked = (seen?: Array<[string, BannerResourceType]>) => (url: URL, type: BannerResourceType) => {
  seen?.push([url.href, type]);
  return url.pathname.startsWith("/banners/") || url.hostname === "click.tracker.example" || url.hostname === "ads.example";
};

describe("cutting (unit, streamed)", () => {
  test("the fixture page, in random chunk sizes, comes out as expected byte for byte", () => {
    const input = fixture("page.html");
    const expected = fixture("page.expected.html");
    expect(feed(new BannerFilter({ isBlocked: blocked() }).transform(PAGE), input).equals(expected)).toBe(true);
    fc.assert(
      fc.property(splits(input.length), (cuts) => {
        const out = feed(new BannerFilter({ isBlocked: blocked() }).transform(PAGE), input, cuts);
        return out.equals(expected);
      }),
      { numRuns: 300 },
    );
    // One byte at a time too.
    const bytewise = Array.from({ length: input.length - 1 }, (_, i) => i + 1);
    expect(feed(new BannerFilter({ isBlocked: blocked() }).transform(PAGE), input, bytewise).equals(expected)).toBe(true);
  });

  test("every IAB size is cut, in attributes and in inline style, for img, iframe, embed and object", () => {
    expect(IAB_BANNER_SIZES).toHaveLength(21);
    for (const size of IAB_BANNER_SIZES) {
      const [w, h] = size.split("x");
      const page =
        `<p>a<img src=a.gif width=${w} height=${h}>b<iframe width="${w}px" height="${h}"><b>x</b></iframe>c` +
        `<embed src=e.swf width=${w} height=${h}>d<object style="width:${w}px;height:${h}px"><param name=a value=b></object>e` +
        `<img src=s.gif style="border:0; width: ${w}px; height: ${h}px">f</p>`;
      expect(cut(page)).toBe("<p>abcdef</p>");
    }
    // Near misses stay.
    const near = `<img width=468 height=59><img width=469 height=60><img width=468><img height=60><img width="468%" height=60>`;
    expect(cut(near)).toBe(near);
  });

  test("web bugs (1x1, 0x0 images) are removed; placeholders keep a banner's box", () => {
    expect(cut(`x<img src="t.gif" width="1" height="1">y<IMG SRC=t2 WIDTH=0 HEIGHT=0>z<img src=t3 width=1 height=2>`)).toBe("xyz<img src=t3 width=1 height=2>");
    expect(cut(`x<img src=a width=468 height=60>y<iframe width=300 height=250></iframe>z<img width=1 height=1>`, { replacement: "placeholder" })).toBe(
      `x<span style="display:inline-block;width:468px;height:60px"></span>y<span style="display:inline-block;width:300px;height:250px"></span>z`,
    );
  });

  test("blocked src/data URLs through the callback, resolved against the page and <base href>", () => {
    const seen: Array<[string, BannerResourceType]> = [];
    const page =
      `<img src="/banners/a.gif">1<iframe src="//ads.example/f"></iframe>2<object data="../banners/o.swf"></object>3<embed src="x/banners/no.swf">` +
      `<base href="http://cdn.example/banners/"><img src="b.png">4<img src="data:image/gif;base64,R0lG">`;
    expect(cut(page, { isBlocked: blocked(seen) })).toBe(`123<embed src="x/banners/no.swf"><base href="http://cdn.example/banners/">4<img src="data:image/gif;base64,R0lG">`);
    expect(seen).toEqual([
      ["http://news.example/banners/a.gif", "image"],
      ["http://ads.example/f", "subdocument"],
      ["http://news.example/banners/o.swf", "object"],
      ["http://news.example/2024/x/banners/no.swf", "object"],
      ["http://cdn.example/banners/b.png", "image"],
    ]);
    // Without a callback nothing is blocked by URL.
    expect(cut(`<img src="/banners/a.gif">`)).toBe(`<img src="/banners/a.gif">`);
  });

  test("isBlocked hears the page URL; onCut hears every cut with its reason, size and URL", () => {
    const pages: string[] = [];
    const cuts: Array<[string, string, string | null, string | null]> = [];
    const f = new BannerFilter({
      isBlocked: (url, _type, pageUrl) => {
        pages.push(pageUrl.href);
        return url.hostname === "ads.example";
      },
      onCut: (c) => cuts.push([c.element, c.reason, c.size, c.url?.href ?? null]),
    });
    const page = `<img src=a.gif width=468 height=60><img src=//t.example/p width=1 height=1><iframe src=http://ads.example/f></iframe><img src=/ok.png><a href=%%>x</a>`;
    expect(feed(f.transform(PAGE), Buffer.from(page)).toString()).toBe(`<img src=/ok.png><a href=%%>x</a>`);
    expect(cuts).toEqual([
      ["img", "size", "468x60", "http://news.example/2024/a.gif"],
      ["img", "web-bug", "1x1", "http://t.example/p"],
      ["iframe", "blocked", null, "http://ads.example/f"],
    ]);
    expect(new Set(pages)).toEqual(new Set([PAGE.href]));
  });

  test("click-tracker anchors are removed with their content; others stay", () => {
    const isBlocked = blocked();
    expect(cut(`<p><a href="http://click.tracker.example/c?1"><img src=p.jpg><div>x</div></a>|<a href="/ok">ok</a></p>`, { isBlocked })).toBe(`<p>|<a href="/ok">ok</a></p>`);
    // An unclosed tracker anchor ends where its parent ends, or at the next <a>.
    expect(cut(`<div><a href="http://click.tracker.example/">x</div>y<a href=http://click.tracker.example/>z<a href=/k>k</a>`, { isBlocked })).toBe(`<div></div>y<a href=/k>k</a>`);
    // Nested objects: the cut ends at the matching end tag.
    expect(cut(`<object width=468 height=60><object data=a></object>inner</object>after`)).toBe("after");
  });

  test("scripts, styles, comments, textarea and odd markup are left byte for byte", () => {
    const page =
      `<!doctype html><script>var s = '<img width=468 height=60>'; if (a<b) {}</script>` +
      `<style>img[width="468"]{}</style><!-- <img width=468 height=60> --><textarea><img width=468 height=60></textarea>` +
      `<title><iframe width=728 height=90></title><p a=1 b='2' c="3" d>un&amp;closed <p>< notatag <</ p> </>&#x3c;img&gt;` +
      `<![CDATA[ x ]]><?pi x?><svg><image width=468 height=60/></svg><p attr="<img width=468 height=60>">ok</p>`;
    fc.assert(fc.property(splits(page.length), (cuts) => cut(page, {}, cuts) === page));
  });

  test("random documents without banners pass unchanged in any chunking", () => {
    const piece = fc.constantFrom("<p>", "</p>", "<div class='a'>", "</div>", "text ", "<", ">", "&amp;", "&", "<!--", "-->", "<script>", "</script>", "<img src=a.png width=10 height=10>", "\xe9\xff", "<a href=/x>", "</a>", "<iframe>", "</iframe>", "<br/>", "\r\n", '"', "'", "</", "<!doctype html>");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), fc.array(fc.nat(200), { maxLength: 20 }), (pieces, rawCuts) => {
        const page = pieces.join("");
        const cuts = [...new Set(rawCuts.map((c) => c % (page.length + 1)))].sort((a, b) => a - b);
        return cut(page, { isBlocked: blocked() }, cuts) === page;
      }),
      { numRuns: 300 },
    );
  });

  test("CSS is injected right after <head>, or before the first element when there is none", () => {
    const injectCss = ".ad, #banner { display: none !important } /* </style> */";
    const style = `<style>.ad, #banner { display: none !important } /* <\\/style> */</style>`;
    fc.assert(
      fc.property(splits(60), (cuts) => {
        const a = "<!DOCTYPE html><html><HEAD lang=en><title>t</title></HEAD><body>x</body></html>";
        const b = "<!-- c --><html><body><p>x</p></body></html>";
        return (
          cut(a, { injectCss }, cuts.filter((c) => c <= a.length)) === a.replace("<HEAD lang=en>", `<HEAD lang=en>${style}`) &&
          cut(b, { injectCss }, cuts.filter((c) => c <= b.length)) === b.replace("<body>", `${style}<body>`)
        );
      }),
    );
    expect(cut("just text", { injectCss })).toBe("just text");
  });

  test("an element whose end never comes is passed on once it exceeds maxCutBytes", () => {
    const tail = "x".repeat(5000);
    expect(cut(`<iframe width=468 height=60>${tail}`, { maxCutBytes: 1000 }, [100, 2000, 4000])).toBe(`<iframe width=468 height=60>${tail}`);
    expect(cut(`<iframe width=468 height=60>${tail}`)).toBe("");
  });
});

describe("HtmlCutter elements option", () => {
  test("decide and observe see only the listed elements; the rest passes byte for byte", () => {
    const seen: HtmlElement[] = [];
    const page = `<p class="x" title='a&amp;b'>t<img src="ad.gif" width=1 height=1><div id=d><img src=b.gif alt="&lt;"></div></p>`;
    const cutter = new HtmlCutter({
      elements: new Set(["img"]),
      decide: (el) => (el.attribs.src === "ad.gif" ? { replacement: "" } : null),
      observe: (el) => void seen.push({ name: el.name, attribs: { ...el.attribs } }),
    });
    const out = Buffer.concat([cutter.push(Buffer.from(page)) ?? Buffer.alloc(0), cutter.end() ?? Buffer.alloc(0)]).toString();
    expect(out).toBe(page.replace(`<img src="ad.gif" width=1 height=1>`, ""));
    expect(seen).toEqual([
      { name: "img", attribs: { src: "ad.gif", width: "1", height: "1" } },
      { name: "img", attribs: { src: "b.gif", alt: "<" } },
    ]);
  });
});

describe("HtmlCutter attribute values", () => {
  // HTML's rules for character references in attribute values (WHATWG HTML 13.2.5.72-80): named,
  // decimal and hexadecimal references; a legacy name without `;` is decoded except before `=`
  // or an alphanumeric (so `?a=1&copy=2` stays a query); NUL becomes U+FFFD.
  const cases: Array<[string, string]> = [
    ["http://ads.example/a?x=1&amp;y=2", "http://ads.example/a?x=1&y=2"],
    ["&#x26;&#38;&#X3C;", "&&<"],
    ["a&lt b", "a< b"],
    ["?a=1&copy=2", "?a=1&copy=2"],
    ["&notit;", "&notit;"],
    ["&not;it", "\u00acit"],
    ["caf&eacute;", "caf\u00e9"],
    ["&#0;", "\ufffd"],
    ["&unknown;", "&unknown;"],
    ["no references", "no references"],
  ];
  const page = cases.map(([raw], i) => `<img id=${i} src="${raw}">text &amp; <b title="&amp;">b</b>`).join("");

  test("character references are decoded as HTML does, in any chunking; the bytes pass unchanged", () => {
    fc.assert(
      fc.property(splits(page.length), (cuts) => {
        const seen: Record<string, string> = {};
        const cutter = new HtmlCutter({ elements: new Set(["img"]), decide: () => null, observe: (el) => void (seen[el.attribs.id] = el.attribs.src) });
        const out = feed({ push: (c) => cutter.push(c), end: () => cutter.end() }, Buffer.from(page, "latin1"), cuts);
        expect(out.toString("latin1")).toBe(page);
        expect(cases.map((_, i) => seen[i])).toEqual(cases.map(([, decoded]) => decoded));
      }),
      { numRuns: 50 },
    );
  });

  test("a blocked URL written with &amp; is found and cut", () => {
    const seen: Array<[string, BannerResourceType]> = [];
    expect(cut(`<img src="http://ads.example/a?x=1&amp;y=2">after`, { isBlocked: blocked(seen) })).toBe("after");
    expect(seen).toEqual([["http://ads.example/a?x=1&y=2", "image"]]);
  });
});

describe("URLs resolved once", () => {
  test("a repeated link reaches isBlocked as the same URL object; pages with other bases resolve apart", () => {
    const urls: URL[] = [];
    const f = new BannerFilter({ isBlocked: (url) => (urls.push(url), false) });
    const page = Buffer.from(`<a href="/x">1</a><a href="/x">2</a><a href=" /x ">3</a>`);
    feed(f.transform(PAGE), page);
    feed(f.transform(new URL(PAGE.href)), page);
    feed(f.transform(new URL("http://other.example/")), page);
    expect(urls.map((u) => u.href)).toEqual([...Array(6).fill("http://news.example/x"), ...Array(3).fill("http://other.example/x")]);
    // One object per (base, attribute value): " /x " is another value with the same result.
    expect(new Set(urls.slice(0, 6)).size).toBe(2);
    expect(urls[0]).toBe(urls[4]);
  });

  test("the memo stays bounded whatever the pages", () => {
    const memo = new ResolvedUrls(100);
    for (let i = 0; i < 1000; i++) expect(memo.resolve(`/p${i}`, new URL(`http://h${i % 7}.example/`))!.href).toBe(`http://h${i % 7}.example/p${i}`);
    expect(memo.size).toBeLessThanOrEqual(100);
    expect(memo.resolve("http://[bad", PAGE)).toBeNull();
    expect(memo.resolve("http://[bad", PAGE)).toBeNull();
  });
});

describe("content codings (unit)", () => {
  const data = fixture("page.html");
  test("gzip, deflate (zlib and raw), br and stacked codings decode in any chunking", () => {
    const cases: Array<[string, Buffer]> = [
      ["gzip", zlib.gzipSync(data)],
      ["x-gzip", zlib.gzipSync(data)],
      ["deflate", zlib.deflateSync(data)],
      ["deflate", zlib.deflateRawSync(data)],
      ["br", zlib.brotliCompressSync(data)],
      ["gzip, br", zlib.brotliCompressSync(zlib.gzipSync(data))],
    ];
    for (const [coding, body] of cases) {
      fc.assert(
        fc.property(splits(body.length), (cuts) => {
          const d = createDecoder(parseContentCodings(coding)!);
          const out: Buffer[] = [];
          let at = 0;
          for (const c of [...cuts, body.length]) {
            out.push(d.push(body.subarray(at, c)));
            at = c;
          }
          out.push(d.end());
          return Buffer.concat(out).equals(data);
        }),
        { numRuns: 30 },
      );
    }
    expect(parseContentCodings(undefined)).toEqual([]);
    expect(parseContentCodings("identity")).toEqual([]);
    expect(parseContentCodings("gzip, zstd")).toBeNull();
  });

  test("corrupt and truncated bodies throw ContentCodingError", () => {
    const gz = zlib.gzipSync(data);
    const trunc = createDecoder(["gzip"]);
    trunc.push(gz.subarray(0, gz.length - 10));
    expect(() => trunc.end()).toThrow(ContentCodingError);
    const bad = Buffer.from(gz);
    bad.fill(0x55, 20, 40);
    expect(() => createDecoder(["gzip"]).push(bad)).toThrow(ContentCodingError);
    const br = zlib.brotliCompressSync(data);
    const btrunc = createDecoder(["br"]);
    btrunc.push(br.subarray(0, br.length - 10));
    expect(() => btrunc.end()).toThrow(ContentCodingError);
  });

  test("a broken gzip page: what was produced is returned, then the transform throws", () => {
    const gz = zlib.gzipSync(data);
    const bad = Buffer.concat([gz.subarray(0, 400), Buffer.alloc(200, 0x55)]);
    const t = new BannerFilter().transform(PAGE, ["gzip"]);
    const first = t.push(bad.subarray(0, 400));
    expect(first).not.toBeNull();
    expect(data.subarray(0, first!.length).equals(first!)).toBe(true);
    // The rest decodes to garbage or fails; either way the stream cannot end cleanly (CRC, length).
    const pushRest = (): void => void t.push(bad.subarray(400));
    const failedEarly = (() => {
      try {
        pushRest();
        return false;
      } catch {
        return true;
      }
    })();
    expect(failedEarly).toBe(false);
    expect(() => t.end()).toThrow(ContentCodingError);
    // Once failed, it stays failed.
    expect(() => t.push(Buffer.from("x"))).toThrow(ContentCodingError);
  });

  test("a body that expands enormously is decoded in pieces of at most 64 KiB, as they are taken", () => {
    for (const coding of ["gzip", "br", "deflate"] as const) {
      const plain = Buffer.alloc(8 * 1024 * 1024, 0x20);
      const coded = coding === "gzip" ? zlib.gzipSync(plain) : coding === "br" ? zlib.brotliCompressSync(plain) : zlib.deflateSync(plain);
      expect(coded.length).toBeLessThan(64 * 1024); // one read of the socket
      const d = createDecoder([coding]);
      let total = 0;
      let largest = 0;
      const pieces = d.pieces(coded);
      // Lazy: nothing is decoded before the first piece is asked for, and one piece at a time after.
      const first = pieces.next();
      expect(first.done).toBe(false);
      for (let r = first; !r.done; r = pieces.next()) {
        total += r.value.length;
        largest = Math.max(largest, r.value.length);
      }
      for (const piece of d.endPieces()) total += piece.length;
      expect([coding, total]).toEqual([coding, plain.length]);
      expect(largest).toBeLessThanOrEqual(64 * 1024);
    }
  });

  test("an empty coded body is an empty page (a redirect with Content-Encoding and no bytes)", () => {
    for (const coding of ["gzip", "br", "deflate"] as const) {
      const t = new BannerFilter().transform(PAGE, [coding]);
      expect(t.end()).toBeNull();
    }
    expect(createDecoder(["gzip"]).end().length).toBe(0);
  });

  test("a corrupt stream after good data: every piece decoded before it is given, then the error", () => {
    const plain = Buffer.from(randomBytes(40000).map((b) => 97 + (b % 26)));
    const gz = zlib.gzipSync(plain, { level: 1 });
    expect(gz.length).toBeGreaterThan(3 * 4096);
    const bad = Buffer.concat([gz, Buffer.from("JUNK!")]);
    const got: Buffer[] = [];
    expect(() => {
      for (const piece of createDecoder(["gzip"]).pieces(bad)) got.push(piece);
    }).toThrow(ContentCodingError);
    const out = Buffer.concat(got);
    // All but (at most) the output of the last 4 KiB of input arrived, and it is the page's start.
    expect(out.length).toBeGreaterThan(plain.length / 2);
    expect(plain.subarray(0, out.length).equals(out)).toBe(true);
  });
});

describe("charsets", () => {
  test("a UTF-16 page (byte order mark) passes through byte for byte, in any chunking", () => {
    const page = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("<html><body><p>日本語", "utf16le"), Buffer.from('<img width=468 height=60>', "latin1"), Buffer.from([0]), Buffer.from("テキスト</p></body></html>", "utf16le")]);
    for (const cuts of [[], [1], [1, 2, 7], [30]]) {
      expect(feed(new BannerFilter().transform(PAGE), page, cuts).equals(page)).toBe(true);
    }
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('<img width=468 height=60>', "latin1")]);
    expect(feed(new BannerFilter().transform(PAGE), be).equals(be)).toBe(true);
  });

  test("a page declared UTF-16 or UTF-32 by its Content-Type is not transformed", () => {
    const f = new BannerFilter();
    const req = { method: "GET", url: PAGE, headers: [], clientAddress: "127.0.0.1" };
    for (const type of ["text/html; charset=utf-16le", 'text/html; charset="UTF-16"', "text/html;charset=utf-32"]) {
      expect(f.onResponseBody(req, { status: 200, reason: "OK", headers: [["Content-Type", type]] })).toBeNull();
    }
    expect(f.onResponseBody(req, { status: 200, reason: "OK", headers: [["Content-Type", "text/html; charset=utf-8"]] })).not.toBeNull();
  });

  test("non-ASCII URLs of a UTF-8 page are read as UTF-8 (the URL a browser asks for), of a latin1 page as latin1", () => {
    const seen: string[] = [];
    const isBlocked = (url: URL): boolean => {
      seen.push(url.href);
      return url.hostname === "xn--r8jz45g.jp" || url.pathname.startsWith("/%E5%B9%BF%E5%91%8A/");
    };
    const page = Buffer.from('<p>a<img src="http://例え.jp/b.png">b<img src="/广告/c.png">c<a href="http://例え.jp/click">x</a>d<img src="/caf\u00e9.png">', "utf8");
    const undeclared = feed(new BannerFilter({ isBlocked }).transform(PAGE), page).toString("utf8");
    expect(undeclared).toBe('<p>abcd<img src="/caf\u00e9.png">');
    expect(seen).toContain("http://news.example/caf%C3%A9.png");
    const utf8 = feed(new BannerFilter({ isBlocked }).transform(PAGE, [], false, "utf-8"), page).toString("utf8");
    expect(utf8).toBe(undeclared);
    // Declared latin1: the bytes are latin1 characters, as the browser reads them (nothing matches).
    expect(feed(new BannerFilter({ isBlocked }).transform(PAGE, [], false, "iso-8859-1"), page).equals(page)).toBe(true);
    // Bytes that are not UTF-8 (a latin1 é) stay latin1 in an undeclared page.
    seen.length = 0;
    feed(new BannerFilter({ isBlocked }).transform(PAGE), Buffer.from('<img src="/caf\u00e9.png">', "latin1"));
    expect(seen).toEqual(["http://news.example/caf%C3%A9.png"]);
  });
});

describe("through the proxy", () => {
  class Quiet extends ProxyRequestHandler {
    override logMessage(): void {}
    override logError(): void {}
  }
  let origin: http.Server;
  let originPort: number;
  let proxy: ThreadingHTTPServer;
  let proxyPort: number;
  const page = fixture("page.html");
  const expected = fixture("page.expected.html");
  let release: (() => void) | null = null;

  beforeAll(async () => {
    origin = http.createServer((req, res) => {
      const send = (headers: http.OutgoingHttpHeaders, body: Buffer, split = 0): void => {
        res.writeHead(200, headers);
        if (split === 0) return void res.end(body);
        // In two parts with a pause: the proxy must stream the first before the second exists.
        res.write(body.subarray(0, split));
        release = () => res.end(body.subarray(split));
      };
      const html = { "Content-Type": "text/html; charset=iso-8859-1" };
      if (req.url === "/plain.html") return send(html, page, 700);
      if (req.url === "/gzip.html") return send({ ...html, "Content-Encoding": "gzip" }, zlib.gzipSync(page));
      if (req.url === "/br.html") return send({ ...html, "Content-Encoding": "br" }, zlib.brotliCompressSync(page));
      if (req.url === "/deflate.xhtml") return send({ "Content-Type": "application/xhtml+xml", "Content-Encoding": "deflate" }, zlib.deflateSync(page));
      if (req.url === "/zstd.html") return send({ ...html, "Content-Encoding": "zstd" }, page);
      if (req.url === "/image.gif") return send({ "Content-Type": "image/gif" }, page, 700);
      if (req.url === "/broken.html") {
        const gz = zlib.gzipSync(Buffer.concat([page, page, page]));
        return send({ ...html, "Content-Encoding": "gzip", "Content-Length": gz.length }, Buffer.concat([gz.subarray(0, 600), Buffer.alloc(gz.length - 600, 0x55)]));
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => origin.listen(0, "127.0.0.1", r));
    originPort = (origin.address() as net.AddressInfo).port;
    proxy = new ThreadingHTTPServer(["127.0.0.1", 0], Quiet.withOptions({ filters: [new BannerFilter({ isBlocked: blocked() })] }));
    await proxy.ready;
    void proxy.serveForever();
    proxyPort = (proxy.serverAddress as [string, number])[1];
  });

  afterAll(async () => {
    await proxy.shutdown();
    await proxy.serverClose();
    DEFAULT_POOLS.close();
    await new Promise((r) => origin.close(r));
  });

  /** GET through the proxy on a raw socket; resolves with the head, the body and whether it was complete. */
  function get(path: string, onData?: (soFar: Buffer) => void): Promise<{ head: string; body: Buffer; complete: boolean }> {
    return new Promise((resolve, reject) => {
      const s = net.connect(proxyPort, "127.0.0.1", () => {
        s.write(`GET http://127.0.0.1:${originPort}${path} HTTP/1.1\r\nHost: 127.0.0.1:${originPort}\r\nAccept-Encoding: gzip, br\r\nConnection: close\r\n\r\n`);
      });
      let buf = Buffer.alloc(0);
      s.on("data", (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        onData?.(buf);
      });
      s.on("error", reject);
      s.on("close", () => {
        const i = buf.indexOf("\r\n\r\n");
        const head = buf.subarray(0, i).toString("latin1");
        let rest = buf.subarray(i + 4);
        if (!/transfer-encoding: chunked/i.test(head)) return resolve({ head, body: rest, complete: true });
        const parts: Buffer[] = [];
        for (;;) {
          const nl = rest.indexOf("\r\n");
          if (nl < 0) return resolve({ head, body: Buffer.concat(parts), complete: false });
          const n = parseInt(rest.subarray(0, nl).toString(), 16);
          if (n === 0) return resolve({ head, body: Buffer.concat(parts), complete: true });
          if (rest.length < nl + 2 + n + 2) return resolve({ head, body: Buffer.concat([...parts, rest.subarray(nl + 2)]), complete: false });
          parts.push(rest.subarray(nl + 2, nl + 2 + n));
          rest = rest.subarray(nl + 2 + n + 2);
        }
      });
    });
  }

  test("a plain HTML page is cut, streamed chunked, first part before the origin sends the rest", async () => {
    const r = await get("/plain.html", (soFar) => {
      // The first 700 bytes (cut) arrived while the origin holds back the rest.
      if (release && soFar.includes("<body>")) {
        release();
        release = null;
      }
    });
    expect(r.head).toMatch(/transfer-encoding: chunked/i);
    expect(r.head).not.toMatch(/content-length/i);
    expect(r.complete).toBe(true);
    expect(r.body.equals(expected)).toBe(true);
  });

  test.each(["/gzip.html", "/br.html", "/deflate.xhtml"])("%s is decoded, cut and sent without Content-Encoding", async (path) => {
    const r = await get(path);
    expect(r.head).toMatch(/^HTTP\/1\.1 200/);
    expect(r.head).not.toMatch(/content-encoding/i);
    expect(r.complete).toBe(true);
    expect(r.body.equals(expected)).toBe(true);
  });

  test("an unknown coding and a non-HTML response pass untouched (the latter streamed, not buffered)", async () => {
    const z = await get("/zstd.html");
    expect(z.head).toMatch(/content-encoding: zstd/i);
    expect(z.body.equals(page)).toBe(true);
    const img = await get("/image.gif", (soFar) => {
      if (release && soFar.includes(page.subarray(600, 700))) {
        release();
        release = null;
      }
    });
    expect(img.head).toMatch(/content-type: image\/gif/i);
    expect(img.body.equals(page)).toBe(true);
  });

  test("a broken gzip body: the client gets what was decoded, then the connection closes without the last chunk", async () => {
    const r = await get("/broken.html");
    expect(r.head).toMatch(/transfer-encoding: chunked/i);
    expect(r.complete).toBe(false);
  });
});
