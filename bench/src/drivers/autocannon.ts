/**
 * The autocannon driver (used when wrk is not installed, or with `--driver autocannon`):
 * runs autocannon's CLI in its own process with `--json` and reads requests, p99 and errors.
 * @module
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import type { Measurement } from "../types.js";
import { pinned, type HttpLoadSpec } from "./types.js";

interface AutocannonJson {
  duration: number;
  requests: { total: number };
  latency: { p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

/** Parse autocannon's `--json` report. */
export function parseAutocannon(output: string): Measurement {
  const json = JSON.parse(output) as AutocannonJson;
  const warnings: string[] = [];
  if (json.errors > 0 || json.timeouts > 0) warnings.push(`errors ${json.errors}, timeouts ${json.timeouts}`);
  if (json.non2xx > 0) warnings.push(`non-2xx responses: ${json.non2xx}`);
  // autocannon records whole milliseconds: 0 means "under 1 ms", not a measured value.
  if (json.latency.p99 === 0) warnings.push("p99 under 1 ms (autocannon's resolution), not shown");
  return {
    ops: json.requests.total,
    opsPerSec: json.requests.total / json.duration,
    bytesPerSec: null,
    p99Ms: json.latency.p99 === 0 ? null : json.latency.p99,
    warnings,
  };
}

/** Run autocannon (a Node process of its own, so it never shares the server's event loop). */
export function runAutocannon(spec: HttpLoadSpec): Promise<Measurement> {
  const bin = createRequire(import.meta.url).resolve("autocannon");
  const args = [bin, "--json", "-c", String(spec.connections), "-d", String(Math.max(1, Math.round(spec.duration)))];
  if (spec.pipelining > 1) args.push("-p", String(spec.pipelining));
  args.push(spec.url);
  return new Promise((resolve, reject) => {
    const [command, argv] = pinned(spec.cpu, process.execPath, args);
    const proc = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    proc.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
    proc.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
    proc.on("error", reject);
    proc.on("close", (code) => {
      try {
        if (code !== 0) throw new Error(`autocannon exited with ${String(code)}: ${err.trim().slice(-500)}`);
        resolve(parseAutocannon(out));
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}
