/**
 * @stdhttp/simplehttpserver: Python's `SimpleHTTPServer` / `http.server.SimpleHTTPRequestHandler`
 * for Node.js. Static files and directory listings, with validators, conditional requests, byte
 * ranges, precompressed siblings, CORS, an SPA fallback and safe defaults; and the
 * `simplehttpserver` command (`python -m http.server`).
 *
 * The servers of `@stdhttp/basehttpserver` are re-exported, as CPython's `http.server` module
 * holds them all: one import is enough.
 *
 * @example
 * import { SimpleHTTPRequestHandler, ThreadingHTTPServer } from "@stdhttp/simplehttpserver";
 * const Handler = SimpleHTTPRequestHandler.withOptions({ directory: "public" });
 * await using httpd = new ThreadingHTTPServer(["127.0.0.1", 8000], Handler);
 * await httpd.serveForever();
 * @module
 */
export { SimpleHTTPRequestHandler } from "./handler.js";
export { DEFAULT_FILE_CACHE, type SimpleHTTPOptions, type DotfilesPolicy, type SymlinkPolicy } from "./options.js";
export type { FileSource } from "./send-file.js";
export { HTTPServer, ThreadingHTTPServer, HTTPSServer, ThreadingHTTPSServer } from "@stdhttp/basehttpserver";
export { FileCache } from "./file-cache.js";
export { DEFAULT_EXTENSIONS_MAP, DEFAULT_CONTENT_TYPE } from "./mime.js";
export { SimpleHTTPServerError, FileChanged, UsageError } from "./errors.js";
export type { ByteRange, Multipart } from "./range.js";
export type { ListingEntry, ListingSort, ListingPage } from "./listing.js";
export { runCommand, runIfMain, type CLIStreams } from "./cli-server.js";
export { parseCommandLine, defaultOptions, usage, helpText, formatUsageError, type CommandSpec, type CLIFlag, type CLIOptions, type ParsedCommandLine } from "./cli-args.js";
