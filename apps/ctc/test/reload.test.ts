// Reloading the lists without a restart: when a list file changes (edited in place or replaced
// by a rename), on SIGHUP, and a failed reload (the file is gone) keeps the previous rules.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { curl, startCtc, startNewsSite, tempDir } from "./helpers.js";

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

/** What a request for an image at `host` gets: `origin` (forwarded) or `blocked`. */
async function fate(proxy: string, host: string): Promise<"origin" | "blocked"> {
  const r = await curl("-x", proxy, `http://${host}/pic.gif`);
  if (r.headers["content-type"] === "image/gif") return "blocked";
  expect(r.body.toString()).toBe("origin: /pic.gif\n");
  return "origin";
}

describe("reload", () => {
  test("a changed list file is reloaded by itself, also when a new file is renamed over it", async () => {
    const list = path.join(tmp.dir, "watched.txt");
    writeFileSync(list, "first.test\n");
    const hosts = ["first.test", "second.test", "third.test"].flatMap((h) => ["--host-map", `${h}=127.0.0.1:${site.port}`]);
    const ctc = await startCtc("--blocklist", list, "--log", "off", ...hosts);
    try {
      expect(await fate(ctc.url, "first.test")).toBe("blocked");
      expect(await fate(ctc.url, "second.test")).toBe("origin");
      writeFileSync(list, "first.test\nsecond.test\n");
      await ctc.waitFor(/ctc: lists reloaded \(a list file changed\)/);
      expect(await fate(ctc.url, "second.test")).toBe("blocked");
      // As a downloader does: write a new file, rename it over the old one.
      const fresh = path.join(tmp.dir, "watched.txt.new");
      writeFileSync(fresh, "third.test\n");
      const reloads = ctc.stdout.split("lists reloaded").length;
      renameSync(fresh, list);
      await ctc.waitFor(new RegExp(`(?:[^]*lists reloaded){${reloads}}`));
      expect(await fate(ctc.url, "third.test")).toBe("blocked");
      expect(await fate(ctc.url, "first.test")).toBe("origin");
    } finally {
      expect(await ctc.stop()).toBe(0);
    }
  });

  test("SIGHUP reloads (with --no-watch, only SIGHUP does); a failed reload keeps the old rules", async () => {
    const list = path.join(tmp.dir, "hup.txt");
    writeFileSync(list, "0.0.0.0 old.test\n");
    const hosts = ["old.test", "new.test"].flatMap((h) => ["--host-map", `${h}=127.0.0.1:${site.port}`]);
    const ctc = await startCtc("--blocklist", list, "--no-watch", "--log", "off", ...hosts);
    try {
      expect(await fate(ctc.url, "new.test")).toBe("origin");
      writeFileSync(list, "0.0.0.0 old.test\n0.0.0.0 new.test\n");
      expect(await fate(ctc.url, "new.test")).toBe("origin");
      ctc.proc.kill("SIGHUP");
      await ctc.waitFor(/ctc: lists reloaded \(SIGHUP\)/);
      expect(await fate(ctc.url, "new.test")).toBe("blocked");

      rmSync(list);
      ctc.proc.kill("SIGHUP");
      await ctc.waitFor(/ctc: error: reload failed \(SIGHUP\), keeping the previous rules: cannot read .*hup\.txt: ENOENT/, "stderr");
      expect(await fate(ctc.url, "new.test")).toBe("blocked");
      const s = JSON.parse((await curl(`${ctc.url}/status.json`)).body.toString());
      expect(s.reloadError).toMatch(/ENOENT/);
    } finally {
      expect(await ctc.stop()).toBe(0);
    }
  });
});
