// The control page, through the command: reached as an origin-form request to the proxy and as
// http://ctc.local/ through it; status, explain, the toggle and its protection against other
// sites (form token, Origin, Sec-Fetch-Site, Host names that could be rebound), /proxy.pac and
// /status.json.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { curl, rawExchange, startCtc, startNewsSite, type CtcProcess } from "./helpers.js";

let site: Awaited<ReturnType<typeof startNewsSite>>;
let ctc: CtcProcess;

beforeAll(async () => {
  site = await startNewsSite();
  ctc = await startCtc("--host-map", `ads.doubleclick.net=127.0.0.1:${site.port}`, "--host-map", `news.test=127.0.0.1:${site.port}`);
});

afterAll(async () => {
  await ctc?.stop();
  await site?.close();
});

async function token(): Promise<string> {
  const page = (await curl(`${ctc.url}/`)).body.toString();
  const m = /name="token" value="([^"]+)"/.exec(page);
  if (m === null) throw new Error("no token in the page");
  return m[1];
}

interface Status {
  enabled: boolean;
  requests: number;
  blocked: number;
  cut: number;
  cutBySize: number;
  recent: Array<{ url: string; rule: string; list: string; type: string; cut: boolean }>;
  topHosts: Array<{ host: string; count: number }>;
}

async function status(): Promise<Status> {
  return JSON.parse((await curl(`${ctc.url}/status.json`)).body.toString()) as Status;
}

function post(url: string, body: string, ...extra: string[]) {
  return curl("-X", "POST", "-H", "Content-Type: application/x-www-form-urlencoded", "--data-binary", body, ...extra, url);
}

describe("the page", () => {
  test("an origin-form request to the proxy shows the status page, with protective headers", async () => {
    const r = await curl(`${ctc.url}/`);
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(r.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(r.headers["x-frame-options"]).toBe("DENY");
    expect(r.headers["cache-control"]).toBe("no-store");
    const page = r.body.toString();
    expect(page).toContain("Filtering is on");
    expect(page).toContain("Explain a URL");
    expect(page).toContain("Recent blocks");
    expect(page).toContain("default.txt");
    expect(page).not.toMatch(/<script|src="http/);
  });

  test("http://ctc.local/ through the proxy is the same page, never forwarded", async () => {
    const r = await curl("-x", ctc.url, "http://ctc.local/");
    expect(r.status).toBe(200);
    expect(r.body.toString()).toContain("Filtering is on");
    const pac = await curl("-x", ctc.url, "http://ctc.local/proxy.pac");
    expect(pac.status).toBe(200);
  });

  test("blocks show up with their rule, list and host", async () => {
    await curl("-x", ctc.url, "http://pagead2.googlesyndication.com/pagead/show_ads.js");
    const s = await status();
    expect(s.blocked).toBeGreaterThanOrEqual(1);
    expect(s.recent[0]).toMatchObject({ url: "http://pagead2.googlesyndication.com/pagead/show_ads.js", rule: "googlesyndication.com", type: "script" });
    expect(s.recent[0].list).toMatch(/default\.txt$/);
    expect(s.topHosts).toContainEqual({ host: "pagead2.googlesyndication.com", count: 1 });
    const page = (await curl(`${ctc.url}/`)).body.toString();
    expect(page).toContain("http://pagead2.googlesyndication.com/pagead/show_ads.js");
  });

  test("elements cut from a page because their URL is blocked are counted and listed as cut; banners cut by size are counted", async () => {
    await curl("-x", ctc.url, "http://news.test/news.html");
    const s = await status();
    expect(s.cut).toBeGreaterThanOrEqual(2);
    // The 728x90 leaderboard and the 300x250 rectangle go by size.
    expect(s.cutBySize).toBeGreaterThanOrEqual(2);
    expect(s.recent).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ url: "http://ads.doubleclick.net/impression.gif", type: "image", cut: true, rule: "doubleclick.net" }),
        expect.objectContaining({ url: "http://ad.doubleclick.net/click?campaign=1", type: "link", cut: true }),
      ]),
    );
  });

  test("explain: what the lists say about a URL, by request type, with the rule and its line", async () => {
    const r = await curl(`${ctc.url}/explain?url=${encodeURIComponent("https://stats.g.doubleclick.net/pixel.gif")}`);
    expect(r.status).toBe(200);
    const page = r.body.toString();
    expect(page).toContain("Answer for <code>https://stats.g.doubleclick.net/pixel.gif</code>");
    expect(page).toMatch(/Loaded as an image[^]*?Blocked[^]*?<code>doubleclick\.net<\/code>/);
    expect(page).toMatch(/default\.txt:\d+/);
    expect(page).toContain("HTTPS (CONNECT) to this host: <span class=\"blocked\">refused</span>");
    const ok = (await curl(`${ctc.url}/explain?url=news.test/index.html`)).body.toString();
    expect(ok).toContain("No rule of the lists matches this URL.");
    const bad = (await curl(`${ctc.url}/explain?url=${encodeURIComponent("ftp://x")}`)).body.toString();
    expect(bad).toContain("This is not an http:// or https:// URL.");
  });

  test("a Host name that could be rebound to the proxy is refused; IP addresses and localhost are fine", async () => {
    const evil = await rawExchange(ctc.port, "GET / HTTP/1.1\r\nHost: evil.example:8080\r\nConnection: close\r\n\r\n");
    expect(evil).toMatch(/^HTTP\/1\.1 403 /);
    const local = await rawExchange(ctc.port, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    expect(local).toMatch(/^HTTP\/1\.1 200 /);
  });

  test("/proxy.pac sends everything but loopback through this proxy", async () => {
    const r = await curl(`${ctc.url}/proxy.pac`);
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/x-ns-proxy-autoconfig");
    const pac = r.body.toString();
    expect(pac).toContain("function FindProxyForURL(url, host)");
    expect(pac).toContain(`return "PROXY 127.0.0.1:${ctc.port}";`);
  });

  test("unknown paths are 404, wrong methods 405", async () => {
    expect((await curl(`${ctc.url}/nope`)).status).toBe(404);
    expect((await curl(`${ctc.url}/toggle`)).status).toBe(405);
    expect((await post(`${ctc.url}/status.json`, "x=1")).status).toBe(405);
  });
});

