/**
 * The directory listing page (HTML) and its JSON form. Pure functions of the entries: the handler
 * reads the directory, this file only renders.
 *
 * The HTML keeps every substring CPython's `list_directory` writes and its tests look for
 * (`<!DOCTYPE HTML>`, `<html lang="en">`, `<meta charset="utf-8">`, the title and `<h1>`, and one
 * `<a href="QUOTED">ESCAPED</a>` per entry), inside a sortable, accessible table with inline CSS
 * (light and dark, narrow screens), no script and no external asset.
 * @module
 */
import { htmlEscape, quote } from "./url-path.js";

/** One entry of a directory, as the handler read it. */
export interface ListingEntry {
  /** The file name (surrogate-escaped where its bytes are not UTF-8, see `url-path.ts`). */
  name: string;
  /** A directory, or a symlink to one. */
  isDirectory: boolean;
  /** A symbolic link (shown with `@`, as CPython does). */
  isSymlink: boolean;
  /** Size in bytes (files), `null` for directories or when unknown. */
  size: number | null;
  /** Last modification, ms since the epoch, `null` when unknown. */
  mtimeMs: number | null;
}

/** How a listing is sorted: by `?sort=name|size|date&order=asc|desc`. */
export interface ListingSort {
  key: "name" | "size" | "date";
  order: "asc" | "desc";
}

/** What a listing page shows besides its entries. */
export interface ListingPage {
  /** The URL path of the directory, percent-decoded (not escaped yet). */
  displayPath: string;
  /** The order the entries are in (the handler sorts them with {@link sortEntries}). */
  sort: ListingSort;
  /**
   * The request's query string, without `?`. Parameters other than `sort` and `order` are kept in
   * the column links. Default: none.
   */
  query?: string;
  /**
   * The link to the parent directory, written as it is (already a URL); `null` for none.
   * Default: `"../"`, except at the root (`displayPath` `/`, before any `?`).
   */
  parentHref?: string | null;
}

/** Read `?sort=` and `?order=` from a query string (defaults: by name, ascending, as CPython). */
export function parseListingSort(query: string): ListingSort {
  const params = new URLSearchParams(query);
  const key = params.get("sort");
  const order = params.get("order");
  return {
    key: key === "size" || key === "date" ? key : "name",
    order: order === "desc" ? "desc" : "asc",
  };
}

/** Compare by code point, as Python compares `str` (JS `<` compares UTF-16 code units). */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x - y;
    return a.codePointAt(i)! - b.codePointAt(i)!;
  }
  return a.length - b.length;
}

/**
 * Sort entries in place and return them. By name (the default) the order is CPython's
 * (`list.sort(key=lambda a: a.lower())`: case-insensitive, by code point, stable); by size or date
 * (unknown ones count as smallest, directories have no size), with ties by name, A to Z.
 * @example
 * sortEntries(entries, parseListingSort("sort=size&order=desc")); // largest first
 */
export function sortEntries(entries: ListingEntry[], sort: ListingSort): ListingEntry[] {
  const sign = sort.order === "desc" ? -1 : 1;
  const keyed = entries.map((e) => ({ e, lower: e.name.toLowerCase() }));
  type Keyed = (typeof keyed)[number];
  const byName = (a: Keyed, b: Keyed): number => compareCodePoints(a.lower, b.lower);
  const cmp =
    sort.key === "size"
      ? (a: Keyed, b: Keyed) => sign * ((a.e.size ?? -1) - (b.e.size ?? -1)) || byName(a, b)
      : sort.key === "date"
        ? (a: Keyed, b: Keyed) => sign * ((a.e.mtimeMs ?? -Infinity) - (b.e.mtimeMs ?? -Infinity) || 0) || byName(a, b)
        : (a: Keyed, b: Keyed) => sign * byName(a, b);
  keyed.sort(cmp);
  for (let i = 0; i < keyed.length; i++) entries[i] = keyed[i].e;
  return entries;
}

