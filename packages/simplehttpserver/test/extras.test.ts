// What SimpleHTTPRequestHandler does beyond CPython, over real sockets on port 0 with raw bytes:
// validators and conditional requests (RFC 9110 13), ranges (RFC 9110 14), precompressed
// siblings, CORS, SPA fallback, listing JSON, dotfile and symlink policies, traversal attempts,
// special files, cache invalidation, uploads, and a client leaving mid-download.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { ThreadingHTTPServer } from "@stdhttp/basehttpserver";
import { SimpleHTTPRequestHandler, type SimpleHTTPOptions } from "../src/index.js";

interface Answer {
  status: number;
  reason: string;
  headers: Map<string, string>;
  body: Buffer;
  raw: Buffer;
}

function parseAnswer(raw: Buffer): Answer {
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) throw new Error(`no head in ${JSON.stringify(raw.toString("latin1").slice(0, 200))}`);
  const lines = raw.subarray(0, end).toString("latin1").split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(lines[0]);
  if (m === null) throw new Error(`bad status line ${lines[0]}`);
  const headers = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const i = l.indexOf(":");
    const k = l.slice(0, i).toLowerCase();
    const v = l.slice(i + 1).trim();
    headers.set(k, headers.has(k) ? `${headers.get(k)}, ${v}` : v);
  }
  return { status: Number(m[1]), reason: m[2], headers, body: raw.subarray(end + 4), raw };
}

/** Send `head` (and `body`) on a new connection; read until the server closes (HTTP/1.0 handler). */
function request(port: number, head: string, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("error", reject);
    s.on("end", () => {
      try {
        resolve(parseAnswer(Buffer.concat(chunks)));
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    s.write(head.includes("\r\n\r\n") ? head : `${head}\r\nHost: x\r\n\r\n`);
    if (body) s.write(body);
  });
}

const get = (port: number, target: string, extra = ""): Promise<Answer> => request(port, `GET ${target} HTTP/1.1\r\nHost: x\r\n${extra}Connection: close\r\n\r\n`);

class Quiet extends SimpleHTTPRequestHandler {
  override logMessage(): void {}
}

async function serve(options: SimpleHTTPOptions): Promise<{ port: number; close: () => Promise<void> }> {
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], Quiet.withOptions(options), { maxBodySize: 64 * 1024 * 1024 });
  await server.ready;
  void server.serveForever();
  return {
    port: (server.serverAddress as [string, number])[1],
    close: async () => {
      await server.shutdown();
      await server.serverClose();
    },
  };
}

