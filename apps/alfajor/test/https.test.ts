// HTTPS inspection through the `alfajor` command (issue 20): a local HTTPS origin with a test CA
// made by openssl; curl and Python's urllib through `alfajor --https-inspection` trusting our CA
// see Set-Cookie handled per policy and Cookie stripped for a denied site, and the GUI's live log
// shows those cookies; without inspection the same requests are untouched tunnels; /ca.pem serves
// the certificate only; the GUI switch (CSRF) turns inspection on and off; a client refusing our
// certificate gets the host tunnelled; an unusable CA directory exits 2; a non-loopback bind warns.
import { afterAll, beforeAll, describe, expect, jest, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "../src/index.js";
import { api, CLI, guiToken, run, startAlfajor, state, tempDir, writePolicy, type AlfajorProcess } from "./helpers.js";
import { curlHttps, makeTestPki, pythonHttps, startHttpsOrigin, type HttpsOrigin, type TestPki } from "./https-helpers.js";

// Each test here runs several client processes (curl, python3) through the proxy, each a TLS
// handshake with the proxy and one from the proxy to the origin, some with a leaf certificate to
// make: ~1 s on a quiet machine, but a CI run with every package's suites at once took over 30 s
// for three Python requests (each slow, none stuck: Python's own 20 s timeout did not fire).
jest.setTimeout(90_000);

const NAMES = ["shop.test", "ads.test", "tracker.test"];
const POLICY = { alfajor: 1, default: "allow", thirdPartyDefault: "deny", sites: { "shop.test": { action: "lifetime", maxAge: 60 }, "tracker.test": "deny" } };
const LONG_COOKIE = encodeURIComponent("sid=abc123; Max-Age=999999; Path=/; Secure");

let home: Awaited<ReturnType<typeof tempDir>>;
let pki: TestPki;
let origin: HttpsOrigin;
let caDir: string;
let ourCa: string;

/** Arguments every Alfajor here gets: loopback, port 0, the policy, the origin's names mapped. */
function baseArgs(policy: string): string[] {
  return ["--port", "0", "--policy", policy, ...NAMES.flatMap((n) => ["--host-map", `${n}=127.0.0.1:${origin.port}`])];
}

async function policyFile(name: string): Promise<string> {
  const file = path.join(home.dir, name);
  await writePolicy(file, POLICY);
  return file;
}

/** The Cookie field the origin last received for `host`. */
function lastCookie(host: string): string | undefined {
  return origin.received.filter((r) => r.host === host).at(-1)?.cookie;
}

beforeAll(async () => {
  home = await tempDir();
  pki = await makeTestPki(home.dir, NAMES);
  origin = await startHttpsOrigin(pki);
  caDir = path.join(home.dir, "shared-ca");
  ourCa = path.join(caDir, "ca.pem");
}, 30_000);

afterAll(async () => {
  await origin?.close();
  await home?.cleanup();
});

describe("alfajor --https-inspection", () => {
  let alfajor: AlfajorProcess;

  beforeAll(async () => {
    alfajor = await startAlfajor(["--https-inspection", "--ca-dir", caDir, "--origin-ca", pki.caFile, ...baseArgs(await policyFile("inspect.json"))], home.dir);
  }, 30_000);
  afterAll(async () => {
    expect(await alfajor?.stop()).toBe(0);
  });

  test("prints where the CA is and how to trust it, right after the first line; the key is 0600", async () => {
    const lines = alfajor.stdout().split("\n");
    expect(lines[0]).toMatch(/^alfajor: proxy on http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(lines[1]).toBe(`alfajor: HTTPS inspection uses a local certificate authority: ${ourCa}`);
    expect(alfajor.stdout()).toContain(`curl --cacert ${ourCa} -x ${alfajor.url.replace(/\/$/, "")} https://`);
    expect(alfajor.stdout()).toMatch(/Firefox: .*Authorities > Import/);
    expect(alfajor.stderr()).not.toContain("WARNING");
    expect((await stat(path.join(caDir, "ca-key.pem"))).mode & 0o777).toBe(0o600);
    expect(new X509Certificate(await readFile(ourCa)).ca).toBe(true);
  });

  test("curl trusting our CA: Set-Cookie capped per policy; Cookie stripped for a denied site", async () => {
    const shop = await curlHttps(alfajor.url, `https://shop.test/set?c=${LONG_COOKIE}`, ourCa);
    expect(shop.status).toBe(200);
    expect(shop.setCookies).toEqual(["sid=abc123; Path=/; Secure; Max-Age=60"]);

    const tracker = await curlHttps(alfajor.url, `https://tracker.test/set?c=${encodeURIComponent("t=1; Max-Age=99")}`, ourCa, ["-H", "Cookie: t=old"]);
    expect(tracker.setCookies).toEqual([]);
    expect(tracker.body).toBe("cookie: (none)\n");
    expect(lastCookie("tracker.test")).toBeUndefined();

    const allowed = await curlHttps(alfajor.url, "https://shop.test/echo", ourCa, ["-H", "Cookie: sid=abc123"]);
    expect(allowed.body).toBe("cookie: sid=abc123\n");
  });

  test("Python urllib trusting our CA: the same; a third-party cookie (Referer) gets the third-party default", async () => {
    const shop = await pythonHttps(alfajor.url, `https://shop.test/set?c=${LONG_COOKIE}`, ourCa);
    expect(shop.setCookies).toEqual(["sid=abc123; Path=/; Secure; Max-Age=60"]);
    const tracker = await pythonHttps(alfajor.url, "https://tracker.test/echo", ourCa, { Cookie: "t=old" });
    expect(tracker.body).toBe("cookie: (none)\n");
    const pixel = await pythonHttps(alfajor.url, `https://ads.test/set?c=${encodeURIComponent("track=u-1; Max-Age=9999")}`, ourCa, { Referer: "https://shop.test/page" });
    expect(pixel.setCookies).toEqual([]);
  });

  test("the GUI's live log shows the HTTPS cookies and what was done to them", async () => {
    const { entries } = (await (await fetch(new URL("/api/log", alfajor.url))).json()) as { entries: Array<Record<string, unknown>> };
    const seen = entries.map((e) => `${String(e.cookieHost)} ${String(e.name)} ${String(e.direction)} ${String(e.action)}`);
    expect(seen).toEqual(expect.arrayContaining(["shop.test sid response capped", "tracker.test t request stripped", "tracker.test t response stripped", "ads.test track response stripped", "shop.test sid request kept"]));
    const sid = entries.find((e) => e.name === "sid" && e.direction === "response");
    expect(sid?.value).toBe("ab…");
    expect((sid?.attributes as Record<string, unknown>).secure).toBe(true);
  });

  test("/ca.pem: the certificate only, as application/x-x509-ca-cert, at the GUI and at alfajor.local", async () => {
    const pem = await readFile(ourCa, "utf8");
    const direct = await fetch(new URL("/ca.pem", alfajor.url));
    expect(direct.status).toBe(200);
    expect(direct.headers.get("content-type")).toBe("application/x-x509-ca-cert");
    const body = await direct.text();
    expect(body.trim()).toBe(pem.trim());
    expect(body).not.toMatch(/PRIVATE KEY/);
    const through = await run("curl", ["-sS", "--noproxy", "", "-x", alfajor.url, "http://alfajor.local/ca.pem"]);
    expect(through.trim()).toBe(pem.trim());
    for (const p of ["/ca-key.pem", "/ca.pem/../ca-key.pem", "/api/ca-key"]) {
      const res = await fetch(new URL(p, alfajor.url));
      expect(res.status).toBe(404);
      expect(await res.text()).not.toMatch(/PRIVATE KEY/);
    }
    const s = (await state(alfajor.url)).httpsInspection as Record<string, unknown>;
    expect(s).toMatchObject({ enabled: true, caDir, caFile: ourCa, fingerprint: new X509Certificate(pem).fingerprint256, exposed: false });
    expect(JSON.stringify(await state(alfajor.url))).not.toMatch(/PRIVATE KEY/);
  });

  test("the GUI switch: refused without the CSRF token; off gives untouched tunnels; on again filters", async () => {
    const token = await guiToken(alfajor.url);
    const forged = await fetch(new URL("/api/https-inspection", alfajor.url), {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: "http://evil.example" },
      body: JSON.stringify({ enabled: false }),
    });
    expect(forged.status).toBe(403);
    expect(((await state(alfajor.url)).httpsInspection as Record<string, unknown>).enabled).toBe(true);

    const off = await api(alfajor.url, token, "/api/https-inspection", { enabled: false });
    expect(off.status).toBe(200);
    expect((off.json.httpsInspection as Record<string, unknown>).enabled).toBe(false);
    // A tunnel: the origin's own certificate (the test CA's), its cookies untouched.
    const shop = await curlHttps(alfajor.url, `https://shop.test/set?c=${LONG_COOKIE}`, pki.caFile);
    expect(shop.setCookies).toEqual(["sid=abc123; Max-Age=999999; Path=/; Secure"]);
    const tracker = await curlHttps(alfajor.url, "https://tracker.test/echo", pki.caFile, ["-H", "Cookie: t=old"]);
    expect(tracker.body).toBe("cookie: t=old\n");

    const on = await api(alfajor.url, token, "/api/https-inspection", { enabled: true });
    expect((on.json.httpsInspection as Record<string, unknown>).enabled).toBe(true);
    expect((await curlHttps(alfajor.url, `https://shop.test/set?c=${LONG_COOKIE}`, ourCa)).setCookies).toEqual(["sid=abc123; Path=/; Secure; Max-Age=60"]);
  });

  test("the lists from the GUI: a never-inspected host is a tunnel; an inspect list limits inspection; bad names are 400", async () => {
    const token = await guiToken(alfajor.url);
    const never = await api(alfajor.url, token, "/api/https-inspection", { neverInspect: ["tracker.test"] });
    expect((never.json.httpsInspection as Record<string, unknown>).neverInspect).toEqual(["tracker.test"]);
    expect((await curlHttps(alfajor.url, "https://tracker.test/echo", pki.caFile, ["-H", "Cookie: t=old"])).body).toBe("cookie: t=old\n");

    await api(alfajor.url, token, "/api/https-inspection", { neverInspect: [], inspect: "ads.test\n" });
    expect((await curlHttps(alfajor.url, `https://shop.test/set?c=${LONG_COOKIE}`, pki.caFile)).setCookies).toEqual(["sid=abc123; Max-Age=999999; Path=/; Secure"]);
    expect((await curlHttps(alfajor.url, "https://tracker.test/echo", pki.caFile, ["-H", "Cookie: t=old"])).body).toBe("cookie: t=old\n");

    const bad = await api(alfajor.url, token, "/api/https-inspection", { inspect: ["not a host!"] });
    expect(bad.status).toBe(400);
    expect(String(bad.json.error)).toContain("not a host name");
    await api(alfajor.url, token, "/api/https-inspection", { inspect: [] });
    expect((await curlHttps(alfajor.url, "https://tracker.test/echo", ourCa, ["-H", "Cookie: t=old"])).body).toBe("cookie: (none)\n");
  });
});

describe("a client that refuses our certificate", () => {
  test("the host is listed in the GUI and tunnelled untouched afterwards", async () => {
    const alfajor = await startAlfajor(["--https-inspection", "--ca-dir", caDir, "--origin-ca", pki.caFile, ...baseArgs(await policyFile("refuse.json"))], home.dir);
    try {
      // curl trusting only the origin's CA refuses our certificate (unknown CA).
      await expect(curlHttps(alfajor.url, "https://shop.test/echo", pki.caFile)).rejects.toThrow(/curl/);
      await alfajor.waitForStderr("refused our certificate for shop.test");
      expect(((await state(alfajor.url)).httpsInspection as Record<string, unknown>).refused).toEqual(["shop.test"]);
      const again = await curlHttps(alfajor.url, `https://shop.test/set?c=${LONG_COOKIE}`, pki.caFile);
      expect(again.setCookies).toEqual(["sid=abc123; Max-Age=999999; Path=/; Secure"]);
    } finally {
      expect(await alfajor.stop()).toBe(0);
    }
  });
});

describe("without --https-inspection", () => {
  test("HTTPS requests are untouched tunnels, no CA is made, /ca.pem is 404; the GUI can switch it on", async () => {
    const lazyDir = path.join(home.dir, "lazy-ca");
    const alfajor = await startAlfajor(["--ca-dir", lazyDir, "--origin-ca", pki.caFile, ...baseArgs(await policyFile("plain.json"))], home.dir);
    try {
      expect(alfajor.stdout()).not.toContain("certificate authority");
      const shop = await pythonHttps(alfajor.url, `https://shop.test/set?c=${LONG_COOKIE}`, pki.caFile);
      expect(shop.setCookies).toEqual(["sid=abc123; Max-Age=999999; Path=/; Secure"]);
      const tracker = await curlHttps(alfajor.url, "https://tracker.test/echo", pki.caFile, ["-H", "Cookie: t=old"]);
      expect(tracker.body).toBe("cookie: t=old\n");
      expect(lastCookie("tracker.test")).toBe("t=old");
      expect(existsSync(lazyDir)).toBe(false);
      expect((await fetch(new URL("/ca.pem", alfajor.url))).status).toBe(404);

      const on = await api(alfajor.url, await guiToken(alfajor.url), "/api/https-inspection", { enabled: true });
      expect(on.json.httpsInspection).toMatchObject({ enabled: true, caFile: path.join(lazyDir, "ca.pem") });
      await alfajor.waitForStderr("HTTPS inspection on");
      const inspected = await curlHttps(alfajor.url, "https://tracker.test/echo", path.join(lazyDir, "ca.pem"), ["-H", "Cookie: t=old"]);
      expect(inspected.body).toBe("cookie: (none)\n");
    } finally {
      expect(await alfajor.stop()).toBe(0);
    }
  });
});

describe("start-up problems and warnings", () => {
  function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
    return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 20_000, env: { ...process.env, HOME: home.dir, XDG_CONFIG_HOME: path.join(home.dir, "config") } });
  }

  test("a CA key readable by others: exit 2 with the fix", async () => {
    const dir = path.join(home.dir, "exposed-ca");
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "ca-key.pem"), "not a key\n");
    await chmod(path.join(dir, "ca-key.pem"), 0o644);
    const r = runCli(["--https-inspection", "--ca-dir", dir, "--port", "0", "--policy", await policyFile("e.json")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/readable by other users.*chmod 600/);
    expect(r.stdout).toBe("");
  });

  test("a CA directory that cannot be used (a file; a key without its certificate; an unreadable key): exit 2", async () => {
    const file = path.join(home.dir, "not-a-dir");
    await writeFile(file, "x");
    const asFile = runCli(["--https-inspection", "--ca-dir", file, "--port", "0", "--policy", await policyFile("f.json")]);
    expect(asFile.status).toBe(2);
    expect(asFile.stderr).toContain(`--ca-dir ${file}`);

    const half = path.join(home.dir, "half-ca");
    await mkdir(half, { recursive: true, mode: 0o700 });
    await writeFile(path.join(half, "ca-key.pem"), "x", { mode: 0o600 });
    const incomplete = runCli(["--https-inspection", "--ca-dir", half, "--port", "0", "--policy", await policyFile("g.json")]);
    expect(incomplete.status).toBe(2);
    expect(incomplete.stderr).toContain("no readable ca.pem");

    if (process.getuid?.() !== 0) {
      const locked = path.join(home.dir, "locked-ca");
      await mkdir(locked, { recursive: true, mode: 0o700 });
      await writeFile(path.join(locked, "ca-key.pem"), "x", { mode: 0o600 });
      await writeFile(path.join(locked, "ca.pem"), "x", { mode: 0o644 });
      await chmod(path.join(locked, "ca-key.pem"), 0o000);
      const unreadable = runCli(["--https-inspection", "--ca-dir", locked, "--port", "0", "--policy", await policyFile("h.json")]);
      expect(unreadable.status).toBe(2);
      expect(unreadable.stderr).toContain(`--ca-dir ${locked}`);
    }
  });

  test("an --origin-ca file that is missing or not a certificate: exit 2", async () => {
    const missing = runCli(["--origin-ca", path.join(home.dir, "nope.pem"), "--port", "0", "--policy", await policyFile("i.json")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("--origin-ca");
    const junk = path.join(home.dir, "junk.pem");
    await writeFile(junk, "hello\n");
    const notPem = runCli(["--origin-ca", junk, "--port", "0", "--policy", await policyFile("j.json")]);
    expect(notPem.status).toBe(2);
    expect(notPem.stderr).toContain("no PEM certificate");
  });

  test("a bad --inspect / --no-inspect host: usage error, exit 2", () => {
    const r = runCli(["--no-inspect", "bank example", "--port", "0"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^alfajor: --no-inspect: not a host name/);
  });

  test("a non-loopback --bind with inspection on: a loud warning on stderr (the GUI says it too)", async () => {
    // Only loopback clients are admitted (the default --allow), so nothing is exposed in this test.
    const alfajor = await startAlfajor(["--https-inspection", "--ca-dir", caDir, "--bind", "0.0.0.0", "--port", "0", "--policy", await policyFile("k.json")], home.dir);
    try {
      await alfajor.waitForStderr("WARNING");
      expect(alfajor.stderr()).toMatch(/HTTPS inspection is on and the proxy listens on 0\.0\.0\.0.*\n.*can be\n.*decrypted/);
      const s = (await state(`http://127.0.0.1:${alfajor.port}/`)).httpsInspection as Record<string, unknown>;
      expect(s.exposed).toBe(true);
    } finally {
      expect(await alfajor.stop()).toBe(0);
    }
  });
});

describe("parseArgs", () => {
  test("defaults: off, the shared CA directory, empty lists", () => {
    expect(parseArgs([], { HOME: "/home/u" })?.httpsInspection).toEqual({ enabled: false, caDir: "/home/u/.config/stdhttp-proxy/ca", inspect: [], neverInspect: [], originCa: [] });
    expect(parseArgs([], { HOME: "/home/u", XDG_CONFIG_HOME: "/xdg" })?.httpsInspection.caDir).toBe("/xdg/stdhttp-proxy/ca");
  });

  test("flags, and the config file's httpsInspection (flags win)", async () => {
    const config = path.join(home.dir, "config.json");
    await writeFile(config, JSON.stringify({ httpsInspection: { enabled: true, caDir: "ca", inspect: ["a.example"], neverInspect: ["bank.example"], originCa: ["corp.pem"] } }));
    expect(parseArgs(["--config", config], { HOME: "/home/u" })?.httpsInspection).toEqual({
      enabled: true, caDir: path.join(home.dir, "ca"), inspect: ["a.example"], neverInspect: ["bank.example"], originCa: [path.join(home.dir, "corp.pem")],
    });
    expect(parseArgs(["--config", config, "--ca-dir", "/d", "--no-inspect", "*.bank.test", "--no-inspect", "1.2.3.4", "--inspect", "b.example", "--origin-ca", "/x.pem"], { HOME: "/home/u" })?.httpsInspection).toEqual({
      enabled: true, caDir: "/d", inspect: ["b.example"], neverInspect: ["*.bank.test", "1.2.3.4"], originCa: ["/x.pem"],
    });
    await writeFile(config, JSON.stringify({ httpsInspection: { enabled: "yes" } }));
    expect(() => parseArgs(["--config", config])).toThrow(/"enabled" must be true or false/);
  });
});
