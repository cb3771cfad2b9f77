// BlockListFilter: hosts files, domain lists and EasyList rules (through @ghostery/adblocker),
// canonicalisation, resource types, replacements, CONNECT refusal, bad lines and reload; unit
// tests on decide()/explain() and end to end through ProxyRequestHandler with a node:http origin.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { BLANK_GIF, PATTERN_SVG } from "../src/blocklist-answers.js";
import { detectFormat } from "../src/blocklist-parse.js";
import { guessResourceType } from "../src/blocklist-type.js";
import { BlockListFilter, type BlockEvent, type BlockListOptions } from "../src/blocklist.js";
import type { BoundedMemo } from "../src/bounded-memo.js";
import { canonicalUrl } from "../src/canonical-url.js";
import { DEFAULT_POOLS, ProxyRequestHandler, ThreadingHTTPServer, type Filter } from "../src/index.js";

const run = promisify(execFile);
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "blocklist");
const fixture = (name: string): string => path.join(FIXTURES, name);
/** The 1-based line number of `text` in a fixture. */
const lineOf = async (file: string, text: string): Promise<number> => (await readFile(fixture(file), "utf8")).split("\n").indexOf(text) + 1;

async function fixtureFilter(options: BlockListOptions = {}): Promise<BlockListFilter> {
  return BlockListFilter.fromFiles([fixture("easylist-sample.txt"), fixture("hosts.txt"), fixture("domains.txt")], options);
}

describe("canonicalUrl", () => {
  test.each([
    ["http://ADS.Example.com.:80/%61d.gif", "http://ads.example.com/ad.gif"],
    ["http://ads.example.com../x", "http://ads.example.com/x"],
    ["https://a.example:443/", "https://a.example/"],
    ["http://a.example:8080/%7euser/%2fx?q=%41%3d", "http://a.example:8080/~user/%2Fx?q=A%3D"],
    ["http://a.example/p#frag", "http://a.example/p"],
    ["http://bücher.example/", "http://xn--bcher-kva.example/"],
  ])("%s -> %s", (input, expected) => {
    expect(canonicalUrl(new URL(input)).href).toBe(expected);
  });

  test("an already canonical URL is returned as is (no copy); others are copied, never changed", () => {
    const plain = new URL("http://ads.example.com:8080/a/b.gif?x=1");
    expect(canonicalUrl(plain)).toBe(plain);
    const odd = new URL("http://ads.example.com./%61");
    const out = canonicalUrl(odd);
    expect(out).not.toBe(odd);
    expect(odd.href).toBe("http://ads.example.com./%61");
  });
});

describe("format detection and bad lines", () => {
  test("each fixture is read in its format", async () => {
    const f = await fixtureFilter();
    expect(f.formats.get(fixture("easylist-sample.txt"))).toBe("abp");
    expect(f.formats.get(fixture("hosts.txt"))).toBe("hosts");
    expect(f.formats.get(fixture("domains.txt"))).toBe("domains");
    expect(detectFormat("||a.example^\nb.example\n")).toBe("abp");
    expect(detectFormat("a.example\nb.example\n||c^\n")).toBe("domains");
  });

  test("bad lines are reported with list and line number", async () => {
    const f = await fixtureFilter();
    const bad = f.badLines.map((b) => [path.basename(b.list), b.line, b.text]);
    expect(bad).toEqual(
      expect.arrayContaining([
        ["easylist-sample.txt", await lineOf("easylist-sample.txt", "||broken.example^$nonsenseoption"), "||broken.example^$nonsenseoption"],
        ["hosts.txt", await lineOf("hosts.txt", "0.0.0.0 bad_host!.example"), "0.0.0.0 bad_host!.example"],
        ["hosts.txt", await lineOf("hosts.txt", "this line is not a hosts entry"), "this line is not a hosts entry"],
        ["domains.txt", 5, "not a domain"],
        // $popup means nothing to a proxy and the engine does not parse it: skipped, and said so.
        ["easylist-sample.txt", await lineOf("easylist-sample.txt", "||popads.example^$popup"), "||popads.example^$popup"],
      ]),
    );
    expect(bad).toHaveLength(5);
    const seen: Array<[string, number, string, string]> = [];
    const g = new BlockListFilter([{ name: "mine", text: "||ok.example^\n\n||x^$bogus\n0.0.0.0 space in pattern\n" }], { onBadLine: (...a) => seen.push(a) });
    expect(seen.map(([l, n, t]) => [l, n, t])).toEqual([
      ["mine", 3, "||x^$bogus"],
      ["mine", 4, "0.0.0.0 space in pattern"],
    ]);
    expect(g.badLines).toEqual([]);
    expect(g.decide("http://ok.example/").blocked).toBe(true);
  });
});

