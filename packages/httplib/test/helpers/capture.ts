/**
 * Capturing what the client sends (CPython's `FakeSocket.data`): a raw server that answers
 * every request head with an empty 200 and records the bytes, and a connection class that sends
 * to it whatever `host` it was given (as CPython's `FakeSocketHTTPConnection`).
 * @module
 */
import * as net from "node:net";
import { HTTPConnection, type HTTPConnectionOptions } from "../../src/index.js";
import { rawServer, type TestServer } from "./servers.js";

const OK = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

/** An HTTPConnection whose socket always goes to the test server, whatever `host` says. */
export class RedirectedConnection extends HTTPConnection {
  static target = 0;
  protected override createSocket(): net.Socket {
    return net.connect(RedirectedConnection.target, "127.0.0.1");
  }
}

/** Starts a recording server. */
export async function recordingServer(): Promise<TestServer> {
  return rawServer((socket) => socket.write(OK));
}

/**
 * Runs `fn` on a connection to `host` (redirected to a recording server), reads `responses`
 * responses, closes, and returns every byte the server received on the first connection (latin1).
 */
export async function capture(
  fn: (conn: HTTPConnection) => Promise<void>,
  host = "example.com",
  responses = 1,
  options: HTTPConnectionOptions = {},
): Promise<string> {
  const server = await recordingServer();
  RedirectedConnection.target = server.port;
  const conn = new RedirectedConnection(host, undefined, options);
  try {
    await fn(conn);
    for (let i = 0; i < responses; i++) await (await conn.getResponse()).read();
    conn.sock?.end();
    await server.whenIdle!();
    return server.received[0]?.toString("latin1") ?? "";
  } finally {
    conn.close();
    await server.close();
  }
}

/** Header lines (lower-cased names) of the first request head in `data`. */
export function headerCount(data: string, name: string): number {
  const head = data.slice(0, data.indexOf("\r\n\r\n"));
  return head
    .split("\r\n")
    .slice(1)
    .filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`)).length;
}

/** Value of header `name` in the first request head of `data`, or undefined. */
export function headerValue(data: string, name: string): string | undefined {
  const head = data.slice(0, data.indexOf("\r\n\r\n"));
  const line = head
    .split("\r\n")
    .slice(1)
    .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line === undefined ? undefined : line.slice(line.indexOf(":") + 1).trim();
}
