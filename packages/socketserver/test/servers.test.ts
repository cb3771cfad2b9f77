/**
 * Server behaviour: hook order, verifyRequest, handleError isolation, sequential vs concurrent
 * serving (shown by event order, never by timing), shutdown and drain, close semantics.
 */
import { describe, expect, test } from "@jest/globals";
import type { Socket } from "node:net";
import {
  BaseRequestHandler,
  StreamRequestHandler,
  TCPServer,
  ThreadingTCPServer,
  AF_INET6,
  type SocketAddress,
} from "../src/index.js";
import { connectTo, deferred, readAll, readSome, serve, stop, streamRequest } from "./helpers.js";

const HOST = "127.0.0.1";

/** Let every pending I/O callback and promise job run (event-loop turns, not a duration). */
async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

describe("hooks", () => {
  test("are called in CPython's order, and setup -> handle -> finish on the handler", async () => {
    const calls: string[] = [];
    class Handler extends BaseRequestHandler<Socket> {
      override setup(): void {
        calls.push("setup");
      }
      override handle(): void {
        calls.push("handle");
      }
      override finish(): void {
        calls.push("finish");
      }
    }
    class Server extends TCPServer {
      override async serverBind(): Promise<void> {
        calls.push("serverBind");
        await super.serverBind();
      }
      override async serverActivate(): Promise<void> {
        calls.push("serverActivate");
        await super.serverActivate();
      }
      override getRequest(): [Socket, SocketAddress] | Promise<[Socket, SocketAddress]> {
        calls.push("getRequest");
        return super.getRequest();
      }
      override verifyRequest(): boolean {
        calls.push("verifyRequest");
        return true;
      }
      override async processRequest(request: Socket, address: SocketAddress): Promise<void> {
        calls.push("processRequest");
        await super.processRequest(request, address);
      }
      override async finishRequest(request: Socket, address: SocketAddress): Promise<void> {
        calls.push("finishRequest");
        await super.finishRequest(request, address);
      }
      override async shutdownRequest(request: Socket): Promise<void> {
        calls.push("shutdownRequest");
        await super.shutdownRequest(request);
      }
      override closeRequest(request: Socket): void {
        calls.push("closeRequest");
        super.closeRequest(request);
      }
      override serviceActions(): void {
        calls.push("serviceActions");
      }
    }
    const server = new Server([HOST, 0], Handler);
    const { loop } = await serve(server);
    await streamRequest(server.serverAddress, "x");
    await settle();
    await stop(server, loop);
    expect(calls).toEqual([
      "serverBind",
      "serverActivate",
      "getRequest",
      "verifyRequest",
      "processRequest",
      "finishRequest",
      "setup",
      "handle",
      "finish",
      "shutdownRequest",
      "closeRequest",
      "serviceActions",
    ]);
  });

  test("port 0 gives the real port in serverAddress, and fileno() is the listening descriptor", async () => {
    const server = new TCPServer([HOST, 0], StreamRequestHandler);
    await server.ready;
    const [host, port] = server.serverAddress as [string, number];
    expect(host).toBe(HOST);
    expect(port).toBeGreaterThan(0);
    expect(server.fileno()).toBeGreaterThan(2);
    await server.serverClose();
    expect(server.fileno()).toBe(-1);
  });

  test("bindAndActivate=false: the caller binds and activates; ready resolves then", async () => {
    const server = new TCPServer([HOST, 0], StreamRequestHandler, false);
    let ready = false;
    void server.ready.then(() => (ready = true));
    await settle();
    expect(ready).toBe(false);
    expect(server.socket.listening).toBe(false);
    server.allowReuseAddress = true;
    await server.serverBind();
    await server.serverActivate();
    await server.ready;
    expect(server.socket.listening).toBe(true);
    await server.serverClose();
  });

  test("IPv6: addressFamily AF_INET6 listens on ::1", async () => {
    class Server6 extends TCPServer {
      override addressFamily = AF_INET6;
    }
    class Echo extends StreamRequestHandler {
      override async handle(): Promise<void> {
        this.wfile.write(await this.rfile.readline());
      }
    }
    const server = new Server6(["::1", 0], Echo);
    const { loop } = await serve(server);
    expect(server.serverAddress[0]).toBe("::1");
    expect((await streamRequest(server.serverAddress, "six\n")).toString()).toBe("six\n");
    await stop(server, loop);
  });

  test("IPv6 with ipv6Only = false: `::` also accepts IPv4 clients (CPython's DualStackServer)", async () => {
    class DualStack extends TCPServer {
      override addressFamily = AF_INET6;
      override ipv6Only = false;
    }
    class Echo extends StreamRequestHandler {
      override async handle(): Promise<void> {
        this.wfile.write(await this.rfile.readline());
      }
    }
    const server = new DualStack(["::", 0], Echo);
    const { loop } = await serve(server);
    const port = (server.serverAddress as [string, number])[1];
    expect((await streamRequest(["127.0.0.1", port], "four\n")).toString()).toBe("four\n");
    expect((await streamRequest(["::1", port], "six\n")).toString()).toBe("six\n");
    await stop(server, loop);
  });

  test("maxConnections option is applied to the listener", async () => {
    const server = new TCPServer([HOST, 0], StreamRequestHandler, { maxConnections: 3 });
    await server.ready;
    expect(server.socket.maxConnections).toBe(3);
    await server.serverClose();
  });
});

