/**
 * The whole demo stack on 127.0.0.1: the news site and the ad server (two `cgihttpserver`
 * processes), Alfajor, and CTC with Alfajor as its upstream, so that a browser set to use CTC
 * goes browser -> CTC -> Alfajor -> site. Both proxies get `--host-map` entries for the demo's
 * host names; Alfajor keeps its policy in a temporary directory (the user's own policy file is
 * never touched), removed when the stack stops.
 *
 * The site is served from a copy in that directory, readable by everyone: run as root,
 * cgihttpserver runs the scripts as `nobody`, who may not reach a checkout under a private home
 * directory (or files checked out with a strict umask).
 * @module
 */
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startChild } from "./children.mjs";
import { ADS_HOST, BLOCKLIST, NEWS_HOST, REPO_ROOT, SITE_ROOT, WIDGETS_HOST } from "./hosts.mjs";

/** The commands the demo runs, built in this repository (`pnpm demo` builds them first). */
export const COMMANDS = {
  cgihttpserver: path.join(REPO_ROOT, "packages/cgihttpserver/dist/cli.js"),
  ctc: path.join(REPO_ROOT, "apps/ctc/dist/cli.js"),
  alfajor: path.join(REPO_ROOT, "apps/alfajor/dist/cli.js"),
};

/** `Serving HTTP on HOST port PORT (URL) ...`, cgihttpserver's first line. */
const SERVING = /^Serving HTTP on \S+ port (\d+) \((http:\/\/\S+\/)\) \.\.\.$/;
/** `ctc: proxy on http://HOST:PORT/` (resp. `alfajor: ...`), the apps' first line. */
const proxyLine = (/** @type {string} */ command) => new RegExp(`^${command}: proxy on (http://[^\\s/]+:(\\d+)/)$`);

/**
 * @typedef {object} Stack
 * @property {{ url: string, port: number }} news the news site's own address
 * @property {{ url: string, port: number }} ads the ad server's own address
 * @property {{ url: string, port: number }} alfajor Alfajor's proxy and GUI address
 * @property {{ url: string, port: number }} ctc CTC's proxy and control page address
 * @property {string} policyFile Alfajor's (temporary) policy file
 * @property {import("./children.mjs").Child[]} children every process, CTC first
 * @property {() => Promise<void>} stop stops every process and removes the temporary directory
 */

/**
 * Starts the stack; on any failure, stops what was started and rejects with the reason.
 * @param {{ ctcPort: number, alfajorPort: number }} ports 0: any free port
 * @returns {Promise<Stack>}
 */
export async function startStack({ ctcPort, alfajorPort }) {
  const unbuilt = Object.values(COMMANDS).filter((script) => !existsSync(script));
  if (unbuilt.length > 0) {
    throw new Error(`not built yet: ${unbuilt.map((script) => path.relative(REPO_ROOT, script)).join(", ")} (run pnpm demo without --no-build)`);
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), "stdhttp-demo-stack-"));
  const site = path.join(tmp, "site");
  cpSync(SITE_ROOT, site, { recursive: true });
  chmodSync(tmp, 0o755);
  makeReadable(site);
  const policyDir = path.join(tmp, "alfajor");
  mkdirSync(policyDir, { mode: 0o700 });
  const policyFile = path.join(policyDir, "policy.json");
  /** @type {import("./children.mjs").Child[]} */
  const children = [];
  const stop = async () => {
    await Promise.all(children.map((child) => child.stop()));
    rmSync(tmp, { recursive: true, force: true });
  };
  /**
   * Starts one child, remembered for stop().
   * @param {string} name
   * @param {string} script
   * @param {string[]} args
   * @param {RegExp} ready
   */
  const start = (name, script, args, ready) => {
    const started = startChild(name, script, args, ready);
    children.unshift(started.child);
    // When one start fails, Promise.all stops listening to the other: its failure is not news.
    started.ready.catch(() => {});
    return started.ready;
  };
  try {
    const serve = (/** @type {string} */ root) => ["0", "-b", "127.0.0.1", "-d", path.join(site, root), "-p", "HTTP/1.1", "--cgi-timeout", "10"];
    const [newsMatch, adsMatch] = await Promise.all([
      start("the news site (cgihttpserver)", COMMANDS.cgihttpserver, serve("news"), SERVING),
      start("the ad server (cgihttpserver)", COMMANDS.cgihttpserver, serve("ads"), SERVING),
    ]);
    const news = { url: newsMatch[2], port: Number(newsMatch[1]) };
    const ads = { url: adsMatch[2], port: Number(adsMatch[1]) };
    const hostMap = [
      ["--host-map", `${NEWS_HOST}=127.0.0.1:${news.port}`],
      ["--host-map", `${ADS_HOST}=127.0.0.1:${ads.port}`],
      ["--host-map", `${WIDGETS_HOST}=127.0.0.1:${ads.port}`],
    ].flat();

    const alfajorMatch = await start(
      "Alfajor",
      COMMANDS.alfajor,
      ["--bind", "127.0.0.1", "--port", String(alfajorPort), "--policy", policyFile, ...hostMap],
      proxyLine("alfajor"),
    );
    const alfajor = { url: alfajorMatch[1], port: Number(alfajorMatch[2]) };

    const ctcMatch = await start(
      "CTC",
      COMMANDS.ctc,
      ["--bind", "127.0.0.1", "--port", String(ctcPort), "--upstream", `http://127.0.0.1:${alfajor.port}`, "--blocklist", BLOCKLIST, ...hostMap],
      proxyLine("ctc"),
    );
    const ctc = { url: ctcMatch[1], port: Number(ctcMatch[2]) };
    return { news, ads, alfajor, ctc, policyFile, children, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Directories 755, scripts (`cgi-bin/*`) 755, other files 644, below `dir`.
 * @param {string} dir
 */
function makeReadable(dir) {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) makeReadable(file);
    else chmodSync(file, path.basename(dir) === "cgi-bin" ? 0o755 : 0o644);
  }
}
