/**
 * The `proxy` workload: its cases and targets are registered, and its check before timing passes a
 * correct proxy and rejects one answering wrong bytes, a wrong length or status, a truncated page,
 * or (for ours) a page with its banners left in. The "proxy" here is a node:http server in this
 * process answering absolute-form requests itself from the workload's directory. No timings.
 */
import { afterAll, afterEach, describe, expect, test } from "@jest/globals";
import { readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { selectCases, WORKLOADS } from "../src/registry.js";
import { checkProxy, HUGE_PATH, PAGE_BANNERS, PAGE_BYTES, PAGE_CUT_BYTES, privoxyConfig, PROXY_RSS_CLIENTS, proxyDir, tinyproxyConfig, wrkScript } from "../src/workloads/proxy.js";
import { BIG_BYTES, RSS_TARGET_MB, SMALL_BYTES } from "../src/workloads/static.js";

const servers: Server[] = [];
const ORIGIN = "http://127.0.0.1:9";

afterAll(() => rmSync(proxyDir(), { recursive: true, force: true }));

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

type Patch = (path: string, body: Buffer) => { status?: number; body?: Buffer };

/** A fake proxy: answers `GET http://127.0.0.1:9/<file>` with the file (the page cut when `cut`), changed by `patch`. Resolves with its port. */
async function fakeProxy(cut: boolean, patch: Patch = () => ({})): Promise<number> {
  const s = createServer((req, res) => {
    const url = new URL(req.url!);
    if (url.origin !== ORIGIN) {
      res.writeHead(400).end();
      return;
    }
    const files: Record<string, Buffer> = { "/small.bin": SMALL_BYTES, "/big.bin": BIG_BYTES, "/page.html": cut ? PAGE_CUT_BYTES : PAGE_BYTES };
    const body = files[url.pathname];
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    const p = patch(url.pathname, body);
    const out = p.body ?? body;
    res.writeHead(p.status ?? 200, { "Content-Length": out.length, "Content-Type": url.pathname.endsWith(".html") ? "text/html" : "application/octet-stream" });
    res.end(out);
  });
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return (s.address() as AddressInfo).port;
}

describe("proxy workload", () => {
  test("is registered with five cases: ours + Privoxy + tinyproxy with targets against Privoxy, and the CTC -> Alfajor chain vs Privoxy", () => {
    const cases = selectCases(WORKLOADS, ["proxy"]);
    expect(cases.map((c) => c.id)).toEqual(["proxy-1k", "proxy-html", "proxy-1m", "proxy-chain", "proxy-1g-rss"]);
    for (const c of cases.filter((x) => x.id !== "proxy-chain")) {
      expect(c.contenders.map((x) => x.name)).toEqual(["CTC (ctc command)", "Privoxy", "tinyproxy"]);
      expect(c.contenders.filter((x) => x.isUs).map((x) => x.name)).toEqual(["CTC (ctc command)"]);
    }
    const chain = cases[3];
    expect(chain.contenders.map((x) => [x.name, x.isUs])).toEqual([["CTC -> Alfajor", true], ["Privoxy", false]]);
    expect(cases.map((c) => c.targets)).toEqual([{ Privoxy: 2 }, { Privoxy: 1.5 }, { Privoxy: 1.5 }, {}, {}]);
    expect(cases[2].unit).toBe("MB/s");
  });

  test("proxy-1g-rss: 20 clients download /huge.bin through the proxy; ours is held to < 150 MB of peak RSS, the peers reported", () => {
    const [c] = selectCases(WORKLOADS, ["proxy-1g-rss"]);
    expect(c.id).toBe("proxy-1g-rss");
    expect(PROXY_RSS_CLIENTS).toBe(20);
    expect(HUGE_PATH).toBe("/huge.bin");
    expect(RSS_TARGET_MB).toBe(150);
    expect(String(c.unit)).toBe("clients/GB");
    expect(c.description).toMatch(/20 clients .*\/huge\.bin \(1 GiB\).*through it.*< 150 MB/);
    expect(c.targets).toEqual({});
  });

  test("the origin's directory holds the files; the page is ~100 KiB with banners the cut page lacks", () => {
    const dir = proxyDir();
    expect(readFileSync(join(dir, "small.bin")).equals(SMALL_BYTES)).toBe(true);
    expect(readFileSync(join(dir, "page.html")).equals(PAGE_BYTES)).toBe(true);
    expect(PAGE_BYTES.length).toBeGreaterThan(90_000);
    expect(PAGE_BYTES.length).toBeLessThan(110_000);
    const page = PAGE_BYTES.toString("latin1");
    const cut = PAGE_CUT_BYTES.toString("latin1");
    for (const b of PAGE_BANNERS) {
      expect(page).toContain(b);
      expect(cut).not.toContain(b);
    }
  });

  test("the check passes a correct proxy, cutting banners or (for peers) not", async () => {
    await expect(checkProxy(await fakeProxy(true), ORIGIN, { cutBanners: true })).resolves.toMatchObject({ keptAlive: true, bannersLeft: 0 });
    await expect(checkProxy(await fakeProxy(false), ORIGIN, { cutBanners: false })).resolves.toMatchObject({ bannersLeft: PAGE_BANNERS.length });
  });

  test("the check rejects wrong bytes, a short body, a wrong status, a truncated page and, for ours, banners left in", async () => {
    const flipped = await fakeProxy(true, (path, body) => {
      if (path !== "/small.bin") return {};
      const wrong = Buffer.from(body);
      wrong[100] ^= 1;
      return { body: wrong };
    });
    await expect(checkProxy(flipped, ORIGIN, { cutBanners: true })).rejects.toThrow(/check failed: GET \/small\.bin .*other bytes .*byte 100/);

    const short = await fakeProxy(true, (path, body) => (path === "/big.bin" ? { body: body.subarray(1) } : {}));
    await expect(checkProxy(short, ORIGIN, { cutBanners: false })).rejects.toThrow(/GET \/big\.bin .*1048575 bytes, expected 1048576/);

    const refused = await fakeProxy(true, () => ({ status: 502 }));
    await expect(checkProxy(refused, ORIGIN, { cutBanners: false })).rejects.toThrow(/answered 502/);

    const truncated = await fakeProxy(false, (path, body) => (path === "/page.html" ? { body: body.subarray(0, 50_000) } : {}));
    await expect(checkProxy(truncated, ORIGIN, { cutBanners: false })).rejects.toThrow(/lacks the end of the page/);

    await expect(checkProxy(await fakeProxy(false), ORIGIN, { cutBanners: true })).rejects.toThrow(/page\.html .*without its 12 banners; 12 left/);
  });

  test("generated configurations and the wrk script", () => {
    const conf = privoxyConfig("confdir /etc/privoxy\nlogfile logfile\nlisten-address 127.0.0.1:8118\nactionsfile default.action\nkeep-alive-timeout 9\n", 4242, "/tmp/p");
    expect(conf).toMatch(/^# bench[^\n]*\nconfdir \/etc\/privoxy\nlogdir \/tmp\/p\nlisten-address 127\.0\.0\.1:4242\nkeep-alive-timeout 5\nactionsfile default\.action\n+$/);
    expect(conf).not.toMatch(/logfile|8118|timeout 9/);
    expect(tinyproxyConfig("/tmp/t", 4243)).toMatch(/^Port 4243$[\s\S]*^Listen 127\.0\.0\.1$[\s\S]*^MaxClients 100$[\s\S]*^Allow 127\.0\.0\.1$/m);
    expect(wrkScript("http://127.0.0.1:8080/small.bin")).toContain('wrk.path = "http://127.0.0.1:8080/small.bin"\nwrk.headers["Host"] = "127.0.0.1:8080"');
  });
});
