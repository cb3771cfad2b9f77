/**
 * node:http peer: `http.request` through a keep-alive `Agent` with `maxSockets = inflight`,
 * chunks collected and joined into one Buffer.
 * @module
 */
import { Agent, request } from "node:http";
import type { BenchClient, ClientFactory, FullResponse } from "./types.js";

/** Create the node:http contender. */
export const createNodeHttpClient: ClientFactory = (port, inflight) => {
  const agent = new Agent({ keepAlive: true, maxSockets: inflight });
  const client: BenchClient = {
    get(path) {
      return new Promise<FullResponse>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) }));
          res.on("error", reject);
        });
        req.on("error", reject);
        req.end();
      });
    },
    close() {
      agent.destroy();
      return Promise.resolve();
    },
  };
  return Promise.resolve(client);
};
