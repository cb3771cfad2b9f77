// ProxyRequestHandler end to end on loopback: a node:http origin, the proxy in between, curl and
// raw sockets as clients, a second proxy as the parent in chaining tests.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFile } from "node:child_process";
import http from "node:http";
import net from "node:net";
import { promisify } from "node:util";
import { DEFAULT_POOLS, ProxyRequestHandler, mapHost, parseHostMapEntry, ThreadingHTTPServer, parseUpstream, type Filter, type ProxyOptions } from "../src/index.js";

const run = promisify(execFile);

class Quiet extends ProxyRequestHandler {
  override logMessage(): void {}
}

interface Running {
  port: number;
  close(): Promise<void>;
}

async function proxy(options: ProxyOptions = {}): Promise<Running> {
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], Quiet.withOptions(options));
  await server.ready;
  void server.serveForever();
  return {
    port: (server.serverAddress as [string, number])[1],
    async close() {
      await server.shutdown();
      await server.serverClose();
    },
  };
}

let origin: http.Server;
let originPort: number;
const hung: net.Socket[] = [];
const seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }> = [];

beforeAll(async () => {
  origin = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url === "/big") {
        res.writeHead(200, { "Content-Type": "application/octet-stream" });
        res.end(Buffer.alloc(3 * 1024 * 1024, 7));
        return;
      }
      if (req.url === "/hang") {
        hung.push(req.socket);
        return; // never answers: the test watches the proxy give up on it
      }
      if (req.url === "/hop") {
        res.writeHead(200, { Connection: "X-Private", "X-Private": "secret", "Keep-Alive": "timeout=5", "Content-Type": "text/plain" });
        res.end("hop");
        return;
      }
      res.writeHead(200, { "Content-Type": "text/plain", "X-Origin": "yes" });
      res.end(`${req.method} ${req.url} ${body}`);
    });
  });
  await new Promise<void>((r) => origin.listen(0, "127.0.0.1", r));
  originPort = (origin.address() as net.AddressInfo).port;
});

afterAll(async () => {
  DEFAULT_POOLS.close();
  await new Promise((r) => origin.close(r));
});

async function curl(args: string[]): Promise<{ stdout: string; code: number }> {
  try {
    const { stdout } = await run("curl", ["-sS", "--max-time", "20", ...args], { maxBuffer: 64 * 1024 * 1024 });
    return { stdout, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; code?: number };
    return { stdout: e.stdout ?? "", code: e.code ?? 1 };
  }
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}

