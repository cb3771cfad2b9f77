// HTTPS inspection with a real browser: headless Chromium (Debian's chromium driven by
// playwright-core, launched as in browser.test.ts) with --proxy-server pointing at
// `ctc --https-inspection`, trusting ctc's CA through --ignore-certificate-errors-spki-list,
// browses an HTTPS origin (certificate from an openssl test CA, which ctc trusts with
// --origin-ca) and the rendered page has no banners; the control page's inspection panel works
// from the browser.
import { afterAll, beforeAll, expect, test, jest } from "@jest/globals";
import { existsSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { startCtc, tempDir, type CtcProcess } from "./helpers.js";
import { leafSpkiHash, makeTestCerts, spkiHash, startHttpsOrigin } from "./tls-helpers.js";

// Proxies with workers (three Node processes each) start slowly when CI runs every package's
// tests at once on two cores.
jest.setTimeout(120_000);

const CHROMIUM = "/usr/bin/chromium";

let tmp: ReturnType<typeof tempDir>;
let shop: Awaited<ReturnType<typeof startHttpsOrigin>>;
let ctc: CtcProcess;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: install the Debian package: apt-get install -y chromium (in CI, .ci/run installs it)`);
  }
  tmp = tempDir();
  const certs = makeTestCerts(tmp.dir, ["shop.test"]);
  shop = await startHttpsOrigin(certs.goodKey, certs.goodCert);
  const caDir = path.join(tmp.dir, "ca");
  ctc = await startCtc("--workers", "1", "--log", "off", "--https-inspection", "--ca-dir", caDir, "--origin-ca", certs.caPem,
    "--host-map", `shop.test=127.0.0.1:${shop.port}`, "--host-map", `probe.test=127.0.0.1:${shop.port}`, "--connect-ports", String(shop.port));
  // Chromium matches the list against the certificates the server presents; ctc presents its leaf
  // alone (not the CA), so the CA's hash is not enough: the leaves' shared key is added (one per
  // CA per process), read from a handshake through ctc under another name.
  const leafHash = await leafSpkiHash(ctc.port, "probe.test", shop.port);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
      `--proxy-server=${ctc.url}`,
      `--ignore-certificate-errors-spki-list=${spkiHash(path.join(caDir, "ca.pem"))},${leafHash}`,
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await ctc?.stop();
  await shop?.close();
  tmp?.remove();
});

test("chromium browses an HTTPS page through ctc --https-inspection and the rendered page has no banners", async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  const response = await page.goto(`https://shop.test:${shop.port}/`);
  expect(response?.status()).toBe(200);
  // The certificate Chromium accepted is ctc's leaf (the origin's would fail: its CA is not trusted here).
  const issuer = (await response?.securityDetails())?.issuer;
  expect(issuer).toMatch(/stdhttp proxy CA/);
  await page.waitForFunction(() => (document.getElementById("photo") as HTMLImageElement | null)?.complete === true);
  expect(await page.locator("#leaderboard, #rectangle, iframe").count()).toBe(0);
  expect(await page.locator("#story").textContent()).toBe("Everything must go.");
  expect(await page.locator("#photo").evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(320);
  await context.close();
}, 60_000);

test("the control page's HTTPS inspection button works from the browser (same-origin POST with the token)", async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  await page.goto("http://ctc.local/");
  expect(await page.locator("#https .badge").textContent()).toBe("HTTPS inspection is on");
  expect(await page.locator('#https a[href="/ca.pem"]').count()).toBe(1);
  await page.getByRole("button", { name: "Turn HTTPS inspection off" }).click();
  await page.waitForURL("http://ctc.local/?changed=inspection-off#https");
  expect(await page.locator("#https .badge").textContent()).toBe("HTTPS inspection is off");
  await page.getByLabel("Never inspect these hosts and their subdomains (banks, apps that pin certificates)").fill("bank.example");
  await page.getByRole("button", { name: "Save the lists" }).click();
  await page.waitForURL("http://ctc.local/?changed=lists#https");
  expect(await page.locator("#neverInspect").inputValue()).toBe("bank.example");
  await page.getByRole("button", { name: "Turn HTTPS inspection on" }).click();
  await page.waitForURL("http://ctc.local/?changed=inspection-on#https");
  expect(await page.locator("#https .badge").textContent()).toBe("HTTPS inspection is on");
  await context.close();
}, 60_000);
