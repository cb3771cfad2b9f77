/**
 * Real clients against `CGIHTTPRequestHandler` running real python3 CGI scripts: Python's
 * `urllib.request` (python3 in a child process: GET, a form POST, a script's `Status: 404` as
 * HTTPError) and curl (`-d` POST, a chunked POST body, keep-alive over HTTP/1.1 with chunked
 * answers when the script gives no Content-Length).
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import nodePath from "node:path";
import { curl, giveToScriptUser, makeTempDir, python, scriptPython, serveCgi, writeScript, type RunningServer } from "./helpers.js";

let root: ReturnType<typeof makeTempDir>;
/** The handler's default protocolVersion, HTTP/1.0. */
let srv: RunningServer;
/** protocolVersion HTTP/1.1: persistent connections. */
let srv11: RunningServer;
/** A request body of several of curl's upload chunks (64 KiB). */
const upload = randomBytes(200 * 1024);
let uploadFile: string;

beforeAll(async () => {
  const py = scriptPython();
  root = makeTempDir();
  const cgiDir = nodePath.join(root.path, "cgi-bin");
  mkdirSync(cgiDir, { mode: 0o755 });
  // CPython's cgi_file1.
  writeScript(nodePath.join(cgiDir, "hello.py"), `#!${py}\n\nprint("Content-type: text/html")\nprint()\nprint("Hello World")\n`);
  // cgi_file2's kind: the form read from stdin (CONTENT_LENGTH bytes), parsed with parse_qs, echoed.
  writeScript(
    nodePath.join(cgiDir, "form.py"),
    [
      `#!${py}`,
      "import json, os, sys, urllib.parse",
      'length = int(os.environ.get("CONTENT_LENGTH") or "0")',
      "form = urllib.parse.parse_qs(sys.stdin.read(length))",
      'print("Content-Type: application/json")',
      "print()",
      'print(json.dumps({"method": os.environ["REQUEST_METHOD"], "contentType": os.environ.get("CONTENT_TYPE"), "form": form}, sort_keys=True))',
      "",
    ].join("\n"),
  );
  writeScript(
    nodePath.join(cgiDir, "missing.py"),
    [`#!${py}`, 'print("Status: 404 Not Found")', 'print("Content-Type: text/plain")', "print()", 'print("no such parrot")', ""].join("\n"),
  );
  // The whole request body, read to EOF, described.
  writeScript(
    nodePath.join(cgiDir, "body.py"),
    [
      `#!${py}`,
      "import hashlib, json, os, sys",
      "data = sys.stdin.buffer.read()",
      'print("Content-Type: application/json")',
      "print()",
      "print(json.dumps({",
      '    "contentLength": os.environ.get("CONTENT_LENGTH"),',
      '    "received": len(data),',
      '    "sha256": hashlib.sha256(data).hexdigest(),',
      "}, sort_keys=True))",
      "",
    ].join("\n"),
  );
  // An answer with its own Content-Length.
  writeScript(
    nodePath.join(cgiDir, "sized.py"),
    [`#!${py}`, 'body = b"sized answer\\n"', 'print("Content-Type: text/plain")', 'print("Content-Length: %d" % len(body))', "print(flush=True)", "import sys", "sys.stdout.buffer.write(body)", ""].join("\n"),
  );
  uploadFile = nodePath.join(root.path, "upload.bin");
  writeFileSync(uploadFile, upload);
  giveToScriptUser(root.path);
  srv = await serveCgi(root.path);
  srv11 = await serveCgi(root.path, { protocolVersion: "HTTP/1.1" });
});

afterAll(async () => {
  await srv.stop();
  await srv11.stop();
  root.remove();
});

