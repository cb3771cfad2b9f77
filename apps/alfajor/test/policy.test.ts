// The policy file: its format and error positions, Junkbuster cookiefiles, the default location,
// reload after a hand edit, an invalid edit reported while the last good policy stays in force,
// and crash-safety: kill -9 while the API applies a stream of changes, then the file parses and
// holds at least every acknowledged change.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { applyCookiefile, DEFAULT_DOCUMENT, formatCookiefile, formatPolicyDocument, parseCookiefile, parsePolicyDocument, PolicyFileError, toCookiePolicy } from "../src/index.js";
import { api, curlThrough, eventually, guiToken, startAlfajor, startOrigin, state, tempDir, writePolicy, type AlfajorProcess, type Origin } from "./helpers.js";

const dirs: Array<Awaited<ReturnType<typeof tempDir>>> = [];
const procs: AlfajorProcess[] = [];
async function home(): Promise<string> {
  const d = await tempDir();
  dirs.push(d);
  return d.dir;
}
afterEach(async () => {
  for (const p of procs.splice(0)) await p.stop();
});
afterAll(async () => {
  for (const d of dirs) await d.cleanup();
});

function errorOf(text: string): PolicyFileError {
  try {
    parsePolicyDocument(text, "policy.json");
  } catch (err) {
    if (err instanceof PolicyFileError) return err;
    throw err;
  }
  throw new Error("parsed");
}

describe("the format", () => {
  test("a hand-written document maps onto the cookie policy", () => {
    const doc = parsePolicyDocument('{ "default": "session", "sites": { "example.com": "allow", "ads.*": "deny", "news.test": { "action": "lifetime", "maxAge": 3600 } } }', "p.json");
    expect(doc.thirdPartyDefault).toBe("session");
    expect(toCookiePolicy(doc)).toEqual({
      default: "session",
      thirdPartyDefault: "session",
      rules: [
        { site: "example.com", action: "allow" },
        { site: "ads.*", action: "deny" },
        { site: "news.test", action: "lifetime", maxAge: 3600 },
      ],
    });
    expect(parsePolicyDocument(formatPolicyDocument(doc), "p.json")).toEqual(doc);
  });

  test("sites are stored as they are matched: case, dots and IDNA; the same site twice is an error", () => {
    const doc = parsePolicyDocument('{ "default": "allow", "sites": { "Ads.Test": "deny", ".Shop.Example.": "session", "bücher.de": "deny", "__proto__": "deny", "[::1]": "allow" } }', "p.json");
    expect(Object.keys(doc.sites).sort()).toEqual(["::1", "__proto__", "ads.test", "shop.example", "xn--bcher-kva.de"]);
    // The GUI writes "ads.test": it replaces the hand-written rule instead of adding a second one.
    const updated = { ...doc, sites: { ...doc.sites, "ads.test": "allow" as const } };
    expect(parsePolicyDocument(formatPolicyDocument(updated), "p.json").sites["ads.test"]).toBe("allow");
    expect(formatPolicyDocument(doc)).toContain('"__proto__": "deny"');
    const e = errorOf('{\n  "default": "allow",\n  "sites": {\n    "ads.test": "deny",\n    "ADS.test.": "allow"\n  }\n}\n');
    expect(e.line).toBe(5);
    expect(e.reason).toMatch(/same as "ads\.test"/);
  });

  test("a JSON syntax error is reported with its line and column", () => {
    const e = errorOf('{\n  "default": "allow",\n  "sites": {\n    "a.test": "deny",\n  }\n}\n');
    expect([e.line, e.column]).toEqual([5, 3]);
    expect(e.message).toMatch(/^policy\.json:5:3: not valid JSON/);
  });

  test("an unknown action is reported at its site", () => {
    const e = errorOf('{\n  "default": "allow",\n  "sites": {\n    "ok.test": "deny",\n    "bad.test": "eat"\n  }\n}\n');
    expect([e.line, e.column]).toEqual([5, 5]);
    expect(e.reason).toContain('unknown action "eat"');
  });

  test("lifetime without maxAge, unknown fields and bad sites are refused", () => {
    expect(errorOf('{"default": {"action": "lifetime"}}').reason).toContain("maxAge");
    expect(errorOf('{"default": "allow", "colour": 1}').reason).toContain('unknown field "colour"');
    expect(errorOf('{"default": "allow", "sites": {"a b": "deny"}}').reason).toContain("bad site");
    expect(errorOf('{"sites": {}}').reason).toContain('missing "default"');
  });
});

