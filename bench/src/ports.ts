/**
 * Loopback ports for system servers the benchmarks start (nginx, lighttpd, Privoxy, tinyproxy):
 * a free port to write into their configuration, and whether they accept connections yet.
 * @module
 */
import { connect, createServer } from "node:net";

/** A free loopback port (bound, then released for the server: a small race, fine for a benchmark). */
export function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = connect(port, "127.0.0.1", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}
