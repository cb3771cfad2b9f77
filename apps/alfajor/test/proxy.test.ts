// The proxy through the `alfajor` command, with curl and Python's urllib as clients: Set-Cookie
// stripped, made session-only or capped per policy; Cookie stripped for denied sites; the
// third-party default; the on/off switch; chaining to a second alfajor as the parent proxy.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import path from "node:path";
import { api, curlThrough, guiToken, pythonThrough, startAlfajor, startOrigin, state, tempDir, writePolicy, type AlfajorProcess, type Origin } from "./helpers.js";

const POLICY = {
  alfajor: 1,
  default: "allow",
  thirdPartyDefault: "deny",
  sites: {
    "denied.test": "deny",
    "session.test": "session",
    "capped.test": { action: "lifetime", maxAge: 60 },
    "sendonly.test": "send-only",
    "acceptonly.test": "accept-only",
  },
};

let home: Awaited<ReturnType<typeof tempDir>>;
let origin: Origin;
let alfajor: AlfajorProcess;
let proxy: string;

/** host-map arguments sending every test name to the origin. */
const hostMaps = (port: number): string[] => ["denied.test", "session.test", "capped.test", "sendonly.test", "acceptonly.test", "plain.test", "ads.test"].flatMap((n) => ["--host-map", `${n}=127.0.0.1:${port}`]);

beforeAll(async () => {
  home = await tempDir();
  origin = await startOrigin();
  const policy = path.join(home.dir, "policy.json");
  await writePolicy(policy, POLICY);
  alfajor = await startAlfajor(["--port", "0", "--policy", policy, ...hostMaps(origin.port)], home.dir);
  proxy = alfajor.url;
});

afterAll(async () => {
  expect(await alfajor?.stop()).toBe(0);
  await origin?.close();
  await home?.cleanup();
});

const setCookie = (host: string, ...cookies: string[]): string => `http://${host}/set?${cookies.map((c) => `c=${encodeURIComponent(c)}`).join("&")}`;

describe("Set-Cookie in responses (curl)", () => {
  test("the first line is the proxy address", () => {
    expect(alfajor.stdout().split("\n")[0]).toBe(`alfajor: proxy on http://127.0.0.1:${alfajor.port}/`);
  });

  test("allowed by the default: passed unchanged", async () => {
    const r = await curlThrough(proxy, setCookie("plain.test", "id=abc123; Max-Age=3600; Path=/"));
    expect(r.setCookies).toEqual(["id=abc123; Max-Age=3600; Path=/"]);
  });

  test("denied site: stripped", async () => {
    const r = await curlThrough(proxy, setCookie("denied.test", "id=abc123; Max-Age=3600"));
    expect(r.setCookies).toEqual([]);
    expect(r.body).toBe("cookie: (none)\n");
  });

  test("session-only site: Expires and Max-Age removed", async () => {
    const r = await curlThrough(proxy, setCookie("session.test", "id=abc; Max-Age=3600; Path=/; HttpOnly", "b=2; Expires=Wed, 01 Jan 2031 00:00:00 GMT"));
    expect(r.setCookies).toEqual(["id=abc; Path=/; HttpOnly", "b=2"]);
  });

  test("lifetime-limited site: Max-Age capped", async () => {
    const r = await curlThrough(proxy, setCookie("capped.test", "long=1; Max-Age=999999", "short=2; Max-Age=10"));
    expect(r.setCookies).toEqual(["long=1; Max-Age=60", "short=2; Max-Age=10"]);
  });

  test("send-only site: no new cookies, the browser's are sent", async () => {
    const r = await curlThrough(proxy, setCookie("sendonly.test", "id=1"), ["-H", "Cookie: old=1"]);
    expect(r.setCookies).toEqual([]);
    expect(r.body).toBe("cookie: old=1\n");
  });
});

describe("Cookie in requests (Python urllib)", () => {
  test("denied site: the Cookie field is removed before the origin sees it", async () => {
    const r = await pythonThrough(proxy, "http://denied.test/echo", { Cookie: "session=secret" });
    expect(r.status).toBe(200);
    expect(r.body).toBe("cookie: (none)\n");
    expect(origin.received.at(-1)).toMatchObject({ path: "/echo", cookie: undefined });
  });

  test("accept-only site: Set-Cookie kept, Cookie removed", async () => {
    const r = await pythonThrough(proxy, setCookie("acceptonly.test", "id=1"), { Cookie: "id=0" });
    expect(r.setCookies).toEqual(["id=1"]);
    expect(r.body).toBe("cookie: (none)\n");
  });

  test("allowed site: Cookie passes", async () => {
    const r = await pythonThrough(proxy, "http://plain.test/echo", { Cookie: "a=1; b=2" });
    expect(r.body).toBe("cookie: a=1; b=2\n");
  });

  test("session-only site through urllib too", async () => {
    const r = await pythonThrough(proxy, setCookie("session.test", "s=1; Max-Age=5"));
    expect(r.setCookies).toEqual(["s=1"]);
  });
});