describe("verifyRequest and handleError", () => {
  test("verifyRequest false closes the connection unanswered and the handler never runs", async () => {
    let handled = 0;
    class Handler extends StreamRequestHandler {
      override handle(): void {
        handled++;
        this.wfile.write("hello\n");
      }
    }
    class Picky extends TCPServer {
      refuse = true;
      override verifyRequest(): boolean {
        const ok = !this.refuse;
        this.refuse = false;
        return ok;
      }
    }
    const server = new Picky([HOST, 0], Handler);
    const { loop } = await serve(server);
    expect(await streamRequest(server.serverAddress, "")).toEqual(Buffer.alloc(0));
    expect(handled).toBe(0);
    expect((await streamRequest(server.serverAddress, "")).toString()).toBe("hello\n");
    expect(handled).toBe(1);
    await stop(server, loop);
  });

  test("a throwing handler goes to handleError, finish() still runs, and the server keeps serving", async () => {
    const errors: unknown[] = [];
    let finished = 0;
    class Handler extends StreamRequestHandler {
      override async handle(): Promise<void> {
        const line = (await this.rfile.readline()).toString();
        if (line.startsWith("boom")) throw new Error("handler failed");
        this.wfile.write(`ok ${line}`);
      }
      override async finish(): Promise<void> {
        finished++;
        await super.finish();
      }
    }
    class Server extends ThreadingTCPServer {
      override handleError(_r: Socket, address: SocketAddress, error?: unknown): void {
        errors.push([address, error]);
      }
    }
    const server = new Server([HOST, 0], Handler);
    const { loop } = await serve(server);
    expect(await streamRequest(server.serverAddress, "boom\n")).toEqual(Buffer.alloc(0));
    expect((await streamRequest(server.serverAddress, "fine\n")).toString()).toBe("ok fine\n");
    await stop(server, loop);
    expect(errors).toHaveLength(1);
    const [address, error] = errors[0] as [[string, number], Error];
    expect(address[0]).toBe(HOST);
    expect(error.message).toBe("handler failed");
    expect(finished).toBe(2);
  });

  test("the default handleError prints CPython's banner to stderr", async () => {
    class Handler extends BaseRequestHandler {
      override handle(): void {
        throw new Error("printed");
      }
    }
    const server = new TCPServer([HOST, 0], Handler);
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await server.ready;
      const client = await connectTo(server.serverAddress);
      const closed = readAll(client);
      await server.handleRequest();
      await closed;
    } finally {
      process.stderr.write = original;
      await server.serverClose();
    }
    const text = written.join("");
    expect(text).toContain("-".repeat(40));
    expect(text).toMatch(/Exception occurred during processing of request from \('127\.0\.0\.1', \d+\)/);
    expect(text).toContain("Error: printed");
  });
});

