/**
 * The message layer against real peers: Python's http.client and curl talk to a tiny
 * net.Server that frames everything with our parser and chunked codec, and our parser reads
 * the answers of Python's real http.server.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HTTPException } from "../src/errors.js";
import {
  ChunkedDecoder,
  encodeChunk,
  encodeLastChunk,
  findHeadEnd,
  formatHttpDate,
  parseHttpDate,
  parseRequestHead,
  parseResponseHead,
  requestBodyFraming,
  responseBodyFraming,
  type BodyFraming,
  type RequestHead,
} from "../src/message/index.js";

interface Pending {
  head: RequestHead;
  framing: BodyFraming;
  decoder: ChunkedDecoder | null;
  body: Buffer[];
}

/** A one-file HTTP/1.1 echo server built only from the message layer. */
function echoServer(): net.Server {
  return net.createServer((sock) => {
    let buf: Buffer = Buffer.alloc(0);
    let cur: Pending | null = null;
    const reply = (p: Pending): void => {
      const echo = JSON.stringify({
        method: p.head.method,
        target: p.head.target,
        version: p.head.version,
        headers: p.head.headers.rawPairs(),
        framing: p.framing.kind,
        body: Buffer.concat(p.body).toString("latin1"),
        trailers: p.decoder?.trailers?.rawPairs() ?? [],
      });
      const half = Math.floor(echo.length / 2);
      sock.write(
        Buffer.concat([
          Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: ${formatHttpDate()}\r\nTransfer-Encoding: chunked\r\n\r\n`),
          encodeChunk(echo.slice(0, half)),
          encodeChunk(""),
          encodeChunk(echo.slice(half)),
          encodeLastChunk([["X-Echo-Length", String(echo.length)]]),
        ]),
      );
    };
    const step = (): void => {
      for (;;) {
        if (cur === null) {
          const end = findHeadEnd(buf);
          if (end === -1) return;
          const head = parseRequestHead(buf, 0, end);
          const framing = requestBodyFraming(head.headers);
          buf = buf.subarray(end);
          cur = { head, framing, decoder: framing.kind === "chunked" ? new ChunkedDecoder() : null, body: [] };
        }
        if (cur.decoder !== null) {
          const r = cur.decoder.push(buf);
          cur.body.push(...r.data);
          buf = r.rest ?? Buffer.alloc(0);
          if (!r.done) return;
        } else if (cur.framing.kind === "length") {
          if (buf.length < cur.framing.length) return;
          cur.body.push(buf.subarray(0, cur.framing.length));
          buf = buf.subarray(cur.framing.length);
        }
        reply(cur);
        cur = null;
      }
    };
    sock.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        step();
      } catch (err) {
        const code = err instanceof HTTPException ? err.code : "ERR_UNEXPECTED";
        sock.end(`HTTP/1.1 400 Bad Request\r\nContent-Length: ${code.length}\r\nConnection: close\r\n\r\n${code}`);
      }
    });
    sock.on("error", () => sock.destroy());
  });
}

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err}`))));
    child.stdin.end(input ?? "");
  });
}

const PY_CLIENT = `
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
def gen():
    yield b"hello "
    yield b"chunked "
    yield b"world"
out = []
c.request("POST", "/upload?x=1", body=gen(), headers={"X-Test": "a b"})
r = c.getresponse(); out.append({"status": r.status, "te": r.getheader("transfer-encoding"), "echo": json.loads(r.read())})
c.request("GET", "/second")
r = c.getresponse(); out.append({"status": r.status, "echo": json.loads(r.read())})
c.request("PUT", "/cl", body=b"x" * 100000)
r = c.getresponse(); out.append({"status": r.status, "echo": json.loads(r.read())})
print(json.dumps(out))
`;

