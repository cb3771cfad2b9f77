// The listing page and its JSON form, as pure functions. Expected hrefs and texts for tricky names
// were computed with CPython 3.11 (urllib.parse.quote(name, errors="surrogatepass") and
// html.escape(name, quote=False)), so they do not depend on our own quote/htmlEscape.
import { describe, expect, test } from "@jest/globals";
import fc from "fast-check";
import {
  formatSize,
  parseListingSort,
  renderListingHtml,
  renderListingJson,
  sortEntries,
  sortHref,
  type ListingEntry,
  type ListingJson,
  type ListingPage,
  type ListingSort,
} from "../src/listing.js";

const T = Date.UTC(2024, 4, 1, 12, 34, 56, 789);
const file = (name: string, size: number | null = 10, mtimeMs: number | null = T): ListingEntry => ({ name, isDirectory: false, isSymlink: false, size, mtimeMs });
const dir = (name: string, mtimeMs: number | null = T): ListingEntry => ({ name, isDirectory: true, isSymlink: false, size: null, mtimeMs });
const BY_NAME: ListingSort = { key: "name", order: "asc" };
const page = (displayPath = "/dir/", sort: ListingSort = BY_NAME, more: Partial<ListingPage> = {}): ListingPage => ({ displayPath, sort, ...more });
const names = (entries: ListingEntry[]): string[] => entries.map((e) => e.name);

/** Every tag the page may contain: anything else after a `<` came from a name. */
const TAGS = new Set(["html", "head", "meta", "title", "style", "body", "a", "main", "h1", "table", "caption", "thead", "tbody", "tr", "th", "td", "span", "data", "time"]);
function unexpectedMarkup(html: string): string[] {
  const body = html.replace(/<style>[^<]*<\/style>/, "");
  const bad: string[] = [];
  for (const m of body.matchAll(/<(!DOCTYPE HTML>|\/?([a-z0-9]+)[ >])?/g)) {
    if (m[1] === undefined || (m[2] !== undefined && !TAGS.has(m[2]))) bad.push(body.slice(m.index, m.index + 20));
  }
  return bad;
}

describe("CPython's list_directory substrings", () => {
  // cpython test_httpservers: SimpleHTTPServerTestCase (test_html_escape_filename, test_undecodable_filename)
  test("head and heading", () => {
    const html = renderListingHtml([], page('/a<b>&"c/'));
    expect(html.startsWith("<!DOCTYPE HTML>\n")).toBe(true);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<title>Directory listing for /a&lt;b&gt;&amp;"c/</title>');
    expect(html).toContain('<h1>Directory listing for /a&lt;b&gt;&amp;"c/</h1>');
  });

  test("the query string stays in the heading as CPython shows it (test_undecodable_parameter)", () => {
    const html = renderListingHtml([], page("/dir/?x=123"));
    expect(html).toMatch(/listing for \/dir\/\?x=123/);
  });

  test.each([
    ["<test&>.txt", '<a href="%3Ctest%26%3E.txt">&lt;test&amp;&gt;.txt</a>'],
    ["a\"b'c.txt", "<a href=\"a%22b%27c.txt\">a\"b'c.txt</a>"],
    ["with space.txt", '<a href="with%20space.txt">with space.txt</a>'],
    ["hash#1.txt", '<a href="hash%231.txt">hash#1.txt</a>'],
    ["q?x=1&y=2", '<a href="q%3Fx%3D1%26y%3D2">q?x=1&amp;y=2</a>'],
    ["100%.txt", '<a href="100%25.txt">100%.txt</a>'],
    ["café.txt", '<a href="caf%C3%A9.txt">café.txt</a>'],
    ["😀.txt", '<a href="%F0%9F%98%80.txt">😀.txt</a>'],
    ["\udcff\udc80bad.txt", '<a href="%ED%B3%BF%ED%B2%80bad.txt">\udcff\udc80bad.txt</a>'],
  ])("file %j", (name, anchor) => {
    expect(renderListingHtml([file(name)], page())).toContain(anchor);
  });

  test("directories get / in text and link, symlinks @ in text, a symlink to a directory both", () => {
    const html = renderListingHtml(
      [
        dir("sub dir"),
        { ...file("link"), isSymlink: true },
        { ...dir("ldir"), isSymlink: true },
        dir("<d>"),
      ],
      page(),
    );
    expect(html).toContain('<a href="sub%20dir/">sub dir/</a>');
    expect(html).toContain('<a href="link">link@</a>');
    expect(html).toContain('<a href="ldir/">ldir@</a>');
    expect(html).toContain('<a href="%3Cd%3E/">&lt;d&gt;/</a>');
  });

  test("the page keeps lone surrogates for the handler to encode", () => {
    const html = renderListingHtml([file("\udc80.bin")], page("/\udcff/"));
    expect(html).toContain("<h1>Directory listing for /\udcff/</h1>");
    expect(html).toContain('<a href="%ED%B2%80.bin">\udc80.bin</a>');
  });

  test("default order is CPython's: case-insensitive, by code point", () => {
    const input = ["😀.txt", "ｚ.txt", "Zeta", "alpha", "\udcff\udc80bad.txt", "Beta", "_under", "ß.txt", "İx", "hash#1.txt", "100%.txt", "<test&>.txt", "q?x=1&y=2"];
    // sorted(names, key=lambda a: a.lower()) in CPython 3.11
    const cpython = ["100%.txt", "<test&>.txt", "_under", "alpha", "Beta", "hash#1.txt", "İx", "q?x=1&y=2", "Zeta", "ß.txt", "\udcff\udc80bad.txt", "ｚ.txt", "😀.txt"];
    expect(names(sortEntries(input.map((n) => file(n)), parseListingSort("")))).toEqual(cpython);
    const html = renderListingHtml(sortEntries(input.map((n) => file(n)), BY_NAME), page());
    const hrefs = [...html.matchAll(/<td class="name"><a href="([^"]*)">/g)].map((m) => m[1]);
    expect(hrefs[0]).toBe("../");
    expect(hrefs.slice(1)).toHaveLength(cpython.length);
  });

  test("names that differ only in case keep the directory's order (Python's sort is stable)", () => {
    expect(names(sortEntries([file("b"), file("B"), file("a")], BY_NAME))).toEqual(["a", "b", "B"]);
    expect(names(sortEntries([file("B"), file("b"), file("a")], BY_NAME))).toEqual(["a", "B", "b"]);
  });
});

