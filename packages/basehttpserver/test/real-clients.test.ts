/**
 * Real clients against the server: curl and CPython's http.client (keep-alive reuse, chunked
 * upload, Expect: 100-continue, HEAD), and HTTPS with ALPN through Node's TLS client.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import type { Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { SocketAddress } from "@stdhttp/socketserver";
import { ThreadingHTTPSServer } from "../src/index.js";
import { connectTo, NoLogRequestHandler, python, raw, run, serve, type Running } from "./helpers.js";

const connections = new Set<string>();

class Echo extends NoLogRequestHandler {
  override protocolVersion = "HTTP/1.1";
  override setup(): void {
    super.setup();
    const [host, port] = this.clientAddress as [string, number];
    connections.add(`${host}:${port}`);
  }
  private reply(text: string): void {
    const body = Buffer.from(text);
    this.sendResponse(200);
    this.sendHeader("Content-Type", "text/plain");
    this.sendHeader("Content-Length", body.length);
    this.endHeaders();
    if (this.command !== "HEAD") this.wfile.write(body);
  }
  do_GET(): void {
    this.reply(`GET ${this.path}`);
  }
  do_HEAD(): void {
    this.reply(`GET ${this.path}`);
  }
  async do_POST(): Promise<void> {
    const data = await this.readBody();
    this.reply(`${this.body.kind} ${data.length} ${data.toString().slice(0, 20)}`);
  }
}

let srv: Running;
let dir: string;
beforeAll(async () => {
  srv = await serve(Echo);
  dir = mkdtempSync(join(tmpdir(), "stdhttp-bhs-"));
});
afterAll(async () => {
  await srv.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("curl", () => {
  test("keep-alive: two URLs in one curl run reuse the connection", async () => {
    connections.clear();
    const url = `http://127.0.0.1:${srv.port}`;
    const out = await run("curl", ["-s", "-S", `${url}/a`, "-o", "/dev/null", `${url}/b`]);
    expect(out).toBe("GET /b");
    expect(connections.size).toBe(1);
  });

  test("chunked upload", async () => {
    const file = join(dir, "up.txt");
    writeFileSync(file, "x".repeat(100000));
    const out = await run("curl", ["-s", "-S", "-H", "Transfer-Encoding: chunked", "--data-binary", `@${file}`, `http://127.0.0.1:${srv.port}/up`]);
    expect(out).toBe(`chunked 100000 ${"x".repeat(20)}`);
  });

  test("Expect: 100-continue", async () => {
    const out = await run("curl", ["-s", "-S", "-H", "Expect: 100-continue", "--data-binary", "hello", `http://127.0.0.1:${srv.port}/`]);
    expect(out).toBe("length 5 hello");
  });

  test("HEAD", async () => {
    const out = await run("curl", ["-s", "-S", "-I", `http://127.0.0.1:${srv.port}/h`]);
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(out).toContain("Content-Length: 6\r\n");
  });
});

const PY_CLIENT = String.raw`
import http.client, sys, json
port = int(sys.argv[1])
out = {}
con = http.client.HTTPConnection("127.0.0.1", port)
con.request("GET", "/one"); r = con.getresponse(); out["one"] = r.read().decode()
sock1 = con.sock
con.request("GET", "/two"); r = con.getresponse(); out["two"] = r.read().decode()
out["reused"] = con.sock is sock1
con.request("HEAD", "/head"); r = con.getresponse(); out["head"] = [r.status, r.getheader("Content-Length"), r.read().decode()]
def gen():
    yield b"abc"
    yield b"defg"
con.request("POST", "/chunked", body=gen(), encode_chunked=True); r = con.getresponse(); out["chunked"] = r.read().decode()
con.request("POST", "/expect", body=b"payload", headers={"Expect": "100-continue"}); r = con.getresponse(); out["expect"] = [r.status, r.read().decode()]
con.close()
print(json.dumps(out))
`;

describe("CPython http.client", () => {
  test("keep-alive reuse, HEAD, chunked upload, 100-continue", async () => {
    connections.clear();
    const out = JSON.parse(await python(PY_CLIENT, String(srv.port))) as Record<string, unknown>;
    expect(out).toEqual({
      one: "GET /one",
      two: "GET /two",
      reused: true,
      head: [200, "9", ""],
      chunked: "chunked 7 abcdefg",
      expect: [200, "length 7 payload"],
    });
    expect(connections.size).toBe(1);
  });
});

describe("HTTPS", () => {
  beforeAll(() => {
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
      "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
    ], { stdio: "ignore" });
  });

  test("ThreadingHTTPSServer from certfile/keyfile negotiates http/1.1 by ALPN", async () => {
    const s = await serve(Echo, { certfile: join(dir, "cert.pem"), keyfile: join(dir, "key.pem") } as never, ThreadingHTTPSServer as never);
    const ca = readFileSync(join(dir, "cert.pem"));
    const result = await new Promise<[string, string]>((resolve, reject) => {
      const sock = tlsConnect({ host: "127.0.0.1", port: s.port, ca, servername: "localhost", ALPNProtocols: ["http/1.1"] }, () => {
        sock.end("GET /secure HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
      });
      let text = "";
      sock.setEncoding("utf8");
      sock.on("data", (d: string) => (text += d));
      sock.on("error", reject);
      sock.on("close", () => resolve([text.slice(text.indexOf("\r\n\r\n") + 4), String(sock.alpnProtocol)]));
    });
    await s.stop();
    expect(result).toEqual(["GET /secure", "http/1.1"]);
  });

  test("plain HTTP on the HTTPS port is answered 400 in plain text, as nginx does; TLS still works after it", async () => {
    class QuietHTTPS extends ThreadingHTTPSServer {
      refused = 0;
      override refusePlainHttp(request: Socket, clientAddress: SocketAddress): void {
        this.refused++;
        const log = process.stderr.write;
        process.stderr.write = (() => true);
        try {
          super.refusePlainHttp(request, clientAddress);
        } finally {
          process.stderr.write = log;
        }
      }
    }
    const s = await serve(Echo, { certfile: join(dir, "cert.pem"), keyfile: join(dir, "key.pem") } as never, QuietHTTPS as never);
    const text = await raw(s.port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", true);
    // A client that connects and leaves at once costs nothing and answers nothing.
    (await connectTo(s.port)).destroy();
    const curl = await run("curl", ["-sk", "--max-time", "10", `https://127.0.0.1:${s.port}/after`]);
    const refused = (s.server as unknown as QuietHTTPS).refused;
    await s.stop();
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(text).toContain("The plain HTTP request was sent to HTTPS port");
    expect(refused).toBe(1);
    expect(curl).toBe("GET /after");
  });

  test("a head trickled over TLS one byte per record is answered (the held head reads a TLSSocket)", async () => {
    const s = await serve(Echo, { certfile: join(dir, "cert.pem"), keyfile: join(dir, "key.pem") } as never, ThreadingHTTPSServer as never);
    const ca = readFileSync(join(dir, "cert.pem"));
    const head = "GET /trickled HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    const text = await new Promise<string>((resolve, reject) => {
      const sock = tlsConnect({ host: "127.0.0.1", port: s.port, ca, servername: "localhost" }, () => {
        void (async () => {
          for (const ch of head) {
            sock.write(ch);
            await new Promise((r) => setTimeout(r, 1));
          }
        })();
      });
      let got = "";
      sock.setEncoding("utf8");
      sock.on("data", (d: string) => (got += d));
      sock.on("error", reject);
      sock.on("close", () => resolve(got));
    });
    await s.stop();
    expect(text.slice(text.indexOf("\r\n\r\n") + 4)).toBe("GET /trickled");
  });

  test("a client that connects to the HTTPS port and sends nothing does not hold up shutdown", async () => {
    // The header timeout (60 s) is far beyond jest's: only closing the waiting connection ends this.
    const s = await serve(Echo, { certfile: join(dir, "cert.pem"), keyfile: join(dir, "key.pem") } as never, ThreadingHTTPSServer as never);
    const silent = await connectTo(s.port);
    const closed = new Promise((resolve) => silent.once("close", resolve));
    await s.stop();
    await closed;
  });
});
