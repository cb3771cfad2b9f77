/**
 * Real clients against `SimpleHTTPRequestHandler`: Python's `urllib.request.urlopen` (python3
 * in a child process) and curl (compressed transfers, ranges, conditional GETs, resumed
 * downloads, keep-alive reuse).
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import nodePath from "node:path";
import { gzipSync } from "node:zlib";
import { curl, makeTempDir, python, serveDirectory, type RunningServer } from "./helpers.js";

let root: ReturnType<typeof makeTempDir>;
let srv: RunningServer;
/** Small enough for the file cache. */
const small = Buffer.from("We are the knights who say Ni!\n".repeat(40));
/** Larger than the file cache's limit (64 KiB): streamed from the file. */
const large = randomBytes(300 * 1024);
/** Text with a precompressed `.gz` sibling. */
const page = Buffer.from("<!DOCTYPE html><title>ni</title>\n" + "<p>shrubbery</p>\n".repeat(500));

beforeAll(async () => {
  root = makeTempDir();
  writeFileSync(nodePath.join(root.path, "small.txt"), small);
  writeFileSync(nodePath.join(root.path, "large.bin"), large);
  writeFileSync(nodePath.join(root.path, "page.html"), page);
  writeFileSync(nodePath.join(root.path, "page.html.gz"), gzipSync(page));
  mkdirSync(nodePath.join(root.path, "sub"));
  writeFileSync(nodePath.join(root.path, "sub", "inner.txt"), "inner\n");
  srv = await serveDirectory(root.path);
});

afterAll(async () => {
  await srv.stop();
  root.remove();
});

describe("python urllib.request.urlopen", () => {
  const FETCH = [
    "import sys, urllib.request",
    "with urllib.request.urlopen(sys.argv[1], timeout=10) as r:",
    "    sys.stderr.write('%d %s\\n' % (r.status, r.geturl()))",
    "    sys.stdout.buffer.write(r.read())",
  ].join("\n");

  test.each([
    ["small.txt", small],
    ["large.bin", large],
  ])("fetches %s byte for byte", async (name, bytes) => {
    const res = await python(FETCH, `${srv.origin}/${name}`);
    expect(res.code).toBe(0);
    expect(res.stderr).toBe(`200 ${srv.origin}/${name}\n`);
    expect(res.stdout.equals(bytes)).toBe(true);
  });

  test("follows the 301 of a directory without a trailing slash to its listing", async () => {
    const res = await python(FETCH, `${srv.origin}/sub`);
    expect(res.code).toBe(0);
    expect(res.stderr).toBe(`200 ${srv.origin}/sub/\n`);
    const html = res.stdout.toString("utf8");
    expect(html).toContain("Directory listing for /sub/");
    expect(html).toContain('<a href="inner.txt">inner.txt</a>');
  });

  test("a missing file raises HTTPError 404", async () => {
    const script = [
      "import sys, urllib.request, urllib.error",
      "try:",
      "    urllib.request.urlopen(sys.argv[1], timeout=10)",
      "except urllib.error.HTTPError as e:",
      "    print(e.code, e.reason, len(e.read()) > 0)",
      "else:",
      "    print('no error')",
    ].join("\n");
    const res = await python(script, `${srv.origin}/missing.txt`);
    expect(res.code).toBe(0);
    expect(res.stdout.toString()).toBe("404 File not found True\n");
  });
});

describe("curl", () => {
  test.each([
    ["small.txt", small],
    ["large.bin", large],
    ["page.html", page],
  ])("--compressed gets %s unchanged", async (name, bytes) => {
    const res = await curl("-s", "-S", "--compressed", "-w", "%{http_code}", "-D", "-", "-o", "-", `${srv.origin}/${name}`);
    expect(res.code).toBe(0);
    // -D - writes the head first, then the body; -w appends the status.
    const out = res.stdout;
    const headEnd = out.indexOf("\r\n\r\n") + 4;
    expect(out.subarray(out.length - 3).toString()).toBe("200");
    expect(out.subarray(headEnd, out.length - 3).equals(bytes)).toBe(true);
  });

  test("--compressed is served the .gz sibling and decodes it", async () => {
    const res = await curl("-s", "-S", "--compressed", "-D", "-", "-o", "-", `${srv.origin}/page.html`);
    expect(res.code).toBe(0);
    const headEnd = res.stdout.indexOf("\r\n\r\n") + 4;
    const head = res.stdout.subarray(0, headEnd).toString("latin1");
    expect(head).toMatch(/^Content-Encoding: gzip\r$/im);
    expect(head).toMatch(/^Content-Length: (\d+)\r$/im);
    expect(Number(/^Content-Length: (\d+)\r$/im.exec(head)?.[1])).toBe(statSync(nodePath.join(root.path, "page.html.gz")).size);
    expect(res.stdout.subarray(headEnd).equals(page)).toBe(true);
  });

  test.each([
    ["small.txt", small],
    ["large.bin", large],
  ])("-r 0-9 gets the first 10 bytes of %s", async (name, bytes) => {
    const res = await curl("-s", "-S", "-r", "0-9", "-w", "\n%{http_code}", `${srv.origin}/${name}`);
    expect(res.code).toBe(0);
    expect(res.stdout.subarray(res.stdout.length - 4).toString()).toBe("\n206");
    const body = res.stdout.subarray(0, res.stdout.length - 4);
    expect(body.length).toBe(10);
    expect(body.equals(bytes.subarray(0, 10))).toBe(true);
  });

  test("-z <date> gets 304 when the file has not changed since, 200 when it has", async () => {
    const mtime = Math.floor(statSync(nodePath.join(root.path, "small.txt")).mtimeMs / 1000);
    const since = new Date(mtime * 1000).toUTCString();
    let res = await curl("-s", "-S", "-z", since, "-w", "%{http_code}", `${srv.origin}/small.txt`);
    expect(res.code).toBe(0);
    expect(res.stdout.toString()).toBe("304");
    const before = new Date((mtime - 86400) * 1000).toUTCString();
    res = await curl("-s", "-S", "-z", before, "-o", "/dev/null", "-w", "%{http_code}", `${srv.origin}/small.txt`);
    expect(res.stdout.toString()).toBe("200");
  });

  test("-C - resumes a partial download to identical bytes", async () => {
    const out = makeTempDir("stdhttp-curl-");
    try {
      const file = nodePath.join(out.path, "large.bin");
      writeFileSync(file, large.subarray(0, 100_000));
      const res = await curl("-s", "-S", "-C", "-", "-o", file, "-w", "%{http_code} %{size_download}", `${srv.origin}/large.bin`);
      expect(res.code).toBe(0);
      expect(res.stdout.toString()).toBe(`206 ${large.length - 100_000}`);
      expect(readFileSync(file).equals(large)).toBe(true);
    } finally {
      out.remove();
    }
  });

  test("--http1.1 reuses one keep-alive connection for two URLs (protocolVersion HTTP/1.1)", async () => {
    const srv11 = await serveDirectory(root.path, { protocolVersion: "HTTP/1.1" });
    try {
      const res = await curl("-v", "-s", "-S", "--http1.1", "-o", "/dev/null", "-o", "/dev/null", `${srv11.origin}/small.txt`, `${srv11.origin}/large.bin`);
      expect(res.code).toBe(0);
      expect(res.stderr).toContain("Re-using existing connection");
      expect(res.stderr.match(/^< HTTP\/1\.1 200 OK\r?$/gm)).toHaveLength(2);
      expect(res.stderr.match(/^\* Connected to /gm)).toHaveLength(1);
    } finally {
      await srv11.stop();
    }
  });
});
