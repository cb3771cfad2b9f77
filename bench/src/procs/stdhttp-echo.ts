/**
 * Our echo server: `ThreadingTCPServer` + a `StreamRequestHandler` subclass that echoes line
 * by line, exactly the code a user would write from the socketserver README.
 * @module
 */
import { serveOnLoopback } from "./listen.js";

/** Start the server on an ephemeral 127.0.0.1 port; resolves with the port once it listens. */
export async function startStdhttpEcho(maxLineLength: number): Promise<number> {
  // Imported here, not at the top: the node:net contender must run even when ours is not built.
  const { ThreadingTCPServer, StreamRequestHandler } = await import("@stdhttp/socketserver");

  class Echo extends StreamRequestHandler {
    // TCP_NODELAY, as on the node:net contender and the load generator.
    override disableNagleAlgorithm = true;

    override async handle(): Promise<void> {
      for (;;) {
        const line = await this.rfile.readline();
        if (line.length === 0) break;
        this.wfile.write(line);
      }
    }
  }

  const server = new ThreadingTCPServer(["127.0.0.1", 0], Echo, { maxLineLength });
  return serveOnLoopback(server);
}
