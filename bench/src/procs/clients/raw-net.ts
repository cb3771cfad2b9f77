/**
 * Reference, not a peer: the least a Node HTTP client can do. One `node:net` socket per request
 * in flight, a prebuilt request string, `onread` with the body read straight into one Buffer of
 * its Content-Length; no validation beyond the status code and the Content-Length header. Its
 * rate is the ceiling of a Node client on this machine, so `us / this` shows how close ours comes.
 * @module
 */
import { connect, type Socket } from "node:net";
import type { BenchClient, ClientFactory, FullResponse } from "./types.js";

const HEAD_END = Buffer.from("\r\n\r\n");

class RawConnection {
  readonly socket: Socket;
  readonly #scratch = Buffer.allocUnsafe(64 * 1024);
  #head: Buffer | null = null;
  #body: Buffer | null = null;
  #bodyPos = 0;
  #status = 0;
  #done: ((r: FullResponse) => void) | null = null;
  #fail: ((e: Error) => void) | null = null;

  constructor(port: number) {
    this.socket = connect({
      host: "127.0.0.1",
      port,
      onread: {
        buffer: () => (this.#body !== null && this.#bodyPos < this.#body.length ? this.#body.subarray(this.#bodyPos) : this.#scratch),
        callback: (n: number, buf: Uint8Array) => {
          if (buf === this.#scratch) this.#onHeadBytes(this.#scratch.subarray(0, n));
          else this.#onBodyBytes(n);
          return true;
        },
      },
    });
    this.socket.setNoDelay(true);
    this.socket.on("error", (err) => this.#fail?.(err));
  }

  get(request: string): Promise<FullResponse> {
    return new Promise<FullResponse>((resolve, reject) => {
      this.#done = resolve;
      this.#fail = reject;
      this.socket.write(request, "latin1");
    });
  }

  #onHeadBytes(chunk: Buffer): void {
    const head = this.#head === null ? Buffer.from(chunk) : Buffer.concat([this.#head, chunk]);
    const end = head.indexOf(HEAD_END);
    if (end === -1) {
      this.#head = head;
      return;
    }
    this.#head = null;
    const text = head.toString("latin1", 0, end);
    this.#status = Number(text.slice(9, 12));
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(text);
    if (m === null) {
      this.#fail?.(new Error("response without Content-Length"));
      return;
    }
    const body = Buffer.allocUnsafe(Number(m[1]));
    this.#bodyPos = head.copy(body, 0, end + 4);
    this.#body = body;
    if (this.#bodyPos === body.length) this.#finish();
  }

  #onBodyBytes(n: number): void {
    this.#bodyPos += n;
    if (this.#bodyPos === this.#body!.length) this.#finish();
  }

  #finish(): void {
    const body = this.#body!;
    this.#body = null;
    this.#done?.({ status: this.#status, body });
  }
}

/** Create the minimal node:net client. */
export const createRawNetClient: ClientFactory = async (port, inflight) => {
  const conns = Array.from({ length: inflight }, () => new RawConnection(port));
  await Promise.all(conns.map((c) => new Promise<void>((resolve, reject) => c.socket.once("connect", resolve).once("error", reject))));
  const free = [...conns];
  const client: BenchClient = {
    async get(path) {
      const conn = free.pop();
      if (conn === undefined) throw new Error("more requests in flight than connections");
      try {
        return await conn.get(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
      } finally {
        free.push(conn);
      }
    },
    close() {
      for (const c of conns) c.socket.destroy();
      return Promise.resolve();
    },
  };
  return client;
};
