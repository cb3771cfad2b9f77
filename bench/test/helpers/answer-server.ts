/**
 * A node:http server on 127.0.0.1 port 0 whose answer each test writes, closed after each test:
 * for checking the workloads' answer checks against right and wrong servers (every server a test
 * started is closed after it).
 */
import { afterEach } from "@jest/globals";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Registers the after-each close; returns `serve(answer)`, which resolves with the port. */
export function answerServer(): (answer: (res: ServerResponse) => void) => Promise<number> {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
  });
  return async (answer) => {
    const s = createServer((_req, res) => answer(res));
    servers.push(s);
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    return (s.address() as AddressInfo).port;
  };
}
