/**
 * Test helpers: real clients over loopback TCP, UDP and Unix sockets, and small sync primitives.
 */
import { createSocket } from "node:dgram";
import { mkdtempSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BaseServer, SocketAddress } from "../src/index.js";

/** The caller-side part of any server. */
export type Servable = Pick<BaseServer<unknown>, "ready" | "serveForever" | "shutdown" | "serverClose">;

/** A promise with its resolve function exposed. */
export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A fresh path for a Unix socket in a new temp dir. */
export function tmpSocketPath(name = "sock"): string {
  return join(mkdtempSync(join(tmpdir(), "stdhttp-ss-")), name);
}

/** Connect to a TCP `[host, port]` or a Unix socket path. */
export function connectTo(address: SocketAddress): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = typeof address === "string" ? connect(address) : connect(address[1], address[0]);
    s.once("error", reject);
    s.once("connect", () => {
      s.off("error", reject);
      resolve(s);
    });
  });
}

/** Read from a socket until it closes; resolves with everything received. */
export function readAll(s: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on("data", (d: Buffer) => parts.push(d));
    s.once("error", reject);
    s.once("close", () => resolve(Buffer.concat(parts)));
    s.resume();
  });
}

/** Read from a socket until `count` bytes or a newline (when `untilNewline`) arrived. */
export function readSome(s: Socket, untilNewline = true, count = Infinity): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      if ((untilNewline && buf.includes(10)) || buf.length >= count) finish();
    };
    const finish = (): void => {
      s.off("data", onData);
      s.off("close", finish);
      s.pause();
      resolve(buf);
    };
    s.on("data", onData);
    s.once("close", finish);
    s.once("error", reject);
    s.resume();
  });
}

/** Send `data`, half-close, and return the whole answer (the server closes after its handler). */
export async function streamRequest(address: SocketAddress, data: string | Buffer, halfClose = true): Promise<Buffer> {
  const s = await connectTo(address);
  const all = readAll(s);
  s.write(data);
  if (halfClose) s.end();
  return all;
}

/** CPython's stream_examine: send TEST_STR, read until a newline, close. */
export async function streamExamine(address: SocketAddress, payload: Buffer): Promise<Buffer> {
  const s = await connectTo(address);
  s.write(payload);
  const got = await readSome(s);
  s.destroy();
  return got;
}

/** Send one UDP datagram and wait for one answer. */
export function udpRequest(address: [string, number], data: string | Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.once("message", (msg) => {
      s.close();
      resolve(msg);
    });
    s.send(data, address[1], address[0]);
  });
}

/** Start `serveForever()` once the server is ready; returns the loop's promise (wrapped, so awaiting this does not wait for the loop). */
export async function serve(server: Servable): Promise<{ loop: Promise<void> }> {
  await server.ready;
  return { loop: server.serveForever() };
}

/** Stop and close a server started with `serve()`. */
export async function stop(server: Servable, loop?: Promise<void>): Promise<void> {
  await server.shutdown();
  if (loop) await loop;
  await server.serverClose();
}
