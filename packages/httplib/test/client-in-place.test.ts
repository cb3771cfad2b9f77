/**
 * Large Content-Length responses received in place: when a read fills its whole buffer while a
 * head is awaited (more is queued in the kernel), the connection parses the head right there and
 * gives the rest of the response one block of its own, so the body is never copied out of
 * 64 KiB read blocks. These tests pin what that must not change (bytes, pipelining, errors,
 * aborts, timeouts, bodiless answers) and that it is engaged when a big response arrives at once.
 */
import { describe, expect, test } from "@jest/globals";
import type * as net from "node:net";
import { BodyTimeout, HTTPConnection, IncompleteRead, RequestAborted } from "../src/index.js";
import { incompleteRead, pattern, READ_MODES, readWhole } from "./helpers/bodies.js";
import { rawServer, type TestServer } from "./helpers/servers.js";

function head(length: number, extra = ""): Buffer {
  return Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n${extra}Content-Length: ${length}\r\n\r\n`, "latin1");
}

const MIB = 1024 * 1024;

async function withServer(reply: (socket: net.Socket, index: number) => void, run: (server: TestServer) => Promise<void>): Promise<void> {
  const server = await rawServer((socket, _all, index) => reply(socket, index));
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

describe("large bodies received in place", () => {
  test("a 1 MiB response written at once: the body is one block sized for the response, no copy", async () => {
    const body = pattern(MIB);
    const h = head(body.length);
    await withServer(
      (socket) => socket.write(Buffer.concat([h, body])),
      async (server) => {
        const conn = new HTTPConnection("127.0.0.1", server.port);
        try {
          let inPlace = 0;
          for (let i = 0; i < 5; i++) {
            await conn.request("GET", "/");
            const resp = await conn.getResponse();
            const got = await resp.read();
            expect(got.equals(body)).toBe(true);
            // Received in place: the block holds exactly this response, its head then the body.
            if (got.buffer.byteLength === h.length + body.length && got.byteOffset === h.length) inPlace++;
          }
          // It takes a first read that fills its 64 KiB buffer, which the kernel decides; on an
          // idle loopback every one does, but a loaded machine may cut one short now and then.
          expect(inPlace).toBeGreaterThanOrEqual(1);
          expect(server.received).toHaveLength(1);
        } finally {
          conn.close();
        }
      },
    );
  });

  test.each([...READ_MODES])("every read method gives the same bytes (%s)", async (mode) => {
    const body = pattern(MIB + 17, 3);
    await withServer(
      (socket) => socket.write(Buffer.concat([head(body.length), body])),
      async (server) => {
        const conn = new HTTPConnection("127.0.0.1", server.port);
        try {
          for (let i = 0; i < 2; i++) {
            await conn.request("GET", "/");
            const resp = await conn.getResponse();
            expect((await readWhole(resp, mode)).equals(body)).toBe(true);
            expect(resp.isClosed()).toBe(true);
          }
        } finally {
          conn.close();
        }
      },
    );
  });

  test("a caller reading bodies into its own buffer gets no block per response; read() brings blocks back", async () => {
    const body = pattern(MIB, 5);
    const h = head(body.length);
    await withServer(
      (socket) => socket.write(Buffer.concat([h, body])),
      async (server) => {
        const conn = new HTTPConnection("127.0.0.1", server.port);
        const inPlace = (b: Buffer): boolean => b.buffer.byteLength === h.length + body.length && b.byteOffset === h.length;
        try {
          const target = Buffer.alloc(body.length);
          for (let i = 0; i < 2; i++) {
            await conn.request("GET", "/");
            expect(await (await conn.getResponse()).readInto(target)).toBe(body.length);
            expect(target.equals(body)).toBe(true);
          }
          // After readInto() the connection stopped reserving: this body was not received into a
          // block sized for the response (it was read into one Buffer of the body's size).
          await conn.request("GET", "/");
          const plain = await (await conn.getResponse()).read();
          expect(plain.equals(body)).toBe(true);
          expect(inPlace(plain)).toBe(false);
          // read() takes whole bodies again: the next large responses may be received in place.
          let again = 0;
          for (let i = 0; i < 4; i++) {
            await conn.request("GET", "/");
            const got = await (await conn.getResponse()).read();
            expect(got.equals(body)).toBe(true);
            if (inPlace(got)) again++;
          }
          expect(again).toBeGreaterThanOrEqual(1);
          expect(server.received).toHaveLength(1);
        } finally {
          conn.close();
        }
      },
    );
  });

  test("a body read piece by piece gives the block up: memory stays bounded by the read blocks", async () => {
    const body = pattern(8 * MIB, 8);
    await withServer(
      (socket) => socket.write(Buffer.concat([head(body.length), body])),
      async (server) => {
        const conn = new HTTPConnection("127.0.0.1", server.port);
        try {
          await conn.request("GET", "/");
          const resp = await conn.getResponse();
          const parts: Buffer[] = [];
          let at = 0;
          for (let b; (b = await resp.read1()).length > 0; ) {
            // Past what arrived before the first read1() (at most the 256 KiB high-water mark
            // and a read or two), no chunk is a view into a block the size of the body: only into
            // read blocks (256 KiB at most, the size they grow to while a body streams in).
            if (at > MIB) expect(b.buffer.byteLength).toBeLessThanOrEqual(256 * 1024);
            parts.push(b);
            at += b.length;
          }
          expect(Buffer.concat(parts).equals(body)).toBe(true);
        } finally {
          conn.close();
        }
      },
    );
  });

  test("the next pipelined responses in the same write are not swallowed by the reserved block", async () => {
    const bodies = [pattern(MIB, 1), pattern(10, 2), pattern(300_000, 3)];
    const all = Buffer.concat(bodies.flatMap((b) => [head(b.length), b]));
    await withServer(
      (socket, index) => {
        if (index === 2) socket.write(all);
      },
      async (server) => {
        const conn = new HTTPConnection("127.0.0.1", server.port, { pipelining: 3 });
        try {
          for (let i = 0; i < 3; i++) await conn.request("GET", `/${i}`);
          for (const b of bodies) expect((await (await conn.getResponse()).read()).equals(b)).toBe(true);
        } finally {
          conn.close();
        }
      },
    );
  });

  test("a HEAD answer announcing a large Content-Length reserves nothing; the next response follows", async () => {
    const second = pattern(200_000, 4);
    // Big head fields (each under the 64 KiB line limit), so the first read fills its buffer.
    const filler = ["1", "2", "3"].map((n) => `X-Filler-${n}: ${"a".repeat(25_000)}\r\n`).join("");
    await withServer(
      (socket, index) => {
        if (index !== 1) return;
        socket.write(Buffer.concat([head(5 * MIB, filler), head(second.length), second]));
      },
      async (server) => {
        const conn = new HTTPConnection("127.0.0.1", server.port, { pipelining: 2 });
        try {
          await conn.request("HEAD", "/");
          await conn.request("GET", "/");
          const r1 = await conn.getResponse();
          expect(r1.getHeader("content-length")).toBe(String(5 * MIB));
          expect((await r1.read()).length).toBe(0);
          expect((await (await conn.getResponse()).read()).equals(second)).toBe(true);
        } finally {
          conn.close();
        }
      },
    );
  });

  test("an interim 103 answer before a large response", async () => {
    const body = pattern(MIB, 5);
    const early = Buffer.from(`HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n${["1", "2", "3"].map((n) => `X-Filler-${n}: ${"b".repeat(25_000)}\r\n`).join("")}\r\n`);
    await withServer(
      (socket) => socket.write(Buffer.concat([early, head(body.length), body])),
      async (server) => {
        const conn = new HTTPConnection("127.0.0.1", server.port);
        const infos: number[] = [];
        conn.on("information", (info: { status: number }) => infos.push(info.status));
        try {
          await conn.request("GET", "/");
          const resp = await conn.getResponse();
          expect(resp.status).toBe(200);
          expect((await resp.read()).equals(body)).toBe(true);
          expect(infos).toEqual([103]);
        } finally {
          conn.close();
        }
      },
    );
  });

  test("the server closes halfway: IncompleteRead with every byte that arrived", async () => {
    const sent = pattern(MIB, 6);
    await withServer(
      (socket) => {
        socket.write(Buffer.concat([head(2 * MIB), sent]));
        socket.end();
      },
      async (server) => {
        const conn = new HTTPConnection("127.0.0.1", server.port);
        try {
          await conn.request("GET", "/");
          const resp = await conn.getResponse();
          const err = await incompleteRead(resp.read());
          expect(err.partial.equals(sent)).toBe(true);
          expect(err.expected).toBe(MIB);
          // The connection recovers: the next request opens a new socket.
          await conn.request("GET", "/");
          await expect((await conn.getResponse()).read()).rejects.toBeInstanceOf(IncompleteRead);
        } finally {
          conn.close();
        }
      },
    );
  });

  test("an abort while the body arrives in place rejects with RequestAborted", async () => {
    await withServer(
      (socket) => socket.write(Buffer.concat([head(4 * MIB), pattern(MIB)])),
      async (server) => {
        const conn = new HTTPConnection("127.0.0.1", server.port);
        const ac = new AbortController();
        try {
          await conn.request("GET", "/", null, {}, { signal: ac.signal });
          const resp = await conn.getResponse();
          const reading = resp.read();
          setTimeout(() => ac.abort(), 30);
          await expect(reading).rejects.toBeInstanceOf(RequestAborted);
        } finally {
          conn.close();
        }
      },
    );
  });

  test("a server that stalls mid-body: BodyTimeout", async () => {
    await withServer(
      (socket) => socket.write(Buffer.concat([head(4 * MIB), pattern(MIB)])),
      async (server) => {
        const conn = new HTTPConnection("127.0.0.1", server.port, { bodyTimeout: 0.2 });
        try {
          await conn.request("GET", "/");
          const resp = await conn.getResponse();
          await expect(resp.read()).rejects.toBeInstanceOf(BodyTimeout);
        } finally {
          conn.close();
        }
      },
    );
  });

  test("bytes past a reserved block (a server sending more than it announced) do not corrupt the body", async () => {
    const body = pattern(MIB, 7);
    await withServer(
      (socket) => socket.write(Buffer.concat([head(body.length), body, Buffer.from("garbage that is not a response")])),
      async (server) => {
        const conn = new HTTPConnection("127.0.0.1", server.port);
        try {
          await conn.request("GET", "/");
          expect((await (await conn.getResponse()).read()).equals(body)).toBe(true);
        } finally {
          conn.close();
        }
      },
    );
  });
});
