/**
 * A minimal CONNECT proxy for tunnel tests: records each CONNECT head, answers 200 and relays
 * bytes to a fixed local port (whatever host was asked), or refuses with a given status.
 * @module
 */
import * as net from "node:net";
import type { AddressInfo } from "node:net";

/** A running proxy. */
export interface TestProxy {
  port: number;
  /** Every CONNECT head received (latin1). */
  heads: string[];
  close(): Promise<void>;
}

/** Starts a CONNECT proxy relaying to 127.0.0.1:`targetPort`, or refusing with `refuse` (a full status line + headers). */
export async function connectProxy(targetPort: number, refuse?: string): Promise<TestProxy> {
  const heads: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on("error", () => {});
    client.on("close", () => sockets.delete(client));
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf("\r\n\r\n");
      if (end === -1) return;
      client.off("data", onData);
      heads.push(buf.subarray(0, end + 4).toString("latin1"));
      const rest = buf.subarray(end + 4);
      if (refuse !== undefined) {
        client.end(refuse);
        return;
      }
      const upstream = net.connect(targetPort, "127.0.0.1", () => {
        client.write("HTTP/1.1 200 Connection established\r\nX-Dummy: 1\r\n\r\n");
        if (rest.length > 0) upstream.write(rest);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      sockets.add(upstream);
      upstream.on("error", () => client.destroy());
      upstream.on("close", () => {
        sockets.delete(upstream);
        client.destroy();
      });
      client.on("close", () => upstream.destroy());
    };
    client.on("data", onData);
  });
  server.listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    heads,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
