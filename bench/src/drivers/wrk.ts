/**
 * The wrk driver: runs `wrk -t1 -c<n> -d<s> --latency [-s pipeline.lua -- <depth>]` and parses
 * its report (requests/s, the 99% line of the latency distribution, socket errors, non-2xx).
 * @module
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Measurement } from "../types.js";
import { pinned, type HttpLoadSpec } from "./types.js";

const PIPELINE_SCRIPT = fileURLToPath(new URL("../../scripts/pipeline.lua", import.meta.url));

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `"1.23ms"` -> 1.23, `"850.00us"` -> 0.85; `null` when it is not a wrk duration. */
export function parseWrkDuration(text: string): number | null {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * UNIT_MS[m[2]];
}

/**
 * Parse wrk's `--latency` report into a measurement.
 *
 * @example
 * parseWrk(stdout).p99Ms; // from "     99%    1.23ms"
 */
export function parseWrk(output: string): Measurement {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  const total = /^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h)/m.exec(output);
  if (!rps || !total) throw new Error(`cannot parse wrk output: ${output.trim().split("\n").slice(-4).join(" | ")}`);
  const p50 = /^\s*50(?:\.0+)?%\s+(\S+)/m.exec(output);
  const p99 = /^\s*99(?:\.0+)?%\s+(\S+)/m.exec(output);
  const warnings: string[] = [];
  let p99Ms = p99 ? parseWrkDuration(p99[1]) : null;
  const p50Ms = p50 ? parseWrkDuration(p50[1]) : null;
  // wrk 4.1 sometimes prints "99% 0.00us" (below its own median) when a Lua script pipelines.
  if (p99Ms !== null && (p99Ms <= 0 || (p50Ms !== null && p99Ms < p50Ms))) {
    warnings.push(`wrk printed an impossible p99 (${p99![1]} < median ${p50?.[1] ?? "?"}), not shown`);
    p99Ms = null;
  }
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  if (socketErrors && socketErrors.slice(1).some((n) => n !== "0")) warnings.push(socketErrors[0]);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  if (non2xx) warnings.push(non2xx[0]);
  return {
    ops: Number(total[1]),
    opsPerSec: Number(rps[1]),
    bytesPerSec: null,
    p99Ms,
    warnings,
  };
}

/** wrk takes whole seconds. */
function seconds(s: number): string {
  return `${Math.max(1, Math.round(s))}s`;
}

/** Run wrk with one thread (the server under test gets the other core). */
export function runWrk(spec: HttpLoadSpec): Promise<Measurement> {
  const args = ["-t1", `-c${spec.connections}`, `-d${seconds(spec.duration)}`, "--latency", "--timeout", "10s"];
  if (spec.pipelining > 1) args.push("-s", PIPELINE_SCRIPT);
  args.push(spec.url);
  if (spec.pipelining > 1) args.push("--", String(spec.pipelining));
  return execWrk(args, spec.cpu).then(parseWrk);
}

/** Run wrk with `args` (pinned to `cpu` when given); resolves with its report, rejects when it fails. */
export function execWrk(args: string[], cpu: HttpLoadSpec["cpu"]): Promise<string> {
  return new Promise((resolve, reject) => {
    const [command, argv] = pinned(cpu, "wrk", args);
    const proc = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    proc.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
    proc.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
    proc.on("error", reject);
    proc.on("close", (code) => {
      if (code !== 0) reject(new Error(`wrk exited with ${String(code)}: ${(err || out).trim()}`));
      else resolve(out);
    });
  });
}
