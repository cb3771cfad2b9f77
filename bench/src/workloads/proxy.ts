/**
 * Workload `proxy` (@stdhttp/proxy-filters): GET requests through a forward proxy to an origin on
 * loopback. The origin is nginx when installed (`client-nginx.ts`'s configuration: one process,
 * `sendfile on`, no access log; `.html` served as `text/html`), else our static server. wrk (10
 * connections) cannot use a proxy, so it connects to the proxy's port and sends absolute-form
 * requests (`GET http://127.0.0.1:<origin>/small.bin HTTP/1.1`, from a generated Lua script).
 *
 * Contenders, each in its own process:
 *
 * - ours: the `ctc` command (apps/ctc: @stdhttp/proxy-filters' `ProxyRequestHandler` with its block
 *   list and banner filters, control page, access log on stdout) with its defaults, given only
 *   `--port` and `--blocklist` (the {@link AD_HOSTS} list, so that the page is cut the same way
 *   in every run); issue 18 asks for the command as users run it; its stdout (the access log)
 *   goes to a file in its temporary directory, as a daemon's log would;
 * - Privoxy with its stock configuration, actions and filters (`/etc/privoxy/config` copied with
 *   our listen address, no log file, `keep-alive-timeout 5`, `confdir /etc/privoxy`), `--no-daemon`;
 * - tinyproxy with a generated configuration (no target: reported only).
 *
 * Every contender is checked through the proxy before it is timed: `/small.bin` twice, `/big.bin`
 * and `/page.html`, bytes compared; ours must cut every banner of the page exactly.
 *
 * `proxy-1g-rss`: 20 clients (the `drain-load` child, connected to the proxy's port) each download
 * `GET http://127.0.0.1:<origin>/huge.bin` (the 1 GiB file of `static-1g-rss`, hard-linked into the
 * origin's directory for the case) to the end; the row is the proxy's peak RSS (`VmHWM`), ours
 * held to < 150 MB, Privoxy and tinyproxy reported.
 * @module
 */
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { delimiter, dirname, join } from "node:path";
import { Child, childOptions, type ChildOptions } from "../child.js";
import { execWrk, parseWrk } from "../drivers/wrk.js";
import type { DrainLoadConfig } from "../procs/drain-load.js";
import { AD_HOSTS } from "../procs/ad-hosts.js";
import type { StaticServerConfig } from "../procs/static-server.js";
import type { BenchCase, Measurement, RateUnit, RunOptions, Workload } from "../types.js";
import { findNginx, nginxConfig, nginxVersion } from "./client-nginx.js";
import { ask } from "./idle-conns.js";
import { BIG_BYTES, HUGE_FILE, HUGE_SIZE, linkHugeFile, mb, RSS_ABORT_BYTES, RSS_TARGET_MB, SMALL_BYTES } from "./static.js";
import { canConnect, freePort } from "../ports.js";
import { processTree, treeCpuUs, treePss, treeRss, treeVmHwm } from "../proc-tree.js";

/** Connections wrk keeps open to the proxy (`--connections` overrides). */
export const PROXY_CONNECTIONS = 10;

export const SMALL_PATH = "/small.bin";
export const BIG_PATH = "/big.bin";
export const PAGE_PATH = "/page.html";
export const HUGE_PATH = `/${HUGE_FILE}`;

/** Concurrent downloads of `huge.bin` through the proxy in `proxy-1g-rss` (`--connections` overrides). */
export const PROXY_RSS_CLIENTS = 20;

/** As in `static-1g-rss` (`types.ts` has no memory unit): concurrent 1 GiB downloads per GB of the proxy's peak RSS; higher is better. */
const RSS_UNIT = "clients/GB" as unknown as RateUnit;

// ---------------------------------------------------------------------------------------------
// The page of `proxy-html`

/** Banner and blocked-image elements of the page, in order: what a banner-cutting proxy removes. */
export const PAGE_BANNERS: readonly string[] = (() => {
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    out.push(`<img src="/img/leaderboard-${i}.gif" width="468" height="60" alt="BANNER-a${i}">`);
    out.push(`<iframe src="/ads/frame-${i}.html" width="728" height="90" title="BANNER-b${i}"></iframe>`);
    out.push(`<img src="/img/rect-${i}.png" style="width:300px;height:250px" alt="BANNER-c${i}">`);
    out.push(`<img src="http://ad.doubleclick.net/img/${i}.gif" width="50" height="50" alt="BANNER-d${i}">`);
  }
  return out;
})();

