/**
 * rfile / wfile over real connections, and bad input: over-long lines, silent clients,
 * clients that disconnect mid-read. Each gets a clear error and the server keeps serving.
 */
import { describe, expect, test } from "@jest/globals";
import type { Socket } from "node:net";
import {
  IncompleteReadError,
  LineTooLong,
  SocketTimeout,
  StreamRequestHandler,
  ThreadingTCPServer,
  type SocketAddress,
  type SocketReader,
} from "../src/index.js";
import { connectTo, deferred, readAll, serve, stop, streamRequest } from "./helpers.js";

const HOST = "127.0.0.1";

type Body = (rfile: SocketReader, handler: StreamRequestHandler) => Promise<unknown>;

/** A threading server whose handler runs `body` and writes its JSON result; errors go to `errors`. */
async function withServer(body: Body, run: (address: SocketAddress, errors: unknown[]) => Promise<void>, options = {}): Promise<void> {
  const errors: unknown[] = [];
  class Handler extends StreamRequestHandler {
    override async handle(): Promise<void> {
      const result = await body(this.rfile, this);
      if (result !== undefined) this.wfile.write(JSON.stringify(result));
    }
  }
  class Server extends ThreadingTCPServer {
    override handleError(_r: Socket, _a: SocketAddress, error?: unknown): void {
      errors.push(error);
    }
  }
  const server = new Server([HOST, 0], Handler, options);
  const { loop } = await serve(server);
  try {
    await run(server.serverAddress, errors);
  } finally {
    await stop(server, loop);
  }
}

const str = (b: Buffer): string => b.toString("latin1");

describe("rfile", () => {
  test("readline() returns lines with their newline, then an empty Buffer at EOF", async () => {
    await withServer(
      async (rfile) => [str(await rfile.readline()), str(await rfile.readline()), str(await rfile.readline()), str(await rfile.readline())],
      async (address) => {
        expect(JSON.parse((await streamRequest(address, "one\ntwo\r\nlast")).toString())).toEqual(["one\n", "two\r\n", "last", ""]);
      },
    );
  });

  test("readline(limit) returns at most limit bytes, as Python", async () => {
    await withServer(
      async (rfile) => [str(await rfile.readline(3)), str(await rfile.readline(3)), str(await rfile.readline(100))],
      async (address) => {
        expect(JSON.parse((await streamRequest(address, "abcdef\nxy\n")).toString())).toEqual(["abc", "def", "\n"]);
      },
    );
  });

  test("read(n) waits for n bytes across segments; fewer only at EOF; read() reads to EOF", async () => {
    await withServer(
      async (rfile) => [str(await rfile.read(5)), str(await rfile.read(0)), str(await rfile.read()), str(await rfile.read(10))],
      async (address) => {
        const s = await connectTo(address);
        const answer = readAll(s);
        s.write("ab");
        await new Promise((r) => setImmediate(r));
        s.write("cdefgh");
        s.end("ij");
        expect(JSON.parse((await answer).toString())).toEqual(["abcde", "", "fghij", ""]);
      },
    );
  });

  test("read1, peek and async iteration", async () => {
    await withServer(
      async (rfile) => {
        const peeked = str(await rfile.peek());
        const first = str(await rfile.read1(2));
        const lines: string[] = [];
        for await (const line of rfile) lines.push(str(line));
        return { peeked: peeked.length > 0, first, lines };
      },
      async (address) => {
        const result = JSON.parse((await streamRequest(address, "l1\nl2\nl3")).toString()) as { first: string; lines: string[]; peeked: boolean };
        expect(result.peeked).toBe(true);
        expect(result.first).toBe("l1");
        expect(result.lines).toEqual(["\n", "l2\n", "l3"]);
      },
    );
  });

  test("a second read while one is waiting is refused with ServerStateError", async () => {
    await withServer(
      async (rfile) => {
        const first = rfile.readline();
        const second = await rfile.readline().catch((err: { code: string }) => err.code);
        return [second, str(await first)];
      },
      async (address) => {
        expect(JSON.parse((await streamRequest(address, "x\n")).toString())).toEqual(["ERR_SERVER_STATE", "x\n"]);
      },
    );
  });

  test("a large upload streams through with backpressure and arrives intact", async () => {
    const size = 8 * 1024 * 1024;
    await withServer(
      async (rfile) => {
        let total = 0;
        let sum = 0;
        for (;;) {
          const chunk = await rfile.read(65536);
          if (chunk.length === 0) break;
          for (let i = 0; i < chunk.length; i += 4096) sum = (sum + chunk[i]) % 1_000_003;
          total += chunk.length;
          expect(rfile.buffered).toBeLessThanOrEqual(4 * 65536);
        }
        return { total, sum };
      },
      async (address) => {
        const data = Buffer.alloc(size);
        for (let i = 0; i < size; i++) data[i] = i % 251;
        let sum = 0;
        for (let i = 0; i < size; i += 65536) for (let j = i; j < Math.min(i + 65536, size); j += 4096) sum = (sum + data[j]) % 1_000_003;
        expect(JSON.parse((await streamRequest(address, data)).toString())).toEqual({ total: size, sum });
      },
    );
  });
});

