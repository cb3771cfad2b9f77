/**
 * CPython's Lib/test/test_socketserver.py, ported case by case (named after the originals).
 */
import { describe, expect, test } from "@jest/globals";
import { createSocket as createUdp } from "node:dgram";
import type { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BaseRequestHandler,
  DatagramRequestHandler,
  StreamRequestHandler,
  SocketWriter,
  TCPServer,
  ThreadingMixIn,
  ThreadingTCPServer,
  ThreadingUDPServer,
  ThreadingUnixDatagramServer,
  ThreadingUnixStreamServer,
  UDPServer,
  UnixDatagramServer,
  UnixStreamServer,
  type SocketAddress,
} from "../src/index.js";
import { startForking } from "./fork-helpers.js";
import { connectTo, readAll, readSome, serve, stop, streamExamine, tmpSocketPath, udpRequest } from "./helpers.js";

const TEST_STR = Buffer.from("hello world\n");
const HOST = "127.0.0.1";

/** CPython's MyHandler for stream servers: echo one line. */
class StreamEchoHandler extends StreamRequestHandler {
  override async handle(): Promise<void> {
    this.wfile.write(await this.rfile.readline());
  }
}

/** CPython's MyHandler for datagram servers: echo one line. */
class DatagramEchoHandler extends DatagramRequestHandler {
  override async handle(): Promise<void> {
    this.wfile.write(await this.rfile.readline());
  }
}

/** Unix datagram client bound to its own path (the server answers to it, as in dgram_examine). */
async function unixDgramExamine(serverPath: string, payload: Buffer): Promise<Buffer> {
  const unix = createRequire(import.meta.url)("unix-dgram") as {
    createSocket(t: "unix_dgram"): EventEmitter & {
      bind(p: string): void;
      send(b: Buffer, o: number, l: number, p: string, cb?: (e?: Error) => void): void;
      close(): void;
    };
  };
  const client = unix.createSocket("unix_dgram");
  const got = new Promise<Buffer>((resolve) => client.once("message", (msg: Buffer) => resolve(msg)));
  client.bind(tmpSocketPath("client"));
  client.send(payload, 0, payload.length, serverPath);
  const answer = await got;
  client.close();
  return answer;
}

type ServerCtor = new (address: SocketAddress, handler: never) => TCPServer | UDPServer;

/** CPython's run_server: serve, examine three times, shut down, close, fileno() is -1. */
async function runServer(Server: ServerCtor, address: SocketAddress, examine: (addr: SocketAddress) => Promise<Buffer>, Handler: unknown): Promise<void> {
  const server = new Server(address, Handler as never);
  const { loop } = await serve(server);
  if (typeof address !== "string") expect(server.serverAddress[1]).toBeGreaterThan(0);
  for (let i = 0; i < 3; i++) expect(await examine(server.serverAddress)).toEqual(TEST_STR);
  await stop(server, loop);
  expect(server.fileno()).toBe(-1);
}

const tcpExamine = (addr: SocketAddress): Promise<Buffer> => streamExamine(addr, TEST_STR);
const udpExamine = (addr: SocketAddress): Promise<Buffer> => udpRequest(addr as [string, number], TEST_STR);
const unixDgramExamineAt = (addr: SocketAddress): Promise<Buffer> => unixDgramExamine(addr as string, TEST_STR);

