/**
 * The concurrent servers' default serving path (RequestRun, one small object per connection)
 * against the generic one (a subclass that overrides processRequestThread): for handlers that
 * fail at each step, both call the same hooks in the same order and report the same errors.
 */
import { describe, expect, test } from "@jest/globals";
import type { Socket } from "node:net";
import { StreamRequestHandler, ThreadingTCPServer, type SocketAddress } from "../src/index.js";
import { connectTo, readAll, serve, stop } from "./helpers.js";

type Failure = "none" | "setup" | "setup-async" | "handle" | "handle-async" | "finish" | "handle+finish" | "shutdown";

/** Serve one connection with a handler failing as told; the hook calls and errors, in order. */
async function trace(failure: Failure, generic: boolean): Promise<string[]> {
  const events: string[] = [];
  const fail = (step: string): never => {
    throw new Error(step);
  };
  class Handler extends StreamRequestHandler {
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- setup() may be async: the server waits for it
    override setup(): void | Promise<void> {
      events.push("setup");
      if (failure === "setup") fail("setup");
      super.setup();
      if (failure === "setup-async") return Promise.reject(new Error("setup-async"));
    }
    override async handle(): Promise<void> {
      events.push("handle");
      if (failure === "handle" || failure === "handle+finish") fail("handle");
      await this.rfile.readline();
      if (failure === "handle-async") fail("handle-async");
      this.wfile.write("ok\n");
    }
    override async finish(): Promise<void> {
      events.push("finish");
      await super.finish();
      if (failure === "finish" || failure === "handle+finish") fail("finish");
    }
  }
  class Server extends ThreadingTCPServer {
    override handleError(_request: Socket, _address: SocketAddress, error?: unknown): void {
      events.push(`error:${(error as Error).message}`);
    }
    override async shutdownRequest(request: Socket): Promise<void> {
      events.push("shutdown");
      await super.shutdownRequest(request);
      if (failure === "shutdown") fail("shutdown");
    }
  }
  class GenericServer extends Server {
    override processRequestThread(request: unknown, clientAddress: SocketAddress): Promise<void> {
      return super.processRequestThread(request, clientAddress);
    }
  }
  const server = new (generic ? GenericServer : Server)(["127.0.0.1", 0], Handler);
  const { loop } = await serve(server);
  const socket = await connectTo(server.serverAddress);
  const answer = readAll(socket);
  socket.end("line\n");
  await answer;
  // shutdown() waits for the request in flight: every hook has run once it resolves.
  await stop(server, loop);
  return events;
}

describe("RequestRun: the default concurrent path calls the hooks as finishAndShutdown does", () => {
  const cases: Array<[Failure, string[]]> = [
    ["none", ["setup", "handle", "finish", "shutdown"]],
    ["setup", ["setup", "error:setup", "shutdown"]],
    ["setup-async", ["setup", "error:setup-async", "shutdown"]],
    ["handle", ["setup", "handle", "finish", "error:handle", "shutdown"]],
    ["handle-async", ["setup", "handle", "finish", "error:handle-async", "shutdown"]],
    ["finish", ["setup", "handle", "finish", "error:finish", "shutdown"]],
    ["handle+finish", ["setup", "handle", "finish", "error:finish", "shutdown"]],
    ["shutdown", ["setup", "handle", "finish", "shutdown", "error:shutdown"]],
  ];
  test.each(cases)("%s", async (failure, expected) => {
    expect(await trace(failure, false)).toEqual(expected);
    expect(await trace(failure, true)).toEqual(expected);
  });
});
