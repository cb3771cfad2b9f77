// The demo chain in a real browser: Debian's chromium (headless, run from the command line with
// --proxy-server) browses through CTC -> Alfajor -> the demo site. The banners are gone, a cookie
// the site sets comes back to it through both proxies (Alfajor's default lets first-party
// cookies through), and both control pages load. UPDATE_SCREENSHOTS=1 rewrites docs/*.png.
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runDemo, stopDemos } from "./helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const DOCS = fileURLToPath(new URL("../docs/", import.meta.url));
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"];

let ctc: string;
let alfajor: string;
let profiles: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium), as .ci/run does`);
  profiles = mkdtempSync(path.join(tmpdir(), "stdhttp-demo-browser-"));
  const demo = runDemo(["--ctc-port", "0", "--alfajor-port", "0"]);
  const ready = await demo.waitFor(/browser -> CTC (http:\/\/127\.0\.0\.1:\d+) \(cuts banners\) -> Alfajor (http:\/\/127\.0\.0\.1:\d+) /);
  await demo.waitFor(/Press Ctrl-C to stop\.\n/);
  [ctc, alfajor] = [ready[1], ready[2]];
}, 120_000);

afterAll(async () => {
  await stopDemos();
  rmSync(profiles, { recursive: true, force: true });
});

let profileCount = 0;

/** Runs chromium through `proxy` on `url` with `action` (`--dump-dom` or `--screenshot=FILE`); resolves with its stdout. */
function chromium(proxy: string, url: string, action: string, windowSize = "1280,1300"): Promise<string> {
  const profile = path.join(profiles, String(++profileCount));
  const args = [...FLAGS, `--user-data-dir=${profile}`, `--proxy-server=${proxy}`, `--window-size=${windowSize}`, action, url];
  return new Promise((resolve, reject) => {
    execFile(CHROMIUM, args, { encoding: "utf8", timeout: 60_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`chromium ${action} ${url}: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** The `<img>` elements of a rendered page that come from the ad server. */
const adImages = (dom: string): string[] => dom.match(/<img\b[^>]*ads\.demo\.test[^>]*>/g) ?? [];

test("through CTC the rendered front page has no banners, through Alfajor alone it has them", async () => {
  const cut = await chromium(ctc, "http://news.demo.test/", "--dump-dom");
  expect(cut).toContain("The Demo Gazette");
  expect(cut).toContain('id="share-widget"');
  expect(adImages(cut)).toEqual([]);
  expect(cut).not.toContain("click.sh");
  const whole = await chromium(alfajor, "http://news.demo.test/", "--dump-dom");
  expect(adImages(whole).length).toBeGreaterThanOrEqual(4);
}, 120_000);

test("a cookie the site sets comes back to it through both proxies", async () => {
  const page = await chromium(ctc, "http://news.demo.test/cgi-bin/signin.sh", "--dump-dom");
  expect(page).toContain("The cookies news.demo.test received");
  expect(page).toMatch(/<tr><td>news_user<\/td><td><code>reader<\/code><\/td><\/tr>/);
}, 120_000);

test("both control pages load in the browser", async () => {
  const ctcPage = await chromium(ctc, `${ctc}/`, "--dump-dom");
  expect(ctcPage).toMatch(/<title>[^<]*CTC[^<]*<\/title>/);
  const alfajorPage = await chromium(ctc, `${alfajor}/`, "--dump-dom");
  expect(alfajorPage).toMatch(/<title>[^<]*Alfajor[^<]*<\/title>/);
}, 120_000);

test("screenshots of the demo page and of Alfajor's GUI (copied to docs/ with UPDATE_SCREENSHOTS=1)", async () => {
  const shots: Array<[string, string, string, string]> = [
    ["front-page-through-ctc.png", ctc, "http://news.demo.test/", "1280,1000"],
    ["front-page-with-banners.png", alfajor, "http://news.demo.test/", "1280,1000"],
    ["alfajor-gui.png", ctc, `${alfajor}/`, "1280,900"],
  ];
  for (const [name, proxy, url, size] of shots) {
    const file = path.join(profiles, name);
    await chromium(proxy, url, `--screenshot=${file}`, size);
    expect(readFileSync(file).subarray(0, 8)).toEqual(PNG_SIGNATURE);
    if (process.env.UPDATE_SCREENSHOTS === "1") copyFileSync(file, path.join(DOCS, name));
  }
}, 180_000);
