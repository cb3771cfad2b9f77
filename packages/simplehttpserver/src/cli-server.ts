/**
 * What the `simplehttpserver` command serves with: the handler class made from the options
 * (`CLIHandler`), and the server, bound as CPython's `http.server.test()` binds it (the address
 * family of the bind address; all interfaces dual-stack, as its `DualStackServerMixin`).
 * @module
 */
import { lookup } from "node:dns/promises";
import type { ListenOptions, Server, Socket } from "node:net";
import { ThreadingHTTPServer, ThreadingHTTPSServer, type HTTPServer } from "@stdhttp/basehttpserver";
import { AF_INET, AF_INET6, type RequestHandlerClass } from "@stdhttp/socketserver";
import type { CheckedFiles, CLIOptions } from "./cli-args.js";
import { SimpleHTTPRequestHandler } from "./handler.js";

/** Bind errors after which "all interfaces" falls back from `::` to `0.0.0.0` (no IPv6 here). */
const NO_IPV6 = new Set(["EAFNOSUPPORT", "EADDRNOTAVAIL", "EPROTONOSUPPORT", "EINVAL"]);

/**
 * The handler class for these options: `protocolVersion` from `-p`, the log silenced by
 * `--quiet`, and the rest as `withOptions()`.
 */
export function cliHandler(options: CLIOptions, directory: string): RequestHandlerClass<Socket> {
  const { protocol, quiet } = options;
  class CLIHandler extends SimpleHTTPRequestHandler {
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
 * `ThreadingHTTPServer`. Without `-b`, `::` with IPv4-mapped addresses, or `0.0.0.0` when the
 * machine has no IPv6. Rejects with the bind (or TLS, or name resolution) error.
 */
export async function startServer(options: CLIOptions, files: CheckedFiles): Promise<HTTPServer> {
  const Handler = cliHandler(options, files.directory);
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
  if (family === 6) acceptIPv4(server.socket);
  try {
    await server.ready;
  } catch (err) {
    await server.serverClose();
    throw err;
  }
  return server;
}

/**
 * CPython's `DualStackServerMixin`: clear IPV6_V6ONLY on an IPv6 listener, so that `::` also
 * accepts IPv4 clients (as `::ffff:a.b.c.d`). socketserver asks for `ipv6Only: true`; this
 * listener's `listen()` is told otherwise.
 */
function acceptIPv4(listener: Server): void {
  const listen = listener.listen.bind(listener) as (options: ListenOptions) => Server;
  listener.listen = ((options: ListenOptions) => listen({ ...options, ipv6Only: false })) as Server["listen"];
}
