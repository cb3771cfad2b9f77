// End to end through the `ctc` command: pages with banners come back without them, blocked
// URLs get their replacement, CONNECT to a blocked host is refused, clients outside --allow are
// refused, the access log is written. Clients: curl and Python's urllib.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { curl, FIXTURES, ids, rawExchange, startCtc, startNewsSite, tempDir, type CtcProcess } from "./helpers.js";

const KEPT = ["headline", "photo", "story", "more"];
const CUT = ["leaderboard", "rectangle", "tracker-img", "click", "webbug", "skyscraper"];

/** The fixture page with its `class="ad"` elements removed, as the cutter must leave it. */
function withoutAds(html: string): string {
  return html.replace(/<(img|embed) class="ad"[^>]*>|<(iframe|a) class="ad"[^>]*>[^<]*<\/(iframe|a)>/g, "");
}

let site: Awaited<ReturnType<typeof startNewsSite>>;
let ctc: CtcProcess;
let tmp: ReturnType<typeof tempDir>;

beforeAll(async () => {
  tmp = tempDir();
  site = await startNewsSite();
  ctc = await startCtc("--host-map", `news.test=127.0.0.1:${site.port}`, "--host-map", `tracker.test=127.0.0.1:${site.port}`);
});

afterAll(async () => {
  await ctc?.stop();
  await site?.close();
  tmp?.remove();
});