/** Raw request to the proxy; reads until the proxy closes. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => s.write(text));
    let out = "";
    s.on("data", (c: Buffer) => (out += c.toString("latin1")));
    s.on("end", () => resolve(out));
    s.on("error", reject);
  });
}

describe("forwarding", () => {
  let p: Running;
  beforeAll(async () => (p = await proxy()));
  afterAll(() => p.close());

  test("GET and POST through curl -x; Via added; the origin sees origin-form", async () => {
    const get = await curl(["-x", `http://127.0.0.1:${p.port}`, `http://127.0.0.1:${originPort}/a?b=1`, "-D", "-"]);
    expect(get.stdout).toContain("GET /a?b=1 ");
    expect(get.stdout).toMatch(/^Via: 1\.1 stdhttp-proxy/m);
    expect(seen.at(-1)!.headers.via).toBe("1.1 stdhttp-proxy");
    // The origin's Date is relayed, not doubled with ours; no Server of ours is added.
    expect(get.stdout.match(/^Date:/gim)?.length).toBe(1);
    expect(get.stdout).not.toMatch(/^Server: stdhttp-proxy/im);
    const post = await curl(["-x", `http://127.0.0.1:${p.port}`, "-d", "payload=1", `http://127.0.0.1:${originPort}/form`]);
    expect(post.stdout).toBe("POST /form payload=1");
  });

  test("a chunked request body is streamed up; a 3 MiB answer streamed down intact", async () => {
    const post = await curl(["-x", `http://127.0.0.1:${p.port}`, "-H", "Transfer-Encoding: chunked", "--data-binary", "x".repeat(100000), `http://127.0.0.1:${originPort}/chunked`]);
    expect(post.stdout).toBe(`POST /chunked ${"x".repeat(100000)}`);
    const big = await curl(["-x", `http://127.0.0.1:${p.port}`, `http://127.0.0.1:${originPort}/big`, "-o", "/dev/null", "-w", "%{size_download}"]);
    expect(big.stdout).toBe(String(3 * 1024 * 1024));
  });

  test("hop-by-hop fields and those named in Connection are removed both ways (RFC 9110 7.6.1)", async () => {
    await curl(["-x", `http://127.0.0.1:${p.port}`, "-H", "Connection: X-Token", "-H", "X-Token: 1", "-H", "Keep-Alive: 300", "-H", "Proxy-Connection: keep-alive", `http://127.0.0.1:${originPort}/h`]);
    const h = seen.at(-1)!.headers;
    expect(h["x-token"]).toBeUndefined();
    expect(h["keep-alive"]).toBeUndefined();
    expect(h["proxy-connection"]).toBeUndefined();
    const back = await curl(["-x", `http://127.0.0.1:${p.port}`, "-D", "-", "-o", "/dev/null", `http://127.0.0.1:${originPort}/hop`]);
    expect(back.stdout).not.toMatch(/^X-Private:/im);
    expect(back.stdout).not.toMatch(/^Keep-Alive:/im);
  });

  test("Max-Forwards: 0 on TRACE and OPTIONS is answered by the proxy (RFC 9110 7.6.2)", async () => {
    const trace = await raw(p.port, `TRACE http://127.0.0.1:${originPort}/t HTTP/1.1\r\nHost: x\r\nMax-Forwards: 0\r\nCookie: secret\r\nConnection: close\r\n\r\n`);
    expect(trace).toMatch(/^HTTP\/1\.1 200/);
    expect(trace).toContain("message/http");
    expect(trace).not.toContain("secret");
    const before = seen.length;
    const opts = await raw(p.port, `OPTIONS http://127.0.0.1:${originPort}/o HTTP/1.1\r\nHost: x\r\nMax-Forwards: 1\r\nConnection: close\r\n\r\n`);
    expect(opts).toMatch(/^HTTP\/1\.1 200/);
    expect(seen.length).toBe(before + 1);
    expect(seen.at(-1)!.headers["max-forwards"]).toBe("0");
  });

  test("an origin that refuses is 502 with what failed; origin-form requests reach serveLocal()", async () => {
    const dead = net.createServer();
    await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
    const deadPort = (dead.address() as net.AddressInfo).port;
    await new Promise((r) => dead.close(r));
    const a = await raw(p.port, `GET http://127.0.0.1:${deadPort}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(a).toMatch(/^HTTP\/1\.1 502/);
    expect(a).toContain("refused the connection");
    const local = await raw(p.port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(local).toMatch(/^HTTP\/1\.1 200/);
    expect(local).toContain("forward proxy");
  });

  test("a client that leaves while the origin thinks: the upstream request is abandoned (its connection closed)", async () => {
    const p = await proxy();
    try {
      const client = net.connect(p.port, "127.0.0.1");
      await new Promise((r) => client.once("connect", r));
      client.write(`GET http://127.0.0.1:${originPort}/hang HTTP/1.1\r\nHost: 127.0.0.1:${originPort}\r\n\r\n`);
      const answer: Buffer[] = [];
      client.on("data", (c: Buffer) => answer.push(c));
      await until(() => hung.length === 1);
      client.end();
      await new Promise((r) => (hung[0].destroyed ? r(null) : hung[0].once("close", r)));
      await new Promise((r) => client.once("close", r));
      expect(Buffer.concat(answer).length).toBe(0);
      // The proxy keeps serving.
      expect((await curl(["-x", `http://127.0.0.1:${p.port}`, `http://127.0.0.1:${originPort}/after`])).stdout).toBe("GET /after ");
    } finally {
      await p.close();
    }
  });

  test("https:// absolute-form is refused (CONNECT is the way)", async () => {
    expect(await raw(p.port, "GET https://example.com/ HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n")).toMatch(/^HTTP\/1\.1 400/);
  });
});

describe("CONNECT", () => {
  test("tunnels to allowed ports only", async () => {
    const p = await proxy({ connectPorts: [originPort] });
    try {
      const a = await curl(["-x", `http://127.0.0.1:${p.port}`, "--proxytunnel", `http://127.0.0.1:${originPort}/through-tunnel`]);
      expect(a.stdout).toBe("GET /through-tunnel ");
      expect(seen.at(-1)!.headers.via).toBeUndefined(); // a tunnel is opaque
      const refused = await raw(p.port, `CONNECT 127.0.0.1:25 HTTP/1.1\r\nHost: 127.0.0.1:25\r\n\r\n`);
      expect(refused).toMatch(/^HTTP\/1\.1 403/);
    } finally {
      await p.close();
    }
  });
});

describe("hostMap", () => {
  test("a mapped name is connected to the mapped address, for requests and CONNECT; the name stays in Host", async () => {
    const p = await proxy({ hostMap: { "news.test": `127.0.0.1:${originPort}`, "tunnel.test": "127.0.0.1" }, connectPorts: [originPort] });
    try {
      const a = await curl(["-x", `http://127.0.0.1:${p.port}`, "http://NEWS.test/front?x=1"]);
      expect(a.stdout).toBe("GET /front?x=1 ");
      expect(seen.at(-1)!.headers.host).toBe("news.test");
      const b = await curl(["-x", `http://127.0.0.1:${p.port}`, "--proxytunnel", `http://tunnel.test:${originPort}/tunnelled`]);
      expect(b.stdout).toBe("GET /tunnelled ");
    } finally {
      await p.close();
    }
  });

  test("entries: name:port wins over name; bad entries are named", () => {
    expect(mapHost({ "a.test": "10.0.0.1:81", "a.test:8080": "[::1]:82" }, "A.test", 8080)).toEqual(["::1", 82]);
    expect(mapHost({ "a.test": "10.0.0.1:81" }, "a.test", 80)).toEqual(["10.0.0.1", 81]);
    expect(mapHost({ "a.test": "10.0.0.1" }, "a.test", 8000)).toEqual(["10.0.0.1", 8000]);
    expect(mapHost({}, "b.test", 80)).toEqual(["b.test", 80]);
    expect(parseHostMapEntry("News.Test=127.0.0.1:8090")).toEqual(["news.test", "127.0.0.1:8090"]);
    expect(() => parseHostMapEntry("news.test")).toThrow(/NAME=HOST/);
    expect(() => parseHostMapEntry("news.test=1.2.3.4:x")).toThrow(/not host\[:port\]/);
    expect(() => parseHostMapEntry("a b=1.2.3.4")).toThrow(/not a host name/);
  });
});

describe("access", () => {
  test("clients outside allowedClients get 403", async () => {
    const p = await proxy({ allowedClients: ["10.0.0.0/8"] });
    try {
      expect(await raw(p.port, `GET http://127.0.0.1:${originPort}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 403/);
    } finally {
      await p.close();
    }
  });

  test("Basic proxy authentication: 407 without, forwarded with (and not passed on)", async () => {
    const p = await proxy({ proxyCredentials: { user: "u", password: "p w" } });
    try {
      const no = await raw(p.port, `GET http://127.0.0.1:${originPort}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(no).toMatch(/^HTTP\/1\.1 407/);
      expect(no).toMatch(/Proxy-Authenticate: Basic realm="stdhttp-proxy"/);
      const yes = await curl(["-x", `http://127.0.0.1:${p.port}`, "-U", "u:p w", `http://127.0.0.1:${originPort}/auth`]);
      expect(yes.stdout).toBe("GET /auth ");
      expect(seen.at(-1)!.headers["proxy-authorization"]).toBeUndefined();
    } finally {
      await p.close();
    }
  });
});

describe("parseUpstream", () => {
  test("a written port is kept, :80 included (the URL parser drops it); none is Squid's 3128", () => {
    expect(parseUpstream("http://h:80")).toEqual({ host: "h", port: 80, authorization: null });
    expect(parseUpstream("http://u:p@[::1]:80/")).toMatchObject({ host: "::1", port: 80 });
    expect(parseUpstream("http://h").port).toBe(3128);
    expect(parseUpstream("http://u:p%40x@h").authorization).toBe(`Basic ${Buffer.from("u:p@x").toString("base64")}`);
    expect(() => parseUpstream("http://h:0")).toThrow(/not a port/);
    expect(() => parseUpstream("http://u:%zz@h")).toThrow(/malformed %-escape/);
  });
});

describe("chaining", () => {
  test("a TRACE never carries the parent's credentials (RFC 9110 9.3.8): a reflecting parent cannot leak them", async () => {
    const heads: string[] = [];
    // A parent that answers every request with the request it received (as TRACE does).
    const parent = net.createServer((s) => {
      let head = "";
      s.on("data", (c: Buffer) => {
        head += c.toString("latin1");
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        const echoed = head.slice(0, end + 4);
        heads.push(echoed);
        head = head.slice(end + 4);
        s.write(`HTTP/1.1 200 OK\r\nContent-Type: message/http\r\nContent-Length: ${Buffer.byteLength(echoed, "latin1")}\r\n\r\n${echoed}`);
      });
      s.on("error", () => undefined);
    });
    await new Promise<void>((r) => parent.listen(0, "127.0.0.1", r));
    const child = await proxy({ upstream: parseUpstream(`http://user:s3cret@127.0.0.1:${(parent.address() as net.AddressInfo).port}`) });
    try {
      const t = await raw(child.port, `TRACE http://shop.test/ HTTP/1.1\r\nHost: shop.test\r\nMax-Forwards: 5\r\nConnection: close\r\n\r\n`);
      expect(t).toMatch(/^HTTP\/1\.1 200/);
      expect(t).toContain("Max-Forwards: 4");
      expect(t).not.toMatch(/proxy-authorization/i);
      const g = await raw(child.port, `GET http://shop.test/ HTTP/1.1\r\nHost: shop.test\r\nConnection: close\r\n\r\n`);
      expect(g).toMatch(/^HTTP\/1\.1 200/);
      expect(heads.at(-1)).toMatch(/^Proxy-Authorization: Basic /m);
    } finally {
      await child.close();
      await new Promise((r) => parent.close(r));
    }
  });

  test("through a parent proxy with credentials, for plain requests and CONNECT; a loop is 508", async () => {
    const parent = await proxy({ proxyCredentials: { user: "a", password: "b" }, connectPorts: [originPort], pseudonym: "parent" });
    const child = await proxy({ upstream: parseUpstream(`http://a:b@127.0.0.1:${parent.port}`), connectPorts: [originPort] });
    try {
      const a = await curl(["-x", `http://127.0.0.1:${child.port}`, `http://127.0.0.1:${originPort}/chained`]);
      expect(a.stdout).toBe("GET /chained ");
      expect(seen.at(-1)!.headers.via).toBe("1.1 stdhttp-proxy, 1.1 parent");
      const t = await curl(["-x", `http://127.0.0.1:${child.port}`, "--proxytunnel", `http://127.0.0.1:${originPort}/tunnel-chained`]);
      expect(t.stdout).toBe("GET /tunnel-chained ");
      const looping = await proxy({ pseudonym: "parent" });
      try {
        const l = await raw(looping.port, `GET http://127.0.0.1:${originPort}/ HTTP/1.1\r\nHost: x\r\nVia: 1.1 parent\r\nConnection: close\r\n\r\n`);
        expect(l).toMatch(/^HTTP\/1\.1 508/);
      } finally {
        await looping.close();
      }
    } finally {
      await child.close();
      await parent.close();
    }
  });
});

describe("filters", () => {
  test("a request filter answers, a header filter rewrites, a body transform streams", async () => {
    const blocker: Filter = {
      name: "blocker",
      onRequest: (req) => (req.url.pathname === "/blocked" ? { status: 403, headers: [["Content-Type", "text/plain"]], body: "blocked by test" } : undefined),
      onResponseHeaders: (_req, res) => {
        res.headers.push(["X-Filtered", "1"]);
      },
      onResponseBody: (req) => (req.url.pathname === "/upper" ? { push: (c) => Buffer.from(c.toString().toUpperCase()), end: () => Buffer.from("!") } : null),
      explain: (url) => [{ filter: "blocker", rule: "/blocked", action: url.pathname === "/blocked" ? "block" : "pass" }],
    };
    const p = await proxy({ filters: [blocker] });
    try {
      const before = seen.length;
      const b = await curl(["-x", `http://127.0.0.1:${p.port}`, "-i", `http://127.0.0.1:${originPort}/blocked`]);
      expect(b.stdout).toMatch(/^HTTP\/1\.1 403/);
      expect(b.stdout).toContain("blocked by test");
      expect(seen.length).toBe(before);
      const u = await curl(["-x", `http://127.0.0.1:${p.port}`, "-i", `http://127.0.0.1:${originPort}/upper`]);
      expect(u.stdout).toContain("X-Filtered: 1");
      expect(u.stdout).toMatch(/Transfer-Encoding: chunked/i);
      expect(u.stdout.endsWith("GET /UPPER !")).toBe(true);
    } finally {
      await p.close();
    }
  });

  test("filters that answer with promises are awaited, in order, between synchronous ones", async () => {
    const order: string[] = [];
    const later = <T>(value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), 5));
    const first: Filter = {
      name: "first",
      onRequest: () => {
        order.push("first");
      },
      onResponseHeaders: async (_req, res) => {
        order.push("first-headers");
        res.headers.push(["X-First", "1"]);
        await later(undefined);
      },
    };
    const slow: Filter = {
      name: "slow",
      onRequest: (req) => {
        order.push("slow");
        return later(req.url.pathname === "/async-blocked" ? { status: 451, body: "answered later" } : undefined);
      },
      onResponseHeaders: (_req, res) => {
        order.push("slow-headers");
        res.headers.push(["X-Slow", "1"]);
      },
    };
    const last: Filter = {
      name: "last",
      onRequest: () => {
        order.push("last");
      },
    };
    const p = await proxy({ filters: [first, slow, last] });
    try {
      const b = await curl(["-x", `http://127.0.0.1:${p.port}`, "-i", `http://127.0.0.1:${originPort}/async-blocked`]);
      expect(b.stdout).toMatch(/^HTTP\/1\.1 451/);
      expect(b.stdout).toContain("answered later");
      expect(order).toEqual(["first", "slow"]);
      order.length = 0;
      const ok = await curl(["-x", `http://127.0.0.1:${p.port}`, "-i", `http://127.0.0.1:${originPort}/async-passed`]);
      expect(ok.stdout).toMatch(/^HTTP\/1\.1 200/);
      expect(ok.stdout).toContain("X-First: 1");
      expect(ok.stdout).toContain("X-Slow: 1");
      expect(order).toEqual(["first", "slow", "last", "first-headers", "slow-headers"]);
    } finally {
      await p.close();
    }
  });
});