let tmp: string;
let root: string;
let outside: string;
const SECRET = "TOP-SECRET-OUTSIDE-THE-ROOT";
const big = Buffer.alloc(3 * 1024 * 1024 + 123);
for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 11)) & 0xff;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "shs-extras-"));
  root = path.join(tmp, "root");
  outside = path.join(tmp, "secret.txt");
  mkdirSync(root);
  writeFileSync(outside, SECRET);
  writeFileSync(path.join(root, "hello.txt"), "hello world\n");
  writeFileSync(path.join(root, "big.bin"), big);
  writeFileSync(path.join(root, "app.js"), "console.log('plain');\n");
  writeFileSync(path.join(root, "app.js.br"), "BROTLI-BYTES");
  writeFileSync(path.join(root, "app.js.gz"), "GZIP-BYTES");
  writeFileSync(path.join(root, ".env"), "DOTFILE");
  mkdirSync(path.join(root, ".well-known"));
  writeFileSync(path.join(root, ".well-known", "security.txt"), "Contact: x");
  mkdirSync(path.join(root, "sub"));
  writeFileSync(path.join(root, "sub", "inner.txt"), "inner");
  mkdirSync(path.join(root, "evil.com"));
  symlinkSync(outside, path.join(root, "escape.txt"));
  symlinkSync(path.join(root, "hello.txt"), path.join(root, "alias.txt"));
  symlinkSync(tmp, path.join(root, "updir"));
  execFileSync("mkfifo", [path.join(root, "fifo")]);
  // A page whose precompressed sibling is a link out of the root.
  writeFileSync(path.join(root, "style.css"), "body{}\n");
  symlinkSync(outside, path.join(root, "style.css.gz"));
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("validators and conditional requests (RFC 9110 13)", () => {
  let srv: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => (srv = await serve({ directory: root })));
  afterAll(() => srv.close());

  test("a strong ETag and Last-Modified; If-None-Match answers 304 with the validators", async () => {
    const a = await get(srv.port, "/hello.txt");
    expect(a.status).toBe(200);
    const etag = a.headers.get("etag")!;
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(a.headers.get("accept-ranges")).toBe("bytes");
    const b = await get(srv.port, "/hello.txt", `If-None-Match: "nope", ${etag}\r\n`);
    expect(b.status).toBe(304);
    expect(b.headers.get("etag")).toBe(etag);
    expect(b.body.length).toBe(0);
    // RFC 9110 13.1.3: If-Modified-Since is ignored when If-None-Match is present (CPython too).
    const c = await get(srv.port, "/hello.txt", `If-None-Match: "nope"\r\nIf-Modified-Since: ${a.headers.get("last-modified")}\r\n`);
    expect(c.status).toBe(200);
  });

  test("If-Match and If-Unmodified-Since failures are 412", async () => {
    expect((await get(srv.port, "/hello.txt", 'If-Match: "other"\r\n')).status).toBe(412);
    expect((await get(srv.port, "/hello.txt", "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n")).status).toBe(412);
    expect((await get(srv.port, "/hello.txt", "If-Match: *\r\n")).status).toBe(200);
  });

  test("an edited file is never served stale from the cache", async () => {
    const p = path.join(root, "edit.txt");
    writeFileSync(p, "version-1");
    expect((await get(srv.port, "/edit.txt")).body.toString()).toBe("version-1");
    writeFileSync(p, "version-2"); // same size
    utimesSync(p, new Date(), new Date(Date.now() + 5000));
    const a = await get(srv.port, "/edit.txt");
    expect(a.body.toString()).toBe("version-2");
  });
});

describe("ranges (RFC 9110 14)", () => {
  let srv: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => (srv = await serve({ directory: root })));
  afterAll(() => srv.close());

  test("one range of a cached file: 206 with Content-Range", async () => {
    const a = await get(srv.port, "/hello.txt", "Range: bytes=0-4\r\n");
    expect(a.status).toBe(206);
    expect(a.headers.get("content-range")).toBe("bytes 0-4/12");
    expect(a.body.toString()).toBe("hello");
  });

  test("ranges of a streamed file, suffix and open-ended", async () => {
    const a = await get(srv.port, "/big.bin", "Range: bytes=1000000-2999999\r\n");
    expect(a.status).toBe(206);
    expect(a.body.equals(big.subarray(1000000, 3000000))).toBe(true);
    const b = await get(srv.port, "/big.bin", "Range: bytes=-100\r\n");
    expect(b.body.equals(big.subarray(big.length - 100))).toBe(true);
    const c = await get(srv.port, "/big.bin", `Range: bytes=${big.length - 5}-\r\n`);
    expect(c.headers.get("content-range")).toBe(`bytes ${big.length - 5}-${big.length - 1}/${big.length}`);
  });

  test("several ranges: multipart/byteranges with exact length and parts", async () => {
    const a = await get(srv.port, "/big.bin", "Range: bytes=0-9, 500000-500009\r\n");
    expect(a.status).toBe(206);
    const type = a.headers.get("content-type")!;
    const boundary = /boundary=(\S+)/.exec(type)![1];
    expect(type.startsWith("multipart/byteranges")).toBe(true);
    expect(Number(a.headers.get("content-length"))).toBe(a.body.length);
    const text = a.body.toString("latin1");
    expect(text.split(`--${boundary}`).length).toBe(4);
    expect(text).toContain("Content-Range: bytes 0-9/" + big.length);
    expect(text).toContain("Content-Range: bytes 500000-500009/" + big.length);
    expect(text.endsWith(`--${boundary}--\r\n`)).toBe(true);
    const first = text.indexOf("\r\n\r\n") + 4;
    expect(Buffer.from(text.slice(first, first + 10), "latin1").equals(big.subarray(0, 10))).toBe(true);
  });

  test("unsatisfiable: 416 with Content-Range: bytes */size", async () => {
    const a = await get(srv.port, "/hello.txt", "Range: bytes=100-200\r\n");
    expect(a.status).toBe(416);
    expect(a.headers.get("content-range")).toBe("bytes */12");
  });

  test("If-Range: a matching validator gets the range, a stale one the whole file", async () => {
    const etag = (await get(srv.port, "/hello.txt")).headers.get("etag")!;
    expect((await get(srv.port, "/hello.txt", `Range: bytes=0-0\r\nIf-Range: ${etag}\r\n`)).status).toBe(206);
    const stale = await get(srv.port, "/hello.txt", 'Range: bytes=0-0\r\nIf-Range: "old"\r\n');
    expect(stale.status).toBe(200);
    expect(stale.body.toString()).toBe("hello world\n");
  });

  test("Range is ignored for HEAD and for other units", async () => {
    const h = await request(srv.port, "HEAD /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\nConnection: close\r\n\r\n");
    expect(h.status).toBe(200);
    expect(h.headers.get("content-length")).toBe("12");
    expect((await get(srv.port, "/hello.txt", "Range: items=0-1\r\n")).status).toBe(200);
  });
});