describe("bad input", () => {
  test("an over-long line without an explicit limit throws LineTooLong; others are still served", async () => {
    await withServer(
      async (rfile) => str(await rfile.readline()),
      async (address, errors) => {
        expect(await streamRequest(address, Buffer.alloc(200, "x"))).toEqual(Buffer.alloc(0));
        expect(JSON.parse((await streamRequest(address, "short\n")).toString())).toBe("short\n");
        expect(errors).toHaveLength(1);
        expect(errors[0]).toBeInstanceOf(LineTooLong);
        expect(errors[0]).toMatchObject({ code: "ERR_LINE_TOO_LONG", limit: 100 });
      },
      { maxLineLength: 100 },
    );
  });

  test("a client that never sends anything hits the idle timeout (SocketTimeout); others are still served", async () => {
    await withServer(
      async (rfile) => str(await rfile.readline()),
      async (address, errors) => {
        const silent = await connectTo(address);
        const closed = readAll(silent);
        expect(JSON.parse((await streamRequest(address, "hi\n")).toString())).toBe("hi\n");
        expect(await closed).toEqual(Buffer.alloc(0));
        expect(errors).toHaveLength(1);
        expect(errors[0]).toBeInstanceOf(SocketTimeout);
        expect(errors[0]).toMatchObject({ code: "ERR_SOCKET_TIMEOUT" });
      },
      { idleTimeout: 0.1 },
    );
  });

  test("the handler's own timeout overrides the server's idleTimeout", async () => {
    const errors: unknown[] = [];
    class Handler extends StreamRequestHandler {
      override timeout = 0.05;
      override async handle(): Promise<void> {
        await this.rfile.readline();
      }
    }
    class Server extends ThreadingTCPServer {
      override handleError(_r: Socket, _a: SocketAddress, error?: unknown): void {
        errors.push(error);
      }
    }
    const server = new Server([HOST, 0], Handler, { idleTimeout: null });
    const { loop } = await serve(server);
    const s = await connectTo(server.serverAddress);
    await readAll(s);
    await stop(server, loop);
    expect(errors[0]).toBeInstanceOf(SocketTimeout);
  });

  test("a client that disconnects mid-read: read(n) returns what came, readExactly throws IncompleteReadError", async () => {
    await withServer(
      async (rfile, handler) => {
        if ((await rfile.read(1)).toString() === "a") return str(await rfile.read(100));
        void handler;
        return rfile.readExactly(100);
      },
      async (address, errors) => {
        const a = await connectTo(address);
        const gotA = readAll(a);
        a.end("a-partial");
        expect(JSON.parse((await gotA).toString())).toBe("-partial");
        const b = await connectTo(address);
        const gotB = readAll(b);
        b.end("b-partial");
        expect(await gotB).toEqual(Buffer.alloc(0));
        expect(errors).toHaveLength(1);
        expect(errors[0]).toBeInstanceOf(IncompleteReadError);
        expect(errors[0]).toMatchObject({ code: "ERR_INCOMPLETE_READ", expected: 100 });
        expect((errors[0] as IncompleteReadError).partial.toString()).toBe("-partial");
      },
    );
  });

  test("a connection reset mid-read rejects the read; the server keeps serving", async () => {
    const started = deferred();
    await withServer(
      async (rfile) => {
        const first = await rfile.readline();
        if (first.toString() === "reset-me\n") {
          started.resolve();
          return rfile.read(1000);
        }
        return str(first);
      },
      async (address, errors) => {
        const s = await connectTo(address);
        s.write("reset-me\n");
        await started.promise;
        s.resetAndDestroy();
        expect(JSON.parse((await streamRequest(address, "next\n")).toString())).toBe("next\n");
        while (errors.length === 0) await new Promise((r) => setImmediate(r));
        expect(errors[0]).toMatchObject({ code: "ECONNRESET" });
      },
    );
  });
});

