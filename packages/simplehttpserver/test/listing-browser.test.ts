// The listing page in a real browser (Debian chromium driven by playwright-core): the table shows
// the entries, keyboard focus is visible, a phone-sized viewport does not scroll sideways, dark
// mode is dark, the sort links work. UPDATE_SCREENSHOT=1 rewrites docs/listing.png.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import nodePath from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContextOptions, type Page } from "playwright-core";
import { parseListingSort, renderListingHtml, sortEntries, type ListingEntry } from "../src/listing.js";
import { fsEncodeBuffer } from "../src/url-path.js";
import { makeTempDir, serveDirectory } from "./helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = fileURLToPath(new URL("../docs/listing.png", import.meta.url));

const T = Date.UTC(2025, 2, 14, 9, 30);
const HOUR = 3600e3;
const DAY = 24 * HOUR;
const dir = (name: string, ago: number, isSymlink = false): ListingEntry => ({ name, isDirectory: true, isSymlink, size: null, mtimeMs: T - ago });
const file = (name: string, size: number, ago: number, isSymlink = false): ListingEntry => ({ name, isDirectory: false, isSymlink, size, mtimeMs: T - ago });

/** A realistic directory: the one in the screenshot. */
const PROJECT: ListingEntry[] = [
  dir("src", 2 * HOUR),
  file("README.md", 4301, 3 * DAY),
  dir("docs", 6 * DAY),
  file("package.json", 1843, 2 * HOUR),
  dir("assets", 41 * DAY),
  dir("latest", 9 * DAY, true),
  file("LICENSE", 1086, 400 * DAY),
  file("site-backup.tar.gz", 50_331_648, 12 * DAY),
  file("Quarterly report (final).pdf", 1_288_490, 20 * DAY),
  file("notes & ideas.txt", 312, 5 * HOUR),
  file("dataset-2024.csv", 222_298_112, 70 * DAY),
  file("current.log", 18_944, 20 * 60e3, true),
];
/** Display names of PROJECT in CPython's order. */
const PROJECT_ORDER = [
  "assets/", "current.log@", "dataset-2024.csv", "docs/", "latest@", "LICENSE", "notes & ideas.txt",
  "package.json", "Quarterly report (final).pdf", "README.md", "site-backup.tar.gz", "src/",
];

const LONG = "a-really-long-file-name-without-any-spaces-that-would-push-a-phone-screen-sideways-2025-03-14.tar.gz";
/** Names that are hard to show: long ones, markup, undecodable bytes. */
const TRICKY: ListingEntry[] = [
  file(LONG, 123_456_789, DAY),
  file("<script>alert(1)</script>.html", 20, DAY),
  file("\udcff\udc80bad.txt", 3, DAY),
  dir("a folder with a rather long name that needs to wrap on a small screen", DAY),
];