describe("Junkbuster cookiefile", () => {
  const COOKIEFILE = "# sites that may use cookies\nexample.com\n.news.test   # a comment\n>readonly.test\n<writeonly.test\n~nothing.test\nshop.test:8080/path\n\nnot a site\n";

  test("import: plain lines allow, flags map to send-only, accept-only and deny", () => {
    const imported = parseCookiefile(COOKIEFILE);
    expect(imported.sites).toEqual({ "example.com": "allow", "news.test": "allow", "readonly.test": "send-only", "writeonly.test": "accept-only", "nothing.test": "deny", "shop.test": "allow" });
    expect(imported.warnings).toEqual([expect.stringContaining("line 7"), expect.stringContaining("line 9")]);
    const replaced = applyCookiefile(DEFAULT_DOCUMENT, imported, "replace");
    expect(replaced.default).toBe("deny");
    expect(applyCookiefile({ ...DEFAULT_DOCUMENT, sites: { "keep.test": "allow" } }, imported, "merge").sites["keep.test"]).toBe("allow");
  });

  test("export round-trips what a cookiefile can say", () => {
    const doc = { ...DEFAULT_DOCUMENT, sites: { "a.test": "allow" as const, "b.test": "deny" as const, "c.test": "send-only" as const, "d.test": "session" as const } };
    const text = formatCookiefile(doc);
    expect(text).toContain("\na.test\n");
    expect(text).toContain("~b.test");
    expect(text).toContain(">c.test");
    expect(parseCookiefile(text).sites).toEqual({ "a.test": "allow", "b.test": "deny", "c.test": "send-only", "d.test": "allow" });
  });
});

