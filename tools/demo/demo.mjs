#!/usr/bin/env node
// `pnpm demo` from the repository root runs this bin: the root package.json has no "demo"
// script on purpose, because pnpm prints a "> stdhttp@ demo ..." banner before every script it
// runs, while `pnpm <name>` with no such script runs the workspace bin `<name>` without one.
//
// 1. Build what the demo runs, with turbo's output kept back (shown only if the build fails).
// 2. Start the news site, the ad server, Alfajor and CTC (src/stack.mjs) on 127.0.0.1.
// 3. --check: make the tries through both proxies and exit 0/1 (src/check.mjs); otherwise print
//    what to try and run until Ctrl-C, then stop every process and exit 0.
import { parseArgs, USAGE, UsageError } from "./src/args.mjs";
import { build } from "./src/build.mjs";
import { runChecks } from "./src/check.mjs";
import { instructions } from "./src/instructions.mjs";
import { portIsFree } from "./src/ports.mjs";
import { startStack } from "./src/stack.mjs";

/** @param {string} text */
const write = (text) => process.stdout.write(text);

let options;
try {
  options = parseArgs(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`demo: ${err.message}\n\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  write(USAGE);
  process.exit(0);
}

// Ctrl-C (or SIGTERM, or the terminal closing) ends the demo at any point, children included.
/** @type {NodeJS.Signals | null} */
let stopSignal = null;
/** @type {(signal: NodeJS.Signals) => void} */
let onStopSignal = () => {};
const stopRequested = new Promise((resolve) => (onStopSignal = resolve));
for (const signal of /** @type {NodeJS.Signals[]} */ (["SIGINT", "SIGTERM", "SIGHUP"])) {
  process.on(signal, () => {
    stopSignal ??= signal;
    onStopSignal(signal);
  });
}

if (options.build) {
  const built = await build();
  if (stopSignal !== null) process.exit(0);
  if (built.code !== 0) {
    process.stderr.write(built.output);
    process.stderr.write(`\nThe build failed (exit code ${built.code}): see turbo's output above.\n`);
    process.exit(built.code);
  }
}

// The usual ports unless taken (then any free port, said aloud); --check always uses free ports.
/** @type {string[]} */
const notes = [];
/**
 * @param {string} name
 * @param {number} port
 * @param {string} flag
 */
const choosePort = async (name, port, flag) => {
  if (options.check || port === 0 || (await portIsFree(port))) return options.check ? 0 : port;
  notes.push(`Port ${port} is taken on 127.0.0.1 (by another program?): ${name} listens on a free port instead (see below; ${flag} N chooses one).`);
  return 0;
};
const ctcPort = await choosePort("CTC", options.ctcPort, "--ctc-port");
const alfajorPort = await choosePort("Alfajor", options.alfajorPort, "--alfajor-port");

let stack;
try {
  stack = await startStack({ ctcPort, alfajorPort });
} catch (err) {
  process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
if (stopSignal !== null) {
  await stack.stop();
  process.exit(0);
}

if (options.check) {
  write(`Checking the demo chain: CTC ${stack.ctc.url} -> Alfajor ${stack.alfajor.url} -> news site ${stack.news.url}, ad server ${stack.ads.url}\n`);
  const ok = await runChecks(stack, write);
  await stack.stop();
  process.exit(ok ? 0 : 1);
}

for (const note of notes) write(`${note}\n`);
write(instructions(stack));

// Runs until a stop signal, or until a child ends on its own (then the demo ends with status 1).
const childDied = Promise.race(stack.children.map((child) => child.exited.then(() => child)));
const reason = await Promise.race([stopRequested, childDied]);
if (typeof reason === "string") {
  write("\nStopping the demo ...\n");
  await stack.stop();
  write("Stopped.\n");
  process.exit(0);
}
process.stderr.write(`\ndemo: ${reason.name} stopped unexpectedly (${reason.exitDescription()}):\n${reason.output()}\nStopping the rest of the demo.\n`);
await stack.stop();
process.exit(1);
