/**
 * The README documents every option (with its default), every public handler method and the
 * handbook example; the runnable example answers what the README says.
 */
import { describe, expect, test } from "@jest/globals";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { BaseHTTPRequestHandler, HTTP_DEFAULTS, HTTPConnectionLoop, HTTPRequestReader, HTTPResponder } from "../src/index.js";
import { raw } from "./helpers.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  test.each(Object.keys(HTTP_DEFAULTS))("documents the option %s", (name) => {
    expect(readme).toContain(`| \`${name}\` |`);
  });

  const internal = ["releaseBatch", "closeIdle", "trySendError", "resetResponse", "setup", "finish", "beginRequest", "endRequest", "endRequestSlow", "requestFailed", "serveRequest", "serveRequestLater", "dispatch", "requestClosed", "requestLogged", "handleEachRequest", "serveRequests", "afterRequest", "nextRequestNow", "readerFilled", "readerFailed", "idleWaitOver", "endHandle", "failHandle", "expireIdle", "releaseRequest", "startRequest", "applyConnection", "startBody", "refuseHead"];
  const prototypes = [BaseHTTPRequestHandler.prototype, HTTPConnectionLoop.prototype, HTTPRequestReader.prototype, HTTPResponder.prototype] as object[];
  const own = prototypes.flatMap((proto) => Object.getOwnPropertyNames(proto).map((n) => [n, Object.getOwnPropertyDescriptor(proto, n)!] as const));
  // CPython's class attributes live on the prototype here (sysVersion, protocolVersion, MessageClass, ...).
  const isClassProperty = (n: string, d: PropertyDescriptor): boolean => d.value !== undefined && (typeof d.value !== "function" || n === "MessageClass");
  const methods = own.filter(([n, d]) => n !== "constructor" && !internal.includes(n) && !isClassProperty(n, d) && typeof d.value === "function").map(([n]) => n);
  const classProperties = own.filter(([n, d]) => isClassProperty(n, d)).map(([n]) => n);
  test("finds the class properties", () => {
    expect(classProperties).toEqual(expect.arrayContaining(["protocolVersion", "serverVersion", "MessageClass"]));
  });
  test.each(classProperties)("documents the class property %s", (name) => {
    expect(readme).toContain(`\`${name}\``);
  });
  test("finds the handler methods", () => {
    expect(methods.length).toBeGreaterThanOrEqual(20);
  });
  test.each(methods)("documents the handler method %s", (name) => {
    expect(readme).toContain(`\`${name}(`);
  });

  test("shows the handbook example", () => {
    expect(readme).toContain('self.wfile.write("<html><body><h1>Welcome!</h1></body></html>")');
    expect(readme).toContain('this.wfile.write("<html><body><h1>Welcome!</h1></body></html>");');
  });
});

describe("examples/welcome-server.mjs", () => {
  test("serves the welcome page", async () => {
    const child = spawn(process.execPath, [new URL("../examples/welcome-server.mjs", import.meta.url).pathname, "0"], { stdio: ["ignore", "pipe", "ignore"] });
    const line = await new Promise<string>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(d.toString())));
    const port = Number(/:(\d+) /.exec(line)![1]);
    const text = await raw(port, "GET / HTTP/1.0\r\n\r\n", true);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGINT");
    await exited;
    expect(text).toMatch(/^HTTP\/1\.0 200 OK\r\n/);
    expect(text.endsWith("<html><body><h1>Welcome!</h1></body></html>")).toBe(true);
  });
});