describe("decide and explain", () => {
  let f: BlockListFilter;
  beforeAll(async () => (f = await fixtureFilter()));

  test("hosts entries block the host and its subdomains, not the parent; stock names are ignored", async () => {
    const d = f.decide("http://hostads.example/x", { type: "script" });
    expect(d).toMatchObject({ blocked: true, rule: "0.0.0.0 hostads.example", list: fixture("hosts.txt"), line: await lineOf("hosts.txt", "0.0.0.0 hostads.example") });
    expect(f.decide("http://sub.metrics.example.com/").blocked).toBe(true);
    expect(f.decide("http://beacon.example.org/b").blocked).toBe(true);
    expect(f.decide("http://example.com/").blocked).toBe(false);
    expect(f.decide("http://localhost/").blocked).toBe(false);
  });

  test("domain lists block the domain and its subdomains", () => {
    expect(f.decide("http://trackers.example/").blocked).toBe(true);
    expect(f.decide("http://a.b.adsite.example/p").blocked).toBe(true);
    expect(f.decide("http://x.wild.example/").blocked).toBe(true);
    expect(f.decide("http://notadsite.example/").blocked).toBe(false);
  });

  test("EasyList rules: anchors, wildcards, plain patterns", () => {
    expect(f.decide("http://www.site.example/ad.gif")).toMatchObject({ blocked: true, rule: "/ad.gif", type: "image" });
    expect(f.decide("http://ads.example.com/any")).toMatchObject({ blocked: true, rule: "||ads.example.com^" });
    expect(f.decide("http://cdn.example.org/banner/x/y.png").blocked).toBe(true);
    expect(f.decide("http://plain.example/ads/1.html", { type: "document" }).blocked).toBe(true);
    expect(f.decide("https://plain.example/ads/1.html", { type: "document" }).blocked).toBe(false);
    expect(f.decide("http://site.example/pagead/ads.js").blocked).toBe(true);
    expect(f.decide("http://site.example/img/top_468x60.png").blocked).toBe(true);
    expect(f.decide("http://site.example/article.html", { type: "document" }).blocked).toBe(false);
  });

  test("@@ exceptions win, and say so", () => {
    const d = f.decide("http://ads.example.com/allowed/a.js", { type: "script" });
    expect(d).toMatchObject({ blocked: false, excepted: true, rule: "@@||ads.example.com/allowed/*" });
    expect(f.decide("http://cdn.example.org/banner/ok.png").blocked).toBe(false);
    expect(f.decide("http://cdn.example.org/banner/no.png").blocked).toBe(true);
    expect(f.decide("http://x.example/ad.gif", { sourceUrl: "http://allowed.example/" }).blocked).toBe(false);
    expect(f.decide("http://x.example/ad.gif", { sourceUrl: "http://other.example/" }).blocked).toBe(true);
  });

  test("$third-party needs a page from another site", () => {
    expect(f.decide("http://adserver.example.net/x.js", { type: "script", sourceUrl: "http://news.example/" }).blocked).toBe(true);
    expect(f.decide("http://adserver.example.net/x.js", { type: "script", sourceUrl: "http://www.example.net/" }).blocked).toBe(false);
    expect(f.decide("http://adserver.example.net/x.js", { type: "script" }).blocked).toBe(false);
  });

  test("remembered decisions keep the source host and the type apart", () => {
    const g = new BlockListFilter([{ name: "p", text: "||tracker.example^$third-party,image\n" }]);
    const url = "http://tracker.example/p.gif";
    for (let round = 0; round < 3; round++) {
      expect(g.decide(url, { type: "image", sourceUrl: "http://news.example/a" }).blocked).toBe(true);
      expect(g.decide(url, { type: "image", sourceUrl: "http://www.tracker.example/b" }).blocked).toBe(false);
      expect(g.decide(url, { type: "image", sourceUrl: "HTTP://NEWS.example:8080/c" }).blocked).toBe(true);
      expect(g.decide(url, { type: "script", sourceUrl: "http://news.example/a" }).blocked).toBe(false);
      expect(g.decide(url, { type: "image" }).blocked).toBe(false);
    }
    // Far more URLs than are remembered: every answer is still right.
    for (let i = 0; i < 5000; i++) expect(g.decide(`http://tracker.example/${i}.gif`, { type: "image", sourceUrl: "http://news.example/" }).blocked).toBe(true);
    expect(g.decide(url, { type: "image", sourceUrl: "http://www.tracker.example/b" }).blocked).toBe(false);
    // One URL from ever new pages (Referers are the client's to choose): still bounded.
    for (let i = 0; i < 5000; i++) expect(g.decide(url, { type: "image", sourceUrl: `http://p${i}.example/` }).blocked).toBe(true);
    const state = (g as unknown as { state: { decisions: BoundedMemo<unknown> } }).state;
    expect(state.decisions.size).toBeLessThanOrEqual(4096);
  });

  test("domain= and ~domain=", () => {
    expect(f.decide("http://adnet.example/a", { type: "image", sourceUrl: "http://news.example/" }).blocked).toBe(true);
    expect(f.decide("http://adnet.example/a", { type: "image", sourceUrl: "http://www.blog.example/p" }).blocked).toBe(true);
    expect(f.decide("http://adnet.example/a", { type: "image", sourceUrl: "http://shop.example/" }).blocked).toBe(false);
    expect(f.decide("http://partner-ads.example/a", { type: "image", sourceUrl: "http://shop.example/" }).blocked).toBe(true);
    expect(f.decide("http://partner-ads.example/a", { type: "image", sourceUrl: "http://partner.example/" }).blocked).toBe(false);
  });

  test("resource types restrict rules", () => {
    expect(f.decide("http://banners.example.org/x", { type: "image" }).blocked).toBe(true);
    expect(f.decide("http://banners.example.org/x", { type: "script" }).blocked).toBe(false);
    expect(f.decide("http://tracker.example.io/t", { type: "script", sourceUrl: "http://a.example/" }).blocked).toBe(true);
    expect(f.decide("http://tracker.example.io/t", { type: "image", sourceUrl: "http://a.example/" }).blocked).toBe(false);
    expect(f.decide("http://widgets.example.com/ad-frame.html", { type: "subdocument" }).blocked).toBe(true);
    expect(f.decide("http://widgets.example.com/ad-frame.html", { type: "document" }).blocked).toBe(false);
    expect(f.decide("http://styles.example.com/ads.css").blocked).toBe(true); // .css -> stylesheet
    expect(f.decide("http://styles.example.com/ads.css", { type: "xhr" }).blocked).toBe(false);
  });

  test("canonicalisation: case, trailing dot, :80 and percent-encoding do not slip past", () => {
    for (const u of ["http://ADS.Example.COM/x", "http://ads.example.com./x", "http://ads.example.com.:80/x", "http://HostAds.Example:80/"]) expect(f.decide(u).blocked).toBe(true);
    expect(f.decide("http://www.site.example/%61d.gif").blocked).toBe(true);
    expect(f.decide("http://www.site.example/%61%64%2e%67%69%66").blocked).toBe(true);
    const g = new BlockListFilter([{ name: "t", text: "ads.example.com/ad.gif\n" }]);
    expect(g.decide("http://ADS.Example.com.:80/%61d.gif")).toMatchObject({ blocked: true, rule: "ads.example.com/ad.gif", list: "t", line: 1 });
  });

  test("explain lists every matching rule with its list and whether it blocks", async () => {
    const e = f.explain(new URL("http://ads.example.com/allowed/x.gif"));
    expect(e).toEqual(
      expect.arrayContaining([
        { filter: "blocklist", rule: "||ads.example.com^", action: "block", list: fixture("easylist-sample.txt"), line: await lineOf("easylist-sample.txt", "||ads.example.com^") },
        { filter: "blocklist", rule: "@@||ads.example.com/allowed/*", action: "exception", list: fixture("easylist-sample.txt"), line: await lineOf("easylist-sample.txt", "@@||ads.example.com/allowed/*") },
      ]),
    );
    expect(f.explain(new URL("http://nothing.example/"))).toEqual([]);
  });

  test("blocksHost: whole-host rules only", () => {
    expect(f.blocksHost("hostads.example")).toMatchObject({ list: fixture("hosts.txt") });
    expect(f.blocksHost("ADS.example.com.")).toMatchObject({ text: "||ads.example.com^" });
    expect(f.blocksHost("x.trackers.example")).toMatchObject({ text: "trackers.example" });
    expect(f.blocksHost("banners.example.org")).toBeNull(); // $image only
    expect(f.blocksHost("adserver.example.net")).toBeNull(); // $third-party only
    expect(f.blocksHost("cdn.example.org")).toBeNull(); // a path only
    expect(f.blocksHost("example.com")).toBeNull();
  });
});

