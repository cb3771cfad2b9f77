/**
 * undici peer: a `Client` for one request in flight, a `Pool` of `inflight` connections otherwise;
 * `request()` with the body read by `arrayBuffer()` (one buffer, as the other contenders).
 * @module
 */
import { Client, Pool } from "undici";
import type { BenchClient, ClientFactory } from "./types.js";

/** Create the undici contender. */
export const createUndiciClient: ClientFactory = (port, inflight) => {
  const origin = `http://127.0.0.1:${port}`;
  const dispatcher = inflight === 1 ? new Client(origin) : new Pool(origin, { connections: inflight });
  const client: BenchClient = {
    async get(path) {
      const { statusCode, body } = await dispatcher.request({ method: "GET", path });
      return { status: statusCode, body: Buffer.from(await body.arrayBuffer()) };
    },
    close: () => dispatcher.close(),
  };
  return Promise.resolve(client);
};
