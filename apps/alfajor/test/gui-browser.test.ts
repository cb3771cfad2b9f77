// The GUI in a real browser (Debian chromium driven by playwright-core), browsing through the
// `alfajor` command: change a site's policy in the GUI, load a page through the proxy, see the
// effect in the live log and in the cookies the origin receives; one-click actions from the log;
// the switch by keyboard; dark mode. UPDATE_SCREENSHOT=1 rewrites docs/alfajor-gui.png.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { startAlfajor, startOrigin, tempDir, writePolicy, type AlfajorProcess, type Origin } from "./helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = fileURLToPath(new URL("../docs/alfajor-gui.png", import.meta.url));

let home: Awaited<ReturnType<typeof tempDir>>;
let origin: Origin;
let alfajor: AlfajorProcess;
let browser: Browser;
let context: BrowserContext;
let gui: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: install the Debian package: apt-get install -y chromium (in CI, .ci/run installs it)`);
  }
  home = await tempDir();
  origin = await startOrigin();
  const file = path.join(home.dir, "policy.json");
  await writePolicy(file, { alfajor: 1, default: "allow", thirdPartyDefault: "deny", sites: {} });
  alfajor = await startAlfajor(["--port", "0", "--policy", file, "--host-map", `shop.test=127.0.0.1:${origin.port}`, "--host-map", `ads.test=127.0.0.1:${origin.port}`], home.dir);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
      `--proxy-server=${alfajor.url.replace(/\/$/, "")}`,
    ],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // Fail with what was awaited rather than at jest's test timeout.
  context.setDefaultTimeout(10_000);
  gui = await context.newPage();
  const res = await gui.goto("http://alfajor.local/");
  expect(res?.status()).toBe(200);
  await expectSelected("#default-action", "allow"); // the state arrived over SSE
}, 60_000);

afterAll(async () => {
  await browser?.close();
  expect(await alfajor?.stop()).toBe(0);
  await origin?.close();
  await home?.cleanup();
});

/** Wait until the select matching `selector` shows `value` (the table is re-rendered on every change). */
async function expectSelected(selector: string, value: string): Promise<void> {
  await gui.waitForFunction(([sel, v]) => document.querySelector<HTMLSelectElement>(sel)?.value === v, [selector, value] as const);
}

/** Load the shop page twice in a fresh tab; the Cookie field the origin got on the second load. */
async function visitShop(): Promise<string | undefined> {
  const tab = await context.newPage();
  await tab.goto("http://shop.test/page");
  await tab.reload();
  await tab.close();
  return origin.received.filter((r) => r.path === "/page").at(-1)?.cookie;
}

describe("the GUI drives the proxy", () => {
  test("block shop.test in the GUI: the origin gets no cookie, the log says blocked", async () => {
    await gui.getByLabel("Site", { exact: true }).fill("shop.test");
    await gui.getByLabel("Rule", { exact: true }).selectOption("deny");
    await gui.getByRole("button", { name: "Add rule" }).click();
    await expectSelected('[aria-label="Rule for shop.test"]', "deny");

    expect(await visitShop()).toBeUndefined();
    expect((await context.cookies("http://shop.test/")).map((c) => c.name)).toEqual([]);

    const row = gui.locator("#log tbody tr", { hasText: "visit" }).first();
    await row.waitFor();
    expect(await row.locator(".badge").textContent()).toBe("blocked");
    expect(await row.textContent()).toContain("set ↓");
    // The ad server's cookie on the shop's page is third-party: denied by the default.
    const ad = gui.locator("#log tbody tr", { hasText: "track" }).first();
    await ad.waitFor();
    expect(await ad.textContent()).toContain("third-party");
    expect(await ad.locator(".badge").textContent()).toBe("blocked");
  });

  test("one click on Allow in the log: the origin receives the cookie, the log says kept", async () => {
    await gui.getByRole("button", { name: "Allow cookies for shop.test" }).first().click();
    await expectSelected('[aria-label="Rule for shop.test"]', "allow");
    expect(await visitShop()).toBe("visit=1");
    expect((await context.cookies("http://shop.test/")).map((c) => c.name)).toEqual(["visit"]);
    const sent = gui.locator("#log tbody tr", { hasText: "sent ↑" }).filter({ hasText: "visit" }).first();
    await sent.waitFor();
    expect(await sent.locator(".badge").textContent()).toBe("kept");
    await gui.waitForFunction(() => /kept/.test(document.querySelector('#sites tr[data-site="shop.test"]')?.textContent ?? ""));
  });

  test("session only: the browser keeps the cookie without an expiry", async () => {
    await context.clearCookies();
    await gui.getByLabel("Rule for shop.test", { exact: true }).selectOption("session");
    await gui.waitForFunction(() => /shop\.test .*Session only/.test(document.getElementById("status")?.textContent ?? ""));
    expect(await visitShop()).toBe("visit=1");
    const [cookie] = await context.cookies("http://shop.test/");
    expect(cookie.expires).toBe(-1); // a session cookie
  });

  test("Forget removes the rule; the switch works from the keyboard", async () => {
    await gui.getByRole("button", { name: "Forget the rule for shop.test" }).last().click();
    // Forgotten: no rule and no counters, so the site leaves the table until it is seen again.
    await gui.waitForFunction(() => document.querySelector('[aria-label="Rule for shop.test"]') === null);
    const toggle = gui.getByRole("button", { name: "Filtering is on" });
    await toggle.focus();
    await gui.keyboard.press("Enter");
    await gui.waitForFunction(() => document.getElementById("toggle")?.getAttribute("aria-pressed") === "false");
    await gui.keyboard.press("Enter");
    await gui.waitForFunction(() => document.getElementById("toggle")?.getAttribute("aria-pressed") === "true");
  });

  test("dark mode is dark", async () => {
    const dark = await browser.newContext({ colorScheme: "dark" });
    const page = await dark.newPage();
    await page.goto("http://alfajor.local/");
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = (bg.match(/\d+/g) ?? []).map(Number);
    expect(r + g + b).toBeLessThan(150);
    await dark.close();
  });

  test("screenshot (written to docs/alfajor-gui.png only with UPDATE_SCREENSHOT=1)", async () => {
    await gui.getByLabel("Site", { exact: true }).fill("news.example");
    await gui.getByLabel("Rule", { exact: true }).selectOption("lifetime");
    await gui.getByRole("button", { name: "Add rule" }).click();
    await expectSelected('[aria-label="Rule for news.example"]', "lifetime");
    await gui.getByLabel("Site", { exact: true }).fill("shop.test");
    await gui.getByLabel("Rule", { exact: true }).selectOption("session");
    await gui.getByRole("button", { name: "Add rule" }).click();
    await expectSelected('[aria-label="Rule for shop.test"]', "session");
    await visitShop();
    await gui.locator("#log tbody tr").nth(6).waitFor();
    await gui.waitForFunction(() => /kept/.test(document.querySelector('#sites tr[data-site="shop.test"]')?.textContent ?? ""));
    const png = await gui.screenshot({ fullPage: true });
    expect(png.length).toBeGreaterThan(1000);
    if (process.env.UPDATE_SCREENSHOT === "1") {
      await mkdir(path.dirname(SCREENSHOT), { recursive: true });
      await writeFile(SCREENSHOT, png);
    }
  });
});
