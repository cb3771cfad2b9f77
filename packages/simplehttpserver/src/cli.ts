#!/usr/bin/env node
/**
 * The `simplehttpserver` command: `python -m http.server` for Node.js. Parses the arguments
 * (`cli-args.ts`), starts the server (`cli-server.ts`), prints CPython's `Serving HTTP on ...`
 * line and serves until SIGINT (CPython's `Keyboard interrupt received, exiting.`) or SIGTERM,
 * then shuts down gracefully and exits 0. Usage errors exit 2, other start-up failures 1.
 * @module
 */
import { readFileSync, realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { HTTPServer } from "@stdhttp/basehttpserver";
import { checkFiles, formatUsageError, helpText, parseCommandLine, PROG, type CheckedFiles, type ParsedCommandLine } from "./cli-args.js";
import { servingLine, startServer } from "./cli-server.js";
import { UsageError } from "./errors.js";

/** Where the command writes: stdout for the serving line and help, stderr for errors. */
export interface CLIStreams {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/**
 * Run the command with `argv` (the arguments after the script); resolves with the exit status
 * once the server has shut down (or at once for `--help`, `--version` and errors).
 */
export async function main(argv: readonly string[], io: CLIStreams = process): Promise<number> {
  let parsed: ParsedCommandLine;
  let files: CheckedFiles | null = null;
  try {
    parsed = parseCommandLine(argv);
    if (parsed.action === "serve") files = checkFiles(parsed.options);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(formatUsageError(err));
    return 2;
  }
  if (parsed.action === "help") {
    io.stdout.write(helpText());
    return 0;
  }
  if (parsed.action === "version") {
    io.stdout.write(`${PROG} ${version()}\n`);
    return 0;
  }
  const { options } = parsed;
  let server: HTTPServer;
  try {
    server = await startServer(options, files!);
  } catch (err) {
    io.stderr.write(`${PROG}: error: ${(err as Error).message}\n`);
    return 1;
  }
  let stopping: Promise<void> = Promise.resolve();
  let signalled = false;
  const stop = (signal: NodeJS.Signals): void => {
    // A second signal does not wait for the requests still running.
    if (signalled) process.exit(signal === "SIGINT" ? 130 : 143);
    signalled = true;
    if (signal === "SIGINT") io.stdout.write("\nKeyboard interrupt received, exiting.\n");
    stopping = server.shutdown();
  };
  // Before the line is printed: whoever reads it may signal at once.
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  io.stdout.write(servingLine(server, options.tlsCert !== null));
  try {
    await server.serveForever();
    await stopping;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    await server.serverClose();
  }
  return 0;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/** Whether this module is the script node was started with (the bin, possibly through a symlink). */
function isMainScript(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isMainScript()) {
  main(process.argv.slice(2)).then(
    (status) => process.exit(status),
    (err: unknown) => {
      process.stderr.write(`${PROG}: error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