describe("precompressed siblings", () => {
  let srv: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => (srv = await serve({ directory: root })));
  afterAll(() => srv.close());

  test("br preferred, gzip when asked, identity otherwise; Vary on chosen encodings and distinct ETags", async () => {
    const br = await get(srv.port, "/app.js", "Accept-Encoding: gzip, deflate, br\r\n");
    expect(br.headers.get("content-encoding")).toBe("br");
    expect(br.body.toString()).toBe("BROTLI-BYTES");
    expect(br.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(br.headers.get("vary")).toBe("Accept-Encoding");
    const gz = await get(srv.port, "/app.js", "Accept-Encoding: gzip\r\n");
    expect(gz.headers.get("content-encoding")).toBe("gzip");
    expect(gz.body.toString()).toBe("GZIP-BYTES");
    const plain = await get(srv.port, "/app.js", "Accept-Encoding: identity\r\n");
    expect(plain.headers.has("content-encoding")).toBe(false);
    expect(plain.body.toString()).toBe("console.log('plain');\n");
    // zstd accepted but no .zst sibling: identity.
    const zstdOnly = await get(srv.port, "/app.js", "Accept-Encoding: zstd\r\n");
    expect(zstdOnly.headers.has("content-encoding")).toBe(false);
    expect(new Set([br.headers.get("etag"), gz.headers.get("etag"), plain.headers.get("etag")]).size).toBe(3);
  });

  test("off with precompressed: false", async () => {
    const off = await serve({ directory: root, precompressed: false });
    try {
      const a = await get(off.port, "/app.js", "Accept-Encoding: br\r\n");
      expect(a.headers.has("content-encoding")).toBe(false);
      expect(a.headers.has("vary")).toBe(false);
    } finally {
      await off.close();
    }
  });
});

