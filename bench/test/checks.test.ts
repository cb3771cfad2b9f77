import { describe, expect, test } from "@jest/globals";
import { checkKeepAlive, checkPipelined } from "../src/drivers/http-check.js";
import { answerServer } from "./helpers/answer-server.js";

const serve = answerServer();

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