let browser: Browser;
let server: Server;
let base: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: install the Debian package: apt-get install -y chromium (in CI, .ci/run installs it)`);
  }
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const entries = url.pathname === "/projects/website/" ? PROJECT : url.pathname === "/tricky/" ? TRICKY : null;
    if (entries === null) {
      res.writeHead(404).end();
      return;
    }
    const sort = parseListingSort(url.search.slice(1));
    const html = renderListingHtml(sortEntries([...entries], sort), { displayPath: decodeURIComponent(url.pathname), sort, query: url.search.slice(1) });
    const body = fsEncodeBuffer(html);
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Content-Length": body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

async function open(path: string, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 600 }, ...options });
  const page = await context.newPage();
  const response = await page.goto(base + path);
  expect(response?.status()).toBe(200);
  return page;
}

describe("listing page in chromium", () => {
  test("the table shows every entry in CPython's order, with size and date", async () => {
    const page = await open("/projects/website/");
    expect(await page.title()).toBe("Directory listing for /projects/website/");
    const names = await page.locator("tbody tr:not(.up) td.name a").allTextContents();
    expect(names).toEqual(PROJECT_ORDER);
    expect(await page.locator("tr.up a").getAttribute("href")).toBe("../");
    const readme = page.locator("tbody tr", { hasText: "README.md" });
    expect(await readme.locator("td.size").textContent()).toBe("4.2 KiB");
    expect(await readme.locator("data").getAttribute("value")).toBe("4301");
    expect(await readme.locator("time").getAttribute("datetime")).toBe("2025-03-11T09:30:00Z");
    expect(await page.locator("th[aria-sort]").count()).toBe(1);
    await page.context().close();
  });

  test("clicking a column header sorts by it, and again reverses it", async () => {
    const page = await open("/projects/website/");
    await page.getByRole("link", { name: "Size" }).click();
    await page.waitForURL(/\?sort=size&order=desc$/);
    expect(await page.locator("th.size").getAttribute("aria-sort")).toBe("descending");
    expect((await page.locator("tbody tr:not(.up) td.name a").allTextContents())[0]).toBe("dataset-2024.csv");
    await page.getByRole("link", { name: "Size" }).click();
    await page.waitForURL(/\?sort=size&order=asc$/);
    expect(await page.locator("th.size").getAttribute("aria-sort")).toBe("ascending");
    await page.context().close();
  });

  test("Tab reaches the first entry with a visible focus outline; the skip link appears and works", async () => {
    const page = await open("/projects/website/");
    await page.keyboard.press("Tab");
    const skip = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const r = el.getBoundingClientRect();
      return { text: el.textContent, top: r.top, height: r.height };
    });
    expect(skip.text).toBe("Skip to files");
    expect(skip.top).toBeGreaterThanOrEqual(0);
    expect(skip.height).toBeGreaterThan(10);

    let focused = "";
    for (let i = 0; i < 8 && focused !== PROJECT_ORDER[0]; i++) {
      await page.keyboard.press("Tab");
      focused = await page.evaluate(() => document.activeElement?.textContent ?? "");
    }
    expect(focused).toBe(PROJECT_ORDER[0]);
    const outline = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement!);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor, bg: getComputedStyle(document.body).backgroundColor };
    });
    expect(outline.style).not.toBe("none");
    expect(outline.width).toBeGreaterThanOrEqual(2);
    expect(outline.color).not.toBe(outline.bg);

    // The skip link jumps over the column headers to the parent row, then the first entry.
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Shift+Tab");
    await page.reload();
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Parent directory");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(PROJECT_ORDER[0]);
    await page.context().close();
  });

  test("a 375px phone screen has no horizontal scroll and hides the date column", async () => {
    for (const path of ["/projects/website/", "/tricky/"]) {
      const page = await open(path, { viewport: { width: 375, height: 667 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
      const m = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        width: document.documentElement.clientWidth,
        tableRight: document.querySelector("table")!.getBoundingClientRect().right,
        dateShown: getComputedStyle(document.querySelector("th.date")!).display !== "none",
        sizeShown: getComputedStyle(document.querySelector("th.size")!).display !== "none",
      }));
      expect(m.width).toBe(375);
      expect(m.scroll).toBeLessThanOrEqual(m.width);
      expect(m.tableRight).toBeLessThanOrEqual(m.width);
      expect(m.dateShown).toBe(false);
      expect(m.sizeShown).toBe(true);
      await page.context().close();
    }
  });

  test("hostile names are shown as text, not markup", async () => {
    const page = await open("/tricky/");
    expect(await page.locator("script").count()).toBe(0);
    const names = await page.locator("tbody tr:not(.up) td.name a").allTextContents();
    expect(names).toContain("<script>alert(1)</script>.html");
    expect(names).toContain(LONG);
    expect(names).toContain("\ufffd\ufffdbad.txt"); // the raw bytes FF 80, shown as U+FFFD by the browser
    await page.context().close();
  });

  test("dark mode is dark, light mode is light", async () => {
    const luminance = async (colorScheme: "light" | "dark"): Promise<number> => {
      const page = await open("/projects/website/", { colorScheme });
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      await page.context().close();
      const [r, g, b] = bg.match(/\d+/g)!.map(Number);
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    };
    expect(await luminance("dark")).toBeLessThan(0.2);
    expect(await luminance("light")).toBeGreaterThan(0.8);
  });

  test("screenshot (written to docs/listing.png only with UPDATE_SCREENSHOT=1)", async () => {
    const page = await open("/projects/website/", { viewport: { width: 1000, height: 600 } });
    const png = await page.screenshot();
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    if (process.env.UPDATE_SCREENSHOT === "1") await writeFile(SCREENSHOT, png);
    await page.context().close();
  });
});

describe("a listing served by SimpleHTTPRequestHandler, in chromium", () => {
  test("loads, links to files and directories, follows the slash redirect, and downloads a file", async () => {
    const tmp = makeTempDir("stdhttp-browser-");
    mkdirSync(nodePath.join(tmp.path, "docs"));
    writeFileSync(nodePath.join(tmp.path, "docs", "guide.txt"), "the guide\n");
    writeFileSync(nodePath.join(tmp.path, "a & b.html"), "<!doctype html><title>A and B</title><p id=p>page</p>");
    symlinkSync(nodePath.join(tmp.path, "docs"), nodePath.join(tmp.path, "latest"));
    const srv = await serveDirectory(tmp.path);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const res = await page.goto(srv.origin + "/");
      expect(res?.status()).toBe(200);
      expect(await page.title()).toBe("Directory listing for /");
      expect(await page.locator("tbody tr td.name a").allTextContents()).toEqual(["a & b.html", "docs/", "latest@"]);
      await page.getByRole("link", { name: "a & b.html" }).click();
      await page.waitForURL(srv.origin + "/a%20%26%20b.html");
      expect(await page.locator("#p").textContent()).toBe("page");
      // A directory without its slash: the 301 leads to the listing.
      await page.goto(srv.origin + "/docs");
      expect(page.url()).toBe(srv.origin + "/docs/");
      await page.getByRole("link", { name: "guide.txt" }).click();
      await page.waitForURL(srv.origin + "/docs/guide.txt");
      expect(await page.locator("body").textContent()).toBe("the guide\n");
    } finally {
      await context.close();
      await srv.stop();
      tmp.remove();
    }
  });
});
