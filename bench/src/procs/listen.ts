/**
 * Listen on an ephemeral 127.0.0.1 port: the one start-up step every server child shares, for
 * a `node:net` server and for a socketserver one.
 * @module
 */
import type { Server } from "node:net";

/** Resolves with the port once `server` listens on 127.0.0.1 (port 0: the kernel picks). */
export function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") reject(new Error("no TCP address"));
      else resolve(address.port);
    });
  });
}

/** What {@link serveOnLoopback} needs of a socketserver server (structural: ours need not be built). */
export interface LoopbackServer {
  readonly ready: Promise<void>;
  serveForever(): Promise<void>;
  readonly serverAddress: string | readonly [string, number];
}

/** Waits until a socketserver `server` (bound to 127.0.0.1:0) listens, starts serving it, and resolves with its port. */
export async function serveOnLoopback(server: LoopbackServer): Promise<number> {
  await server.ready;
  void server.serveForever();
  const address = server.serverAddress;
  if (typeof address === "string") throw new Error(`expected a TCP address, got ${address}`);
  return address[1];
}
