/**
 * Our hello server: @stdhttp/basehttpserver's `ThreadingHTTPServer` with an HTTP/1.1
 * `BaseHTTPRequestHandler` answering `do_GET`, as the package README writes it, with a quiet log
 * (the same as the CPython peer's `log_message`).
 * @module
 */
import { serveOnLoopback } from "./listen.js";

/** Start the server on an ephemeral 127.0.0.1 port; resolves with the port once it listens. */
export async function startStdhttpHello(text: string): Promise<number> {
  // Imported here, not at the top: the node:http contender must run even when ours is not built.
  const { BaseHTTPRequestHandler, ThreadingHTTPServer } = await import("@stdhttp/basehttpserver");
  const body = Buffer.from(text);

  class Hello extends BaseHTTPRequestHandler {
    override protocolVersion = "HTTP/1.1";

    do_GET(): void {
      this.sendResponse(200);
      this.sendHeader("Content-Type", "text/plain");
      this.sendHeader("Content-Length", body.length);
      this.endHeaders();
      this.wfile.write(body);
    }

    override logMessage(): void {}
  }

  const server = new ThreadingHTTPServer(["127.0.0.1", 0], Hello);
  return serveOnLoopback(server);
}
