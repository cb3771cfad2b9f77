/**
 * Our contender, @stdhttp/httplib: one `HTTPConnection` used the Python way (`request()`,
 * `getResponse()`, `read()`) for one request in flight; an `HTTPConnectionPool` with
 * `connections = inflight` (`pool.request()`, then `read()`) for several.
 * @module
 */
import type { BenchClient, ClientFactory } from "./types.js";

/** Create our contender. */
export const createStdhttpClient: ClientFactory = async (port, inflight) => {
  // Imported here, not at the top: the peers must run even when ours is not built.
  const { HTTPConnection, HTTPConnectionPool } = await import("@stdhttp/httplib");
  if (inflight === 1) {
    const conn = new HTTPConnection("127.0.0.1", port);
    const client: BenchClient = {
      async get(path) {
        await conn.request("GET", path);
        const res = await conn.getResponse();
        return { status: res.status, body: await res.read() };
      },
      close() {
        conn.close();
        return Promise.resolve();
      },
    };
    return client;
  }
  const pool = new HTTPConnectionPool("127.0.0.1", port, { connections: inflight });
  return {
    async get(path) {
      const res = await pool.request({ method: "GET", path });
      return { status: res.status, body: await res.read() };
    },
    close() {
      pool.close();
      return Promise.resolve();
    },
  };
};
