/**
 * Reading bodies in place: a plain `HTTPConnection` reads its socket with `onread` (the kernel
 * writes a Content-Length body straight into its final Buffer, other bytes land in a slab),
 * a connection whose `createSocket()` ignores `onread` reads 'data' events. Both paths must
 * give the same bytes for every read method, whatever the segments.
 */
import { describe, expect, test } from "@jest/globals";
import * as https from "node:https";
import type * as net from "node:net";
import type { AddressInfo } from "node:net";
import { HTTPConnection, HTTPSConnection, type HTTPResponse } from "../src/index.js";
import { incompleteRead, pattern, readWhole, type ReadMode } from "./helpers/bodies.js";
import { connectProxy } from "./helpers/proxy.js";
import { nodeServer, rawServer } from "./helpers/servers.js";
import { selfSigned } from "./helpers/tls.js";

/** Reads through 'data' events: the `onread` option is not passed on. */
class DataEventsConnection extends HTTPConnection {
  protected override createSocket(): net.Socket {
    return super.createSocket();
  }
}

const PATHS = [
  ["onread", HTTPConnection],
  ["data events", DataEventsConnection],
] as const;

function lengthResponse(body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
}

/** Writes `data` in pieces of the given sizes (cycled), each after the previous one was flushed. */
async function writeInPieces(socket: net.Socket, data: Buffer, sizes: number[]): Promise<void> {
  let at = 0;
  let i = 0;
  while (at < data.length && !socket.destroyed) {
    const n = Math.min(data.length - at, sizes[i++ % sizes.length]);
    await new Promise<void>((resolve) => socket.write(data.subarray(at, at + n), () => resolve()));
    await new Promise((resolve) => setImmediate(resolve));
    at += n;
  }
}

