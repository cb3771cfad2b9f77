/**
 * Listen on an ephemeral 127.0.0.1 port: the one start-up step every server child shares.
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