describe("real peers against the message layer", () => {
  let server: net.Server;
  let port = 0;
  beforeAll(async () => {
    server = echoServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test("Python http.client: chunked upload, keep-alive, Content-Length upload; it decodes our chunked replies", async () => {
    const out = JSON.parse(await run("python3", ["-c", PY_CLIENT, String(port)])) as Array<{
      status: number;
      te?: string;
      echo: { method: string; target: string; headers: [string, string][]; framing: string; body: string };
    }>;
    expect(out).toHaveLength(3);
    const [a, b, c] = out;
    expect(a.status).toBe(200);
    expect(a.te).toBe("chunked");
    expect(a.echo).toMatchObject({ method: "POST", target: "/upload?x=1", framing: "chunked", body: "hello chunked world" });
    expect(a.echo.headers).toContainEqual(["X-Test", "a b"]);
    expect(b.echo).toMatchObject({ method: "GET", target: "/second", framing: "none", body: "" });
    expect(c.echo).toMatchObject({ method: "PUT", framing: "length", body: "x".repeat(100000) });
  });

  test("curl: chunked upload decoded, trailers and chunked reply understood", async () => {
    const out = await run("curl", ["-sS", "-H", "Transfer-Encoding: chunked", "--data-binary", "@-", `http://127.0.0.1:${port}/curl`], "from curl");
    const echo = JSON.parse(out) as { framing: string; body: string; method: string };
    expect(echo).toMatchObject({ method: "POST", framing: "chunked", body: "from curl" });
  });

  test("curl: Content-Length plus Transfer-Encoding is refused (request smuggling)", async () => {
    const out = await run("curl", [
      "-sS",
      "-H", "Transfer-Encoding: chunked",
      "-H", "Content-Length: 3",
      "--data-binary", "@-",
      `http://127.0.0.1:${port}/smuggle`,
    ], "abc");
    expect(out).toBe("ERR_HTTP_CONFLICTING_FRAMING");
  });
});

describe("Python's http.server answers, parsed by parseResponseHead", () => {
  let child: ChildProcess;
  let port = 0;
  let dir = "";
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "httplib-msg-"));
    writeFileSync(join(dir, "hello.txt"), "hello from python\n");
    child = spawn("python3", ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", dir], { stdio: ["ignore", "pipe", "pipe"] });
    port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /port (\d+)/.exec(out);
        if (m !== null) resolve(Number(m[1]));
      });
      child.on("exit", (code) => reject(new Error(`http.server exited ${code}`)));
    });
  });
  afterAll(async () => {
    const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
    child.kill();
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });

  async function ask(method: string, path: string): Promise<Buffer> {
    const sock = net.connect(port, "127.0.0.1");
    const parts: Buffer[] = [];
    sock.on("data", (d: Buffer) => parts.push(d));
    sock.write(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    await new Promise<void>((resolve, reject) => {
      sock.on("close", () => resolve());
      sock.on("error", reject);
    });
    return Buffer.concat(parts);
  }

  test("GET a file: status, headers, dates and Content-Length framing", async () => {
    const raw = await ask("GET", "/hello.txt");
    const end = findHeadEnd(raw);
    const head = parseResponseHead(raw, 0, end);
    expect([head.status, head.reason]).toEqual([200, "OK"]);
    expect(head.headers.get("server")).toMatch(/^SimpleHTTP/);
    expect(head.headers.getContentType()).toBe("text/plain");
    expect(parseHttpDate(head.headers.get("date")!)).toBeInstanceOf(Date);
    expect(parseHttpDate(head.headers.get("last-modified")!)).toBeInstanceOf(Date);
    const framing = responseBodyFraming(head.status, head.headers, "GET");
    expect(framing).toEqual({ kind: "length", length: 18 });
    expect(raw.subarray(end).toString()).toBe("hello from python\n");
  });

  test("HEAD: no body whatever Content-Length says; 404 framed by length", async () => {
    const raw = await ask("HEAD", "/hello.txt");
    const end = findHeadEnd(raw);
    const head = parseResponseHead(raw, 0, end);
    expect(head.headers.get("content-length")).toBe("18");
    expect(responseBodyFraming(head.status, head.headers, "HEAD")).toEqual({ kind: "none" });
    expect(end).toBe(raw.length);

    const missing = await ask("GET", "/nope");
    const h404 = parseResponseHead(missing, 0, findHeadEnd(missing));
    expect(h404.status).toBe(404);
    const framing = responseBodyFraming(h404.status, h404.headers, "GET");
    expect(framing.kind).toBe("length");
    expect(missing.length - findHeadEnd(missing)).toBe(framing.kind === "length" ? framing.length : -1);
  });
});
