#!/usr/bin/env node
/**
 * The `cgihttpserver` command: `python -m http.server --cgi` for Node.js. It is the
 * `simplehttpserver` command (same flags, `Serving HTTP on ...` line, signals and exit status)
 * serving with `CGIHTTPRequestHandler`, plus the flags of `cli-args.ts` for its CGI properties.
 * @module
 */
import { readFileSync } from "node:fs";
import { runCommand, runIfMain, type CLIStreams, type CommandSpec } from "@stdhttp/simplehttpserver";
import { CGI_FLAGS, defaultCgiOptions, type CGICLIOptions } from "./cli-args.js";
import { CGIHTTPRequestHandler } from "./index.js";

/** The command: `simplehttpserver`'s, with the CGI flags and handler. */
export const CGIHTTPSERVER: CommandSpec<CGICLIOptions> = {
  prog: "cgihttpserver",
  get version(): string {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
    return pkg.version;
  },
  description: "Serve a directory over HTTP or HTTPS and run the CGI scripts in its CGI\ndirectories (Python's http.server --cgi).",
  flags: CGI_FLAGS,
  flagsTitle: "CGI options",
  // Scripts read request bodies: --max-upload-size is their limit, with or without --upload.
  takesBodies: true,
  defaults: defaultCgiOptions,
  handlerFor: (o) =>
    CGIHTTPRequestHandler.withOptions({
      cgiDirectories: o.cgiDirectories,
      cgiTimeout: o.cgiTimeout,
      cgiMode: o.cgiMode,
      // Added to the handler's defaults (none today), as --help says: the flag adds.
      cgiInterpreters: { ...CGIHTTPRequestHandler.prototype.cgiInterpreters, ...o.cgiInterpreters },
      passAuthorization: o.passAuthorization,
      cgiUser: o.cgiUser,
      cgiLauncher: o.cgiLauncher,
    }),
};

/**
 * Run the command with `argv` (the arguments after the script); resolves with the exit status
 * once the server has shut down (or at once for `--help`, `--version` and errors).
 */
export function main(argv: readonly string[], io: CLIStreams = process): Promise<number> {
  return runCommand(CGIHTTPSERVER, argv, io);
}

runIfMain(import.meta.url, CGIHTTPSERVER);
