#!/usr/bin/env node
// `pnpm demo` from the repository root runs this bin: the root package.json has no "demo"
// script on purpose, because pnpm prints a "> stdhttp@ demo ..." banner before every script it
// runs, while `pnpm <name>` with no such script runs the workspace bin `<name>` without one.
//
// 1. Build what the demo imports, with turbo's output kept back (shown only if the build fails).
// 2. Run the demos; their output is all `pnpm demo` prints.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Runs a command from the repository root; resolves with its exit code and (if piped) its output. */
function run(command, args, { quiet = false, env = process.env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit" });
    const output = [];
    if (quiet) {
      child.stdout.on("data", (chunk) => output.push(chunk));
      child.stderr.on("data", (chunk) => output.push(chunk));
    }
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output: Buffer.concat(output) }));
  });
}

const build = await run(
  `${root}node_modules/.bin/turbo`,
  ["run", "build", "--filter=@stdhttp/basehttpserver", "--output-logs=errors-only"],
  { quiet: true, env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", TURBO_NO_UPDATE_NOTIFIER: "1" } },
);
if (build.code !== 0) {
  process.stderr.write(build.output);
  process.stderr.write(`\nThe build failed (exit code ${build.code}): see turbo's output above.\n`);
  process.exit(build.code);
}

for (const demo of ["packages/socketserver/examples/echo-demo.mjs", "packages/basehttpserver/examples/http-demo.mjs"]) {
  const { code } = await run(process.execPath, [demo]);
  if (code !== 0) process.exit(code);
}