describe("SocketServerTest", () => {
  test("test_TCPServer", () => runServer(TCPServer, [HOST, 0], tcpExamine, StreamEchoHandler));
  test("test_ThreadingTCPServer", () => runServer(ThreadingTCPServer, [HOST, 0], tcpExamine, StreamEchoHandler));
  test("test_UnixStreamServer", () => runServer(UnixStreamServer, tmpSocketPath(), tcpExamine, StreamEchoHandler));
  test("test_ThreadingUnixStreamServer", () => runServer(ThreadingUnixStreamServer, tmpSocketPath(), tcpExamine, StreamEchoHandler));
  test("test_UDPServer", () => runServer(UDPServer, [HOST, 0], udpExamine, DatagramEchoHandler));
  test("test_ThreadingUDPServer", () => runServer(ThreadingUDPServer, [HOST, 0], udpExamine, DatagramEchoHandler));
  test("test_UnixDatagramServer", () => runServer(UnixDatagramServer, tmpSocketPath(), unixDgramExamineAt, DatagramEchoHandler));
  test("test_ThreadingUnixDatagramServer", () => runServer(ThreadingUnixDatagramServer, tmpSocketPath(), unixDgramExamineAt, DatagramEchoHandler));

  describe.each([
    ["test_ForkingTCPServer", "tcp", (): string => "", tcpExamine],
    ["test_ForkingUnixStreamServer", "unix", (): string => tmpSocketPath(), tcpExamine],
    ["test_ForkingUDPServer", "udp", (): string => "", udpExamine],
    ["test_ForkingUnixDatagramServer", "unixdgram", (): string => tmpSocketPath(), unixDgramExamineAt],
  ] as const)("%s", (name, kind, path, examine) => {
    test(name, async () => {
      const proc = await startForking(kind, "echo", path());
      for (let i = 0; i < 3; i++) expect(await examine(proc.address)).toEqual(TEST_STR);
      const report = await proc.stop();
      // bpo-31151: serverClose() waits until all children completed.
      expect(report.activeChildren).toBe(0);
      expect(report.fileno).toBe(-1);
      expect(report.code).toBe(0);
    });
  });

  // Issue #2302: shutdown() always makes serveForever() return.
  test("test_shutdown", async () => {
    const servers = Array.from({ length: 20 }, () => new TCPServer([HOST, 0], StreamRequestHandler));
    const loops = servers.map((s) => s.serveForever());
    await Promise.all(servers.map((s) => s.shutdown()));
    await Promise.all(loops);
    await Promise.all(servers.map((s) => s.serverClose()));
  });

  test("test_close_immediately", async () => {
    class MyServer extends ThreadingMixIn(TCPServer) {}
    const server = new MyServer([HOST, 0], StreamRequestHandler);
    await server.serverClose();
    // Closed before the deferred bind: it never binds, and ready says why.
    await expect(server.ready).rejects.toMatchObject({ code: "ERR_SERVER_STATE" });
    expect(server.socket.listening).toBe(false);
    expect(server.fileno()).toBe(-1);
  });

  // Issue #22435: a failed bind must not leak the socket.
  test("test_tcpserver_bind_leak", async () => {
    for (let i = 0; i < 200; i++) {
      const server = new TCPServer([HOST, -1], StreamRequestHandler);
      await expect(server.ready).rejects.toMatchObject({ code: "ERR_SOCKET_BAD_PORT" });
      expect(server.fileno()).toBe(-1);
      expect(server.socket.listening).toBe(false);
    }
  });

  test("test_context_manager", async () => {
    let server: TCPServer;
    {
      await using s = new TCPServer([HOST, 0], StreamRequestHandler);
      await s.ready;
      server = s;
      expect(server.fileno()).toBeGreaterThan(0);
    }
    expect(server.fileno()).toBe(-1);
  });

  test("test_context_manager_bind_fail (serveForever rejects with the bind error)", async () => {
    const taken = new TCPServer([HOST, 0], StreamRequestHandler);
    await taken.ready;
    const clash = new TCPServer(taken.serverAddress, StreamRequestHandler);
    await expect(clash.serveForever()).rejects.toMatchObject({ code: "EADDRINUSE" });
    await taken.serverClose();
  });
});

describe("ErrorHandlerTest", () => {
  function logFile(): string {
    return join(mkdtempSync(join(tmpdir(), "stdhttp-err-")), "log");
  }

  class BadHandler extends BaseRequestHandler<unknown, TCPServer & { log: string }> {
    override handle(): void {
      appendFileSync(this.server.log, "Handler called\n");
      throw new Error("Test error");
    }
  }

  async function errorTestServer(Base: typeof TCPServer): Promise<string> {
    const log = logFile();
    class BaseErrorTestServer extends Base {
      log = log;
      override handleError(): void {
        appendFileSync(log, "Error handled\n");
      }
    }
    const server = new BaseErrorTestServer([HOST, 0], BadHandler);
    await server.ready;
    const client = await connectTo(server.serverAddress);
    const closed = readAll(client);
    client.end();
    await server.handleRequest();
    await server.serverClose();
    await closed;
    return readFileSync(log, "utf8");
  }

  test("test_sync_handled", async () => {
    expect(await errorTestServer(TCPServer)).toBe("Handler called\nError handled\n");
  });

  test("test_threading_handled", async () => {
    expect(await errorTestServer(ThreadingTCPServer)).toBe("Handler called\nError handled\n");
  });

  test("test_forking_handled", async () => {
    const log = logFile();
    const proc = await startForking("tcp", "error", "", log);
    const client = await connectTo(proc.address);
    client.end();
    await readAll(client);
    await proc.stop();
    expect(readFileSync(log, "utf8")).toBe("Handler called\nError handled\n");
  });
});

