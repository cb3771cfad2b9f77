/**
 * Our CGI server: @stdhttp/cgihttpserver's `CGIHTTPRequestHandler` (HTTP/1.1, quiet log, rooted in
 * a directory with `withOptions({ directory })`) on its re-exported `ThreadingHTTPServer`, as the
 * package README writes it. Imported lazily: the peers of the `cgi` workload run even when ours is
 * missing or does not build (its row then says `no result` with the import error).
 *
 * The package is imported through a name held in a variable and typed structurally below (the
 * part of its API this file uses), so that bench type-checks while `packages/cgihttpserver` has no
 * `dist/index.d.ts` (not built, or broken). The same code with a literal import type-checked
 * against the package's own declarations at its first commit (f0b8658).
 * @module
 */
import type { Socket } from "node:net";
import type { RequestHandlerClass } from "@stdhttp/socketserver";
import { serveOnLoopback, type LoopbackServer } from "./listen.js";

/** The package under test (a dependency of bench, `workspace:^`). */
export const CGI_PACKAGE = "@stdhttp/cgihttpserver";

/** What a handler instance offers that our subclass overrides. */
interface CgiHandlerInstance {
  protocolVersion: string;
  logMessage(format: string, ...args: unknown[]): void;
}

/** `CGIHTTPRequestHandler` as a base class: constructed by the server, configured with `withOptions`. */
interface CgiHandlerBase {
  new (...args: never[]): CgiHandlerInstance;
  withOptions(options: { directory: string; cgiLauncher?: string }): RequestHandlerClass<Socket>;
}

/** The part of `@stdhttp/cgihttpserver` used here. */
interface CgiModule {
  CGIHTTPRequestHandler: CgiHandlerBase;
  ThreadingHTTPServer: new (address: [string, number], handler: RequestHandlerClass<Socket>) => LoopbackServer;
}

async function loadPackage(): Promise<CgiModule> {
  const name: string = CGI_PACKAGE;
  const mod = (await import(name)) as Partial<CgiModule>;
  if (typeof mod.CGIHTTPRequestHandler !== "function" || typeof mod.ThreadingHTTPServer !== "function") {
    throw new Error(`${CGI_PACKAGE} does not export CGIHTTPRequestHandler and ThreadingHTTPServer`);
  }
  return mod as CgiModule;
}

/** Start our CGI server for `directory` (scripts started by `launcher`) on an ephemeral 127.0.0.1 port; resolves with the port. */
export async function startStdhttpCgi(directory: string, launcher = "auto"): Promise<number> {
  const { CGIHTTPRequestHandler, ThreadingHTTPServer } = await loadPackage();
  class Handler extends CGIHTTPRequestHandler {
    override protocolVersion = "HTTP/1.1";

    override logMessage(): void {}
  }
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], Handler.withOptions({ directory, cgiLauncher: launcher }));
  return serveOnLoopback(server);
}