describe("sequential vs concurrent", () => {
  /** Handler that announces itself, then waits for the test to release it. */
  function gatedHandler(started: string[], gates: Map<string, Promise<void>>) {
    return class Gated extends StreamRequestHandler {
      override async handle(): Promise<void> {
        const name = (await this.rfile.readline()).toString().trim();
        started.push(name);
        this.wfile.write(`started ${name}\n`);
        await gates.get(name);
        this.wfile.write(`done ${name}\n`);
      }
    };
  }

  test("TCPServer serves one request at a time: the next connection waits", async () => {
    const started: string[] = [];
    const gateA = deferred();
    const server = new TCPServer([HOST, 0], gatedHandler(started, new Map([["a", gateA.promise]])));
    const { loop } = await serve(server);
    const a = await connectTo(server.serverAddress);
    a.write("a\n");
    expect((await readSome(a)).toString()).toBe("started a\n");
    const accepted = new Promise((r) => server.socket.once("connection", r));
    const b = await connectTo(server.serverAddress);
    b.write("b\n");
    await accepted;
    await settle();
    expect(started).toEqual(["a"]);
    gateA.resolve();
    expect((await readAll(a)).toString()).toBe("done a\n");
    expect((await readAll(b)).toString()).toBe("started b\ndone b\n");
    expect(started).toEqual(["a", "b"]);
    await stop(server, loop);
  });

  test("ThreadingTCPServer serves connections concurrently (a waits for b, which would deadlock if sequential)", async () => {
    const started: string[] = [];
    const bStarted = deferred();
    const releaseB = deferred();
    const gates = new Map([
      ["a", bStarted.promise],
      ["b", releaseB.promise],
    ]);
    const server = new ThreadingTCPServer([HOST, 0], gatedHandler(started, gates));
    const { loop } = await serve(server);
    const a = await connectTo(server.serverAddress);
    a.write("a\n");
    expect((await readSome(a)).toString()).toBe("started a\n");
    const b = await connectTo(server.serverAddress);
    b.write("b\n");
    expect((await readSome(b)).toString()).toBe("started b\n");
    expect(server.activeRequests).toBe(2);
    bStarted.resolve();
    expect((await readAll(a)).toString()).toBe("done a\n");
    releaseB.resolve();
    expect((await readAll(b)).toString()).toBe("done b\n");
    await stop(server, loop);
  });

  test("ThreadingMixIn maxConcurrency caps requests in flight", async () => {
    const started: string[] = [];
    const gateA = deferred();
    const server = new ThreadingTCPServer([HOST, 0], gatedHandler(started, new Map([["a", gateA.promise]])), { maxConcurrency: 1 });
    const { loop } = await serve(server);
    const a = await connectTo(server.serverAddress);
    a.write("a\n");
    await readSome(a);
    const accepted = new Promise((r) => server.socket.once("connection", r));
    const b = await connectTo(server.serverAddress);
    b.write("b\n");
    await accepted;
    await settle();
    expect(started).toEqual(["a"]);
    gateA.resolve();
    await readAll(a);
    expect((await readAll(b)).toString()).toBe("started b\ndone b\n");
    await stop(server, loop);
  });
});