/** The text that ends the page: a proxy that truncated it fails the check. */
export const PAGE_END = `<p id="end">end of the page</p>`;

function buildPage(withBanners: boolean): Buffer {
  const parts = [`<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>proxy bench page</title></head><body>\n<h1>A page with banners</h1>\n`];
  const words = "the quick brown fox jumps over the lazy dog while a proxy reads every byte of this page".split(" ");
  let banner = 0;
  for (let i = 0; i < 270; i++) {
    let text = "";
    for (let w = 0; w < 60; w++) text += `${words[(i * 7 + w * 3) % words.length]} `;
    parts.push(`<p class="para" id="p${i}">${i}: ${text.trim()}. <a href="/articles/${i}.html">more</a></p>\n`);
    if (i % 20 === 10) parts.push(`<img src="/img/photo-${i}.jpg" width="640" height="480" alt="photo ${i}">\n`);
    if (i % 22 === 5 && banner < PAGE_BANNERS.length) {
      if (withBanners) parts.push(PAGE_BANNERS[banner]);
      banner++;
      parts.push("\n");
    }
  }
  if (banner !== PAGE_BANNERS.length) throw new Error(`page: only ${banner} of ${PAGE_BANNERS.length} banners placed`);
  parts.push(`${PAGE_END}\n</body></html>\n`);
  return Buffer.from(parts.join(""), "latin1");
}

/** The page the origin serves (~100 KiB of HTML with 9 IAB-size banners and 3 images on a blocked host). */
export const PAGE_BYTES: Buffer = buildPage(true);
/** The same page with every banner element removed: what ours must answer. */
export const PAGE_CUT_BYTES: Buffer = buildPage(false);

// ---------------------------------------------------------------------------------------------
// The origin's directory

let servedDir: string | null = null;

/** The directory the origin serves (`small.bin`, `big.bin`, `page.html`), made on first use and removed when bench exits. */
export function proxyDir(): string {
  if (servedDir !== null) return servedDir;
  const dir = mkdtempSync(join(tmpdir(), "bench-proxy-"));
  writeFileSync(join(dir, SMALL_PATH.slice(1)), SMALL_BYTES);
  writeFileSync(join(dir, BIG_PATH.slice(1)), BIG_BYTES);
  writeFileSync(join(dir, PAGE_PATH.slice(1)), PAGE_BYTES);
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  servedDir = dir;
  return dir;
}

// ---------------------------------------------------------------------------------------------
// The check before timing

interface Answer {
  status: number;
  contentType: string;
  body: Buffer;
  reusedSocket: boolean;
}

/** `GET <absolute url>` sent to the proxy at `proxyPort` (absolute-form request target). */
function getThrough(proxyPort: number, url: string, agent: Agent, retried = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: proxyPort, path: url, headers: { host: new URL(url).host }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), body: Buffer.concat(chunks), reusedSocket: req.reusedSocket }),
      );
      res.on("error", reject);
    });
    req.on("error", (err) => {
      // A proxy that closes after each answer without saying so (tinyproxy) loses the race with a
      // kept-alive socket: ask once more on a new connection, which then counts as not reused.
      if (req.reusedSocket && !retried) getThrough(proxyPort, url, new Agent({ keepAlive: false }), true).then(resolve, reject);
      else reject(err);
    });
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${url} through the proxy: no answer within 5 s`)));
    req.end();
  });
}

function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

function expectBytes(path: string, answer: Answer, expected: Buffer, what = ""): void {
  if (answer.status !== 200) throw new Error(`check failed: GET ${path} through the proxy answered ${answer.status}`);
  if (answer.body.length !== expected.length) {
    throw new Error(`check failed: GET ${path} through the proxy answered ${answer.body.length} bytes, expected ${expected.length}${what}`);
  }
  if (!answer.body.equals(expected)) {
    throw new Error(`check failed: GET ${path} through the proxy answered the right length but other bytes (first difference at byte ${firstDifference(answer.body, expected)})${what}`);
  }
}

/** What the check saw: notes for the table (keep-alive, what happened to the banners). */
export interface ProxyCheck {
  keptAlive: boolean;
  /** Banner elements still in the page the proxy answered. */
  bannersLeft: number;
  notes: string[];
}

/**
 * The check every contender passes before it is timed, through the proxy at `proxyPort` to the
 * origin `originBase` (`http://127.0.0.1:<port>`): `GET /small.bin` twice (on one connection when
 * the proxy keeps it), `GET /big.bin`, each `200` with exactly the file's bytes; then
 * `GET /page.html`: `200`, HTML, the whole page (its last paragraph there). With `cutBanners`
 * (ours) the page must be exactly {@link PAGE_CUT_BYTES}; peers may cut banners or not. Throws
 * `check failed: ...` otherwise.
 *
 * @example
 * await checkProxy(proxyPort, `http://127.0.0.1:${originPort}`, { cutBanners: true });
 */