describe("no request reads outside the directory", () => {
  let srv: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => (srv = await serve({ directory: root })));
  afterAll(() => srv.close());

  const attempts = [
    "/../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E%2Fsecret.txt",
    "/..%2fsecret.txt",
    "/..%5csecret.txt",
    "/..\\secret.txt",
    "/%c0%ae%c0%ae/secret.txt",
    "/%e0%80%ae%e0%80%ae/secret.txt",
    "/sub/../../secret.txt",
    "/sub/%2e%2e/%2e%2e/secret.txt",
    "//../secret.txt",
    "/./.././secret.txt",
    "ABSOLUTE", // the secret's absolute path, percent-encoded
    "/C:/secret.txt",
    "/C:%5Csecret.txt",
    "/hello.txt%00.html",
    "/updir/secret.txt",
    "/escape.txt",
    "http://x/../secret.txt",
  ];
  test.each(attempts)("GET %s", async (attempt) => {
    const target = attempt === "ABSOLUTE" ? `/${encodeURIComponent(outside)}` : attempt;
    const a = await get(srv.port, target);
    expect([301, 400, 403, 404]).toContain(a.status);
    expect(a.raw.toString("latin1")).not.toContain(SECRET);
    expect(a.raw.toString("latin1")).not.toContain(tmp); // no path disclosure
  });

  test("a symlink inside the root is followed; following all links is opt-in", async () => {
    expect((await get(srv.port, "/alias.txt")).body.toString()).toBe("hello world\n");
    const follow = await serve({ directory: root, symlinks: "follow" });
    const deny = await serve({ directory: root, symlinks: "deny" });
    try {
      expect((await get(follow.port, "/escape.txt")).body.toString()).toBe(SECRET);
      expect((await get(deny.port, "/alias.txt")).status).toBe(403);
      expect((await get(deny.port, "/hello.txt")).status).toBe(200);
    } finally {
      await follow.close();
      await deny.close();
    }
  });

  test("a precompressed sibling that links out of the root is never served in place of the file", async () => {
    const a = await get(srv.port, "/style.css", "Accept-Encoding: gzip\r\n");
    expect(a.status).toBe(200);
    expect(a.headers.get("content-encoding")).toBeUndefined();
    expect(a.body.toString()).toBe("body{}\n");
    expect(a.raw.toString("latin1")).not.toContain(SECRET);
  });

  test("a listing tells nothing of a link's target outside the root (size, date)", async () => {
    const a = await get(srv.port, "/", "Accept: application/json\r\n");
    const entries = (JSON.parse(a.body.toString()) as { entries: Array<{ name: string; size: number | null; modified: string | null }> }).entries;
    const escape = entries.find((e) => e.name === "escape.txt")!;
    expect(escape.size).toBeNull();
    expect(entries.find((e) => e.name === "alias.txt")!.size).toBe(12);
  });

  test("a path of thousands of segments translates to the same file path as a short one would", async () => {
    const { SimpleHTTPRequestHandler } = await import("../src/index.js");
    const h = Object.create(SimpleHTTPRequestHandler.prototype) as InstanceType<typeof SimpleHTTPRequestHandler>;
    Object.defineProperty(h, "rootDirectory", { value: "/srv/www" });
    expect(h.translatePath(`/${"a/".repeat(20000)}x.txt`)).toBe(`/srv/www/${"a/".repeat(20000)}x.txt`);
    expect(h.translatePath("/a/../b/./c/")).toBe("/srv/www/b/c/");
    expect(h.translatePath("/")).toBe("/srv/www/");
  });

  test("a FIFO is not served (and does not hang the request)", async () => {
    expect((await get(srv.port, "/fifo")).status).toBe(404);
  });

  test("a directory redirect never leads to another host", async () => {
    for (const target of ["//evil.com", "/%2Fevil.com", "/evil.com?x=1"]) {
      const a = await get(srv.port, target);
      expect(a.status).toBe(301);
      const location = a.headers.get("location")!;
      expect(location.startsWith("/")).toBe(true);
      expect(location.startsWith("//")).toBe(false);
      expect(location.startsWith("/\\")).toBe(false);
    }
    expect((await get(srv.port, "/evil.com?x=1")).headers.get("location")).toBe("/evil.com/?x=1");
  });
});

describe("dotfiles", () => {
  test("hidden and 404 by default; .well-known served", async () => {
    const srv = await serve({ directory: root });
    try {
      expect((await get(srv.port, "/.env")).status).toBe(404);
      expect((await get(srv.port, "/%2eenv")).status).toBe(404);
      expect((await get(srv.port, "/sub/../.env")).status).toBe(404);
      expect((await get(srv.port, "/.well-known/security.txt")).status).toBe(200);
      const listing = (await get(srv.port, "/")).body.toString();
      expect(listing).not.toContain(".env");
      expect(listing).toContain(".well-known");
    } finally {
      await srv.close();
    }
  });
  test("deny: 403; allow: served and listed", async () => {
    const deny = await serve({ directory: root, dotfiles: "deny" });
    const allow = await serve({ directory: root, dotfiles: "allow" });
    try {
      expect((await get(deny.port, "/.env")).status).toBe(403);
      expect((await get(allow.port, "/.env")).body.toString()).toBe("DOTFILE");
      expect((await get(allow.port, "/")).body.toString()).toContain(".env");
    } finally {
      await deny.close();
      await allow.close();
    }
  });
});

