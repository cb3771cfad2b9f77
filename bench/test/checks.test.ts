import { afterEach, describe, expect, test } from "@jest/globals";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { checkKeepAlive, checkPipelined } from "../src/drivers/http-check.js";

let server: Server | null = null;

afterEach(async () => {
  const s = server;
  server = null;
  if (s) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function serve(answer: (res: ServerResponse) => void): Promise<number> {
  server = createServer((_req, res) => answer(res));
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

describe("checks before timing", () => {
  test("a correct keep-alive server passes, pipelined too", async () => {
    const port = await serve((res) => res.end("Hello, world!"));
    await checkKeepAlive(`http://127.0.0.1:${port}/`, "Hello, world!");
    await checkPipelined(port, "Hello, world!", 4);
  });

  test("a wrong body fails the check", async () => {
    const port = await serve((res) => res.end("Hello, World?"));
    await expect(checkKeepAlive(`http://127.0.0.1:${port}/`, "Hello, world!")).rejects.toThrow(/check failed.*200/);
  });

  test("a wrong status fails the check", async () => {
    const port = await serve((res) => {
      res.statusCode = 500;
      res.end("Hello, world!");
    });
    await expect(checkKeepAlive(`http://127.0.0.1:${port}/`, "Hello, world!")).rejects.toThrow(/check failed.*500/);
  });

  test("a server that closes each connection fails the keep-alive check", async () => {
    const port = await serve((res) => {
      res.setHeader("Connection", "close");
      res.end("Hello, world!");
    });
    await expect(checkKeepAlive(`http://127.0.0.1:${port}/`, "Hello, world!")).rejects.toThrow(/keep-alive/);
  });
});