describe("the running proxy and its file", () => {
  let origin: Origin;
  beforeAll(async () => {
    origin = await startOrigin();
  });
  afterAll(async () => {
    await origin.close();
  });

  test("without --policy the file is created in $XDG_CONFIG_HOME/alfajor/", async () => {
    const h = await home();
    const p = await startAlfajor(["--port", "0"], h);
    procs.push(p);
    const file = path.join(h, "config", "alfajor", "policy.json");
    expect(p.stdout()).toContain(`alfajor: policy file ${file}`);
    expect(parsePolicyDocument(await readFile(file, "utf8"), file)).toEqual(DEFAULT_DOCUMENT);
  });

  test("a hand edit is reloaded; an invalid one is reported and the last good policy stays", async () => {
    const h = await home();
    const file = path.join(h, "policy.json");
    await writePolicy(file, { alfajor: 1, default: "allow", sites: {} });
    const p = await startAlfajor(["--port", "0", "--policy", file, "--host-map", `edit.test=127.0.0.1:${origin.port}`], h);
    procs.push(p);
    const url = `http://edit.test/set?c=${encodeURIComponent("id=1; Max-Age=60")}`;
    expect((await curlThrough(p.url, url)).setCookies).toEqual(["id=1; Max-Age=60"]);

    await writePolicy(file, { alfajor: 1, default: "allow", sites: { "edit.test": "session" } });
    await eventually(async () => (await state(p.url)).policy !== undefined && JSON.stringify((await state(p.url)).policy).includes("edit.test"), "reload");
    await p.waitForStderr(`alfajor: reloaded ${file}`);
    expect((await curlThrough(p.url, url)).setCookies).toEqual(["id=1"]);

    await writeFile(file, '{\n  "default": "allow",\n  "sites": { "edit.test": "deny" \n}\n');
    // Written in place, as an editor may: wait for the whole file's error.
    await eventually(async () => ((await state(p.url)).policyError as { line?: number } | null)?.line === 5, "the error reported");
    expect((await state(p.url)).policyError).toMatchObject({ line: 5, column: 1 }); // the end of the file: the object is never closed
    await p.waitForStderr(`${file}:5:1: not valid JSON`);
    expect(p.stderr()).toContain("the last good policy stays in force");
    expect((await curlThrough(p.url, url)).setCookies).toEqual(["id=1"]); // still session-only

    await writePolicy(file, { alfajor: 1, default: "allow", sites: { "edit.test": "deny" } });
    await eventually(async () => (await state(p.url)).policyError === null, "the error cleared");
    expect((await curlThrough(p.url, url)).setCookies).toEqual([]);
  });

  test("a change through the API is in the file when acknowledged, and is not taken for a hand edit", async () => {
    const h = await home();
    const file = path.join(h, "policy.json");
    const p = await startAlfajor(["--port", "0", "--policy", file], h);
    procs.push(p);
    const token = await guiToken(p.url);
    const r = await api(p.url, token, "/api/site", { site: "Shop.Test", action: "lifetime", maxAge: 120 });
    expect(r.status).toBe(200);
    expect(parsePolicyDocument(await readFile(file, "utf8"), file).sites).toEqual({ "shop.test": { action: "lifetime", maxAge: 120 } });
    await api(p.url, token, "/api/site/forget", { site: "shop.test" });
    expect(parsePolicyDocument(await readFile(file, "utf8"), file).sites).toEqual({});
    const imported = await api(p.url, token, "/api/import", { format: "junkbuster", mode: "replace", text: "good.test\n~bad.test\n" });
    expect(imported.json.policy).toEqual({ alfajor: 1, default: "deny", thirdPartyDefault: "deny", sites: { "good.test": "allow", "bad.test": "deny" } });
    const exported = await (await fetch(new URL("/api/export?format=junkbuster", p.url))).text();
    expect(exported).toContain("\n~bad.test\ngood.test\n");
    const json = await fetch(new URL("/api/export?format=json", p.url));
    expect(json.headers.get("content-disposition")).toContain("alfajor-policy.json");
    expect(parsePolicyDocument(await json.text(), "export").sites).toEqual({ "good.test": "allow", "bad.test": "deny" });
    expect(p.stderr()).not.toContain("reloaded");
  });

  test("an invalid file at start: exit 1 with the position", async () => {
    const h = await home();
    const file = path.join(h, "policy.json");
    await writeFile(file, '{"default": "allow",\n "sites": {"x.test": "nom"}}');
    const { spawnSync } = await import("node:child_process");
    const { CLI } = await import("./helpers.js");
    const r = spawnSync(process.execPath, [CLI, "--port", "0", "--policy", file], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${file}:2:12: site "x.test": unknown action "nom"`);
  });
});

describe("crash safety", () => {
  test("kill -9 during a stream of changes: the file parses and holds every acknowledged change", async () => {
    const h = await home();
    const file = path.join(h, "policy.json");
    const acked = new Map<string, number>();
    for (let round = 0; round < 3; round++) {
      const p = await startAlfajor(["--port", "0", "--policy", file], h);
      const token = await guiToken(p.url);
      let total = 0;
      let killed = false;
      // Four streams, each changing its own site with a growing maxAge, one change at a time.
      const stream = async (k: number): Promise<void> => {
        const site = `s${k}.test`;
        for (let i = (acked.get(site) ?? 0) + 1; !killed; i++) {
          try {
            const r = await api(p.url, token, "/api/site", { site, action: "lifetime", maxAge: i });
            if (r.status !== 200) throw new Error(`status ${r.status}`);
          } catch {
            return; // killed mid-request
          }
          acked.set(site, i);
          if (++total === 25 + round * 10) {
            killed = true;
            p.proc.kill("SIGKILL");
          }
        }
      };
      await Promise.all([0, 1, 2, 3].map(stream));
      expect(await p.exited).toBeNull();
      const doc = parsePolicyDocument(await readFile(file, "utf8"), file);
      for (const [site, n] of acked) {
        const s = doc.sites[site];
        expect(typeof s === "object" && (s.maxAge ?? 0) >= n).toBe(true);
      }
    }
    // Temporary files a killed process left are removed at the next start.
    const p = await startAlfajor(["--port", "0", "--policy", file], h);
    procs.push(p);
    expect((await readdir(h)).filter((n) => n.includes(".tmp-"))).toEqual([]);
  }, 120_000); // three processes started and killed: slow when CI runs every package at once
});