describe("options: CORS, extra headers, Cache-Control, SPA fallback, listings", () => {
  test("CORS headers on answers and errors, and preflights", async () => {
    const srv = await serve({ directory: root, corsOrigin: "*", extraHeaders: [["X-Served-By", "stdhttp"]], cacheControl: "max-age=60" });
    try {
      const a = await get(srv.port, "/hello.txt");
      expect(a.headers.get("access-control-allow-origin")).toBe("*");
      expect(a.headers.get("x-served-by")).toBe("stdhttp");
      expect(a.headers.get("cache-control")).toBe("max-age=60");
      expect((await get(srv.port, "/missing")).headers.get("access-control-allow-origin")).toBe("*");
      const pre = await request(srv.port, "OPTIONS /hello.txt HTTP/1.1\r\nHost: x\r\nOrigin: http://a\r\nAccess-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: x-a\r\nConnection: close\r\n\r\n");
      expect(pre.status).toBe(204);
      expect(pre.headers.get("access-control-allow-methods")).toBe("GET, HEAD");
      expect(pre.headers.get("access-control-allow-headers")).toBe("x-a");
    } finally {
      await srv.close();
    }
  });

  test("without CORS, OPTIONS and PUT are 501 as in CPython", async () => {
    const srv = await serve({ directory: root });
    try {
      expect((await request(srv.port, "OPTIONS / HTTP/1.0")).status).toBe(501);
      expect((await request(srv.port, "PUT /x HTTP/1.0\r\nContent-Length: 0\r\n\r\n")).status).toBe(501);
      expect((await request(srv.port, "POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\n")).status).toBe(501);
    } finally {
      await srv.close();
    }
  });

  test("SPA fallback: page-like paths get the fallback, assets stay 404", async () => {
    writeFileSync(path.join(root, "index-spa.html"), "<app>");
    const srv = await serve({ directory: root, spaFallback: "index-spa.html" });
    try {
      const a = await get(srv.port, "/users/42");
      expect(a.status).toBe(200);
      expect(a.body.toString()).toBe("<app>");
      expect((await get(srv.port, "/missing.js")).status).toBe(404);
      expect((await get(srv.port, "/missing.js", "Accept: text/html\r\n")).status).toBe(200);
    } finally {
      await srv.close();
    }
  });

  test("listing as JSON when Accept prefers it; listings can be turned off", async () => {
    const srv = await serve({ directory: root });
    const off = await serve({ directory: root, directoryListing: false });
    try {
      const a = await get(srv.port, "/sub/", "Accept: application/json\r\n");
      expect(a.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(a.headers.get("vary")).toBe("Accept");
      const json = JSON.parse(a.body.toString()) as { entries: Array<{ name: string; size: number }> };
      expect(json.entries.map((e) => e.name)).toEqual(["inner.txt"]);
      expect(json.entries[0].size).toBe(5);
      expect((await get(off.port, "/sub/")).status).toBe(404);
    } finally {
      await srv.close();
      await off.close();
    }
  });
});

describe("uploads (PUT, off by default)", () => {
  let srv: Awaited<ReturnType<typeof serve>>;
  let up: string;
  beforeAll(async () => {
    up = path.join(tmp, "uploads");
    mkdirSync(up);
    srv = await serve({ directory: up, allowUpload: true });
  });
  afterAll(() => srv.close());

  const put = (target: string, body: Buffer, extra = ""): Promise<Answer> =>
    request(srv.port, `PUT ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n${extra}Connection: close\r\n\r\n`, body);

  test("201 for a new file, 204 when replaced; the bytes land", async () => {
    const a = await put("/new.bin", Buffer.from("first"));
    expect(a.status).toBe(201);
    expect(a.headers.get("location")).toBe("/new.bin");
    expect(readFileSync(path.join(up, "new.bin"), "utf8")).toBe("first");
    expect((await put("/new.bin", Buffer.from("second"))).status).toBe(204);
    expect(readFileSync(path.join(up, "new.bin"), "utf8")).toBe("second");
  });

  test("chunked bodies are stored de-chunked", async () => {
    const a = await request(srv.port, "PUT /chunked.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    expect(a.status).toBe(201);
    expect(readFileSync(path.join(up, "chunked.txt"), "utf8")).toBe("hello world");
  });

  test("an upload cut short never replaces the file and leaves no temporary file", async () => {
    writeFileSync(path.join(up, "keep.txt"), "original");
    await new Promise<void>((resolve) => {
      const s = net.connect(srv.port, "127.0.0.1", () => {
        s.write("PUT /keep.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + "x".repeat(1000));
        setTimeout(() => s.destroy(), 50);
      });
      s.on("close", () => resolve());
      s.on("error", () => undefined);
    });
    // The server notices the reset and removes its temporary file.
    for (let i = 0; i < 100 && readdirSync(up).some((n) => n.includes(".upload-")); i++) await new Promise((r) => setTimeout(r, 20));
    expect(readFileSync(path.join(up, "keep.txt"), "utf8")).toBe("original");
    expect(readdirSync(up).filter((n) => n.includes(".upload-"))).toEqual([]);
  });

  test("conditional PUT, dotfiles, directories, missing parents", async () => {
    expect((await put("/keep.txt", Buffer.from("x"), "If-None-Match: *\r\n")).status).toBe(412);
    expect((await put("/fresh.txt", Buffer.from("x"), "If-Match: *\r\n")).status).toBe(412);
    expect((await put("/.htaccess", Buffer.from("x"))).status).toBe(404);
    expect((await put("/nodir/file.txt", Buffer.from("x"))).status).toBe(409);
    expect((await put("/dir/", Buffer.from("x"))).status).toBe(405);
    expect((await put("/keep.txt", Buffer.from("x"), "Content-Range: bytes 0-0/1\r\n")).status).toBe(400);
    expect(readFileSync(path.join(up, "keep.txt"), "utf8")).toBe("original");
  });
});

describe("a client that leaves mid-download", () => {
  test("releases the file descriptor at once, and the server keeps serving", async () => {
    const hugePath = path.join(root, "huge.bin");
    writeFileSync(hugePath, Buffer.alloc(64 * 1024 * 1024, 1));
    const srv = await serve({ directory: root });
    const openOnHuge = (): number =>
      readdirSync("/proc/self/fd").filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === hugePath;
        } catch {
          return false;
        }
      }).length;
    try {
      await new Promise<void>((resolve) => {
        const s = net.connect(srv.port, "127.0.0.1", () => s.write("GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n"));
        let got = 0;
        s.on("data", (c: Buffer) => {
          got += c.length;
          if (got > 1024 * 1024) s.destroy();
        });
        s.on("close", () => resolve());
      });
      for (let i = 0; i < 200 && openOnHuge() > 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(openOnHuge()).toBe(0);
      expect((await get(srv.port, "/hello.txt")).status).toBe(200);
    } finally {
      await srv.close();
      rmSync(hugePath);
    }
  });
});

describe("keep-alive (HTTP/1.1)", () => {
  test("a streamed file, then a cached one, on one connection", async () => {
    class KeepAlive extends Quiet {
      override protocolVersion = "HTTP/1.1";
    }
    const server = new ThreadingHTTPServer(["127.0.0.1", 0], KeepAlive.withOptions({ directory: root }));
    await server.ready;
    void server.serveForever();
    try {
      const port = (server.serverAddress as [string, number])[1];
      const raw = await new Promise<Buffer>((resolve, reject) => {
        const s = net.connect(port, "127.0.0.1");
        const chunks: Buffer[] = [];
        s.on("data", (c: Buffer) => chunks.push(c));
        s.on("end", () => resolve(Buffer.concat(chunks)));
        s.on("error", reject);
        s.write("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      });
      const first = parseAnswer(raw);
      expect(first.status).toBe(200);
      expect(first.body.subarray(0, big.length).equals(big)).toBe(true);
      const second = parseAnswer(first.body.subarray(big.length));
      expect(second.status).toBe(200);
      expect(second.body.toString()).toBe("hello world\n");
    } finally {
      await server.shutdown();
      await server.serverClose();
    }
  });
});
