// `ctc --workers N`: worker processes (node:cluster) sharing the port. Through the command,
// with real processes: the merged counters, the switch and reloads reaching every worker,
// SIGTERM leaving no process behind, a killed worker replaced, bad values refused.
import { afterAll, beforeAll, describe, expect, test, jest } from "@jest/globals";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { curl, CtcProcess, eventually, runCtc, startCtc, startNewsSite, tempDir } from "./helpers.js";

// Proxies with workers (three Node processes each) start slowly when CI runs every package's
// tests at once on two cores.
jest.setTimeout(120_000);

let site: Awaited<ReturnType<typeof startNewsSite>>;
let tmp: ReturnType<typeof tempDir>;

beforeAll(async () => {
  site = await startNewsSite();
  tmp = tempDir();
});

afterAll(async () => {
  await site?.close();
  tmp?.remove();
});

interface Status {
  enabled: boolean;
  requests: number;
  blocked: number;
  topHosts: Array<{ host: string; count: number }>;
  recent: Array<{ url: string; time: number }>;
  workers: Array<{ pid: number; requests: number }>;
}

async function status(ctc: CtcProcess): Promise<Status> {
  return JSON.parse((await curl(`${ctc.url}/status.json`)).body.toString()) as Status;
}

/** Whether a process exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `n` requests through the proxy, each over a new connection (a new curl); their bodies. */
async function through(ctc: CtcProcess, url: string, n: number): Promise<string[]> {
  const bodies: string[] = [];
  for (let i = 0; i < n; i++) bodies.push((await curl("-x", ctc.url, url)).body.toString());
  return bodies;
}

const hostMap = (): string[] => ["--host-map", `ads.doubleclick.net=127.0.0.1:${site.port}`, "--host-map", `news.test=127.0.0.1:${site.port}`];

describe("--workers 2", () => {
  let ctc: CtcProcess;

  beforeAll(async () => {
    ctc = await startCtc("--workers", "2", ...hostMap());
  });

  afterAll(async () => {
    await ctc?.stop();
  });

  test("two worker processes serve; the counters of the page add up across them", async () => {
    const before = await status(ctc);
    expect(before.workers).toHaveLength(2);
    const pids = before.workers.map((w) => w.pid);
    expect(new Set(pids).size).toBe(2);
    expect(pids).not.toContain(ctc.proc.pid);
    for (const pid of pids) expect(alive(pid)).toBe(true);

    const blocked = await through(ctc, "http://ads.doubleclick.net/banner.js", 30);
    expect(blocked.every((b) => !b.startsWith("origin:"))).toBe(true);
    await through(ctc, "http://news.test/plain.txt", 10);
    const after = await status(ctc);
    // Every block of either worker is counted once, right after it happened.
    expect(after.blocked - before.blocked).toBe(30);
    expect(after.topHosts).toContainEqual({ host: "ads.doubleclick.net", count: 30 });
    expect(after.recent.filter((r) => r.url === "http://ads.doubleclick.net/banner.js")).toHaveLength(30);
    const times = after.recent.map((r) => r.time);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(after.requests - before.requests).toBeGreaterThanOrEqual(40);
    expect(after.workers.reduce((sum, w) => sum + w.requests, 0)).toBe(after.requests);

    const page = (await curl(`${ctc.url}/`)).body.toString();
    const shown = /<dt>Requests blocked<\/dt><dd>([\d,]+)/.exec(page);
    expect(Number(shown?.[1].replace(/,/g, ""))).toBe(after.blocked);
    expect(page).toContain("<dt>Worker processes</dt><dd>2</dd>");
    // The access log: one whole line per request, whichever worker wrote it.
    await eventually(() => (ctc.stdout.match(/banner\.js/g) ?? []).length === 30, "30 access log lines");
    for (const line of ctc.stdout.split("\n").filter((l) => l.includes("HTTP/1.1\""))) {
      expect(line).toMatch(/^127\.0\.0\.1 - - \[[^\]]+\] "[A-Z]+ \S+ HTTP\/1\.1" \d{3} (\d+|-)$/);
    }
  });

  test("the toggle reaches every worker before it is answered, with the same token everywhere", async () => {
    const page = (await curl(`${ctc.url}/`)).body.toString();
    const token = /name="token" value="([^"]+)"/.exec(page)?.[1] ?? "";
    // Forms served by different workers carry the same token.
    for (let i = 0; i < 5; i++) expect((await curl(`${ctc.url}/`)).body.toString()).toContain(`value="${token}"`);
    const post = (enabled: string) =>
      curl("-X", "POST", "-H", "Content-Type: application/x-www-form-urlencoded", "--data-binary", `enabled=${enabled}&token=${token}`, `${ctc.url}/toggle`);
    try {
      expect((await post("off")).status).toBe(303);
      const off = await through(ctc, "http://ads.doubleclick.net/banner.js", 10);
      expect(off).toEqual(Array(10).fill("origin: /banner.js\n"));
      expect((await status(ctc)).enabled).toBe(false);
    } finally {
      expect((await post("on")).status).toBe(303);
    }
    const on = await through(ctc, "http://ads.doubleclick.net/banner.js", 10);
    expect(on.some((b) => b.startsWith("origin:"))).toBe(false);
  });

  test("a worker killed with SIGKILL is replaced and the proxy keeps serving", async () => {
    const [victim, other] = (await status(ctc)).workers.map((w) => w.pid);
    process.kill(victim, "SIGKILL");
    await ctc.waitFor(new RegExp(`ctc: error: worker \\d \\(pid ${victim}\\) died \\(killed by SIGKILL\\)`), "stderr");
    await ctc.waitFor(/ctc: worker \d replaced \(pid \d+\)/, "stderr");
    const served = await through(ctc, "http://news.test/again.txt", 10);
    expect(served).toEqual(Array(10).fill("origin: /again.txt\n"));
    const pids = (await status(ctc)).workers.map((w) => w.pid);
    expect(pids).toHaveLength(2);
    expect(pids).toContain(other);
    expect(pids).not.toContain(victim);
    expect(alive(victim)).toBe(false);
  });
});

