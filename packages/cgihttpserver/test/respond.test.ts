/**
 * How a script's output is relayed (`relayOutput`), against a stub handler that records what it
 * is asked to write: no sockets and no processes, so that what is asserted does not depend on
 * how fast a script exits.
 */
import { describe, expect, test } from "@jest/globals";
import { PassThrough, Writable } from "node:stream";
import type { HTTPSocketWriter, IncomingBody } from "@stdhttp/basehttpserver";
import { relayOutput, type CgiResponder } from "../src/respond.js";
import type { RunningScript } from "../src/spawn-script.js";
import { ScriptOutput } from "../src/script-output.js";

/** A handler stub: each call in order, and each `wfile.write` as one entry. */
function stubHandler(): { h: CgiResponder; calls: string[] } {
  const calls: string[] = [];
  const wfile = {
    write(data: Buffer | string) {
      calls.push(`write ${Buffer.from(data).toString("latin1")}`);
      return data.length;
    },
    flush: () => Promise.resolve(),
    sendHead: () => calls.push("sendHead"),
  } as unknown as HTTPSocketWriter;
  const h: CgiResponder = {
    command: "GET",
    requestVersion: "HTTP/1.1",
    protocolVersion: "HTTP/1.1",
    closeConnection: false,
    body: { kind: "none" } as IncomingBody,
    wfile,
    sendResponse: (code) => calls.push(`status ${code}`),
    sendHeader: (name, value) => calls.push(`${name}: ${value}`),
    endHeaders: () => calls.push("endHeaders"),
    flushHeaders: () => calls.push("flushHeaders"),
    sendError: (code) => calls.push(`error ${code}`),
    logError: () => undefined,
  };
  return { h, calls };
}

/** A script whose stdout is `stdout` (ended by the caller) and that exited with status 0. */
function stubScript(stdout: PassThrough): RunningScript {
  const stderr = new PassThrough();
  stderr.end();
  return {
    stdin: new Writable({ write: (_c, _e, done) => done() }),
    stdout: ScriptOutput.from(stdout),
    stderr: ScriptOutput.from(stderr),
    exited: Promise.resolve(0),
    timedOut: false,
    kill: () => undefined,
  };
}

describe("relayOutput", () => {
  test("output that ends with its last bytes: the head is ended with them and one write carries the body and the last chunk", async () => {
    const { h, calls } = stubHandler();
    const stdout = new PassThrough();
    stdout.end("Content-Type: text/plain\r\n\r\nhello\n");
    expect(await relayOutput(h, stubScript(stdout), null, false, false)).toBeNull();
    expect(calls).toEqual(["status 200", "Content-Type: text/plain", "Transfer-Encoding: chunked", "endHeaders", "write 6\r\nhello\n\r\n0\r\n\r\n"]);
  });

  test("output that pauses: what came before the pause is sent before it ends (held at most a moment)", async () => {
    const { h, calls } = stubHandler();
    const stdout = new PassThrough();
    stdout.write("Content-Type: text/plain\r\n\r\nfirst\n");
    const relayed = relayOutput(h, stubScript(stdout), null, false, false);
    // The output stays open until the first part has been written: it must not wait for the end.
    for (const deadline = Date.now() + 10_000; calls.length < 5 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 5));
    expect(calls).toEqual(["status 200", "Content-Type: text/plain", "Transfer-Encoding: chunked", "endHeaders", "write 6\r\nfirst\n\r\n"]);
    stdout.end("second\n");
    await relayed;
    expect(calls.slice(5)).toEqual(["write 7\r\nsecond\n\r\n0\r\n\r\n"]);
  });

  test("a Content-Length from the script frames the body: no chunks, the body clipped to it", async () => {
    const { h, calls } = stubHandler();
    const stdout = new PassThrough();
    stdout.end("Content-Type: text/plain\r\nContent-Length: 5\r\n\r\n12345678");
    await relayOutput(h, stubScript(stdout), null, false, false);
    expect(calls).toEqual(["status 200", "Content-Type: text/plain", "Content-Length: 5", "endHeaders", "write 12345"]);
  });
});