describe("third-party default", () => {
  test("a cookie from ads.test on a page of plain.test is denied (Referer)", async () => {
    const r = await curlThrough(proxy, setCookie("ads.test", "track=xyz; Max-Age=99999"), ["-H", "Referer: http://plain.test/page", "-H", "Cookie: track=old"]);
    expect(r.setCookies).toEqual([]);
    expect(r.body).toBe("cookie: (none)\n");
  });

  test("the same host first-party is allowed", async () => {
    const r = await curlThrough(proxy, setCookie("ads.test", "track=xyz"), ["-H", "Referer: http://ads.test/"]);
    expect(r.setCookies).toEqual(["track=xyz"]);
  });

  test("Sec-Fetch-Site: cross-site without a Referer is third-party (urllib)", async () => {
    const r = await pythonThrough(proxy, setCookie("ads.test", "track=1"), { "Sec-Fetch-Site": "cross-site" });
    expect(r.setCookies).toEqual([]);
  });
});

describe("the log and the switch", () => {
  test("decisions are in the log with masked values and counted per site", async () => {
    await curlThrough(proxy, setCookie("denied.test", "secretvalue=abcdefgh"));
    const log = (await (await fetch(new URL("/api/log", proxy))).json()) as { entries: Array<Record<string, unknown>> };
    const entry = log.entries.filter((e) => e.name === "secretvalue").at(-1);
    expect(entry).toMatchObject({ cookieHost: "denied.test", cookieSite: "denied.test", direction: "response", action: "stripped", rule: "denied.test", value: "ab…" });
    expect(JSON.stringify(log)).not.toContain("abcdefgh");
    const counters = (await state(proxy)).counters as Record<string, { blocked: number }>;
    expect(counters["denied.test"].blocked).toBeGreaterThan(0);
  });

  test("switched off, cookies pass untouched; on again, filtered", async () => {
    const token = await guiToken(proxy);
    expect((await api(proxy, token, "/api/enabled", { enabled: false })).status).toBe(200);
    expect((await curlThrough(proxy, setCookie("denied.test", "id=1"))).setCookies).toEqual(["id=1"]);
    expect((await api(proxy, token, "/api/enabled", { enabled: true })).json.enabled).toBe(true);
    expect((await curlThrough(proxy, setCookie("denied.test", "id=1"))).setCookies).toEqual([]);
  });
});

describe("chaining to a parent proxy (a second alfajor)", () => {
  let parentHome: Awaited<ReturnType<typeof tempDir>>;
  let parent: AlfajorProcess;
  let child: AlfajorProcess;

  beforeAll(async () => {
    parentHome = await tempDir();
    const parentPolicy = path.join(parentHome.dir, "parent.json");
    // The parent blocks what the child lets through: the effect shows that requests went through it.
    await writePolicy(parentPolicy, { alfajor: 1, default: "allow", sites: { "plain.test": "session" } });
    parent = await startAlfajor(["--port", "0", "--policy", parentPolicy, ...hostMaps(origin.port)], parentHome.dir);
    const childPolicy = path.join(parentHome.dir, "child.json");
    await writePolicy(childPolicy, { alfajor: 1, default: "allow", sites: { "denied.test": "deny" } });
    // The child has no host map: the names are resolved by the parent.
    child = await startAlfajor(["--port", "0", "--policy", childPolicy, "--upstream", `http://user:pw@127.0.0.1:${parent.port}`], parentHome.dir);
  });

  afterAll(async () => {
    expect(await child?.stop()).toBe(0);
    expect(await parent?.stop()).toBe(0);
    await parentHome?.cleanup();
  });

  test("requests go through the parent; both policies apply", async () => {
    const r = await curlThrough(child.url, setCookie("plain.test", "id=1; Max-Age=3600"));
    expect(r.setCookies).toEqual(["id=1"]); // made session-only by the parent
    expect(origin.received.at(-1)?.via).toMatch(new RegExp(`alfajor-${child.port}.*alfajor-${parent.port}`));
    const denied = await pythonThrough(child.url, "http://denied.test/echo", { Cookie: "x=1" });
    expect(denied.body).toBe("cookie: (none)\n"); // stripped by the child
  });

  test("the parent proxy is changed at run time through the API (password masked)", async () => {
    const token = await guiToken(child.url);
    expect((await state(child.url)).upstream).toBe(`http://user:***@127.0.0.1:${parent.port}/`);
    const off = await api(child.url, token, "/api/upstream", { upstream: null });
    expect(off.json.upstream).toBeNull();
    // Directly now: plain.test does not resolve without the parent's host map.
    const direct = await curlThrough(child.url, setCookie("plain.test", "id=1"));
    expect(direct.head).toMatch(/^HTTP\/1\.1 502/);
    const on = await api(child.url, token, "/api/upstream", { upstream: `http://127.0.0.1:${parent.port}` });
    expect(on.status).toBe(200);
    expect((await curlThrough(child.url, setCookie("plain.test", "id=1; Max-Age=9"))).setCookies).toEqual(["id=1"]);
    const bad = await api(child.url, token, "/api/upstream", { upstream: "ftp://nope" });
    expect(bad.status).toBe(400);
  });
});
