// The command's contract: usage errors exit 2 with the usage on stderr, --help, the JSON config
// file (host map included), the printed addresses, exit 0 on SIGINT.
import { afterAll, describe, expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs, UsageError } from "../src/index.js";
import { CLI, curlThrough, startAlfajor, startOrigin, tempDir } from "./helpers.js";

const dirs: Array<Awaited<ReturnType<typeof tempDir>>> = [];
afterAll(async () => {
  for (const d of dirs) await d.cleanup();
});

function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 20_000 });
}

describe("usage", () => {
  test.each([["--bogus"], ["--port", "http"], ["--port", "70000"], ["--upstream", "ftp://x"], ["--allow", "nonsense"], ["--host-map", "noequals"], ["--port"], ["extra"]])("%s ...: exit 2 with the usage", (...args) => {
    const r = runCli(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^alfajor: .+\nusage: alfajor /);
    expect(r.stdout).toBe("");
  });

  test("--help: the usage on stdout, exit 0", () => {
    const r = runCli(["--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("--policy FILE");
  });

  test("parseArgs: defaults and --flag=value", () => {
    const o = parseArgs(["--port=0", "--allow", "10.0.0.0/8", "--allow", "127.0.0.1"], { HOME: "/home/u" });
    expect(o).toEqual({ bind: "127.0.0.1", port: 0, policyFile: "/home/u/.config/alfajor/policy.json", upstream: null, allow: ["10.0.0.0/8", "127.0.0.1"], hostMap: {}, gui: true,
      httpsInspection: { enabled: false, caDir: "/home/u/.config/stdhttp-proxy/ca", inspect: [], neverInspect: [], originCa: [] },
    });
    expect(parseArgs([], { HOME: "/home/u", XDG_CONFIG_HOME: "/xdg" })?.policyFile).toBe("/xdg/alfajor/policy.json");
    expect(() => parseArgs(["--nope"])).toThrow(UsageError);
  });
});

describe("the config file and signals", () => {
  test("settings from --config (hostMap, policy relative to it), flags win; SIGINT exits 0", async () => {
    const d = await tempDir();
    dirs.push(d);
    const origin = await startOrigin();
    try {
      const config = path.join(d.dir, "alfajor.json");
      await writeFile(config, JSON.stringify({ port: 1, policy: "my-policy.json", hostMap: { "cfg.test": `127.0.0.1:${origin.port}` } }));
      await writeFile(path.join(d.dir, "my-policy.json"), JSON.stringify({ default: "session" }));
      const p = await startAlfajor(["--config", config, "--port", "0"], d.dir);
      expect(p.stdout()).toContain(`alfajor: policy file ${path.join(d.dir, "my-policy.json")}`);
      expect(p.stdout()).toContain(`alfajor: GUI on ${p.url}`);
      const r = await curlThrough(p.url, `http://cfg.test/set?c=${encodeURIComponent("a=1; Max-Age=5")}`);
      expect(r.setCookies).toEqual(["a=1"]);
      p.proc.kill("SIGINT");
      expect(await p.exited).toBe(0);
    } finally {
      await origin.close();
    }
  });

  test("a bad config file: exit 2", async () => {
    const d = await tempDir();
    dirs.push(d);
    const config = path.join(d.dir, "bad.json");
    await writeFile(config, JSON.stringify({ colour: "red" }));
    const r = runCli(["--config", config]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown setting "colour"');
  });
});
