// The GUI's guards: POST needs the CSRF token and the GUI's own origin, GET never changes state,
// the Host must be one the GUI is served at (DNS rebinding), the live-log subscribers are capped
// and released when their client leaves, and --no-gui serves no GUI.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { request } from "node:http";
import path from "node:path";
import { api, eventually, guiToken, run, startAlfajor, state, tempDir, writePolicy, type AlfajorProcess } from "./helpers.js";

let home: Awaited<ReturnType<typeof tempDir>>;
let alfajor: AlfajorProcess;
let base: string;
let token: string;

beforeAll(async () => {
  home = await tempDir();
  const file = path.join(home.dir, "policy.json");
  await writePolicy(file, { alfajor: 1, default: "allow", sites: {} });
  alfajor = await startAlfajor(["--port", "0", "--policy", file], home.dir);
  base = alfajor.url;
  token = await guiToken(base);
});

afterAll(async () => {
  expect(await alfajor?.stop()).toBe(0);
  await home?.cleanup();
});

/** A raw POST with the given fields. */
async function post(fields: Record<string, string>, body = '{"site":"x.test","action":"deny"}', url = new URL("/api/site", base).href): Promise<number> {
  const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json", ...fields }, body });
  await res.arrayBuffer();
  return res.status;
}

describe("CSRF and same-origin checks", () => {
  test("no token: 403, nothing changed", async () => {
    expect(await post({ Origin: base.replace(/\/$/, "") })).toBe(403);
    expect((await state(base)).policy).toMatchObject({ sites: {} });
  });

  test("a wrong token: 403", async () => {
    expect(await post({ "X-Alfajor-Token": token.slice(1) + "x" })).toBe(403);
  });

  test("another origin, even with the token: 403", async () => {
    expect(await post({ "X-Alfajor-Token": token, Origin: "http://evil.example" })).toBe(403);
    expect(await post({ "X-Alfajor-Token": token, "Sec-Fetch-Site": "cross-site" })).toBe(403);
    expect(await post({ "X-Alfajor-Token": token, "Sec-Fetch-Site": "same-site" })).toBe(403);
    expect((await state(base)).policy).toMatchObject({ sites: {} });
  });

  test("the refusal says why (curl)", async () => {
    const out = await run("curl", ["-sS", "--noproxy", "*", "-H", "Content-Type: application/json", "-d", '{"enabled":false}', new URL("/api/enabled", base).href]);
    expect(JSON.parse(out)).toEqual({ error: "refused: missing CSRF token (X-Alfajor-Token)" });
    expect((await state(base)).enabled).toBe(true);
  });

  test("with the token from the same origin: accepted; a form post (not JSON) is not", async () => {
    expect(await post({ "X-Alfajor-Token": token, Origin: base.replace(/\/$/, ""), "Sec-Fetch-Site": "same-origin" })).toBe(200);
    expect((await state(base)).policy).toMatchObject({ sites: { "x.test": "deny" } });
    const form = await fetch(new URL("/api/site", base), { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Alfajor-Token": token }, body: "site=y.test&action=deny" });
    expect(form.status).toBe(415);
  });

  test("GET never changes state", async () => {
    for (const p of ["/api/site?site=z.test&action=deny", "/api/enabled?enabled=false", "/api/site/forget?site=x.test"]) {
      const res = await fetch(new URL(p, base));
      expect(res.status).toBe(404);
    }
    const s = await state(base);
    expect(s.enabled).toBe(true);
    expect(s.policy).toMatchObject({ sites: { "x.test": "deny" } });
  });

  test("other methods: 405", async () => {
    const res = await fetch(new URL("/api/site", base), { method: "PUT", body: "{}" });
    expect(res.status).toBe(405);
  });
});

describe("Host checks and headers", () => {
  test("a page addressed by another name (DNS rebinding) is refused", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: alfajor.port, path: "/", headers: { Host: `evil.example:${alfajor.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  test("the page carries a strict CSP, no-store, and the token", async () => {
    const res = await fetch(base);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.text()).toContain(`content="${token}"`);
    expect((await fetch(new URL("/app.js", base))).headers.get("content-type")).toMatch(/^text\/javascript/);
  });

  test("the GUI at http://alfajor.local/ through the proxy, with the token check for that origin", async () => {
    const page = await run("curl", ["-sS", "--noproxy", "", "-x", base, "http://alfajor.local/"]);
    expect(page).toContain("<title>Alfajor: cookie filter</title>");
    const refused = await run("curl", ["-sS", "--noproxy", "", "-x", base, "-H", "Content-Type: application/json", "-H", `X-Alfajor-Token: ${token}`, "-H", `Origin: ${base.replace(/\/$/, "")}`, "-d", '{"enabled":true}', "http://alfajor.local/api/enabled"]);
    expect(JSON.parse(refused)).toMatchObject({ error: expect.stringContaining("cross-origin") });
    const ok = await run("curl", ["-sS", "--noproxy", "", "-x", base, "-H", "Content-Type: application/json", "-H", `X-Alfajor-Token: ${token}`, "-H", "Origin: http://alfajor.local", "-d", '{"enabled":true}', "http://alfajor.local/api/enabled"]);
    expect(JSON.parse(ok)).toMatchObject({ enabled: true });
  });
});

describe("the live log's subscribers", () => {
  /** Open the event stream; resolves once the first frame arrived, with a way to leave. */
  function subscribe(): Promise<{ status: number; text(): string; leave(): void }> {
    return new Promise((resolve, reject) => {
      let text = "";
      const req = request({ host: "127.0.0.1", port: alfajor.port, path: "/api/events", headers: { Host: `127.0.0.1:${alfajor.port}` } }, (res) => {
        res.setEncoding("utf8");
        const handle = { status: res.statusCode ?? 0, text: () => text, leave: () => req.destroy() };
        if (res.statusCode !== 200) {
          res.resume();
          resolve(handle);
          return;
        }
        res.on("data", (d: string) => {
          const first = text === "";
          text += d;
          if (first) resolve(handle);
        });
        res.on("error", () => {});
      });
      req.on("error", (err) => {
        if (!("leaving" in req)) reject(err);
      });
      req.end();
    });
  }

  test("another site's page cannot open the live log (or read the API): 403, so it cannot hold the places", async () => {
    const cases: Array<Record<string, string>> = [
      { "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Dest": "image" },
      { Origin: "http://evil.test" },
      { Referer: "http://evil.test/page.html" },
    ];
    for (const headers of cases) {
      for (const path of ["/api/events", "/api/state"]) {
        const res = await fetch(new URL(path, base), { headers });
        const body = (await res.json()) as { error: string };
        expect([path, res.status]).toEqual([path, 403]);
        expect(body.error).toMatch(/refused: (cross-site|cross-origin|request from a page)/);
      }
    }
    // The GUI's own requests (same origin: its Referer, Sec-Fetch-Site same-origin) are served.
    const own = await fetch(new URL("/api/state", base), { headers: { Referer: base, "Sec-Fetch-Site": "same-origin" } });
    expect(own.status).toBe(200);
    await own.arrayBuffer();
  });

  test("the stream starts with the state; over the cap: 503; leaving frees a place", async () => {
    const subs: Array<Awaited<ReturnType<typeof subscribe>>> = [];
    for (let i = 0; i < 8; i++) subs.push(await subscribe());
    expect(subs.every((s) => s.status === 200)).toBe(true);
    expect(subs[0].text()).toContain("event: state\ndata: {");
    const ninth = await subscribe();
    expect(ninth.status).toBe(503);
    // An event reaches the open streams.
    await api(base, token, "/api/enabled", { enabled: true });
    await eventually(() => subs[7].text().split("event: state").length > 2, "a state event");
    for (const s of subs) s.leave();
    await eventually(async () => (await subscribe().then((s) => (s.leave(), s.status))) === 200, "a place freed");
  });
});

describe("--no-gui", () => {
  test("origin-form requests get the proxy's plain page, and no API", async () => {
    const h = await tempDir();
    const p = await startAlfajor(["--port", "0", "--no-gui", "--policy", path.join(h.dir, "p.json")], h.dir);
    try {
      expect(p.stdout()).not.toContain("GUI on");
      expect(await (await fetch(p.url)).text()).toContain("This is a forward proxy");
      expect(await (await fetch(new URL("/api/state", p.url))).text()).toContain("This is a forward proxy");
    } finally {
      expect(await p.stop()).toBe(0);
      await h.cleanup();
    }
  });
});