describe("pages through ctc", () => {
  test("a page with IAB-size banners and images and links from blocked hosts comes back without them", async () => {
    const r = await curl("-x", ctc.url, "http://news.test/news.html");
    expect(r.status).toBe(200);
    const html = r.body.toString("utf8");
    const found = ids(html);
    for (const id of KEPT) expect(found).toContain(id);
    for (const id of CUT) expect(found).not.toContain(id);
    expect(html).not.toContain('class="ad"');
    // Outside the cut elements every byte is the origin's.
    expect(html).toBe(withoutAds(readFileSync(path.join(FIXTURES, "news.html"), "utf8")));
  });

  test("a gzip-encoded page is decoded, cut and sent plain", async () => {
    const r = await curl("-x", ctc.url, "-H", "Accept-Encoding: gzip", "http://news.test/news-gz.html");
    expect(r.status).toBe(200);
    expect(r.headers["content-encoding"]).toBeUndefined();
    const found = ids(r.body.toString("utf8"));
    for (const id of KEPT) expect(found).toContain(id);
    for (const id of CUT) expect(found).not.toContain(id);
  });

  test("Python's urllib through the proxy gets the page cut too", async () => {
    const script = [
      "import sys, urllib.request",
      `opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": "${ctc.url}"}))`,
      `sys.stdout.write(opener.open("http://news.test/news.html", timeout=20).read().decode())`,
    ].join("\n");
    const env = { ...process.env };
    delete env.no_proxy;
    delete env.NO_PROXY;
    const html = await new Promise<string>((resolve, reject) =>
      execFile("python3", ["-c", script], { env }, (err, out) => (err !== null ? reject(new Error(`python3: ${err.message}`)) : resolve(out))),
    );
    const found = ids(html);
    for (const id of KEPT) expect(found).toContain(id);
    for (const id of CUT) expect(found).not.toContain(id);
  });

  test("a blocked image URL gets the transparent replacement image without reaching any server", async () => {
    const r = await curl("-x", ctc.url, "-H", "Accept: image/avif,image/webp,*/*", "http://ads.doubleclick.net/banner.gif");
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("image/gif");
    expect(r.body.subarray(0, 6).toString("latin1")).toBe("GIF89a");
    expect(site.hits.some((h) => h.includes("banner.gif"))).toBe(false);
  });

  test("a blocked page gets a 403 page naming the rule and the list", async () => {
    const r = await curl("-x", ctc.url, "-H", "Accept: text/html", "http://www.googletagmanager.com/");
    expect(r.status).toBe(403);
    const page = r.body.toString("utf8");
    expect(page).toContain("googletagmanager.com");
    expect(page).toContain("default.txt");
  });

  test("an allowed host passes untouched (plain text, not HTML)", async () => {
    const r = await curl("-x", ctc.url, "http://news.test/hello.txt");
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe("origin: /hello.txt\n");
    expect(r.headers.via).toMatch(/\bctc\b/);
  });

  test("a request body larger than the server's buffering limit (10 MiB) is streamed to the origin", async () => {
    const body = path.join(tmp.dir, "upload.bin");
    writeFileSync(body, Buffer.alloc(12 * 1024 * 1024, 0x61));
    const r = await curl("-x", ctc.url, "--data-binary", `@${body}`, "http://news.test/upload");
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe(`origin: /upload (${12 * 1024 * 1024} bytes)\n`);
  });

  test("CONNECT to a blocked host is refused with the rule; curl's tunnel fails", async () => {
    const raw = await rawExchange(ctc.port, "CONNECT ad.doubleclick.net:443 HTTP/1.1\r\nHost: ad.doubleclick.net:443\r\n\r\n");
    expect(raw).toMatch(/^HTTP\/1\.1 403 /);
    expect(raw).toContain("doubleclick.net");
    const r = await curl("-x", ctc.url, "https://ad.doubleclick.net/");
    expect(r.exitCode).not.toBe(0);
    expect(r.status).toBe(403);
  });

  test("CONNECT to a port outside --connect-ports is refused", async () => {
    const raw = await rawExchange(ctc.port, `CONNECT news.test:${site.port} HTTP/1.1\r\nHost: news.test:${site.port}\r\n\r\n`);
    expect(raw).toMatch(/^HTTP\/1\.1 403 /);
    expect(raw).toContain(`port ${site.port}`);
  });

  test("each request is in the access log, in Common Log Format, on stdout", async () => {
    await curl("-x", ctc.url, "http://news.test/logged.txt");
    const line = await ctc.waitFor(/^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET http:\/\/news\.test\/logged\.txt HTTP\/1\.1" 200 \d+$/m);
    expect(line).toBeTruthy();
  });
});

describe("flags that change what is cut", () => {
  test("--image-blocker pattern answers blocked images with a visible pattern", async () => {
    const p = await startCtc("--image-blocker", "pattern", "--log", "off");
    try {
      const r = await curl("-x", p.url, "http://ads.doubleclick.net/banner.png");
      expect(r.status).toBe(200);
      expect(r.headers["content-type"]).toBe("image/svg+xml");
      expect(r.body.toString()).toContain("<svg");
      // --log off: nothing but the start lines on stdout.
      expect(p.stdout.split("\n").filter((l) => l !== "" && !l.startsWith("ctc: "))).toEqual([]);
    } finally {
      await p.stop();
    }
  });

  test("--no-banners-by-size keeps IAB-size elements but still cuts blocked hosts", async () => {
    const p = await startCtc("--no-banners-by-size", "--host-map", `news.test=127.0.0.1:${site.port}`);
    try {
      const found = ids((await curl("-x", p.url, "http://news.test/news.html")).body.toString());
      expect(found).toEqual(expect.arrayContaining(["leaderboard", "rectangle", "skyscraper", ...KEPT]));
      expect(found).not.toContain("tracker-img");
      expect(found).not.toContain("click");
    } finally {
      await p.stop();
    }
  });

  test("--log combined adds the Referer and User-Agent", async () => {
    const p = await startCtc("--log", "combined", "--host-map", `news.test=127.0.0.1:${site.port}`);
    try {
      await curl("-x", p.url, "-A", "TestAgent/1.0", "-e", "http://news.test/", "http://news.test/c.txt");
      await p.waitFor(/"GET http:\/\/news\.test\/c\.txt HTTP\/1\.1" 200 \d+ "http:\/\/news\.test\/" "TestAgent\/1\.0"$/m);
    } finally {
      await p.stop();
    }
  });

  test("--allow: only clients in the ranges may use the proxy", async () => {
    const p = await startCtc("--allow", "127.0.0.2/32", "--host-map", `news.test=127.0.0.1:${site.port}`);
    try {
      const refused = await curl("-x", p.url, "--interface", "127.0.0.1", "http://news.test/a.txt");
      expect(refused.status).toBe(403);
      const allowed = await curl("-x", p.url, "--interface", "127.0.0.2", "http://news.test/a.txt");
      expect(allowed.status).toBe(200);
      expect(allowed.body.toString()).toBe("origin: /a.txt\n");
    } finally {
      await p.stop();
    }
  });

  test("--connect-ports opens tunnels to the ports listed", async () => {
    const p = await startCtc("--connect-ports", `443,${site.port}`, "--host-map", `news.test=127.0.0.1:${site.port}`);
    try {
      const r = await curl("-x", p.url, "--proxytunnel", `http://news.test:${site.port}/tunnelled.txt`);
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe("origin: /tunnelled.txt\n");
    } finally {
      await p.stop();
    }
  });
});
