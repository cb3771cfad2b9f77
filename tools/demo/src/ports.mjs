/**
 * Whether a TCP port on 127.0.0.1 is free, so that the demo can fall back to a free port (and
 * say so) when 8080 or 8081 is taken.
 * @module
 */
import net from "node:net";

/**
 * Resolves true when `port` can be bound on 127.0.0.1 right now (port 0 always can).
 * @param {number} port
 * @returns {Promise<boolean>}
 */
export function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
