/**
 * Running the `simplehttpserver` command, or one built on it ({@link runCommand} with a
 * `CommandSpec`): the handler class made from the options (`CLIHandler`), the server, bound as
 * CPython's `http.server.test()` binds it (the address family of the bind address; all
 * interfaces dual-stack, as its `DualStackServerMixin`), the serving line, and the signals.
 * @module
 */
import { realpathSync } from "node:fs";
import { lookup } from "node:dns/promises";
import type { Socket } from "node:net";
import { pathToFileURL } from "node:url";
import { ThreadingHTTPServer, ThreadingHTTPSServer, type HTTPServer } from "@stdhttp/basehttpserver";
import { AF_INET, AF_INET6, type RequestHandlerClass } from "@stdhttp/socketserver";
import { checkFiles, formatUsageError, helpText, parseCommandLine, type CheckedFiles, type CLIOptions, type CommandSpec, type ParsedCommandLine } from "./cli-args.js";
import { UsageError } from "./errors.js";
import { SimpleHTTPRequestHandler } from "./handler.js";

/** Where the command writes: stdout for the serving line and help, stderr for errors. */
export interface CLIStreams {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** Bind errors after which "all interfaces" falls back from `::` to `0.0.0.0` (no IPv6 here). */
const NO_IPV6 = new Set(["EAFNOSUPPORT", "EADDRNOTAVAIL", "EPROTONOSUPPORT", "EINVAL"]);

/**
 * Run `command` with `argv` (the arguments after the script): parse them, start the server, print
 * CPython's `Serving HTTP on ...` line and serve until SIGINT (CPython's `Keyboard interrupt
 * received, exiting.`) or SIGTERM, then shut down gracefully. Resolves with the exit status once
 * the server has shut down: 0; or at once: 0 for `--help` and `--version`, 2 for a usage error
 * (usage line and message on stderr), 1 when the server cannot start. A second signal during the
 * shutdown exits the process at once (130 for SIGINT, 143 for SIGTERM).
 *
 * @example
 * const status = await runCommand({ prog: "myserver", version: "1.0.0" }, ["8080", "-b", "127.0.0.1"]);
 */
export async function runCommand<X extends object>(command: CommandSpec<X>, argv: readonly string[], io: CLIStreams = process): Promise<number> {
  const { prog } = command;
  let parsed: ParsedCommandLine<X>;
  let files: CheckedFiles | null = null;
  try {
    parsed = parseCommandLine(argv, command);
    if (parsed.action === "serve") files = checkFiles(parsed.options);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(formatUsageError(err, command));
    return 2;
  }
  if (parsed.action === "help") {
    io.stdout.write(helpText(command));
    return 0;
  }
  if (parsed.action === "version") {
    io.stdout.write(`${prog} ${command.version}\n`);
    return 0;
  }
  const { options } = parsed;
  let server: HTTPServer;
  try {
    server = await startServer(options, files!, command.handlerFor?.(options));
  } catch (err) {
    io.stderr.write(`${prog}: error: ${(err as Error).message}\n`);
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

/**
 * For a bin module: when it is the script node was started with (directly, or through a symlink
 * such as `node_modules/.bin/NAME`), run `command` with the process's arguments and exit with its
 * status; when it is only imported, do nothing. An unexpected error is printed
 * (`prog: error: STACK`) and exits 1.
 *
 * @example
 * #!/usr/bin/env node
 * runIfMain(import.meta.url, { prog: "myserver", version: "1.0.0", handlerFor: () => MyHandler });
 */
export function runIfMain<X extends object>(moduleUrl: string, command: CommandSpec<X>): void {
  if (!isMainScript(moduleUrl)) return;
  runCommand(command, process.argv.slice(2)).then(
    (status) => process.exit(status),
    (err: unknown) => {
      process.stderr.write(`${command.prog}: error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}

/** Whether `moduleUrl` is the script node was started with (the bin, possibly through a symlink). */
function isMainScript(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === moduleUrl;
  } catch {
    return false;
  }
}

/**
 * The handler class for these options: a subclass of `base` (default `SimpleHTTPRequestHandler`)
 * with `protocolVersion` from `-p`, the log silenced by `--quiet`, and the rest as `withOptions()`.
 */
export function cliHandler(options: CLIOptions, directory: string, base: typeof SimpleHTTPRequestHandler = SimpleHTTPRequestHandler): RequestHandlerClass<Socket> {
  const { protocol, quiet } = options;
  class CLIHandler extends base {
    override protocolVersion = protocol;
    override logMessage(format: string, ...args: unknown[]): void {
      if (!quiet) super.logMessage(format, ...args);
    }
  }
  return CLIHandler.withOptions({
    directory,
    defaultContentType: options.contentType ?? undefined,
    extraHeaders: options.headers,
    cacheControl: options.cacheControl,
    corsOrigin: options.cors,
    spaFallback: options.spa,
    directoryListing: options.listing,
    dotfiles: options.dotfiles,
    symlinks: options.symlinks,
    precompressed: options.precompressed,
    allowUpload: options.upload,
  });
}

/**
 * Create the server and wait until it listens: `ThreadingHTTPSServer` with `--tls-cert`, else
 * `ThreadingHTTPServer`, serving with {@link cliHandler}`(options, directory, base)`. Without
 * `-b`, `::` with IPv4-mapped addresses, or `0.0.0.0` when the machine has no IPv6. Rejects with
 * the bind (or TLS, or name resolution) error.
 */
export async function startServer(options: CLIOptions, files: CheckedFiles, base?: typeof SimpleHTTPRequestHandler): Promise<HTTPServer> {
  const Handler = cliHandler(options, files.directory, base);
  if (options.bind === null || options.bind === "") {
    try {
      return await listen(options, files, Handler, "::", 6);
    } catch (err) {
      if (!NO_IPV6.has((err as NodeJS.ErrnoException).code ?? "")) throw err;
      return listen(options, files, Handler, "0.0.0.0", 4);
    }
  }
  // CPython: the family of getaddrinfo()'s first answer for the address.
  const { address, family } = await lookup(options.bind);
  return listen(options, files, Handler, address, family === 6 ? 6 : 4);
}

/** CPython's line, `Serving HTTP on HOST port PORT (http://HOST:PORT/) ...`, IPv6 hosts in brackets in the URL. */
export function servingLine(server: HTTPServer, https: boolean): string {
  const [host, port] = server.serverAddress as [string, number];
  const urlHost = host.includes(":") ? `[${host}]` : host;
  const protocol = https ? "HTTPS" : "HTTP";
  return `Serving ${protocol} on ${host} port ${port} (${protocol.toLowerCase()}://${urlHost}:${port}/) ...\n`;
}

async function listen(options: CLIOptions, files: CheckedFiles, Handler: RequestHandlerClass<Socket>, host: string, family: 4 | 6): Promise<HTTPServer> {
  const limits = options.maxUploadSize === null ? {} : { maxBodySize: options.maxUploadSize };
  let server: HTTPServer;
  if (options.tlsCert === null) server = new ThreadingHTTPServer([host, options.port], Handler, limits);
  else {
    const tls = { certfile: options.tlsCert, keyfile: options.tlsKey ?? undefined, password: files.tlsPassword };
    try {
      server = new ThreadingHTTPSServer([host, options.port], Handler, { ...limits, ...tls });
    } catch (err) {
      throw new Error(`cannot use the TLS certificate and key: ${(err as Error).message}`, { cause: err });
    }
  }
  // Set before the bind, which the server runs in a microtask (CPython sets address_family first too).
  server.addressFamily = family === 6 ? AF_INET6 : AF_INET;
  // CPython's DualStackServer: `::` accepts IPv4 clients too.
  if (family === 6) server.ipv6Only = false;
  try {
    await server.ready;
  } catch (err) {
    await server.serverClose();
    throw err;
  }
  return server;
}