export async function checkProxy(proxyPort: number, originBase: string, opts: { cutBanners: boolean }): Promise<ProxyCheck> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await getThrough(proxyPort, originBase + SMALL_PATH, agent);
    expectBytes(SMALL_PATH, first, SMALL_BYTES);
    const second = await getThrough(proxyPort, originBase + SMALL_PATH, agent);
    expectBytes(SMALL_PATH, second, SMALL_BYTES);
    expectBytes(BIG_PATH, await getThrough(proxyPort, originBase + BIG_PATH, agent), BIG_BYTES);
    const page = await getThrough(proxyPort, originBase + PAGE_PATH, agent);
    if (page.status !== 200) throw new Error(`check failed: GET ${PAGE_PATH} through the proxy answered ${page.status}`);
    if (!/^text\/html/i.test(page.contentType)) throw new Error(`check failed: GET ${PAGE_PATH} answered Content-Type ${JSON.stringify(page.contentType)}, expected text/html`);
    const text = page.body.toString("latin1");
    const bannersLeft = PAGE_BANNERS.filter((b) => text.includes(b)).length;
    if (opts.cutBanners) {
      expectBytes(PAGE_PATH, page, PAGE_CUT_BYTES, ` (the page without its ${PAGE_BANNERS.length} banners; ${bannersLeft} left)`);
    } else if (!text.includes(PAGE_END)) {
      throw new Error(`check failed: GET ${PAGE_PATH} through the proxy lacks the end of the page (${page.body.length} bytes)`);
    }
    const pageNote = page.body.equals(PAGE_BYTES)
      ? "page passed unchanged (no banner cut)"
      : `page ${bannersLeft === 0 ? "with every banner cut" : `changed, ${PAGE_BANNERS.length - bannersLeft} of ${PAGE_BANNERS.length} banner elements gone`} (${page.body.length.toLocaleString("en-US")} of ${PAGE_BYTES.length.toLocaleString("en-US")} bytes)`;
    const keptAlive = second.reusedSocket;
    return { keptAlive, bannersLeft, notes: [keptAlive ? "client connection kept alive" : "client connection not reused (a new one per request)", pageNote] };
  } finally {
    agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Processes

interface Running {
  port: number;
  pid: number;
  /** Every process whose CPU counts (with their trees), when more than `pid` (a chain of proxies). */
  pids?: number[];
  stop(): Promise<void>;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `$ENV_VAR`, else `name` on PATH or in the sbin directories; null if none is executable. */
export function findProgram(name: string, envVar: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const given = env[envVar];
  if (given !== undefined && given !== "") return executable(given) ? given : null;
  for (const dir of [...(env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"]) {
    if (dir !== "" && executable(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** Spawn a system server that listens on `port`; resolves once it accepts connections (10 s at most). */
async function spawnListening(binary: string, args: string[], label: string, port: number, options: ChildOptions, prefix: string, stdoutFile: string | null = null): Promise<Running> {
  const cleanup = (): void => rmSync(prefix, { recursive: true, force: true });
  const child = Child.spawn(binary, args, label, options, stdoutFile);
  try {
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
      const { exitCode, signalCode } = child.proc;
      if (exitCode !== null || signalCode !== null) throw new Error(`${label} exited (${String(exitCode ?? signalCode)}) before listening: ${child.stderr}`);
      if (Date.now() > deadline) throw new Error(`${label} did not accept connections on 127.0.0.1:${port} within 10 s: ${child.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } catch (err) {
    await child.stop();
    cleanup();
    throw err;
  }
  return {
    port,
    pid: child.proc.pid!,
    async stop() {
      await child.stop();
      cleanup();
    },
  };
}

/** The origin: nginx (one process, sendfile, no access log, `.html` as text/html) when installed, else our static server. */
async function startOrigin(dir: string, options: ChildOptions): Promise<Running & { name: string }> {
  const nginx = findNginx();
  if (nginx !== null && nginxVersion(nginx) !== null) {
    const prefix = mkdtempSync(join(tmpdir(), "bench-proxy-nginx-"));
    mkdirSync(join(prefix, "tmp"));
    symlinkSync(dir, join(prefix, "www"));
    const port = await freePort();
    const conf = join(prefix, "nginx.conf");
    const text = nginxConfig(prefix, port, { purpose: "proxy workload: the origin", types: "text/html html; " });
    writeFileSync(conf, text);
    const r = await spawnListening(nginx, ["-p", prefix, "-c", conf, "-e", join(prefix, "error.log")], "nginx", port, options, prefix);
    return { ...r, name: "nginx" };
  }
  const child = Child.fork("static-server", [JSON.stringify({ kind: "stdhttp", directory: dir } satisfies StaticServerConfig)], options);
  const port = await child.announcedPort();
  return { port, pid: child.proc.pid!, stop: () => child.stop(), name: "@stdhttp SimpleHTTPRequestHandler" };
}

/** Privoxy's stock `config` with our listen address, no log file, `confdir` for the stock action and filter files. */
export function privoxyConfig(stock: string, port: number, logdir: string, confdir = "/etc/privoxy"): string {
  const dropped = /^\s*(listen-address|logdir|logfile|confdir|keep-alive-timeout)\b/;
  const kept = stock.split("\n").filter((line) => !dropped.test(line));
  // confdir first: the actionsfile and filterfile lines are resolved against it as they are read.
  return `# bench (proxy workload)\nconfdir ${confdir}\nlogdir ${logdir}\nlisten-address 127.0.0.1:${port}\nkeep-alive-timeout 5\n${kept.join("\n")}\n`;
}

/** tinyproxy's configuration: loopback only, up to 100 clients, its log in `prefix` (errors only). */
export function tinyproxyConfig(prefix: string, port: number): string {
  return `# written by bench (proxy workload)
Port ${port}
Listen 127.0.0.1
Timeout 600
MaxClients 100
Allow 127.0.0.1
LogFile "${prefix}/tinyproxy.log"
LogLevel Error
ViaProxyName "tinyproxy"
`;
}

type Kind = "stdhttp" | "chain" | "privoxy" | "tinyproxy";

/** The script of an app's command (`ctc`, `alfajor`: its `bin`), or an error that says how to build it. */
function appCommand(app: "ctc" | "alfajor"): string {
  let manifest: string;
  try {
    manifest = createRequire(import.meta.url).resolve(`@stdhttp/${app}/package.json`);
  } catch {
    throw new Error(`@stdhttp/${app} is missing (pnpm install at the repository root)`);
  }
  const bin = (JSON.parse(readFileSync(manifest, "utf8")) as { bin: Record<string, string> }).bin[app];
  const script = join(dirname(manifest), bin);
  if (!existsSync(script)) throw new Error(`${script} is not built (pnpm turbo run build --filter=@stdhttp/${app})`);
  return script;
}

/** CTC with its defaults but the bench's block list, optionally chained to a parent proxy. */
async function startCtc(options: ChildOptions, upstream: string | null): Promise<Running> {
  const cli = appCommand("ctc");
  const prefix = mkdtempSync(join(tmpdir(), "bench-proxy-ctc-"));
  const list = join(prefix, "ad-hosts.txt");
  writeFileSync(list, `${AD_HOSTS.join("\n")}\n`);
  const port = await freePort();
  const prof = options.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${join(options.cpuProfDir, "ctc")}`] : [];
  const up = upstream === null ? [] : ["--upstream", upstream];
  return spawnListening(process.execPath, [...prof, cli, "--port", String(port), "--blocklist", list, ...up], "ctc", port, options, prefix, join(prefix, "access.log"));
}

/** The chain of issue 19: CTC with Alfajor (its defaults, a fresh policy file) as its parent proxy. */
async function startChain(options: ChildOptions): Promise<Running> {
  const prefix = mkdtempSync(join(tmpdir(), "bench-proxy-alfajor-"));
  const port = await freePort();
  const alfajor = await spawnListening(process.execPath, [appCommand("alfajor"), "--port", String(port), "--policy", join(prefix, "policy.json")], "alfajor", port, options, prefix, join(prefix, "stdout.log"));
  let ctc: Running;
  try {
    ctc = await startCtc(options, `http://127.0.0.1:${port}`);
  } catch (err) {
    await alfajor.stop();
    throw err;
  }
  return {
    port: ctc.port,
    pid: ctc.pid,
    pids: [ctc.pid, alfajor.pid],
    async stop() {
      await ctc.stop();
      await alfajor.stop();
    },
  };
}

async function startProxy(kind: Kind, options: ChildOptions): Promise<Running> {
  if (kind === "stdhttp") return startCtc(options, null);
  if (kind === "chain") return startChain(options);
  const binary = findProgram(kind, kind.toUpperCase());
  if (binary === null) throw new Error(`${kind} not installed (apt-get install -y ${kind})`);
  const prefix = mkdtempSync(join(tmpdir(), `bench-proxy-${kind}-`));
  const port = await freePort();
  const conf = join(prefix, `${kind}.conf`);
  if (kind === "privoxy") {
    const stock = "/etc/privoxy/config";
    if (!existsSync(stock)) throw new Error(`${stock} missing (apt-get install -y privoxy)`);
    writeFileSync(conf, privoxyConfig(readFileSync(stock, "utf8"), port, prefix));
    return spawnListening(binary, ["--no-daemon", conf], "privoxy", port, options, prefix);
  }
  writeFileSync(conf, tinyproxyConfig(prefix, port));
  return spawnListening(binary, ["-d", "-c", conf], "tinyproxy", port, options, prefix);
}

// ---------------------------------------------------------------------------------------------
// Measuring

/** The wrk script: every request is `GET <absolute url>` with the origin's Host. */
export function wrkScript(url: string): string {
  const u = new URL(url);
  return `-- written by bench (proxy workload): absolute-form requests through a proxy\nwrk.method = "GET"\nwrk.path = "${u.href}"\nwrk.headers["Host"] = "${u.host}"\n`;
}

/** Check, warm up, then time `GET <origin><path>` through the proxy with wrk; the proxy's CPU per request is sampled over the timed run. */
async function runProxy(kind: Kind, path: string, bodyBytes: number, options: RunOptions): Promise<Measurement> {
  if (options.driver !== "wrk") throw new Error("the proxy workload needs wrk (absolute-form requests from a Lua script); autocannon is not supported");
  const origin = await startOrigin(proxyDir(), childOptions(options, "fixture"));
  let proxy: Running | null = null;
  const scriptDir = mkdtempSync(join(tmpdir(), "bench-proxy-wrk-"));
  try {
    proxy = await startProxy(kind, childOptions(options, "server"));
    const originBase = `http://127.0.0.1:${origin.port}`;
    const check = await checkProxy(proxy.port, originBase, { cutBanners: kind === "stdhttp" || kind === "chain" });
    const script = join(scriptDir, "proxy.lua");
    writeFileSync(script, wrkScript(originBase + path));
    const connections = options.connections ?? PROXY_CONNECTIONS;
    const cpu = childOptions(options, "load").cpu ?? null;
    const wrk = (seconds: number): Promise<Measurement> =>
      execWrk(["-t1", `-c${connections}`, `-d${Math.max(1, Math.round(seconds))}s`, "--latency", "--timeout", "10s", "-s", script, `http://127.0.0.1:${proxy!.port}/`], cpu).then(parseWrk);
    if (options.warmup > 0) await wrk(options.warmup);
    const proxyPids = proxy.pids ?? [proxy.pid];
    const proxiesCpu = (): number => proxyPids.reduce((sum, pid) => sum + treeCpuUs(pid), 0);
    const proxyCpu0 = proxiesCpu();
    const originCpu0 = treeCpuUs(origin.pid);
    const m = await wrk(options.duration);
    const proxyCpu = proxiesCpu() - proxyCpu0;
    const originCpu = treeCpuUs(origin.pid) - originCpu0;
    const perReq = (us: number): string => (m.ops > 0 ? `${Math.round(us / m.ops)} us/req` : "-");
    const notes = [...check.notes, `CPU: proxy ${perReq(proxyCpu)}, origin (${origin.name}) ${perReq(originCpu)}`];
    if (options.verbose) process.stderr.write(`# ${path} / ${kind}: ${notes.join("; ")}\n`);
    return { ...m, bytesPerSec: m.opsPerSec * bodyBytes, warnings: [...notes, ...m.warnings], serverCpuUsPerOp: m.ops > 0 ? proxyCpu / m.ops : undefined };
  } finally {
    await proxy?.stop();
    await origin.stop();
    rmSync(scriptDir, { recursive: true, force: true });
  }
}

interface DrainResult {
  seconds: number;
  bytes: number;
  completed: number;
  failures: number;
  firstError: string | null;
  cpuUs: number;
}

/**
 * `proxy-1g-rss` for one proxy: `clients` complete downloads of `huge.bin` at once through the
 * proxy (the drain-load child connects to the proxy and sends `GET http://127.0.0.1:<origin>/huge.bin`),
 * then the proxy's `VmHWM`. A proxy whose RSS passes {@link RSS_ABORT_BYTES} is killed.
 */
async function runProxyRss(kind: Kind, options: RunOptions): Promise<Measurement> {
  const clients = options.connections ?? PROXY_RSS_CLIENTS;
  const dir = proxyDir();
  // Linked before the origin starts, as in static-1g-rss; removed afterwards.
  const huge = await linkHugeFile(dir);
  let origin: (Running & { name: string }) | null = null;
  let proxy: Running | null = null;
  let load: Child | null = null;
  try {
    origin = await startOrigin(dir, childOptions(options, "fixture"));
    proxy = await startProxy(kind, childOptions(options, "server"));
    const originBase = `http://127.0.0.1:${origin.port}`;
    const check = await checkProxy(proxy.port, originBase, { cutBanners: kind === "stdhttp" });
    const pid = proxy.pid;
    const rssBefore = treeRss(pid);
    const config: DrainLoadConfig = {
      port: proxy.port,
      path: originBase + HUGE_PATH,
      host: `127.0.0.1:${origin.port}`,
      clients,
      expectedLength: HUGE_SIZE,
      idleTimeoutSeconds: 60,
    };
    load = Child.fork("drain-load", [JSON.stringify(config)], childOptions(options, "load"));
    await load.waitMessage("ready");
    const proxyCpu0 = treeCpuUs(pid);
    const originCpu0 = treeCpuUs(origin.pid);
    const pssBefore = treePss(pid);
    let aborted: string | null = null;
    // Sampled through the downloads: is the memory flat (the same in the second half as in the
    // first, however many bytes have passed), and what the processes use together (PSS).
    const samples: Array<{ at: number; rss: number; pss: number }> = [];
    const startedAt = Date.now();
    let sampling = 0;
    const watchdog = setInterval(() => {
      const rss = treeRss(pid);
      if (sampling++ % 5 === 0) samples.push({ at: Date.now() - startedAt, rss, pss: treePss(pid) });
      if (aborted === null && rss > RSS_ABORT_BYTES) {
        aborted = `the proxy's RSS passed ${mb(RSS_ABORT_BYTES)} (${mb(rss)}): killed`;
        for (const p of processTree(pid)) process.kill(p, "SIGKILL");
      }
    }, 100);
    let r: DrainResult;
    let proxyCpuUs: number;
    let originCpuUs: number;
    let peak: number;
    try {
      r = (await ask(load, { type: "start" }, "result", 1_800_000)) as unknown as DrainResult;
      if (aborted !== null) throw new Error(aborted);
      proxyCpuUs = treeCpuUs(pid) - proxyCpu0;
      originCpuUs = treeCpuUs(origin.pid) - originCpu0;
      peak = treeVmHwm(pid);
    } catch (err) {
      throw aborted === null ? err : new Error(aborted);
    } finally {
      clearInterval(watchdog);
    }
    if (r.failures > 0) throw new Error(`check failed: ${r.failures} of ${clients} downloads of ${HUGE_PATH} through the proxy failed (${r.firstError ?? "?"})`);
    const pct = (us: number): number => Math.round((us / 1e6 / r.seconds) * 100);
    const half = (Date.now() - startedAt) / 2;
    const peakOf = (list: typeof samples, key: "rss" | "pss"): number => list.reduce((m, x) => Math.max(m, x[key]), 0);
    const firstHalf = samples.filter((x) => x.at < half);
    const secondHalf = samples.filter((x) => x.at >= half);
    const notes = [
      `peak RSS ${mb(peak)} (VmHWM, summed over the proxy's processes; ${mb(rssBefore)} before the downloads)`,
      `sampled every 0.5 s: RSS summed peaks at ${mb(peakOf(firstHalf, "rss"))} in the first half of the downloads and ${mb(peakOf(secondHalf, "rss"))} in the second; PSS (shared pages counted once) ${mb(pssBefore)} before, peak ${mb(peakOf(samples, "pss"))}`,
      `${clients} x 1 GiB in ${r.seconds.toFixed(1)} s (${Math.round(r.bytes / r.seconds / 1e6).toLocaleString("en-US")} MB/s)`,
      `CPU while downloading: proxy ${pct(proxyCpuUs)}%, origin (${origin.name}) ${pct(originCpuUs)}%, load ${pct(r.cpuUs)}% of a core`,
      check.notes[0],
    ];
    if (kind === "stdhttp") notes.push(`target < ${RSS_TARGET_MB} MB: ${peak / 1e6 < RSS_TARGET_MB ? "ok" : "MISSED"}`);
    if (options.verbose) process.stderr.write(`# ${HUGE_PATH} / ${kind}: ${notes.join("; ")}\n`);
    return { opsPerSec: clients / (peak / 1e9), bytesPerSec: r.bytes / r.seconds, p99Ms: null, ops: r.completed, warnings: notes };
  } finally {
    await load?.stop();
    await proxy?.stop();
    await origin?.stop();
    rmSync(huge, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Cases

const NAMES: Record<Kind, string> = {
  stdhttp: "CTC (ctc command)",
  chain: "CTC -> Alfajor",
  privoxy: "Privoxy",
  tinyproxy: "tinyproxy",
};

function contenders(path: string, bodyBytes: number): BenchCase["contenders"] {
  return (["stdhttp", "privoxy", "tinyproxy"] as const).map((kind) => ({
    name: NAMES[kind],
    isUs: kind === "stdhttp",
    run: (o: RunOptions) => runProxy(kind, path, bodyBytes, o),
  }));
}

const cases: BenchCase[] = [
  {
    id: "proxy-1k",
    description: `GET ${SMALL_PATH} (1 KiB) through the proxy from a loopback origin, ${PROXY_CONNECTIONS} connections, 1 load thread`,
    unit: "req/s",
    contenders: contenders(SMALL_PATH, SMALL_BYTES.length),
    targets: { [NAMES.privoxy]: 2 },
  },
  {
    id: "proxy-html",
    description: `GET ${PAGE_PATH} (${Math.round(PAGE_BYTES.length / 1024)} KiB of HTML with ${PAGE_BANNERS.length} banners) through the proxy, ${PROXY_CONNECTIONS} connections`,
    unit: "req/s",
    contenders: contenders(PAGE_PATH, PAGE_BYTES.length),
    targets: { [NAMES.privoxy]: 1.5 },
  },
  {
    id: "proxy-1m",
    description: `GET ${BIG_PATH} (1 MiB) through the proxy, ${PROXY_CONNECTIONS} connections; MB/s of file bytes`,
    unit: "MB/s",
    contenders: contenders(BIG_PATH, BIG_BYTES.length),
    targets: { [NAMES.privoxy]: 1.5 },
  },
  {
    id: "proxy-chain",
    description: `GET ${PAGE_PATH} through the chain of issue 19 (CTC with Alfajor as its parent proxy, both with their defaults) vs one Privoxy, ${PROXY_CONNECTIONS} connections; CPU of both proxies summed; no target`,
    unit: "req/s",
    contenders: (["chain", "privoxy"] as const).map((kind) => ({ name: NAMES[kind], isUs: kind === "chain", run: (o: RunOptions) => runProxy(kind, PAGE_PATH, PAGE_BYTES.length, o) })),
    targets: {},
  },
  {
    id: "proxy-1g-rss",
    description: `peak RSS (VmHWM) of each proxy while ${PROXY_RSS_CLIENTS} clients each download ${HUGE_PATH} (1 GiB) completely through it; rate: clients per GB of peak RSS (ours: < ${RSS_TARGET_MB} MB)`,
    unit: RSS_UNIT,
    contenders: (["stdhttp", "privoxy", "tinyproxy"] as const).map((kind) => ({ name: NAMES[kind], isUs: kind === "stdhttp", run: (o: RunOptions) => runProxyRss(kind, o) })),
    targets: {},
  },
];

/** The `proxy` workload. */
export const proxy: Workload = {
  name: "proxy",
  description: "forward proxy: @stdhttp/proxy-filters (every filter on) vs Privoxy and tinyproxy, to an nginx origin (wrk, absolute-form requests; peak RSS under 1 GiB downloads)",
  cases,
};
