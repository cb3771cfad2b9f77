/**
 * Our hello server: @stdhttp/basehttpserver's `ThreadingHTTPServer` with an HTTP/1.1
 * `BaseHTTPRequestHandler` answering `do_GET`, as the package README writes it, with a quiet log
 * (the same as the CPython peer's `log_message`).
 * @module
 */
import type { Socket } from "node:net";
import type { RequestHandlerClass } from "@stdhttp/socketserver";
import { serveOnLoopback } from "./listen.js";

/**
 * The hello handler class for `text` (imported lazily, not at the top: the node:http contender must
 * run even when ours is not built). Also used by the hold server of idle-conns and slowloris.
 */
export async function helloHandler(text: string): Promise<RequestHandlerClass<Socket>> {
  const { BaseHTTPRequestHandler } = await import("@stdhttp/basehttpserver");
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
  return Hello;
}

/** Start the server on an ephemeral 127.0.0.1 port; resolves with the port once it listens. */
export async function startStdhttpHello(text: string): Promise<number> {
  const { ThreadingHTTPServer } = await import("@stdhttp/basehttpserver");
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], await helloHandler(text));
  return serveOnLoopback(server);
}
