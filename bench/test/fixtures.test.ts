/**
 * The `client` workload's servers must give every client the same bytes: the native (C) fixture
 * answers like the node:net one, pipelined requests included; and the command line selects it.
 */
import { afterEach, describe, expect, test } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { parseCli } from "../src/args.js";
import { BIG_BODY, SMALL_BODY } from "../src/fixtures.js";
import { buildNative } from "../src/native.js";

let proc: ChildProcess | null = null;

afterEach(() => {
  proc?.kill("SIGKILL");
  proc = null;
});

async function startNative(): Promise<number> {
  const build = buildNative("http_fixture");
  if (build.path === null) throw new Error(build.error);
  proc = spawn(build.path, ["0"], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  return new Promise<number>((resolve, reject) => {
    proc!.stdout!.on("data", (s: Buffer) => {
      out += s.toString();
      const m = /^PORT (\d+)$/m.exec(out);
      if (m) resolve(Number(m[1]));
    });
    proc!.once("exit", (code) => reject(new Error(`fixture exited with ${code}`)));
  });
}

/** Sends `requests` in one write and collects the bytes until `expected` of them arrived. */
function exchange(port: number, requests: string, expected: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const s = connect(port, "127.0.0.1", () => s.write(requests));
    s.on("data", (c: Buffer) => {
      parts.push(c);
      got += c.length;
      if (got >= expected) {
        s.destroy();
        resolve(Buffer.concat(parts));
      }
    });
    s.on("error", reject);
  });
}

function response(status: string, body: Buffer): Buffer {
  const head = `HTTP/1.1 ${status}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), body]);
}

describe("native fixture (scripts/http_fixture.c)", () => {
  test("answers /small, /1m and unknown paths, pipelined, byte for byte", async () => {
    const port = await startNative();
    const expected = Buffer.concat([response("200 OK", SMALL_BODY), response("200 OK", BIG_BODY), response("404 Not Found", Buffer.from("not found\n")), response("200 OK", SMALL_BODY)]);
    const req = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const got = await exchange(port, req("/small") + req("/1m") + req("/nope") + req("/small"), expected.length);
    expect(got.length).toBe(expected.length);
    expect(got.equals(expected)).toBe(true);
  });

  test("a request head split across writes is answered once complete", async () => {
    const port = await startNative();
    const expected = response("200 OK", SMALL_BODY);
    const got = await new Promise<Buffer>((resolve, reject) => {
      const s = connect(port, "127.0.0.1", () => {
        s.write("GET /sma");
        setTimeout(() => s.write("ll HTTP/1.1\r\nHost: x\r\n\r\n"), 20);
      });
      s.on("data", (c: Buffer) => {
        s.destroy();
        resolve(c);
      });
      s.on("error", reject);
    });
    expect(got.equals(expected)).toBe(true);
  });
});

describe("--fixture", () => {
  test("native by default, node on request, anything else refused", () => {
    expect(parseCli([], true).options.fixture).toBe("native");
    expect(parseCli(["--fixture", "node"], true).options.fixture).toBe("node");
    expect(() => parseCli(["--fixture", "nginx"], true)).toThrow(/--fixture must be native or node/);
  });
});
