// Browsing through ctc with headless Chromium (Debian's chromium driven by playwright-core,
// --proxy-server): the rendered news page has no banners, images from blocked hosts added at run
// time get the replacement image; the control page at http://ctc.local/ works with a real
// browser (toggle from the page itself, a cross-site form refused even with the token, dark
// scheme, phone width). UPDATE_SCREENSHOT=1 rewrites docs/control-page.png for the README.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContextOptions, type Page } from "playwright-core";
import { curl, PKG, startCtc, startNewsSite, startOrigin, type CtcProcess } from "./helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = path.join(PKG, "docs", "control-page.png");

let site: Awaited<ReturnType<typeof startNewsSite>>;
let evil: Awaited<ReturnType<typeof startOrigin>>;
let ctc: CtcProcess;
let browser: Browser;
let token = "";

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: install the Debian package: apt-get install -y chromium (in CI, .ci/run installs it)`);
  }
  site = await startNewsSite();
  // Another site whose page posts the toggle form to the control page as soon as it loads,
  // even with the right token (as if it had leaked): the browser's Origin gives it away.
  evil = await startOrigin((_req, res) => {
    const page = `<!DOCTYPE html><title>Win a prize</title><form id="f" method="post" action="http://ctc.local/toggle">
<input type="hidden" name="token" value="${token}"><input type="hidden" name="enabled" value="off"></form>
<script>document.getElementById("f").submit();</script>`;
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(page);
  });
  ctc = await startCtc("--log", "off", "--host-map", `news.test=127.0.0.1:${site.port}`, "--host-map", `evil.test=127.0.0.1:${evil.port}`);
  token = /name="token" value="([^"]+)"/.exec((await curl(`${ctc.url}/`)).body.toString())![1];
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", `--proxy-server=${ctc.url}`],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await ctc?.stop();
  await site?.close();
  await evil?.close();
});

async function open(url: string, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 }, ...options });
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

async function enabled(): Promise<boolean> {
  return (JSON.parse((await curl(`${ctc.url}/status.json`)).body.toString()) as { enabled: boolean }).enabled;
}

describe("chromium through ctc", () => {
  test("the rendered news page has no banners; a blocked image added by a script gets the replacement", async () => {
    const page = await open("http://news.test/news.html");
    await page.waitForFunction(() => {
      const late = document.getElementById("late") as HTMLImageElement | null;
      return late !== null && late.complete;
    });
    expect(await page.locator(".ad").count()).toBe(0);
    expect(await page.locator("iframe, embed").count()).toBe(0);
    expect(await page.locator("#story").textContent()).toContain("Local proxy cuts banners");
    const photo = await page.locator("#photo").evaluate((img: HTMLImageElement) => img.naturalWidth);
    expect(photo).toBe(320);
    // The 1x1 transparent GIF: it loaded (a broken image has naturalWidth 0) and shows nothing.
    const late = await page.locator("#late").evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
    expect(late).toEqual([1, 1]);
    for (const hit of site.hits) expect(hit).not.toMatch(/\/ads\/|bug\.gif|late-banner/);
    await page.context().close();
  });

  test("the control page at http://ctc.local/ lists the block, and its button turns filtering off and on", async () => {
    const page = await open("http://ctc.local/");
    expect(await page.title()).toBe("CTC: filtering on");
    await expect(page.locator("td.url", { hasText: "http://pagead2.googlesyndication.com/late-banner.gif" }).count()).resolves.toBeGreaterThan(0);
    await page.getByRole("button", { name: "Turn filtering off" }).click();
    await page.waitForURL("http://ctc.local/?changed=off");
    expect(await page.locator("header .badge").textContent()).toBe("Filtering is off");
    expect(await enabled()).toBe(false);
    await page.getByRole("button", { name: "Turn filtering on" }).click();
    await page.waitForURL("http://ctc.local/?changed=on");
    expect(await enabled()).toBe(true);
    await page.context().close();
  });

  test("explain form: typing a URL shows which rule blocks it", async () => {
    const page = await open("http://ctc.local/");
    await page.getByLabel("URL to check against the block lists").fill("https://www.google-analytics.com/collect");
    await page.getByRole("button", { name: "Explain" }).click();
    await page.waitForURL(/\/explain\?url=/);
    expect(await page.locator("#explain h3").first().textContent()).toBe("Answer for https://www.google-analytics.com/collect");
    expect(await page.locator("#explain code", { hasText: "google-analytics.com" }).count()).toBeGreaterThan(0);
    await page.context().close();
  });

  test("another site's form posting to the toggle is refused, even with the token", async () => {
    const page = await browser.newPage();
    const answer = page.waitForResponse((r) => r.url() === "http://ctc.local/toggle");
    await page.goto("http://evil.test/");
    expect((await answer).status()).toBe(403);
    expect(await enabled()).toBe(true);
    await page.close();
  });

  test("dark scheme is dark, a phone-width screen does not scroll sideways; screenshot for the README", async () => {
    const dark = await open("http://ctc.local/", { colorScheme: "dark" });
    const bg = await dark.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = bg.match(/\d+/g)!.map(Number);
    expect(r + g + b).toBeLessThan(150);
    await dark.context().close();

    const phone = await open("http://ctc.local/", { viewport: { width: 360, height: 740 } });
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await phone.context().close();

    if (process.env.UPDATE_SCREENSHOT === "1") {
      for (const url of ["http://news.test/news.html", "http://ads.doubleclick.net/x.gif", "http://www.google-analytics.com/analytics.js"]) await curl("-x", ctc.url, url);
      const page = await open("http://ctc.local/explain?url=https%3A%2F%2Fstats.g.doubleclick.net%2Fpixel.gif", { viewport: { width: 1100, height: 900 } });
      mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      await page.context().close();
    }
  });
});