describe.each(PATHS)("reading bodies (%s)", (_name, Conn) => {
  test.each<ReadMode>(["read", "readInto-big", "readInto-small", "readInto1", "amt", "read1", "peek"])(
    "a 300 KiB Content-Length body in many segments, %s",
    async (mode) => {
      const body = pattern(300 * 1024 + 7);
      const server = await rawServer((socket) => {
        void writeInPieces(socket, lengthResponse(body), [1, 17, 70_000, 4096, 65_536, 3, 100_000]);
      });
      const conn = new Conn("127.0.0.1", server.port);
      try {
        await conn.request("GET", "/");
        const resp = await conn.getResponse();
        const got = await readWhole(resp, mode);
        expect(got.length).toBe(body.length);
        expect(got.equals(body)).toBe(true);
        expect(resp.isClosed()).toBe(true);
        // The connection is reusable: the next response is read from the same socket.
        await conn.request("GET", "/");
        expect((await (await conn.getResponse()).read()).equals(body)).toBe(true);
        expect(server.received).toHaveLength(1);
      } finally {
        conn.close();
        await server.close();
      }
    },
  );

  test.each<ReadMode>(["read", "readInto-big", "readInto1", "amt"])("the end of a body arrives together with the next pipelined response, %s", async (mode) => {
    const first = pattern(200_000, 1);
    const second = pattern(5000, 2);
    const one = lengthResponse(first);
    const two = lengthResponse(second);
    const cut = 60; // head + a few body bytes first; the rest of body 1 and all of response 2 in one write
    const server = await rawServer((socket, _all, index) => {
      if (index !== 1) return;
      socket.write(one.subarray(0, cut));
      setTimeout(() => socket.write(Buffer.concat([one.subarray(cut), two])), 20);
    });
    const conn = new Conn("127.0.0.1", server.port, { pipelining: 2 });
    try {
      await conn.request("GET", "/a");
      await conn.request("GET", "/b");
      const r1 = await conn.getResponse();
      expect((await readWhole(r1, mode)).equals(first)).toBe(true);
      const r2 = await conn.getResponse();
      expect(r2.status).toBe(200);
      expect((await readWhole(r2, mode)).equals(second)).toBe(true);
      expect(server.received).toHaveLength(1);
    } finally {
      conn.close();
      await server.close();
    }
  });

  test("bodies already returned stay intact while later responses are read", async () => {
    const bodies = Array.from({ length: 300 }, (_, i) => pattern(1 + ((i * 7919) % 6000), i));
    const server = await rawServer((socket, _all, index) => {
      socket.write(lengthResponse(bodies[index]));
    });
    const conn = new Conn("127.0.0.1", server.port);
    try {
      const got: Buffer[] = [];
      for (let i = 0; i < bodies.length; i++) {
        await conn.request("GET", `/${i}`);
        got.push(await (await conn.getResponse()).read());
      }
      for (let i = 0; i < bodies.length; i++) expect(got[i].equals(bodies[i])).toBe(true);
      expect(server.received).toHaveLength(1);
    } finally {
      conn.close();
      await server.close();
    }
  });

  test("views kept from some responses stay intact while others are copied out with readInto1 (read blocks reused)", async () => {
    // Sizes around the 16 KiB copy limit and the 64 KiB block, so that views, copies and reused
    // blocks meet at every boundary.
    const sizes = [100, 20_000, 70_000, 16_384, 200_000, 5, 65_536, 130_000, 16_385, 1_000_000];
    const bodies = Array.from({ length: 40 }, (_, i) => pattern(sizes[i % sizes.length] + i, i));
    const server = await rawServer((socket, _all, index) => {
      void writeInPieces(socket, lengthResponse(bodies[index % bodies.length]), [65_536, 9000, 1, 100_000]);
    });
    const conn = new Conn("127.0.0.1", server.port);
    const block = Buffer.alloc(64 * 1024);
    try {
      const kept: Array<[number, Buffer]> = [];
      for (let i = 0; i < bodies.length; i++) {
        await conn.request("GET", `/${i}`);
        const resp = await conn.getResponse();
        switch (i % 4) {
          case 0:
            kept.push([i, await resp.read()]);
            break;
          case 1: {
            const parts: Buffer[] = [];
            for await (const chunk of resp) parts.push(chunk);
            expect(Buffer.concat(parts).equals(bodies[i])).toBe(true);
            // The views themselves are kept and checked again at the end.
            for (const p of parts) kept.push([-1, p]);
            break;
          }
          default: {
            const parts: Buffer[] = [];
            for (let n; (n = await resp.readInto1(block)) > 0; ) parts.push(Buffer.from(block.subarray(0, n)));
            expect(Buffer.concat(parts).equals(bodies[i])).toBe(true);
          }
        }
      }
      // Every view handed out earlier still holds what it held (its block was never refilled).
      const snapshot = kept.map(([, b]) => Buffer.from(b));
      for (let i = 0; i < 3; i++) {
        await conn.request("GET", `/${bodies.length + i}`);
        const resp = await conn.getResponse();
        while ((await resp.readInto1(block)) > 0);
      }
      kept.forEach(([i, b], k) => {
        if (i >= 0) expect(b.equals(bodies[i])).toBe(true);
        expect(b.equals(snapshot[k])).toBe(true);
      });
    } finally {
      conn.close();
      await server.close();
    }
  });

  test("small bodies do not keep a whole receive block alive", async () => {
    const server = await rawServer((socket, _all, index) => {
      socket.write(lengthResponse(Buffer.alloc(14 + index, 0x41)));
    });
    const conn = new Conn("127.0.0.1", server.port);
    try {
      for (const read of [(r: HTTPResponse) => r.read(), (r: HTTPResponse) => r.read(1000), (r: HTTPResponse) => r.readline()]) {
        await conn.request("GET", "/");
        const body = await read(await conn.getResponse());
        expect(body.length).toBeGreaterThanOrEqual(14);
        expect(body.buffer.byteLength).toBeLessThanOrEqual(8192); // a copy (or Node's pool), not a 64 KiB block
      }
    } finally {
      conn.close();
      await server.close();
    }
  });

  test("a connection closed in the middle of a body read into one buffer: IncompleteRead with what arrived", async () => {
    const body = pattern(100_000);
    const server = await rawServer((socket) => {
      socket.write(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length + 50_000}\r\n\r\n`));
      void writeInPieces(socket, body, [30_000]).then(() => socket.end());
    });
    const conn = new Conn("127.0.0.1", server.port);
    try {
      await conn.request("GET", "/");
      const resp = await conn.getResponse();
      const err = await incompleteRead(resp.read());
      expect(err.partial.equals(body)).toBe(true);
      expect(err.expected).toBe(50_000);
    } finally {
      conn.close();
      await server.close();
    }
  });

  test.each(["chunked", "close"])("a 2 MiB %s body read slowly (backpressure) keeps every byte", async (framing) => {
    const body = pattern(2 * 1024 * 1024, 3);
    let payload: Buffer;
    if (framing === "chunked") {
      const parts: Buffer[] = [Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")];
      for (let at = 0; at < body.length; at += 50_000) {
        const piece = body.subarray(at, at + 50_000);
        parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n"));
      }
      parts.push(Buffer.from("0\r\n\r\n"));
      payload = Buffer.concat(parts);
    } else {
      payload = Buffer.concat([Buffer.from("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"), body]);
    }
    const server = await rawServer((socket) => {
      socket.write(payload);
      if (framing === "close") socket.end();
    });
    const conn = new Conn("127.0.0.1", server.port);
    try {
      await conn.request("GET", "/");
      const resp = await conn.getResponse();
      // Let the socket fill the receive buffer past the high-water mark before reading.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const parts: Buffer[] = [];
      let reads = 0;
      for (let b; (b = await resp.read1(100_000)).length > 0; ) {
        parts.push(b);
        if (++reads % 8 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      }
      expect(Buffer.concat(parts).equals(body)).toBe(true);
    } finally {
      conn.close();
      await server.close();
    }
  });
});

describe("other sockets", () => {
  test("through a CONNECT tunnel: the tunnel answer, then large bodies read in place", async () => {
    const body = pattern(300_000, 5);
    const target = await nodeServer((_req, res) => {
      res.setHeader("Content-Length", body.length);
      res.end(body);
    });
    const proxy = await connectProxy(target.port);
    const conn = new HTTPConnection("127.0.0.1", proxy.port);
    try {
      conn.setTunnel("example.org", 80);
      for (const mode of ["read", "readInto-big", "read1"] as const) {
        await conn.request("GET", "/");
        expect((await readWhole(await conn.getResponse(), mode)).equals(body)).toBe(true);
      }
      expect(proxy.heads).toHaveLength(1);
    } finally {
      conn.close();
      await proxy.close();
      await target.close();
    }
  });

  test("HTTPS (read through 'data' events): large bodies, every read method", async () => {
    const cert = selfSigned();
    const body = pattern(300_000, 6);
    const server = https.createServer({ key: cert.key, cert: cert.cert }, (_req, res) => {
      res.setHeader("Content-Length", body.length);
      res.end(body);
    });
    server.listen(0, "127.0.0.1");
    await new Promise<void>((resolve) => server.once("listening", resolve));
    const conn = new HTTPSConnection("localhost", (server.address() as AddressInfo).port, { tls: { ca: cert.cert } });
    try {
      for (const mode of ["read", "readInto-big", "readInto-small", "amt", "read1", "peek"] as const) {
        await conn.request("GET", "/");
        expect((await readWhole(await conn.getResponse(), mode)).equals(body)).toBe(true);
      }
    } finally {
      conn.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
