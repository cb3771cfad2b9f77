// The cookie-policy filter: the strict Set-Cookie parser, rule matching (parent domains,
// wildcards, most specific wins, third-party by registrable domain), each action both ways, and
// end to end through ProxyRequestHandler. The origin is a node:http server used as the parent
// proxy, so that requests may name any host (shop.example.com, a.github.io...) and still reach it.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import http from "node:http";
import type net from "node:net";
import { CookieFilter, type CookieEvent } from "../src/cookies.js";
import { parseCookieDate, parseSetCookie, serializeSetCookie, maskValue } from "../src/cookie-parse.js";
import { compilePolicy, decide, isThirdParty, siteOf, type CookiePolicy } from "../src/cookie-policy.js";
import { stripMetaSetCookie } from "../src/cookie-meta.js";
import type { FilterRequest, FilterResponse } from "../src/filter.js";
import { DEFAULT_POOLS, ProxyRequestHandler, ThreadingHTTPServer, parseUpstream } from "../src/index.js";

const NOW = new Date("2030-01-01T00:00:00Z");

function filter(policy: CookiePolicy): { f: CookieFilter; events: CookieEvent[]; logs: string[] } {
  const events: CookieEvent[] = [];
  const logs: string[] = [];
  const f = new CookieFilter({ policy, onDecision: (e) => events.push(e), log: (m) => logs.push(m), now: () => NOW });
  return { f, events, logs };
}

function request(url: string, headers: Array<[string, string]> = []): FilterRequest {
  return { method: "GET", url: new URL(url), headers, clientAddress: "127.0.0.1" };
}

function response(...setCookies: string[]): FilterResponse {
  return { status: 200, reason: "OK", headers: [["Content-Type", "text/plain"], ...setCookies.map((c): [string, string] => ["Set-Cookie", c])] };
}

function setCookies(res: FilterResponse): string[] {
  return res.headers.filter(([k]) => k.toLowerCase() === "set-cookie").map(([, v]) => v);
}