describe("the on/off toggle", () => {
  test("GET never changes the state, whatever its query", async () => {
    await curl(`${ctc.url}/?changed=off`);
    await curl(`${ctc.url}/toggle?enabled=off`);
    expect((await status()).enabled).toBe(true);
  });

  test("a POST without the token, with a wrong one, or from another site is refused", async () => {
    const t = await token();
    const noToken = await post(`${ctc.url}/toggle`, "enabled=off");
    expect(noToken.status).toBe(403);
    expect(noToken.body.toString()).toContain("form token");
    expect((await post(`${ctc.url}/toggle`, "enabled=off&token=wrong")).status).toBe(403);
    const otherOrigin = await post(`${ctc.url}/toggle`, `enabled=off&token=${t}`, "-H", "Origin: http://evil.example");
    expect(otherOrigin.status).toBe(403);
    expect(otherOrigin.body.toString()).toContain("evil.example");
    const crossSite = await post(`${ctc.url}/toggle`, `enabled=off&token=${t}`, "-H", "Sec-Fetch-Site: cross-site");
    expect(crossSite.status).toBe(403);
    const nullOrigin = await post(`${ctc.url}/toggle`, `enabled=off&token=${t}`, "-H", "Origin: null");
    expect(nullOrigin.status).toBe(403);
    // Through the proxy, the page's origin is http://ctc.local: the proxy's own address is another.
    const wrongHost = await post("http://ctc.local/toggle", `enabled=off&token=${t}`, "-x", ctc.url, "-H", `Origin: ${ctc.url}`);
    expect(wrongHost.status).toBe(403);
    expect((await status()).enabled).toBe(true);
  });

  test("from the page itself: off lets blocked hosts through, on blocks them again", async () => {
    const t = await token();
    const off = await post(`${ctc.url}/toggle`, `enabled=off&token=${t}`, "-H", `Origin: ${ctc.url}`, "-H", "Sec-Fetch-Site: same-origin");
    expect(off.status).toBe(303);
    expect(off.headers.location).toBe("/?changed=off");
    expect((await status()).enabled).toBe(false);
    expect((await curl(`${ctc.url}/?changed=off`)).body.toString()).toContain("Filtering turned off.");
    // ads.doubleclick.net is mapped to the news site: with filtering off the request reaches it.
    const passed = await curl("-x", ctc.url, "http://ads.doubleclick.net/through.gif");
    expect(passed.body.toString()).toBe("origin: /through.gif\n");
    const page = (await curl("-x", ctc.url, "http://news.test/news.html")).body.toString();
    expect(page).toContain('id="leaderboard"');

    const on = await post("http://ctc.local/toggle", `enabled=on&token=${t}`, "-x", ctc.url, "-H", "Origin: http://ctc.local");
    expect(on.status).toBe(303);
    expect((await status()).enabled).toBe(true);
    const blocked = await curl("-x", ctc.url, "http://ads.doubleclick.net/through.gif");
    expect(blocked.headers["content-type"]).toBe("image/gif");
  });
});
