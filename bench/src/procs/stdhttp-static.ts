/**
 * Our static file server: @stdhttp/simplehttpserver's `SimpleHTTPRequestHandler` (HTTP/1.1, quiet
 * log, rooted in a directory with `withOptions({ directory })`) on its re-exported
 * `ThreadingHTTPServer`, as the package README writes it. Imported lazily: the peers of the
 * `static` workload run even when ours is not built (its row then says `no result`).
 * @module
 */
import type { Socket } from "node:net";
import type { RequestHandlerClass } from "@stdhttp/socketserver";
import { serveOnLoopback } from "./listen.js";

/** The handler class serving `directory` (HTTP/1.1, no request log). */
export async function staticHandler(directory: string): Promise<RequestHandlerClass<Socket>> {
  const { SimpleHTTPRequestHandler } = await import("@stdhttp/simplehttpserver");
  class Handler extends SimpleHTTPRequestHandler {
    override protocolVersion = "HTTP/1.1";

    override logMessage(): void {}
  }
  return Handler.withOptions({ directory });
}

/** Start our static server for `directory` on an ephemeral 127.0.0.1 port; resolves with the port. */
export async function startStdhttpStatic(directory: string): Promise<number> {
  const { ThreadingHTTPServer } = await import("@stdhttp/simplehttpserver");
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], await staticHandler(directory));
  return serveOnLoopback(server);
}