describe("parseSetCookie", () => {
  test("name, value and every attribute", () => {
    const r = parseSetCookie("sid=abc123; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Max-Age=60; Domain=.Example.com; Path=/x; Secure; HttpOnly; SameSite=Lax; Partitioned; Foo=bar", { requestHost: "www.example.com" });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.cookie.name).toBe("sid");
    expect(r.cookie.value).toBe("abc123");
    expect(r.cookie.attributes).toEqual({ expires: "Wed, 21 Oct 2037 07:28:00 GMT", maxAge: 60, domain: "example.com", path: "/x", secure: true, httpOnly: true, sameSite: "Lax", partitioned: true });
    expect(serializeSetCookie(r.cookie)).toBe("sid=abc123; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Max-Age=60; Domain=.Example.com; Path=/x; Secure; HttpOnly; SameSite=Lax; Partitioned; Foo=bar");
  });

  test.each([
    ["no =", "garbage", /no "="/],
    ["empty name", "=v", /empty cookie name/],
    ["space in name", "a b=1", /not a token/],
    ["control character", "a=1\x01; Path=/", /control characters/],
    ["Max-Age 12x", "a=1; Max-Age=12x", /bad Max-Age/],
    ["empty Max-Age", "a=1; Max-Age=", /bad Max-Age/],
    ["bad Expires", "a=1; Expires=someday", /bad Expires/],
    ["foreign Domain", "a=1; Domain=other.com", /does not match/],
    ["Domain=com", "a=1; Domain=com", /does not match|public suffix/],
    ["5000-byte value", `a=${"x".repeat(5000)}`, /longer than/],
  ])("rejects: %s", (_label, field, reason) => {
    const r = parseSetCookie(field, { requestHost: "www.example.com" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  test("a Domain that is a public suffix (private section too) is rejected", () => {
    const r = parseSetCookie("a=1; Domain=github.io", { requestHost: "a.github.io" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/public suffix/);
    expect(parseSetCookie("a=1; Domain=example.co.uk", { requestHost: "x.example.co.uk" }).ok).toBe(true);
  });

  test("values are masked to two characters", () => {
    expect(maskValue("secret")).toBe("se…");
    expect(maskValue("")).toBe("…");
  });
});

describe("parseCookieDate (RFC 6265 5.1.1)", () => {
  const utc = (y: number, mo: number, d: number, h = 0, mi = 0, se = 0): number => Date.UTC(y, mo - 1, d, h, mi, se);
  test.each([
    ["Sun, 06 Nov 1994 08:49:37 GMT", utc(1994, 11, 6, 8, 49, 37)],
    ["Sunday, 06-Nov-94 08:49:37 GMT", utc(1994, 11, 6, 8, 49, 37)],
    ["Sun Nov  6 08:49:37 1994", utc(1994, 11, 6, 8, 49, 37)],
    ["Wed, 01 Jan 55 00:00:00 GMT", utc(2055, 1, 1)],
    ["Tue, 01-Jan-69 00:00:00 GMT", utc(2069, 1, 1)],
    ["Thu, 01 Jan 70 00:00:00 GMT", 0],
    ["1 january 2030 1:2:3", utc(2030, 1, 1, 1, 2, 3)],
    ["Fri, 01 Jan 2100 00:00:00 GMT", utc(2100, 1, 1)],
  ])("%s", (text, ms) => expect(parseCookieDate(text)).toBe(ms));

  test.each(["hello", "Wed, 01 Jan 2020", "30 Feb 2020 00:00:00", "01 Jan 2020 24:00:00", "01 Jan 1600 00:00:00", "32 Jan 2020 00:00:00", "01 Foo 2020 00:00:00"])("%s is no date", (text) => expect(parseCookieDate(text)).toBeNull());
});

describe("policy matching", () => {
  const policy = compilePolicy({
    default: "allow",
    thirdPartyDefault: "deny",
    rules: [
      { site: "example.com", action: "session" },
      { site: "*.example.com", action: "send-only" },
      { site: "shop.example.com", action: "lifetime", maxAge: 3600 },
      { site: "ads.*", action: "deny" },
      { site: "cdn-*.net", action: "accept-only" },
    ],
  });

  test("parent-domain matching, wildcards and the most specific rule", () => {
    expect(decide(policy, "example.com", false)).toMatchObject({ action: "session", rule: "example.com" });
    expect(decide(policy, "www.example.com", false)).toMatchObject({ action: "send-only", rule: "*.example.com" });
    expect(decide(policy, "a.shop.example.com", false)).toMatchObject({ action: "lifetime", maxAge: 3600, rule: "shop.example.com" });
    expect(decide(policy, "ads.tracker.org", false)).toMatchObject({ action: "deny", rule: "ads.*" });
    expect(decide(policy, "cdn-7.net", false)).toMatchObject({ action: "accept-only", rule: "cdn-*.net" });
    expect(decide(policy, "notexample.com", false)).toMatchObject({ action: "allow", rule: "default" });
    expect(decide(policy, "other.org", true)).toMatchObject({ action: "deny", rule: "third-party default" });
    // A site rule wins over the third-party default.
    expect(decide(policy, "example.com", true)).toMatchObject({ action: "session", rule: "example.com" });
  });

  test("more literal labels win; at equal labels the wildcard singles out subdomains", () => {
    const p = compilePolicy({ default: "allow", rules: [{ site: "*.a.example.com", action: "deny" }, { site: "example.com", action: "session" }, { site: "a.example.com", action: "allow" }, { site: "*.com", action: "deny" }] });
    expect(decide(p, "x.a.example.com", false)).toMatchObject({ rule: "*.a.example.com" });
    expect(decide(p, "a.example.com", false)).toMatchObject({ rule: "a.example.com" });
    expect(decide(p, "b.example.com", false)).toMatchObject({ rule: "example.com" });
    expect(decide(p, "other.com", false)).toMatchObject({ rule: "*.com" });
    expect(decide(p, "com", false)).toMatchObject({ rule: "default" });
  });

  test("IP addresses match themselves only; IPv6 and unicode sites; no backtracking patterns", () => {
    const p = compilePolicy({ default: "allow", rules: [{ site: "0.0.1", action: "deny" }, { site: "127.0.0.2", action: "session" }, { site: "[::1]", action: "deny" }, { site: "bücher.de", action: "deny" }] });
    expect(decide(p, "127.0.0.1", false)).toMatchObject({ rule: "default" });
    expect(decide(p, "127.0.0.2", false)).toMatchObject({ rule: "127.0.0.2" });
    expect(decide(p, "::1", false)).toMatchObject({ action: "deny" });
    expect(decide(p, "www.xn--bcher-kva.de", false)).toMatchObject({ action: "deny" });
    expect(() => compilePolicy({ default: "allow", rules: [{ site: "*a*a*a*.com", action: "deny" }] })).toThrow(/at most two \*/);
    expect(decide(compilePolicy({ default: "allow", rules: [{ site: "a*b*.com", action: "deny" }] }), "axbx.com", false)).toMatchObject({ action: "deny" });
  });

  test("bad policies are refused", () => {
    expect(() => compilePolicy({ default: "lifetime" })).toThrow(/maxAge/);
    expect(() => compilePolicy({ default: "allow", rules: [{ site: "x.com", action: "eat" as "allow" }] })).toThrow(/unknown cookie action/);
    expect(() => compilePolicy({ default: "allow", rules: [{ site: "http://x.com/", action: "allow" }] })).toThrow(/bad site/);
  });

  test("third party by registrable domain, public-suffix aware", () => {
    expect(siteOf("a.github.io")).toBe("a.github.io");
    expect(isThirdParty("a.github.io", "http://b.github.io/page", undefined).thirdParty).toBe(true);
    expect(isThirdParty("x.example.co.uk", "http://y.example.co.uk/", undefined)).toEqual({ thirdParty: false, pageSite: "example.co.uk" });
    expect(isThirdParty("shop.example.com", "https://news.example.org/", undefined)).toEqual({ thirdParty: true, pageSite: "example.org" });
    expect(isThirdParty("shop.example.com", undefined, "cross-site").thirdParty).toBe(true);
    expect(isThirdParty("shop.example.com", undefined, "same-site").thirdParty).toBe(false);
    expect(isThirdParty("127.0.0.1", "http://127.0.0.1:8080/", undefined).thirdParty).toBe(false);
  });

  test("a top-level navigation is first-party; without a Referer the Origin tells the page", () => {
    // A link from shop.test to a login page elsewhere: the browser sends that site its cookies.
    const navigation = { secFetchMode: "navigate", secFetchDest: "document" };
    expect(isThirdParty("www.example.com", "http://shop.test/", "cross-site", navigation)).toEqual({ thirdParty: false, pageSite: "example.com" });
    // The same site in an iframe is still third-party.
    expect(isThirdParty("www.example.com", "http://shop.test/", "cross-site", { secFetchMode: "navigate", secFetchDest: "iframe" }).thirdParty).toBe(true);
    // A fetch with referrerPolicy "no-referrer" still sends Origin.
    expect(isThirdParty("ads.test", undefined, undefined, { origin: "http://shop.test" })).toEqual({ thirdParty: true, pageSite: "shop.test" });
    expect(isThirdParty("ads.test", undefined, undefined, { origin: "null" }).thirdParty).toBe(false);
  });
});

describe("CookieFilter, unit", () => {
  test("each action on the request side", () => {
    const expected: Record<string, boolean> = { allow: true, session: true, lifetime: true, "send-only": true, "accept-only": false, deny: false };
    for (const [action, kept] of Object.entries(expected)) {
      const { f, events } = filter({ default: { action: action as "allow", maxAge: 10 } });
      const req = request("http://shop.example.com/", [["Cookie", "a=hello; b=world"], ["Accept", "*/*"]]);
      f.onRequest(req);
      expect(req.headers.some(([k]) => k === "Cookie")).toBe(kept);
      expect(req.headers).toContainEqual(["Accept", "*/*"]);
      expect(events.map((e) => [e.name, e.value, e.action, e.direction])).toEqual([
        ["a", "he…", kept ? "kept" : "stripped", "request"],
        ["b", "wo…", kept ? "kept" : "stripped", "request"],
      ]);
    }
  });

  test("each action on the response side", () => {
    const field = "id=12345; Max-Age=86400; Path=/";
    const cases: Array<[string, string[], CookieEvent["action"]]> = [
      ["allow", [field], "kept"],
      ["accept-only", [field], "kept"],
      ["session", ["id=12345; Path=/"], "session"],
      ["lifetime", ["id=12345; Path=/; Max-Age=60"], "capped"],
      ["send-only", [], "stripped"],
      ["deny", [], "stripped"],
    ];
    for (const [action, out, event] of cases) {
      const { f, events } = filter({ default: { action: action as "allow", maxAge: 60 } });
      const res = response(field);
      f.onResponseHeaders(request("http://shop.example.com/"), res);
      expect(setCookies(res)).toEqual(out);
      expect(res.headers[0]).toEqual(["Content-Type", "text/plain"]);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ site: "example.com", cookieHost: "shop.example.com", name: "id", value: "12…", direction: "response", action: event, rule: "default", thirdParty: false });
      expect(events[0].time).toBe(NOW);
    }
  });

  test("lifetime caps Expires too; shorter lifetimes, session cookies and deletions are left alone", () => {
    const { f, events } = filter({ default: { action: "lifetime", maxAge: 3600 } });
    const res = response("a=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT; Path=/", "b=2; Max-Age=600", "c=3", "d=; Max-Age=0", "e=5; Expires=Tue, 01 Jan 2030 00:30:00 GMT");
    f.onResponseHeaders(request("http://example.com/"), res);
    expect(setCookies(res)).toEqual(["a=1; Path=/; Max-Age=3600; Expires=Tue, 01 Jan 2030 01:00:00 GMT", "b=2; Max-Age=600", "c=3", "d=; Max-Age=0", "e=5; Expires=Tue, 01 Jan 2030 00:30:00 GMT"]);
    expect(events.map((e) => e.action)).toEqual(["capped", "kept", "kept", "kept", "kept"]);
    expect(events[0].attributes).toEqual({ path: "/", maxAge: 3600, expires: "Tue, 01 Jan 2030 01:00:00 GMT" });
  });

  test("session keeps deletions working", () => {
    const { f } = filter({ default: "session" });
    const res = response("gone=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "long=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT; Secure");
    f.onResponseHeaders(request("http://example.com/"), res);
    expect(setCookies(res)).toEqual(["gone=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "long=1; Secure"]);
  });

  test("a Domain cookie from an allowed host under a stricter domain rule gets the domain's rule", () => {
    const { f, events } = filter({ default: "allow", rules: [{ site: "example.com", action: "session" }, { site: "shop.example.com", action: "allow" }, { site: "cdn.example.com", action: "lifetime", maxAge: 60 }] });
    const res = response("wide=1; Domain=example.com; Max-Age=999", "own=2; Max-Age=999");
    f.onResponseHeaders(request("http://shop.example.com/"), res);
    expect(setCookies(res)).toEqual(["wide=1; Domain=example.com", "own=2; Max-Age=999"]);
    expect(events.map((e) => e.rule)).toEqual(["example.com", "shop.example.com"]);
    const capped = response("wide=1; Domain=example.com; Max-Age=999");
    f.onResponseHeaders(request("http://cdn.example.com/"), capped);
    expect(setCookies(capped)).toEqual(["wide=1; Domain=example.com"]);
  });

  test("two-digit years are read as browsers read them (RFC 6265 5.1.1): 55 is 2055, not a deletion", () => {
    const { f } = filter({ default: "session", rules: [{ site: "capped.example", action: "lifetime", maxAge: 3600 }] });
    const res = response("a=1; Expires=Wed, 01 Jan 55 00:00:00 GMT; Path=/", "b=2; expires=Tue, 01-Jan-69 00:00:00 GMT", "gone=; Expires=Thu, 01 Jan 70 00:00:00 GMT");
    f.onResponseHeaders(request("http://example.com/"), res);
    expect(setCookies(res)).toEqual(["a=1; Path=/", "b=2", "gone=; Expires=Thu, 01 Jan 70 00:00:00 GMT"]);
    const capped = response("c=3; Expires=Sat, 01 Jan 67 00:00:00 GMT");
    f.onResponseHeaders(request("http://capped.example/"), capped);
    expect(setCookies(capped)).toEqual(["c=3; Max-Age=3600; Expires=Tue, 01 Jan 2030 01:00:00 GMT"]);
  });

  test("a Domain cookie is judged by the stricter of its Domain's rule and its setter's; invalid cookies are dropped with a logged reason", () => {
    const { f, events, logs } = filter({ default: "allow", rules: [{ site: "shop.example.com", action: "deny" }] });
    const res = response("host=1", "wide=2; Domain=example.com", "bad=3; Max-Age=soon", "x=4; Domain=evil.org");
    f.onResponseHeaders(request("http://shop.example.com/"), res);
    // A denied host cannot plant a cookie for its whole domain.
    expect(setCookies(res)).toEqual([]);
    expect(events.map((e) => [e.name, e.cookieHost, e.action, e.rule])).toEqual([
      ["host", "shop.example.com", "stripped", "shop.example.com"],
      ["wide", "example.com", "stripped", "shop.example.com"],
      ["bad", "shop.example.com", "dropped-invalid", "invalid"],
      ["x", "shop.example.com", "dropped-invalid", "invalid"],
    ]);
    expect(events[2].reason).toMatch(/bad Max-Age/);
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatch(/bad Max-Age/);
  });

  test("third-party default applies to requests from another site", () => {
    const { f, events } = filter({ default: "allow", thirdPartyDefault: "deny" });
    const req = request("http://a.github.io/x", [["Referer", "http://b.github.io/"], ["Cookie", "t=1"]]);
    f.onRequest(req);
    expect(req.headers).toEqual([["Referer", "http://b.github.io/"]]);
    const same = request("http://y.example.co.uk/x", [["Referer", "http://x.example.co.uk/"], ["Cookie", "t=1"]]);
    f.onRequest(same);
    expect(same.headers).toContainEqual(["Cookie", "t=1"]);
    expect(events.map((e) => [e.site, e.thirdParty, e.rule, e.action])).toEqual([
      ["b.github.io", true, "third-party default", "stripped"],
      ["example.co.uk", false, "default", "kept"],
    ]);
  });

  test("explain names the rule and why", () => {
    const { f } = filter({ default: "allow", thirdPartyDefault: "deny", rules: [{ site: "example.com", action: "session" }, { site: "*.com", action: "lifetime", maxAge: 60 }] });
    const [e] = f.explain(new URL("http://www.example.com/"));
    expect(e.filter).toBe("cookies");
    expect(e.rule).toBe("example.com");
    expect(e.action).toMatch(/^session: "example.com" matches www.example.com, the most specific of 2 matching rules/);
    expect(f.explain(new URL("http://other.org/"))).toEqual([
      { filter: "cookies", rule: "default", action: "allow: no site rule matches other.org" },
      { filter: "cookies", rule: "third-party default", action: "deny: when requested from another site" },
    ]);
  });

  test("the policy can be replaced at run time; a bad one is refused and the old one stays", () => {
    const { f } = filter({ default: "allow" });
    f.policy = { default: "deny" };
    const req = request("http://example.com/", [["Cookie", "a=1"]]);
    f.onRequest(req);
    expect(req.headers).toEqual([]);
    expect(() => (f.policy = { default: "lifetime" })).toThrow(TypeError);
    expect(f.policy).toEqual({ default: "deny" });
  });
});

describe("meta Set-Cookie stripping", () => {
  test("tags removed across chunk boundaries, every other byte unchanged", () => {
    const html = `<html><head><META HTTP-EQUIV="Set-Cookie" CONTENT="k=v1; path=/"><meta charset="utf-8"><meta http-equiv='set-cookie' content='z=9'>é<meta name="x"></head><p>a < b</p><meta`;
    const expected = `<html><head><meta charset="utf-8">é<meta name="x"></head><p>a < b</p><meta`;
    for (const size of [1, 2, 3, 7, 16, 1000]) {
      const stripped: string[] = [];
      const t = stripMetaSetCookie((c) => stripped.push(c));
      const bytes = Buffer.from(html);
      const out: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) out.push(t.push(bytes.subarray(i, i + size)) ?? Buffer.alloc(0));
      out.push(t.end() ?? Buffer.alloc(0));
      expect(Buffer.concat(out).toString()).toBe(expected);
      expect(stripped).toEqual(["k=v1; path=/", "z=9"]);
    }
  });

  test("the forms HTML also reads: a / between attributes, character references, a stray quote in a name", () => {
    const html = `<meta/http-equiv="Set-Cookie"/content="a=1"><meta http-equiv="set&#45;cookie" content="b=2"><meta a" http-equiv="set-cookie" content="c=3"><p>kept</p>`;
    const stripped: string[] = [];
    const t = stripMetaSetCookie((c) => stripped.push(c));
    const out = Buffer.concat([t.push(Buffer.from(html)) ?? Buffer.alloc(0), t.end() ?? Buffer.alloc(0)]).toString();
    expect(out).toBe("<p>kept</p>");
    expect(stripped).toEqual(["a=1", "b=2", "c=3"]);
  });
});

// ---- end to end ----

class Quiet extends ProxyRequestHandler {
  override logMessage(): void {}
}

let origin: http.Server;
let originPort: number;
let proxyServer: ThreadingHTTPServer;
let proxyPort: number;
const received: Array<{ url: string; cookie: string | undefined }> = [];
const { f: cookies, events, logs } = filter({ default: "allow" });
cookies.stripMetaSetCookie = true;

beforeAll(async () => {
  // The origin is the proxy's parent: it gets absolute-form requests for any host.
  origin = http.createServer((req, res) => {
    received.push({ url: req.url!, cookie: req.headers.cookie });
    const url = new URL(req.url!);
    if (url.pathname === "/meta") {
      res.writeHead(200, { "Content-Type": "text/html" });
      res.write('<head><meta http-equiv="Set-Co');
      setTimeout(() => res.end('okie" content="m=1"><title>t</title></head>'), 20);
      return;
    }
    res.writeHead(200, { "Content-Type": "application/json", "Set-Cookie": url.searchParams.getAll("sc") });
    res.end(JSON.stringify({ cookie: req.headers.cookie ?? null }));
  });
  await new Promise<void>((r) => origin.listen(0, "127.0.0.1", r));
  originPort = (origin.address() as net.AddressInfo).port;
  proxyServer = new ThreadingHTTPServer(["127.0.0.1", 0], Quiet.withOptions({ filters: [cookies], upstream: parseUpstream(`http://127.0.0.1:${originPort}`) }));
  await proxyServer.ready;
  void proxyServer.serveForever();
  proxyPort = (proxyServer.serverAddress as [string, number])[1];
});

afterAll(async () => {
  await proxyServer.shutdown();
  await proxyServer.serverClose();
  DEFAULT_POOLS.close();
  await new Promise((r) => origin.close(r));
});

function get(url: string, headers: Record<string, string> = {}): Promise<{ setCookie: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port: proxyPort, path: url, headers, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ setCookie: res.headers["set-cookie"] ?? [], body }));
    });
    req.on("error", reject);
    req.end();
  });
}