const SIZE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/**
 * A size for people, in binary units: `"0 B"`, `"900 B"`, `"1.5 KiB"`, `"12 KiB"`, `"3.4 GiB"`
 * (one decimal below 10, none above).
 */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "?";
  let u = 0;
  let v = bytes;
  while (v >= 1024 && u < SIZE_UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${Math.round(v)} B`;
  let text = v < 9.95 ? v.toFixed(1) : String(Math.round(v));
  if (text === "1024" && u < SIZE_UNITS.length - 1) {
    u++;
    text = "1.0";
  }
  return `${text} ${SIZE_UNITS[u]}`;
}

/** An ISO 8601 UTC instant without milliseconds, or `null` for an unknown or invalid time. */
function isoUtc(ms: number | null): string | null {
  if (ms === null || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return null;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const ORDER_WORDS: Record<ListingSort["key"], Record<ListingSort["order"], string>> = {
  name: { asc: "name, A to Z", desc: "name, Z to A" },
  size: { asc: "size, smallest first", desc: "size, largest first" },
  date: { asc: "date, oldest first", desc: "date, newest first" },
};

/** The order a column header link asks for first: names A to Z, sizes largest and dates newest first. */
const FIRST_ORDER: Record<ListingSort["key"], ListingSort["order"]> = { name: "asc", size: "desc", date: "desc" };

/**
 * The `href` of a column header (HTML-escaped): the active column toggles its order, another
 * column starts at its natural order; other query parameters are kept.
 */
export function sortHref(key: ListingSort["key"], current: ListingSort, query = ""): string {
  const order = current.key === key ? (current.order === "asc" ? "desc" : "asc") : FIRST_ORDER[key];
  const params = new URLSearchParams(query);
  params.delete("sort");
  params.delete("order");
  params.append("sort", key);
  params.append("order", order);
  return htmlEscape("?" + params.toString());
}

/** An SVG icon for a CSS mask, as a `url()` (one colour, painted by `background`). */
function icon(paths: string, filled = false): string {
  const attrs = filled ? "fill='black'" : "fill='none' stroke='black' stroke-width='1.75' stroke-linecap='round' stroke-linejoin='round'";
  const svg = `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24' ${attrs}>${paths}</svg>`;
  return `url("data:image/svg+xml,${svg.replace(/</g, "%3C").replace(/>/g, "%3E").replace(/#/g, "%23")}")`;
}