describe("resource type guessing", () => {
  const u = (s: string): URL => new URL(s);
  test.each([
    [[["Sec-Fetch-Dest", "image"]], "http://a/x", "image"],
    [[["Sec-Fetch-Dest", "iframe"]], "http://a/x.png", "subdocument"],
    [[["sec-fetch-dest", "frame"]], "http://a/x", "subdocument"],
    [[["Sec-Fetch-Dest", "style"]], "http://a/x", "stylesheet"],
    [[["Sec-Fetch-Dest", "document"]], "http://a/x.js", "document"],
    [[["Sec-Fetch-Dest", "font"]], "http://a/x", "font"],
    [[["Accept", "image/avif,image/webp,*/*"]], "http://a/x", "image"],
    [[["Accept", "text/css,*/*;q=0.1"]], "http://a/x", "stylesheet"],
    [[["Accept", "text/html,application/xhtml+xml"]], "http://a/x", "document"],
    [[["Accept", "*/*"]], "http://a/x.webp", "image"],
    [[], "http://a/x.svg", "image"],
    [[], "http://a/x.JS", "script"],
    [[], "http://a/x.css?v=1", "stylesheet"],
    [[], "http://a/x", "other"],
    [[], "http://a/x.woff2", "font"],
    [[], "http://a/x.abcdef", "other"],
    [[], "http://a/dir.png/", "other"],
    [[], "http://a/x.", "other"],
    [[], "http://a/.gif", "image"],
    [[], "http://a/x.toString", "other"],
    [[], "http://a/x.constructor", "other"],
    [[], "http://a/x.pn%67", "other"],
  ] as Array<[Array<[string, string]>, string, string]>)("%j %s -> %s", (headers, url, type) => {
    expect(guessResourceType(u(url), headers)).toBe(type);
  });
});

