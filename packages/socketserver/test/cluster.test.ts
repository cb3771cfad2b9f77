// shareClusterHandle: node:cluster workers listening on one shared port (CTC's workers do).
import { expect, test } from "@jest/globals";
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const fixture = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "cluster-share.mjs");

async function ports(mode: string): Promise<Array<{ port?: number; error?: string }>> {
  const { stdout } = await run(process.execPath, [fixture, mode], { timeout: 30_000 });
  return JSON.parse(stdout.trim()) as Array<{ port?: number; error?: string }>;
}

test("with shareClusterHandle, two cluster workers asking for port 0 share one port", async () => {
  const r = await ports("share");
  expect(r.every((x) => typeof x.port === "number" && x.port > 0)).toBe(true);
  expect(r[0].port).toBe(r[1].port);
});

test("by default each worker's server has a socket of its own (a port each)", async () => {
  const r = await ports("own");
  expect(r.every((x) => typeof x.port === "number" && x.port > 0)).toBe(true);
  expect(r[0].port).not.toBe(r[1].port);
});
