#!/usr/bin/env node
/**
 * The `simplehttpserver` command: `python -m http.server` for Node.js. Parses the arguments
 * (`cli-args.ts`), starts the server (`cli-server.ts`), prints CPython's `Serving HTTP on ...`
 * line and serves until SIGINT (CPython's `Keyboard interrupt received, exiting.`) or SIGTERM,
 * then shuts down gracefully and exits 0. Usage errors exit 2, other start-up failures 1.
 *
 * Commands built on this one (`cgihttpserver`) do the same with their own `CommandSpec`:
 * `runIfMain(import.meta.url, spec)`.
 * @module
 */
import { SIMPLEHTTPSERVER } from "./cli-args.js";
import { runCommand, runIfMain, type CLIStreams } from "./cli-server.js";

export type { CLIStreams } from "./cli-server.js";

/**
 * Run the command with `argv` (the arguments after the script); resolves with the exit status
 * once the server has shut down (or at once for `--help`, `--version` and errors).
 */
export function main(argv: readonly string[], io: CLIStreams = process): Promise<number> {
  return runCommand(SIMPLEHTTPSERVER, argv, io);
}

runIfMain(import.meta.url, SIMPLEHTTPSERVER);