describe("reload", () => {
  test("reload swaps the rules; reloadFiles re-reads; a failed read keeps the old rules", async () => {
    const f = new BlockListFilter([{ name: "a", text: "||one.example^\n" }]);
    expect(f.decide("http://one.example/").blocked).toBe(true);
    f.reload([{ name: "b", text: "||two.example^\n||bad^$nope\n" }]);
    expect(f.decide("http://one.example/").blocked).toBe(false);
    expect(f.decide("http://two.example/")).toMatchObject({ blocked: true, list: "b" });
    expect(f.badLines).toEqual([{ list: "b", line: 2, text: "||bad^$nope", reason: expect.any(String) }]);

    const dir = await mkdtemp(path.join(os.tmpdir(), "blocklist-"));
    try {
      const file = path.join(dir, "list.txt");
      await writeFile(file, "0.0.0.0 first.example\n");
      const g = await BlockListFilter.fromFiles([file], {}, [{ name: "inline", text: "||inline.example^" }]);
      expect(g.decide("http://first.example/").blocked).toBe(true);
      expect(g.decide("http://inline.example/").blocked).toBe(true);
      await writeFile(file, "0.0.0.0 second.example\n");
      await g.reloadFiles();
      expect(g.decide("http://first.example/").blocked).toBe(false);
      expect(g.decide("http://second.example/").blocked).toBe(true);
      expect(g.decide("http://inline.example/").blocked).toBe(true);
      await rm(file);
      await expect(g.reloadFiles()).rejects.toThrow(`${file}: ENOENT`);
      expect(g.decide("http://second.example/").blocked).toBe(true);
      // A FIFO would block the read until a writer came (and hold a thread): refused at once.
      execFileSync("mkfifo", [file]);
      await expect(g.reloadFiles()).rejects.toThrow(`${file}: not a regular file`);
      await rm(file);
      await expect(BlockListFilter.fromFiles([dir])).rejects.toThrow(`${dir}: EISDIR`);
      expect(g.decide("http://second.example/").blocked).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// ---- end to end through the proxy ----

class Quiet extends ProxyRequestHandler {
  override logMessage(): void {}
}

interface Running {
  port: number;
  close(): Promise<void>;
}

async function proxy(filters: Filter[], connectPorts = [443]): Promise<Running> {
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], Quiet.withOptions({ filters, connectPorts }));
  await server.ready;
  void server.serveForever();
  return {
    port: (server.serverAddress as [string, number])[1],
    async close() {
      await server.shutdown();
      await server.serverClose();
    },
  };
}

/** Raw request to the proxy (Connection: close); the whole answer as latin1 text and body bytes. */
function raw(port: number, text: string): Promise<{ head: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => s.write(text));
    const chunks: Buffer[] = [];
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("end", () => {
      const all = Buffer.concat(chunks);
      const end = all.indexOf("\r\n\r\n");
      resolve({ head: all.toString("latin1", 0, end), body: all.subarray(end + 4) });
    });
    s.on("error", reject);
  });
}

