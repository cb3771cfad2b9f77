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
import { findNginx, nginxConfig, startNginx } from "../src/workloads/client-nginx.js";

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
  test("native by default, node or nginx on request, anything else refused", () => {
    expect(parseCli([], true).options.fixture).toBe("native");
    expect(parseCli(["--fixture", "node"], true).options.fixture).toBe("node");
    expect(parseCli(["--fixture", "nginx"], true).options.fixture).toBe("nginx");
    expect(() => parseCli(["--fixture", "apache"], true)).toThrow(/--fixture must be native, node or nginx/);
  });
});

describe("nginx fixture (--fixture nginx)", () => {
  test("a missing nginx is a clear error, not a fallback", async () => {
    expect(findNginx({ PATH: "/nonexistent" }, [])).toBeNull();
    await expect(startNginx({}, null)).rejects.toThrow(/nginx not found.*apt-get install nginx/);
  });

  test("the configuration keeps connections alive, uses sendfile and serves from its own directory", () => {
    const conf = nginxConfig("/tmp/x", 8080);
    expect(conf).toMatch(/^daemon off;$/m);
    expect(conf).toMatch(/listen 127\.0\.0\.1:8080;/);
    expect(conf).toMatch(/sendfile on;/);
    expect(conf).toMatch(/keepalive_requests 1000000;/);
    expect(conf).toMatch(/root \/tmp\/x\/www;/);
  });

  // Needs nginx on the machine (apt-get install nginx); the check above runs everywhere.
  const nginx = findNginx();
  (nginx === null ? test.skip : test)("serves /small and /1m with the same bytes as the other fixtures, kept alive", async () => {
    const server = await startNginx();
    try {
      const got = await twoResponses(server.port, "GET /small HTTP/1.1\r\nHost: x\r\n\r\nGET /1m HTTP/1.1\r\nHost: x\r\n\r\n");
      // Two answers on one connection: nginx's heads differ from the prebuilt ones, the bodies do not.
      const first = splitResponse(got, 0);
      expect(first.status).toBe(200);
      expect(first.body.equals(SMALL_BODY)).toBe(true);
      const second = splitResponse(got, first.end);
      expect(second.status).toBe(200);
      expect(second.body.equals(BIG_BODY)).toBe(true);
    } finally {
      await server.stop();
    }
  }, 30_000);
});

/** The response starting at `at` in `bytes`: status, Content-Length body, where it ends (-1: incomplete). */
function splitResponse(bytes: Buffer, at: number): { status: number; body: Buffer; end: number } {
  const blank = bytes.indexOf("\r\n\r\n", at);
  if (blank === -1) return { status: 0, body: Buffer.alloc(0), end: -1 };
  const head = bytes.toString("latin1", at, blank + 4);
  const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
  const end = blank + 4 + length;
  return { status: Number(head.split(" ")[1]), body: bytes.subarray(blank + 4, end), end: end <= bytes.length ? end : -1 };
}

/** Sends `requests` in one write and collects the bytes until two whole responses arrived. */
function twoResponses(port: number, requests: string): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    let got = Buffer.alloc(0);
    const s = connect(port, "127.0.0.1", () => s.write(requests));
    s.on("data", (c: Buffer) => {
      got = Buffer.concat([got, c]);
      const first = splitResponse(got, 0);
      if (first.end !== -1 && splitResponse(got, first.end).end !== -1) {
        s.destroy();
        resolve(got);
      }
    });
    s.on("error", reject);
    s.on("end", () => reject(new Error(`connection ended after ${got.length} bytes`)));
  });
}