function sc(...cookies: string[]): string {
  return cookies.map((c) => `sc=${encodeURIComponent(c)}`).join("&");
}

describe("CookieFilter through ProxyRequestHandler", () => {
  test("allow by default: both ways untouched", async () => {
    const r = await get(`http://shop.example.com/a?${sc("a=1; Max-Age=99999")}`, { Cookie: "sid=abcdef" });
    expect(JSON.parse(r.body)).toEqual({ cookie: "sid=abcdef" });
    expect(r.setCookie).toEqual(["a=1; Max-Age=99999"]);
  });

  test("each action in both directions, chosen by the most specific site rule", async () => {
    cookies.policy = {
      default: "allow",
      rules: [
        { site: "example.com", action: "session" },
        { site: "*.example.com", action: "send-only" },
        { site: "accept.example.com", action: "accept-only" },
        { site: "deny.example.com", action: "deny" },
        { site: "short.example.com", action: "lifetime", maxAge: 60 },
        { site: "ads.*", action: "deny" },
      ],
    };
    const set = sc("a=1; Max-Age=86400; Path=/");
    const cases: Array<[string, string | null, string[]]> = [
      ["example.com", "sid=abcdef", ["a=1; Path=/"]],
      ["www.example.com", "sid=abcdef", []],
      ["accept.example.com", null, ["a=1; Max-Age=86400; Path=/"]],
      ["deny.example.com", null, []],
      ["x.short.example.com", "sid=abcdef", ["a=1; Path=/; Max-Age=60"]],
      ["ads.tracker.net", null, []],
      ["unrelated.org", "sid=abcdef", ["a=1; Max-Age=86400; Path=/"]],
    ];
    for (const [host, sent, back] of cases) {
      const r = await get(`http://${host}/p?${set}`, { Cookie: "sid=abcdef" });
      expect([host, JSON.parse(r.body)]).toEqual([host, { cookie: sent }]);
      expect([host, r.setCookie]).toEqual([host, back]);
    }
  });

  test("third-party default from another registrable domain; events with masked values; malformed dropped", async () => {
    cookies.policy = { default: "allow", thirdPartyDefault: "deny" };
    events.length = 0;
    logs.length = 0;
    const third = await get(`http://a.github.io/t?${sc("track=xyz123")}`, { Cookie: "uid=987654", Referer: "http://b.github.io/page" });
    expect(JSON.parse(third.body)).toEqual({ cookie: null });
    expect(third.setCookie).toEqual([]);
    const first = await get(`http://y.example.co.uk/t?${sc("pref=dark", "broken", "n=1; Max-Age=1e3")}`, { Cookie: "uid=987654", Referer: "http://x.example.co.uk/" });
    expect(JSON.parse(first.body)).toEqual({ cookie: "uid=987654" });
    expect(first.setCookie).toEqual(["pref=dark"]);
    const viaFetchSite = await get(`http://cdn.example.net/t`, { Cookie: "uid=987654", "Sec-Fetch-Site": "cross-site" });
    expect(JSON.parse(viaFetchSite.body)).toEqual({ cookie: null });
    expect(events.map((e) => [e.site, e.cookieHost, e.name, e.value, e.direction, e.action, e.rule])).toEqual([
      ["b.github.io", "a.github.io", "uid", "98…", "request", "stripped", "third-party default"],
      ["b.github.io", "a.github.io", "track", "xy…", "response", "stripped", "third-party default"],
      ["example.co.uk", "y.example.co.uk", "uid", "98…", "request", "kept", "default"],
      ["example.co.uk", "y.example.co.uk", "pref", "da…", "response", "kept", "default"],
      ["example.co.uk", "y.example.co.uk", "broken", "…", "response", "dropped-invalid", "invalid"],
      ["example.co.uk", "y.example.co.uk", "n", "1…", "response", "dropped-invalid", "invalid"],
      ["example.net", "cdn.example.net", "uid", "98…", "request", "stripped", "third-party default"],
    ]);
    expect(logs).toEqual([expect.stringMatching(/no "="/), expect.stringMatching(/bad Max-Age/)]);
    expect(JSON.stringify(events)).not.toMatch(/987654|xyz123/);
  });

  test("meta Set-Cookie stripped from an HTML body split across chunks", async () => {
    cookies.policy = { default: "allow" };
    const r = await get("http://page.example.com/meta");
    expect(r.body).toBe("<head><title>t</title></head>");
  });
});