describe("handleRequest, timeout, shutdown and close", () => {
  test("handleRequest() serves exactly one request", async () => {
    let count = 0;
    class Handler extends StreamRequestHandler {
      override handle(): void {
        count++;
        this.wfile.write(`#${count}\n`);
      }
    }
    const server = new TCPServer([HOST, 0], Handler);
    await server.ready;
    const first = streamRequest(server.serverAddress, "");
    const second = connectTo(server.serverAddress);
    await server.handleRequest();
    expect((await first).toString()).toBe("#1\n");
    expect(count).toBe(1);
    const s2 = await second;
    const rest = readAll(s2);
    s2.end();
    await server.handleRequest();
    expect((await rest).toString()).toBe("#2\n");
    await server.serverClose();
  });

  test("handleRequest() calls handleTimeout() when no request arrives within timeout", async () => {
    let timedOut = 0;
    class Server extends TCPServer {
      override timeout = 0.05;
      override handleTimeout(): void {
        timedOut++;
      }
    }
    const server = new Server([HOST, 0], StreamRequestHandler);
    await server.ready;
    await server.handleRequest();
    expect(timedOut).toBe(1);
    await server.serverClose();
  });

  test("shutdown() of an idle server returns once the loop stopped; serveForever can run again", async () => {
    const server = new TCPServer([HOST, 0], StreamRequestHandler);
    let ended = false;
    const loop = server.serveForever().then(() => (ended = true));
    await server.ready;
    await server.shutdown();
    await loop;
    expect(ended).toBe(true);
    const again = server.serveForever();
    await expect(server.serveForever()).rejects.toMatchObject({ code: "ERR_SERVER_STATE" });
    await server.shutdown();
    await again;
    await server.serverClose();
  });

  test("shutdown() waits for in-flight requests to finish", async () => {
    const gate = deferred();
    class Handler extends StreamRequestHandler {
      override async handle(): Promise<void> {
        this.wfile.write("in\n");
        await gate.promise;
        this.wfile.write("out\n");
      }
    }
    const server = new ThreadingTCPServer([HOST, 0], Handler);
    const { loop } = await serve(server);
    const client = await connectTo(server.serverAddress);
    await readSome(client);
    let shutDown = false;
    const done = server.shutdown().then(() => (shutDown = true));
    await loop;
    await settle();
    expect(shutDown).toBe(false);
    gate.resolve();
    await done;
    expect((await readAll(client)).toString()).toBe("out\n");
    await server.serverClose();
  });

  test("drainTimeout: shutdown() destroys connections still busy after the deadline", async () => {
    class Stuck extends StreamRequestHandler {
      override async handle(): Promise<void> {
        this.wfile.write("stuck\n");
        await this.rfile.read();
      }
    }
    const server = new ThreadingTCPServer([HOST, 0], Stuck, { drainTimeout: 0.05 });
    const { loop } = await serve(server);
    const client = await connectTo(server.serverAddress);
    await readSome(client);
    const closed = readAll(client);
    await server.shutdown();
    await loop;
    await closed;
    expect(server.activeRequests).toBe(0);
    await server.serverClose();
  });

  test("blockOnClose: serverClose() waits for running requests; daemonThreads does not", async () => {
    for (const daemon of [false, true]) {
      const gate = deferred();
      let finished = false;
      class Handler extends StreamRequestHandler {
        override async handle(): Promise<void> {
          this.wfile.write("go\n");
          await gate.promise;
          finished = true;
        }
      }
      class Server extends ThreadingTCPServer {
        override daemonThreads = daemon;
      }
      const server = new Server([HOST, 0], Handler);
      const { loop } = await serve(server);
      const client = await connectTo(server.serverAddress);
      await readSome(client);
      server.shutdown().catch(() => undefined);
      await loop;
      let closed = false;
      const closing = server.serverClose().then(() => (closed = true));
      await settle();
      expect(closed).toBe(daemon);
      gate.resolve();
      await closing;
      await readAll(client);
      expect(finished).toBe(true);
    }
  });

  test("serverClose() drops connections still waiting in the queue", async () => {
    const server = new TCPServer([HOST, 0], StreamRequestHandler);
    await server.ready;
    const accepted = new Promise((r) => server.socket.once("connection", r));
    const client = await connectTo(server.serverAddress);
    const closed = readAll(client);
    await accepted;
    await server.serverClose();
    expect(await closed).toEqual(Buffer.alloc(0));
  });

  test("await using: disposal shuts down a running server and closes it", async () => {
    let loop: Promise<void>;
    let server: ThreadingTCPServer;
    {
      await using s = new ThreadingTCPServer([HOST, 0], StreamRequestHandler);
      server = s;
      loop = s.serveForever();
      await s.ready;
    }
    await loop;
    expect(server.fileno()).toBe(-1);
  });
});