describe("sorting", () => {
  const entries = (): ListingEntry[] => [
    file("b.txt", 300, T - 1000),
    dir("Docs", T - 5000),
    file("a.txt", 300, T),
    file("c.bin", 20, T - 9000),
    file("unknown", null, null),
  ];

  test("parseListingSort reads sort and order, with CPython's default", () => {
    expect(parseListingSort("")).toEqual({ key: "name", order: "asc" });
    expect(parseListingSort("sort=size&order=desc")).toEqual({ key: "size", order: "desc" });
    expect(parseListingSort("sort=date")).toEqual({ key: "date", order: "asc" });
    expect(parseListingSort("sort=evil&order=up")).toEqual({ key: "name", order: "asc" });
    expect(parseListingSort("x=1&order=desc")).toEqual({ key: "name", order: "desc" });
  });

  test("by name, both ways", () => {
    expect(names(sortEntries(entries(), BY_NAME))).toEqual(["a.txt", "b.txt", "c.bin", "Docs", "unknown"]);
    expect(names(sortEntries(entries(), { key: "name", order: "desc" }))).toEqual(["unknown", "Docs", "c.bin", "b.txt", "a.txt"]);
  });

  test("by size: directories and unknown sizes count as smallest; ties by name A to Z either way", () => {
    expect(names(sortEntries(entries(), { key: "size", order: "asc" }))).toEqual(["Docs", "unknown", "c.bin", "a.txt", "b.txt"]);
    expect(names(sortEntries(entries(), { key: "size", order: "desc" }))).toEqual(["a.txt", "b.txt", "c.bin", "Docs", "unknown"]);
  });

  test("by date: unknown dates count as oldest", () => {
    expect(names(sortEntries(entries(), { key: "date", order: "asc" }))).toEqual(["unknown", "c.bin", "Docs", "b.txt", "a.txt"]);
    expect(names(sortEntries(entries(), { key: "date", order: "desc" }))).toEqual(["a.txt", "b.txt", "Docs", "c.bin", "unknown"]);
  });

  test("sorts in place and returns the same array", () => {
    const list = entries();
    expect(sortEntries(list, BY_NAME)).toBe(list);
    expect(list[0].name).toBe("a.txt");
  });

  test("column links toggle the active column and start others at their natural order", () => {
    const html = renderListingHtml([file("a")], page());
    expect(html).toContain('<th scope="col" class="name" aria-sort="ascending"><a href="?sort=name&amp;order=desc">Name');
    expect(html).toContain('<th scope="col" class="size"><a href="?sort=size&amp;order=desc">Size</a></th>');
    expect(html).toContain('<th scope="col" class="date"><a href="?sort=date&amp;order=desc">Modified (UTC)</a></th>');
    expect(html.match(/aria-sort=/g)).toHaveLength(1);

    const bySizeDesc = renderListingHtml([file("a")], page("/dir/", { key: "size", order: "desc" }));
    expect(bySizeDesc).toContain('<th scope="col" class="size" aria-sort="descending"><a href="?sort=size&amp;order=asc">Size');
    expect(bySizeDesc).toContain('<a href="?sort=name&amp;order=asc">Name</a>');
    expect(bySizeDesc).toContain("sorted by size, largest first");

    const byDateAsc = renderListingHtml([], page("/", { key: "date", order: "asc" }));
    expect(byDateAsc).toContain('class="date" aria-sort="ascending"><a href="?sort=date&amp;order=desc">');
  });

  test("column links keep other query parameters and escape them", () => {
    expect(sortHref("size", BY_NAME, "x=1&sort=date&y=%3C%22")).toBe("?x=1&amp;y=%3C%22&amp;sort=size&amp;order=desc");
    const html = renderListingHtml([], page("/", BY_NAME, { query: 'a="><b>' }));
    expect(html).toContain('href="?a=%22%3E%3Cb%3E&amp;sort=name&amp;order=desc"');
  });

  test("every column header is a real link in a th with scope=col, inside a table with a caption", () => {
    const html = renderListingHtml([file("a"), dir("d")], page());
    expect(html.match(/<th scope="col" [^>]*><a href="\?/g)).toHaveLength(3);
    expect(html).toContain("<caption>1 directory, 1 file, sorted by name, A to Z</caption>");
  });
});

describe("page furniture", () => {
  test("a parent link except at the root", () => {
    const up = '<tr class="up"><td class="name"><a href="../">Parent directory</a>';
    expect(renderListingHtml([], page("/a/b/"))).toContain(up);
    expect(renderListingHtml([], page("/"))).not.toContain('href="../"');
    expect(renderListingHtml([], page("/?x=1"))).not.toContain('href="../"');
    expect(renderListingHtml([], page("/a/", BY_NAME, { parentHref: null }))).not.toContain('class="up"');
    expect(renderListingHtml([], page("/", BY_NAME, { parentHref: '/x"y/' }))).toContain('<a href="/x&quot;y/">Parent directory</a>');
  });

  test("sizes: readable text, exact bytes in <data value> and title; none for directories", () => {
    const html = renderListingHtml([file("big", 1_288_490), file("unknown", null), dir("d")], page());
    expect(html).toContain('<td class="size"><data value="1288490" title="1,288,490 bytes">1.2 MiB</data></td>');
    expect(html.match(/<td class="size">—<\/td>/g)).toHaveLength(2);
  });

  test("dates: UTC in <time datetime>, minutes shown", () => {
    const html = renderListingHtml([file("a"), file("never", 1, null), file("bogus", 1, Number.NaN)], page());
    expect(html).toContain('<td class="date"><time datetime="2024-05-01T12:34:56Z">2024-05-01 12:34</time></td>');
    expect(html.match(/<td class="date">—<\/td>/g)).toHaveLength(2);
  });

  test("formatSize", () => {
    expect(formatSize(0)).toBe("0 B");
    expect(formatSize(1023)).toBe("1023 B");
    expect(formatSize(1024)).toBe("1.0 KiB");
    expect(formatSize(1536)).toBe("1.5 KiB");
    expect(formatSize(10_189)).toBe("10 KiB");
    expect(formatSize(1024 * 1024 - 1)).toBe("1.0 MiB");
    expect(formatSize(222_298_112)).toBe("212 MiB");
    expect(formatSize(5 * 1024 ** 4)).toBe("5.0 TiB");
    expect(formatSize(-1)).toBe("?");
  });

  test("directories and symlinks are marked for styling; an empty directory says so", () => {
    const html = renderListingHtml([dir("d"), { ...file("l"), isSymlink: true }, { ...dir("ld"), isSymlink: true }, file("f")], page());
    expect(html).toContain('<tr class="dir"><td class="name"><a href="d/">');
    expect(html).toContain('<tr class="file link"><td class="name"><a href="l">');
    expect(html).toContain('<tr class="dir link"><td class="name"><a href="ld/">');
    expect(html).toContain('<tr class="file"><td class="name"><a href="f">');
    expect(renderListingHtml([], page())).toContain("This directory is empty.");
  });

  test("phone-ready, light and dark, a skip link, visible focus, and no external asset or script", () => {
    const html = renderListingHtml([file("a")], page());
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain("color-scheme:light dark");
    expect(html).toContain("@media (prefers-color-scheme:dark)");
    expect(html).toContain('<a class="skip" href="#files">Skip to files</a>');
    expect(html).toContain('<tbody id="files">');
    expect(html).toMatch(/a:focus-visible\{outline:2px solid/);
    expect(html).toMatch(/@media \(max-width:[^)]*\)\{[^@]*\.date\{display:none\}/);
    expect(html).not.toMatch(/<script|<link|<img|src=|@import|url\((?!"data:)/i);
    const css = /<style>([^<]*)<\/style>/.exec(html)![1];
    expect(Buffer.byteLength(css)).toBeLessThan(5000); // "a few KB of CSS at most"
  });
});

describe("escaping", () => {
  test("hostile names never produce markup", () => {
    const hostile = ["<script>alert(1)</script>", "</td></tr></table><h1>x", '"><img src=x onerror=alert(1)>', "&lt;", "<!--", "]]>", "<style>"];
    const html = renderListingHtml(
      hostile.flatMap((n) => [file(n), dir(n), { ...file(n), isSymlink: true }]),
      page("/<script>/", BY_NAME, { query: "<script>" }),
    );
    expect(unexpectedMarkup(html)).toEqual([]);
    expect(html).not.toContain("<script");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("&amp;lt;");
  });

  test("property: any name (with lone surrogates) is linked and shown escaped, and adds no markup", () => {
    const char = fc.oneof(
      fc.constantFrom("<", ">", "&", '"', "'", " ", "#", "?", "%", "/", "\\", "\n", "é", "😀"),
      fc.integer({ min: 0xdc80, max: 0xdcff }).map((c) => String.fromCharCode(c)),
      fc.string({ maxLength: 1 }),
    );
    const name = fc.array(char, { minLength: 1, maxLength: 12 }).map((a) => a.join("")).filter((n) => n.length > 0);
    fc.assert(
      fc.property(name, fc.boolean(), fc.boolean(), (n, isDirectory, isSymlink) => {
        const e: ListingEntry = { name: n, isDirectory, isSymlink, size: isDirectory ? null : 1, mtimeMs: T };
        const html = renderListingHtml([e], page());
        expect(unexpectedMarkup(html)).toEqual([]);
        const m = /<td class="name"><a href="([^"]*)">([^<]*)<\/a><\/td><td class="size">[^\n]*\n<\/tbody>/.exec(html);
        expect(m).not.toBeNull();
        expect(m![1]).toMatch(/^[A-Za-z0-9_.\-~/%]+$/);
        const shown = m![2].replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
        expect(shown).toBe(n + (isSymlink ? "@" : isDirectory ? "/" : ""));
        expect(decodeURIComponentLoose(m![1])).toBe(n + (isDirectory ? "/" : ""));
      }),
    );
  });
});

/** Percent-decode with the lone surrogates `quote(errors="surrogatepass")` encodes as ED B2 80..ED B3 BF. */
function decodeURIComponentLoose(s: string): string {
  const bytes = Buffer.from(s.replace(/%([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1");
  let out = "";
  for (let i = 0; i < bytes.length; ) {
    if (bytes[i] === 0xed && bytes[i + 1] >= 0xb2 && bytes[i + 1] <= 0xb3) {
      out += String.fromCharCode(0xd000 | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f));
      i += 3;
      continue;
    }
    const len = bytes[i] < 0x80 ? 1 : bytes[i] < 0xe0 ? 2 : bytes[i] < 0xf0 ? 3 : 4;
    out += bytes.subarray(i, i + len).toString("utf8");
    i += len;
  }
  return out;
}

describe("JSON form", () => {
  test("shape", () => {
    const entries: ListingEntry[] = [dir("sub dir"), { ...dir("ld"), isSymlink: true }, file("a&b.txt", 42), file("never", null, null)];
    const json = JSON.parse(renderListingJson(entries, page("/x y/"))) as ListingJson;
    expect(json).toEqual({
      path: "/x y/",
      entries: [
        { name: "sub dir", href: "sub%20dir/", type: "directory", symlink: false, size: null, modified: "2024-05-01T12:34:56.789Z" },
        { name: "ld", href: "ld/", type: "directory", symlink: true, size: null, modified: "2024-05-01T12:34:56.789Z" },
        { name: "a&b.txt", href: "a%26b.txt", type: "file", symlink: false, size: 42, modified: "2024-05-01T12:34:56.789Z" },
        { name: "never", href: "never", type: "file", symlink: false, size: null, modified: null },
      ],
    });
  });

  test("lone surrogates are written as \\udcXX escapes, so the text is well-formed", () => {
    const text = renderListingJson([file("\udcff.bin", 1, Number.NaN)], page("/\udc80/"));
    expect(text).toContain('"path":"/\\udc80/"');
    expect(text).toContain('"name":"\\udcff.bin"');
    expect(text).toContain('"href":"%ED%B3%BF.bin"');
    expect(text).toContain('"modified":null');
    expect(/[\ud800-\udfff]/.test(text)).toBe(false);
    expect((JSON.parse(text) as ListingJson).entries[0].name).toBe("\udcff.bin");
  });
});