describe("python urllib.request", () => {
  test("GET a script: status, Content-type and body", async () => {
    const res = await python(
      [
        "import sys, urllib.request",
        "with urllib.request.urlopen(sys.argv[1], timeout=10) as r:",
        "    sys.stderr.write('%d %s %s\\n' % (r.status, r.reason, r.headers['Content-type']))",
        "    sys.stdout.buffer.write(r.read())",
      ].join("\n"),
      `${srv.origin}/cgi-bin/hello.py`,
    );
    expect(res.stderr).toBe("200 OK text/html\n");
    expect(res.code).toBe(0);
    expect(res.stdout.toString("utf8")).toBe("Hello World\n");
  });

  test("POST urlencode({'spam': 1, 'eggs': 'python'}): the script parses the form from stdin", async () => {
    const res = await python(
      [
        "import json, sys, urllib.parse, urllib.request",
        "data = urllib.parse.urlencode({'spam': 1, 'eggs': 'python'}).encode('ascii')",
        "with urllib.request.urlopen(sys.argv[1], data=data, timeout=10) as r:",
        "    sys.stderr.write('%d\\n' % r.status)",
        "    sys.stdout.buffer.write(r.read())",
      ].join("\n"),
      `${srv.origin}/cgi-bin/form.py`,
    );
    expect(res.stderr).toBe("200\n");
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout.toString("utf8"))).toEqual({
      method: "POST",
      // urllib's default for a POST body.
      contentType: "application/x-www-form-urlencoded",
      form: { spam: ["1"], eggs: ["python"] },
    });
  });

  test("a script answering Status: 404 raises HTTPError 404", async () => {
    const res = await python(
      [
        "import sys, urllib.error, urllib.request",
        "try:",
        "    urllib.request.urlopen(sys.argv[1], timeout=10)",
        "except urllib.error.HTTPError as e:",
        "    print(e.code, e.reason, e.headers['Content-Type'], e.read().decode(), sep='|', end='')",
        "    sys.exit(0)",
        "sys.exit('no HTTPError')",
      ].join("\n"),
      `${srv.origin}/cgi-bin/missing.py`,
    );
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.stdout.toString("utf8")).toBe("404|Not Found|text/plain|no such parrot\n");
  });
});

describe("curl", () => {
  test("-d POST: the form arrives on stdin with CONTENT_LENGTH and CONTENT_TYPE", async () => {
    const res = await curl("-sS", "-d", "spam=1&eggs=python", `${srv.origin}/cgi-bin/form.py`);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout.toString("utf8"))).toEqual({
      method: "POST",
      contentType: "application/x-www-form-urlencoded",
      form: { spam: ["1"], eggs: ["python"] },
    });
  });

  test("Transfer-Encoding: chunked POST: the body arrives de-chunked, with CONTENT_LENGTH set", async () => {
    const res = await curl("-sSv", "-H", "Transfer-Encoding: chunked", "--data-binary", `@${uploadFile}`, `${srv.origin}/cgi-bin/body.py`);
    expect(res.code).toBe(0);
    // curl did send it chunked.
    expect(res.stderr).toMatch(/^> Transfer-Encoding: chunked\r?$/im);
    expect(JSON.parse(res.stdout.toString("utf8"))).toEqual({
      contentLength: String(upload.length),
      received: upload.length,
      sha256: createHash("sha256").update(upload).digest("hex"),
    });
  });

  test("--http1.1 with protocolVersion HTTP/1.1: two script requests on one connection, chunked answers", async () => {
    const url = `${srv11.origin}/cgi-bin/hello.py`;
    const res = await curl("-sSv", "--http1.1", url, url);
    expect(res.code).toBe(0);
    expect(res.stdout.toString("utf8")).toBe("Hello World\nHello World\n");
    expect(res.stderr).toMatch(/Re-using existing connection/);
    expect(res.stderr.match(/^\* Connected to /gm)).toHaveLength(1);
    // The script gave no Content-Length: both answers are chunked.
    expect(res.stderr.match(/^< HTTP\/1\.1 200 OK\r?$/gm)).toHaveLength(2);
    expect(res.stderr.match(/^< Transfer-Encoding: chunked\r?$/gim)).toHaveLength(2);
    expect(res.stderr).not.toMatch(/^< Content-Length:/im);
  });

  test("--http1.1: a script's own Content-Length frames the answer (not chunked), the connection is reused", async () => {
    const url = `${srv11.origin}/cgi-bin/sized.py`;
    const res = await curl("-sSv", "--http1.1", url, `${srv11.origin}/cgi-bin/hello.py`);
    expect(res.code).toBe(0);
    expect(res.stdout.toString("utf8")).toBe("sized answer\nHello World\n");
    expect(res.stderr).toMatch(/Re-using existing connection/);
    expect(res.stderr).toMatch(/^< Content-Length: 13\r?$/im);
    expect(res.stderr.match(/^< Transfer-Encoding: chunked\r?$/gim)).toHaveLength(1);
  });

  test("--http1.1 against the default HTTP/1.0 server: one connection per request, close-delimited", async () => {
    const url = `${srv.origin}/cgi-bin/hello.py`;
    const res = await curl("-sSv", "--http1.1", url, url);
    expect(res.code).toBe(0);
    expect(res.stdout.toString("utf8")).toBe("Hello World\nHello World\n");
    expect(res.stderr).not.toMatch(/Re-using existing connection/);
    expect(res.stderr.match(/^< HTTP\/1\.0 200 OK\r?$/gm)).toHaveLength(2);
    expect(res.stderr).not.toMatch(/^< Transfer-Encoding:/im);
  });
});