describe("wfile", () => {
  test("write() returns the byte count (strings as UTF-8); flush() waits for the peer to drain", async () => {
    const big = 16 * 1024 * 1024;
    const counts: number[] = [];
    let flushed = false;
    const clientRead = deferred();
    await withServer(
      async (_rfile, handler) => {
        counts.push(handler.wfile.write("héllo\n"));
        counts.push(handler.wfile.write(Buffer.alloc(big)));
        const flush = handler.wfile.flush().then(() => (flushed = true));
        clientRead.resolve();
        await flush;
        return undefined;
      },
      async (address) => {
        const s = await connectTo(address);
        s.pause();
        await clientRead.promise;
        for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
        expect(flushed).toBe(false);
        const all = await readAll(s);
        expect(all.length).toBe(7 + big);
        expect(flushed).toBe(true);
      },
    );
    expect(counts).toEqual([7, big]);
  });

  test("pending: 0 after a write the kernel took at once, the unsent bytes while the peer does not read, 0 after flush()", async () => {
    const seen: number[] = [];
    const clientWaits = deferred();
    await withServer(
      async (_rfile, handler) => {
        handler.wfile.write(Buffer.alloc(1000));
        seen.push(handler.wfile.pending);
        // Far more than loopback's socket buffers hold while the client does not read.
        const big = Buffer.alloc(64 * 1024 * 1024);
        handler.wfile.write(big);
        seen.push(handler.wfile.pending);
        clientWaits.resolve();
        await handler.wfile.flush();
        seen.push(handler.wfile.pending);
        return undefined;
      },
      async (address) => {
        const s = await connectTo(address);
        s.pause();
        await clientWaits.promise;
        expect((await readAll(s)).length).toBe(1000 + 64 * 1024 * 1024);
      },
    );
    expect(seen[0]).toBe(0);
    expect(seen[1]).toBeGreaterThan(0);
    expect(seen[1]).toBeLessThanOrEqual(64 * 1024 * 1024);
    expect(seen[2]).toBe(0);
  });

  test("write() after the connection is gone throws ConnectionClosed (code ERR_CONNECTION_CLOSED)", async () => {
    let code = "no error";
    await withServer(
      async (rfile, handler) => {
        await rfile.read();
        handler.connection.destroy();
        try {
          handler.wfile.write("late");
        } catch (err) {
          code = (err as { code: string }).code;
        }
        return undefined;
      },
      async (address) => {
        await streamRequest(address, "bye");
      },
    );
    expect(code).toBe("ERR_CONNECTION_CLOSED");
  });
});