describe("SocketWriterTest", () => {
  test("test_basics", async () => {
    let wfile: unknown;
    class Handler extends StreamRequestHandler {
      override handle(): void {
        wfile = this.wfile;
      }
    }
    const server = new TCPServer([HOST, 0], Handler);
    await server.ready;
    const s = await connectTo(server.serverAddress);
    const closed = readAll(s);
    s.end();
    await server.handleRequest();
    await closed;
    expect(wfile).toBeInstanceOf(SocketWriter);
    await server.serverClose();
  });

  test("test_write", async () => {
    const BIG = 4 * 1024 * 1024;
    const results: { sent1?: number; received?: Buffer; sent2?: number } = {};
    class Handler extends StreamRequestHandler {
      override async handle(): Promise<void> {
        results.sent1 = this.wfile.write(Buffer.from("write data\n"));
        // Sent at once, without flush().
        results.received = await this.rfile.readline();
        results.sent2 = this.wfile.write(Buffer.alloc(BIG));
        await this.wfile.flush();
      }
    }
    const server = new TCPServer([HOST, 0], Handler);
    await server.ready;
    const client = await connectTo(server.serverAddress);
    const handled = server.handleRequest();
    const response1 = await readSome(client);
    client.write("client response\n");
    const rest = await readAll(client);
    await handled;
    expect(response1.toString()).toBe("write data\n");
    expect(results.sent1).toBe(response1.length);
    expect(results.received?.toString()).toBe("client response\n");
    expect(results.sent2).toBe(BIG);
    expect(rest.length).toBe(BIG);
    await server.serverClose();
  });
});

describe("MiscTestCase", () => {
  // Issue #26309: shutdownRequest is called even if verifyRequest is false.
  test("test_shutdown_request_called_if_verify_request_false", async () => {
    class MyServer extends TCPServer {
      shutdownCalled = 0;
      override verifyRequest(): boolean {
        return false;
      }
      override async shutdownRequest(request: Socket): Promise<void> {
        this.shutdownCalled++;
        await super.shutdownRequest(request);
      }
    }
    const server = new MyServer([HOST, 0], StreamRequestHandler);
    await server.ready;
    const s = await connectTo(server.serverAddress);
    const closed = readAll(s);
    s.end();
    await server.handleRequest();
    expect(await closed).toEqual(Buffer.alloc(0));
    expect(server.shutdownCalled).toBe(1);
    await server.serverClose();
  });

  // #37193: finished request tasks are not kept forever.
  test("test_threads_reaped", async () => {
    const server = new ThreadingTCPServer([HOST, 0], StreamRequestHandler);
    await server.ready;
    for (let n = 0; n < 10; n++) {
      const s = await connectTo(server.serverAddress);
      const closed = readAll(s);
      s.end();
      await server.handleRequest();
      await closed;
    }
    await server.serverClose();
    expect(server.activeRequests).toBe(0);
  });

  test("UDP answers go back to the sender (dgram client)", async () => {
    const server = new UDPServer([HOST, 0], DatagramEchoHandler);
    const { loop } = await serve(server);
    const client = createUdp("udp4");
    const got = new Promise<Buffer>((resolve) => client.once("message", resolve));
    const [host, port] = server.serverAddress as [string, number];
    client.send(TEST_STR, port, host);
    expect(await got).toEqual(TEST_STR);
    client.close();
    await stop(server, loop);
  });
});