/** The page's whole style sheet (about 4 KB, a third of it the five icons). */
const CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#eef1f4;--head:#f6f8fa;--hover:#f3f6fa;--accent:#0969da;--dir:#3b8ff0;--file:#818b98}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--soft:#21262d;--head:#151b23;--hover:#161d27;--accent:#4493f8;--dir:#58a6ff;--file:#8b949e}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Noto Sans","Liberation Sans",Arial,sans-serif;-webkit-text-size-adjust:100%}
main{max-width:64rem;margin:0 auto;padding:1.5rem 1.25rem 3rem}
h1{margin:0 0 1rem;font-size:1.375rem;font-weight:600;line-height:1.3;overflow-wrap:anywhere}
a{color:var(--accent)}
a:focus-visible{outline:2px solid var(--accent);outline-offset:-2px;border-radius:6px}
.skip{position:absolute;left:1rem;top:-4rem;padding:.5rem .75rem;background:var(--bg);border:1px solid var(--line);border-radius:6px;box-shadow:0 4px 12px #0003;z-index:1}
.skip:focus{top:.5rem}
table{width:100%;border:1px solid var(--line);border-radius:8px;border-spacing:0;overflow:clip;font-variant-numeric:tabular-nums}
caption{caption-side:top;text-align:left;color:var(--muted);font-size:.875rem;padding:0 0 .5rem}
th{background:var(--head);color:var(--muted);font-size:.8125rem;font-weight:600;text-align:left;border-bottom:1px solid var(--line);white-space:nowrap;padding:0}
th a{display:block;padding:.5rem .75rem;color:inherit;text-decoration:none}
th a:hover,th[aria-sort]{color:var(--fg)}
th a:hover{text-decoration:underline}
td{padding:.375rem .75rem;border-top:1px solid var(--soft);vertical-align:top}
tr:first-child td{border-top:0}
tbody tr:hover{background:var(--hover)}
td.name{padding:0;width:100%}
td.name a{display:flex;gap:.625rem;padding:.375rem .75rem;color:var(--fg);text-decoration:none;overflow-wrap:anywhere;min-width:0}
td.name a:hover{color:var(--accent);text-decoration:underline}
td.name a::before{content:"";flex:none;width:1.125rem;height:1.125rem;margin-top:.1875rem;background:var(--file);-webkit-mask:var(--i) center/contain no-repeat;mask:var(--i) center/contain no-repeat}
.size,.date{white-space:nowrap;color:var(--muted)}
.size{text-align:right}
.dir a{font-weight:600}
tr.file{--i:${icon("<path d='M13.5 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8.5z'/><path d='M13.5 3v5.5H19'/>")}}
tr.dir{--i:${icon("<path d='M2.5 6.5A2 2 0 0 1 4.5 4.5h4.6l2 2.2h8.4a2 2 0 0 1 2 2v9.3a2 2 0 0 1-2 2h-15a2 2 0 0 1-2-2z'/>", true)}}
tr.dir a::before{background:var(--dir)}
tr.link{--i:${icon("<path d='M13.5 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h3'/><path d='M13.5 3 19 8.5V12'/><path d='M14 21v-2.5a3 3 0 0 1 3-3h4M18.5 13l2.5 2.5-2.5 2.5'/>")}}
tr.dir.link{--i:${icon("<path d='M11 19.5H4.5a2 2 0 0 1-2-2v-11a2 2 0 0 1 2-2h4.6l2 2.2h8.4a2 2 0 0 1 2 2v2.8'/><path d='M14 21v-2.5a3 3 0 0 1 3-3h4M18.5 13l2.5 2.5-2.5 2.5'/>")}}
tr.up{--i:${icon("<path d='M12 19V5M5.5 11.5 12 5l6.5 6.5'/>")}}
.empty{color:var(--muted);font-style:italic;text-align:center;padding:1.5rem}
@media (max-width:40rem){main{padding:1.25rem .75rem 2rem}h1{font-size:1.125rem}.date{display:none}}
`
  .trim()
  .replace(/\n/g, "");

/**
 * The HTML page: a string that may hold surrogate-escaped bytes (the handler encodes it with
 * `fsEncodeBuffer`). The entries are shown in the order given (sort them with {@link sortEntries}).
 *
 * As CPython's `list_directory`: `<!DOCTYPE HTML>`, `<html lang="en">`, `<meta charset="utf-8">`,
 * `<title>` and `<h1>` `Directory listing for DISPLAYPATH`, and each entry as
 * `<a href="QUOTED">ESCAPED</a>`, with `/` after directories and `@` after symlinks (a symlink to
 * a directory shows `name@` and links to `name/`). Around them: a table with size (`<data
 * value>` holds the bytes) and modification time (`<time datetime>`, UTC), column headers that
 * sort (`aria-sort` on the active one), a parent directory row, a skip link, light and dark
 * colours, and a layout that drops the date column on narrow screens.
 * @example
 * const html = renderListingHtml(sortEntries(entries, sort), { displayPath: "/docs/", sort });
 */
export function renderListingHtml(entries: readonly ListingEntry[], page: ListingPage): string {
  const title = `Directory listing for ${htmlEscape(page.displayPath, false)}`;
  const { sort } = page;
  const parentHref = page.parentHref !== undefined ? page.parentHref : isRoot(page.displayPath) ? null : "../";
  const dirs = entries.filter((e) => e.isDirectory).length;
  const files = entries.length - dirs;
  const r: string[] = [
    "<!DOCTYPE HTML>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<title>${title}</title>`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<style>${CSS}</style>\n</head>`,
    '<body>\n<a class="skip" href="#files">Skip to files</a>\n<main>',
    `<h1>${title}</h1>`,
    "<table>",
    `<caption>${plural(dirs, "directory", "directories")}, ${plural(files, "file", "files")}, sorted by ${ORDER_WORDS[sort.key][sort.order]}</caption>`,
    "<thead><tr>",
    header("name", "Name", page),
    header("size", "Size", page),
    header("date", "Modified (UTC)", page),
    '</tr></thead>\n<tbody id="files">',
  ];
  if (parentHref !== null) {
    r.push(`<tr class="up"><td class="name"><a href="${htmlEscape(parentHref)}">Parent directory</a></td><td class="size"></td><td class="date"></td></tr>`);
  }
  for (const e of entries) {
    let displayName = e.name;
    let linkName = e.name;
    if (e.isDirectory) {
      displayName += "/";
      linkName += "/";
    }
    if (e.isSymlink) displayName = e.name + "@";
    const cls = (e.isDirectory ? "dir" : "file") + (e.isSymlink ? " link" : "");
    const size = e.size === null || e.isDirectory ? "—" : `<data value="${e.size}" title="${e.size.toLocaleString("en-US")} bytes">${formatSize(e.size)}</data>`;
    const iso = isoUtc(e.mtimeMs);
    const date = iso === null ? "—" : `<time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 16)}</time>`;
    r.push(
      `<tr class="${cls}"><td class="name"><a href="${quote(linkName)}">${htmlEscape(displayName, false)}</a></td>` +
        `<td class="size">${size}</td><td class="date">${date}</td></tr>`,
    );
  }
  if (entries.length === 0) r.push('<tr><td class="empty" colspan="3">This directory is empty.</td></tr>');
  r.push("</tbody>\n</table>\n</main>\n</body>\n</html>\n");
  return r.join("\n");
}

function isRoot(displayPath: string): boolean {
  const q = displayPath.indexOf("?");
  const path = q === -1 ? displayPath : displayPath.slice(0, q);
  return path === "/" || path === "";
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function header(key: ListingSort["key"], label: string, page: ListingPage): string {
  const active = page.sort.key === key;
  const ariaSort = active ? ` aria-sort="${page.sort.order === "asc" ? "ascending" : "descending"}"` : "";
  const arrow = active ? ` <span aria-hidden="true">${page.sort.order === "asc" ? "↑" : "↓"}</span>` : "";
  return `<th scope="col" class="${key}"${ariaSort}><a href="${sortHref(key, page.sort, page.query)}">${label}${arrow}</a></th>`;
}

/** One entry of {@link ListingJson}. */
export interface ListingJsonEntry {
  /** The file name. A byte that is not UTF-8 is the lone surrogate U+DC80..U+DCFF, which JSON writes as the escape `\udcXX`. */
  name: string;
  /** The entry's URL relative to the directory: `quote(name)`, with `/` after a directory (as the HTML `href`). */
  href: string;
  /** `"directory"` for a directory or a symlink to one. */
  type: "directory" | "file";
  /** Whether it is a symbolic link. */
  symlink: boolean;
  /** Size in bytes, `null` for directories or when unknown. */
  size: number | null;
  /** Last modification as ISO 8601 UTC (`2024-05-01T12:34:56.789Z`), `null` when unknown. */
  modified: string | null;
}

/** The shape of {@link renderListingJson}'s output. */
export interface ListingJson {
  /** The directory's URL path, percent-decoded (as `ListingPage.displayPath`). */
  path: string;
  /** The entries, in the order given (no parent entry). */
  entries: ListingJsonEntry[];
}

/**
 * The JSON form (for `Accept: application/json`), a {@link ListingJson}:
 * `{"path": "/docs/", "entries": [{"name": "a b.txt", "href": "a%20b.txt", "type": "file",
 * "symlink": false, "size": 12, "modified": "2024-05-01T12:34:56.000Z"}, ...]}`.
 * The output is well-formed (lone surrogates are written as `\udcXX` escapes), so it can be
 * encoded as plain UTF-8.
 */
export function renderListingJson(entries: readonly ListingEntry[], page: ListingPage): string {
  const json: ListingJson = {
    path: page.displayPath,
    entries: entries.map((e) => {
      const valid = isoUtc(e.mtimeMs) !== null;
      return {
        name: e.name,
        href: quote(e.isDirectory ? e.name + "/" : e.name),
        type: e.isDirectory ? "directory" : "file",
        symlink: e.isSymlink,
        size: e.size,
        modified: valid ? new Date(e.mtimeMs!).toISOString() : null,
      };
    }),
  };
  return JSON.stringify(json);
}
