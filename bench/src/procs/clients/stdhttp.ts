/**
 * Our contender: @stdhttp/httplib's `HTTPConnection` (one request in flight) or
 * `HTTPConnectionPool` (several), used the Python way: `request()`, `getResponse()`, `read()`.
 * @module
 */
import type { BenchClient, ClientFactory } from "./types.js";

/** The slice of @stdhttp/httplib's client API used here (Python's http.client shape). */
interface HttplibResponse {
  status: number;
  read(): Promise<Buffer>;
}
interface HttplibConnection {
  request(method: string, url: string): unknown;
  getResponse(): Promise<HttplibResponse>;
  close(): unknown;
}
interface HttplibApi {
  HTTPConnection: new (host: string, port: number) => HttplibConnection;
}

/** Several `HTTPConnection`s handed out one request at a time (used while no pool class exists). */
function connectionList(api: HttplibApi, port: number, size: number): BenchClient {
  const idle: HttplibConnection[] = Array.from({ length: size }, () => new api.HTTPConnection("127.0.0.1", port));
  const waiting: Array<(c: HttplibConnection) => void> = [];
  const take = (): Promise<HttplibConnection> => {
    const c = idle.pop();
    return c ? Promise.resolve(c) : new Promise((resolve) => waiting.push(resolve));
  };
  const give = (c: HttplibConnection): void => {
    const next = waiting.shift();
    if (next) next(c);
    else idle.push(c);
  };
  return {
    async get(path) {
      const conn = await take();
      try {
        await conn.request("GET", path);
        const res = await conn.getResponse();
        return { status: res.status, body: await res.read() };
      } finally {
        give(conn);
      }
    },
    async close() {
      for (const c of idle) await c.close();
    },
  };
}

/** Create our contender. Throws when @stdhttp/httplib has no client yet. */
export const createStdhttpClient: ClientFactory = async (port, inflight) => {
  const api = (await import("@stdhttp/httplib")) as unknown as Partial<HttplibApi>;
  if (typeof api.HTTPConnection !== "function") throw new Error("@stdhttp/httplib does not export HTTPConnection yet");
  return connectionList(api as HttplibApi, port, inflight);
};