test("SIGHUP reloads every worker: afterwards requests over new connections all see the new rules", async () => {
  const list = path.join(tmp.dir, "hup.txt");
  writeFileSync(list, "old.test\n");
  const ctc = await startCtc("--workers", "2", "--blocklist", list, "--no-watch", "--log", "off", "--host-map", `new.test=127.0.0.1:${site.port}`);
  try {
    expect(await through(ctc, "http://new.test/a.txt", 4)).toEqual(Array(4).fill("origin: /a.txt\n"));
    writeFileSync(list, "old.test\nnew.test\n");
    ctc.proc.kill("SIGHUP");
    await ctc.waitFor(/ctc: lists reloaded \(SIGHUP\): 1 list\n/);
    // One notice for all the workers, printed once every worker has reloaded.
    expect(ctc.stdout.match(/lists reloaded/g)).toHaveLength(1);
    const after = await through(ctc, "http://new.test/a.txt", 10);
    expect(after.some((b) => b.startsWith("origin:"))).toBe(false);
  } finally {
    expect(await ctc.stop()).toBe(0);
  }
});

test("SIGTERM: the workers close, the command exits 0 and no process is left", async () => {
  const ctc = await startCtc("--workers", "2", "--log", "off");
  const pids = (await status(ctc)).workers.map((w) => w.pid);
  expect(pids).toHaveLength(2);
  expect(await ctc.stop("SIGTERM")).toBe(0);
  expect(ctc.stdout).toContain("ctc: stopped\n");
  for (const pid of pids) expect(alive(pid)).toBe(false);
});

test("--workers 1 is the command's own process alone", async () => {
  const ctc = await startCtc("--workers", "1", "--log", "off");
  try {
    expect((await status(ctc)).workers).toEqual([{ pid: ctc.proc.pid, requests: 0 }]);
  } finally {
    expect(await ctc.stop()).toBe(0);
  }
});

describe("bad values exit 2 with the usage", () => {
  test.each([
    [["--workers", "0"], "--workers: expected a number of workers (1-64) or auto, got: 0"],
    [["--workers", "x"], "--workers: expected a number of workers (1-64) or auto, got: x"],
    [["--workers", "2.5"], "--workers: expected a number of workers (1-64) or auto, got: 2.5"],
  ])("%j", async (args, message) => {
    const r = await runCtc(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`ctc: error: ${message}\n`);
    expect(r.stderr).toContain("usage: ctc [--bind ADDR]");
  });

  test('"workers" in the config file is checked the same way; the flag wins over it', async () => {
    const bad = path.join(tmp.dir, "bad-workers.json");
    writeFileSync(bad, JSON.stringify({ workers: -1 }));
    const r = await runCtc("--config", bad);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`ctc: error: ${bad}: "workers": expected a number of workers (1-64) or auto, got: -1`);
    const good = path.join(tmp.dir, "two-workers.json");
    writeFileSync(good, JSON.stringify({ workers: 2, log: "off" }));
    const ctc = await startCtc("--config", good, "--workers", "1");
    try {
      expect((await status(ctc)).workers).toEqual([{ pid: ctc.proc.pid, requests: 0 }]);
    } finally {
      await ctc.stop();
    }
  });

  test("SIGTERM while the workers start: they are stopped once up, exit 0, no worker left and no EPIPE", async () => {
    const ctc = new CtcProcess(["--port", "0", "--workers", "2", "--log", "off"]);
    const pid = ctc.proc.pid!;
    // The signal listener is in place before the first fork: wait for a child, then signal.
    const children = (): number[] =>
      readdirSync("/proc")
        .filter((d) => /^\d+$/.test(d))
        .filter((d) => {
          try {
            return readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1]?.split(" ")[1] === String(pid);
          } catch {
            return false;
          }
        })
        .map(Number);
    await eventually(() => children().length > 0, "a worker forked", 60_000);
    const forked = children();
    ctc.proc.kill("SIGTERM");
    expect(await ctc.exited()).toBe(0);
    expect(ctc.stderr).not.toMatch(/EPIPE|Error:/);
    await eventually(() => forked.every((w) => !alive(w)), "the workers gone");
  }, 90_000);

  test("with workers, an unreadable list is still a usage error printed once, before any worker starts", async () => {
    const r = await runCtc("--workers", "2", "--blocklist", "/nonexistent/ctc-list.txt");
    expect(r.status).toBe(2);
    expect(r.stderr.match(/cannot read/g)).toHaveLength(1);
  });
});
