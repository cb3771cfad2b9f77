/**
 * Streaming a file region to the client with backpressure: two buffers in turn, the next block
 * read from disk while the previous one drains to the socket; memory per download stays at two
 * blocks whatever the file's size. The blocks come from a small shared pool, so a busy server
 * does not fault fresh pages in for every download.
 * @module
 */
import { read } from "node:fs";
import type { Writable } from "node:stream";
import type { HTTPSocketWriter } from "@stdhttp/basehttpserver";
import { ConnectionClosed, SocketTimeout } from "@stdhttp/socketserver";
import { FileChanged } from "./errors.js";

/** Size of one block read from disk and written to the socket. */
export const BLOCK_SIZE = 256 * 1024;
const POOL_LIMIT = 16;
const pool: Buffer[] = [];

function takeBlock(): Buffer {
  return pool.pop() ?? Buffer.allocUnsafeSlow(BLOCK_SIZE);
}

function giveBlock(b: Buffer): void {
  if (pool.length < POOL_LIMIT) pool.push(b);
}

function readBlock(fd: number, into: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, into, 0, length, position, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

/** Write `block` to the socket; resolves once the socket no longer needs it (its write completed). */
function writeBlock(socket: Writable, block: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.write(block, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * `p`, or a {@link SocketTimeout} after `timeout` seconds (`null`: no limit). `flush()` already
 * times out a client that stops reading while the socket needs draining; a block smaller than
 * the socket's high-water mark never needs draining, so its write is bounded here.
 */
function withinTimeout(p: Promise<void>, timeout: number | null): Promise<void> {
  if (timeout === null) return p;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SocketTimeout(timeout)), Math.max(1, timeout * 1000));
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}

/**
 * Write bytes `start..end` (inclusive) of the open file `fd` to the client. The response head must
 * have been handed to `wfile` already; it leaves first. Each block is written to `socket` and the
 * next one read while it drains; `wfile.flush()` supplies the waiting rules (rejects when the
 * client goes away, or stops reading for the writer's timeout). Never touches `fd` after it
 * returns or throws, so the caller may close it at once. Throws {@link FileChanged} when the file
 * ends early (it shrank while being served).
 */
export async function copyRange(fd: number, start: number, end: number, wfile: HTTPSocketWriter, socket: Writable): Promise<void> {
  let position = start;
  let remaining = end - start + 1;
  if (remaining <= 0) return;
  wfile.sendHead();
  let current = takeBlock();
  let next = takeBlock();
  let clean = false;
  try {
    let n = await readBlock(fd, current, Math.min(BLOCK_SIZE, remaining), position);
    for (;;) {
      if (n === 0) throw new FileChanged();
      position += n;
      remaining -= n;
      if (!socket.writable) throw new ConnectionClosed();
      const block = writeBlock(socket, n === current.length ? current : current.subarray(0, n));
      const written = n < socket.writableHighWaterMark ? withinTimeout(block, wfile.timeout) : block;
      wfile.bytesWritten += n;
      // Both must settle before going on: a read in flight must never outlive this function (the
      // caller closes the descriptor after it), and a block is reused only once written.
      const waits: Promise<unknown>[] = [written, wfile.flush()];
      if (remaining > 0) waits.push(readBlock(fd, next, Math.min(BLOCK_SIZE, remaining), position));
      const settled = await Promise.allSettled(waits);
      for (const s of settled) if (s.status === "rejected") throw s.reason;
      if (remaining === 0) break;
      n = (settled[2] as PromiseFulfilledResult<number>).value;
      [current, next] = [next, current];
    }
    clean = true;
  } finally {
    // After an error the socket may still hold a block: those are left to the garbage collector.
    if (clean) {
      giveBlock(current);
      giveBlock(next);
    }
  }
}
