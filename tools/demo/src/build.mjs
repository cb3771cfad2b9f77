/**
 * Builds what the demo runs (cgihttpserver, CTC, Alfajor and the packages below them) with turbo,
 * its output kept back and shown only when the build fails.
 * @module
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "./hosts.mjs";

/** The packages whose commands the demo runs; turbo's `...` adds their dependencies. */
const PACKAGES = ["@stdhttp/cgihttpserver", "@stdhttp/ctc", "@stdhttp/alfajor"];

/**
 * Runs the build; resolves with its exit status and (combined) output.
 * @returns {Promise<{ code: number, output: Buffer }>}
 */
export function build() {
  const turbo = path.join(REPO_ROOT, "node_modules/.bin/turbo");
  const args = ["run", "build", ...PACKAGES.map((name) => `--filter=${name}...`), "--output-logs=errors-only"];
  return new Promise((resolve, reject) => {
    const child = spawn(turbo, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", TURBO_NO_UPDATE_NOTIFIER: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    /** @type {Buffer[]} */
    const output = [];
    child.stdout.on("data", (chunk) => output.push(chunk));
    child.stderr.on("data", (chunk) => output.push(chunk));
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output: Buffer.concat(output) }));
  });
}