describe("end to end", () => {
  let origin: http.Server;
  let originPort: number;
  const seen: string[] = [];
  let p: Running;
  let pattern: Running;
  const blocks: BlockEvent[] = [];
  let f: BlockListFilter;

  beforeAll(async () => {
    origin = http.createServer((req, res) => {
      seen.push(`${req.headers.host} ${req.url}`);
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end(`origin ${req.url}`);
    });
    await new Promise<void>((r) => origin.listen(0, "127.0.0.1", r));
    originPort = (origin.address() as net.AddressInfo).port;
    // The origin is reached under blocked-looking names through rules that name 127.0.0.1's port.
    f = await fixtureFilter({ onBlock: (e) => blocks.push(e) });
    f.reload([
      { name: "local", text: `||127.0.0.1:${originPort}/ads/\n@@||127.0.0.1:${originPort}/ads/ok/\n||127.0.0.1:${originPort}/3p/$third-party\n` },
    ]);
    p = await proxy([f], [443, originPort]);
    pattern = await proxy([await fixtureFilter({ imageBlocker: "pattern" })]);
  });

  afterAll(async () => {
    await p.close();
    await pattern.close();
    DEFAULT_POOLS.close();
    await new Promise((r) => origin.close(r));
  });

  const get = (port: number, url: string, headers: string[] = []): Promise<{ head: string; body: Buffer }> =>
    raw(port, `GET ${url} HTTP/1.0\r\nHost: x\r\n${headers.map((h) => `${h}\r\n`).join("")}Connection: close\r\n\r\n`);

  test("a blocked image is a 1x1 transparent GIF, not fetched", async () => {
    const before = seen.length;
    const r = await get(p.port, `http://127.0.0.1:${originPort}/ads/banner.gif`);
    expect(r.head).toMatch(/^HTTP\/1\.[01] 200/);
    expect(r.head).toMatch(/^Content-Type: image\/gif$/im);
    expect(r.head).toMatch(/^Cache-Control: no-store$/im);
    expect(r.body.equals(BLANK_GIF)).toBe(true);
    expect(r.body.subarray(0, 6).toString("latin1")).toBe("GIF89a");
    expect(seen.length).toBe(before);
    expect(blocks.at(-1)).toEqual({ url: `http://127.0.0.1:${originPort}/ads/banner.gif`, rule: `||127.0.0.1:${originPort}/ads/`, list: "local", type: "image", client: "127.0.0.1" });
  });

  test("imageBlocker pattern: a visible SVG", async () => {
    const r = await get(pattern.port, "http://ads.example.com/x", ["Sec-Fetch-Dest: image"]);
    expect(r.head).toMatch(/^Content-Type: image\/svg\+xml$/im);
    expect(r.body.equals(PATTERN_SVG)).toBe(true);
    expect(r.body.toString()).toContain("<svg");
  });

  test("scripts and style sheets are empty 200s of the right type; frames empty HTML", async () => {
    const s = await get(p.port, `http://127.0.0.1:${originPort}/ads/x`, ["Sec-Fetch-Dest: script"]);
    expect(s.head).toMatch(/^HTTP\/1\.[01] 200/);
    expect(s.head).toMatch(/^Content-Type: application\/javascript/im);
    expect(s.head).toMatch(/^Content-Length: 0$/im);
    const c = await get(p.port, `http://127.0.0.1:${originPort}/ads/x.css`);
    expect(c.head).toMatch(/^Content-Type: text\/css/im);
    expect(c.body.length).toBe(0);
    const fr = await get(p.port, `http://127.0.0.1:${originPort}/ads/frame`, ["Sec-Fetch-Dest: iframe"]);
    expect(fr.head).toMatch(/^HTTP\/1\.[01] 200/);
    expect(fr.head).toMatch(/^Content-Type: text\/html/im);
    expect(fr.body.length).toBe(0);
  });

  test("a blocked document is a 403 page naming list and rule, escaped", async () => {
    const g = new BlockListFilter([{ name: "<evil> list", text: `||127.0.0.1:${originPort}/doc?a=1&b=\n` }]);
    const q = await proxy([g]);
    try {
      const r = await get(q.port, `http://127.0.0.1:${originPort}/doc?a=1&b=<2>`, ["Accept: text/html"]);
      expect(r.head).toMatch(/^HTTP\/1\.[01] 403/);
      const page = r.body.toString();
      expect(page).toContain("&#60;evil&#62; list");
      expect(page).toContain(`||127.0.0.1:${originPort}/doc?a=1&#38;b=`);
      expect(page).toContain(`http://127.0.0.1:${originPort}/doc?a=1&#38;b=%3C2%3E`);
      expect(page).not.toContain("<evil>");
    } finally {
      await q.close();
    }
    // A list file is named by its base name: the page is served to the blocked site, and the path
    // tells where the user keeps things.
    const h = new BlockListFilter([{ name: "/home/someone/.config/ctc/private-list.txt", text: `||127.0.0.1:${originPort}/doc\n` }]);
    const w = await proxy([h]);
    try {
      const page = (await get(w.port, `http://127.0.0.1:${originPort}/doc`, ["Accept: text/html"])).body.toString();
      expect(page).toContain("<code>private-list.txt</code>");
      expect(page).not.toContain("/home/someone");
    } finally {
      await w.close();
    }
  });

  test("exceptions and unblocked requests reach the origin; canonical spellings are still blocked", async () => {
    const ok = await get(p.port, `http://127.0.0.1:${originPort}/ads/ok/a.gif`);
    expect(ok.body.toString()).toBe("origin /ads/ok/a.gif");
    const plain = await get(p.port, `http://127.0.0.1:${originPort}/page`);
    expect(plain.body.toString()).toBe("origin /page");
    const before = seen.length;
    const enc = await get(p.port, `http://127.0.0.1:${originPort}/%61ds/x.png`);
    expect(enc.body.equals(BLANK_GIF)).toBe(true);
    expect(seen.length).toBe(before);
  });

  test("$third-party: blocked with a Referer from another site, passed from the same site", async () => {
    const third = await get(p.port, `http://127.0.0.1:${originPort}/3p/t.js`, ["Referer: http://news.example/"]);
    expect(third.head).toMatch(/^Content-Type: application\/javascript/im);
    const first = await get(p.port, `http://127.0.0.1:${originPort}/3p/t.js`, [`Referer: http://127.0.0.1:${originPort}/page`]);
    expect(first.body.toString()).toBe("origin /3p/t.js");
  });

  test("CONNECT to a blocked host is refused 403; to others it tunnels", async () => {
    const g = new BlockListFilter([{ name: "hosts", text: "0.0.0.0 blocked.example\n" }, { name: "abp", text: "||images-only.example^$image\n" }], { onBlock: (e) => blocks.push(e) });
    const q = await proxy([g], [443, originPort]);
    try {
      const r = await raw(q.port, "CONNECT Blocked.Example.:443 HTTP/1.1\r\nHost: blocked.example:443\r\n\r\n");
      expect(r.head).toMatch(/^HTTP\/1\.1 403/);
      expect(r.body.toString()).toContain("0.0.0.0 blocked.example");
      expect(blocks.at(-1)).toMatchObject({ type: "connect", list: "hosts" });
      expect(g.onConnect("images-only.example", 443, "127.0.0.1")).toBeUndefined();
      const { stdout } = await run("curl", ["-sS", "--max-time", "20", "-x", `http://127.0.0.1:${q.port}`, "--proxytunnel", `http://127.0.0.1:${originPort}/tunnelled`]);
      expect(stdout).toBe("origin /tunnelled");
    } finally {
      await q.close();
    }
  });

  test("reload while serving: the next request sees the new rules", async () => {
    const g = new BlockListFilter([]);
    const q = await proxy([g]);
    try {
      expect((await get(q.port, `http://127.0.0.1:${originPort}/later.gif`)).body.toString()).toBe("origin /later.gif");
      g.reload([{ name: "new", text: `||127.0.0.1:${originPort}/later.gif\n` }]);
      expect((await get(q.port, `http://127.0.0.1:${originPort}/later.gif`)).body.equals(BLANK_GIF)).toBe(true);
    } finally {
      await q.close();
    }
  });
});
