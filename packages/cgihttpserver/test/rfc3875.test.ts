// RFC 3875 and the safety rules, over real sockets with real shell scripts: the environment
// from an allow-list (httpoxy, Authorization, underscores), ISINDEX arguments, the script's
// header block (Status, local and client redirects, malformed output -> 502), nph- scripts,
// framing (chunked on keep-alive, close-delimited otherwise), request bodies to stdin,
// the time limit on the whole process group, traversal and symlinks, scripts never run as root,
// stderr to the log, and CPython's compatibility mode.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { CGIHTTPRequestHandler, ThreadingHTTPServer, type CGIOptions } from "../src/index.js";
import { lookupUser } from "../src/spawn-script.js";
import { until } from "./helpers.js";

interface Answer {
  status: number;
  reason: string;
  headers: Map<string, string>;
  body: Buffer;
  raw: Buffer;
}

function parseAnswer(raw: Buffer): Answer {
  // CPython's mode passes the script's own head through, whose lines may end with LF only.
  const text = raw.toString("latin1");
  const crlf = text.indexOf("\r\n\r\n");
  const lf = text.search(/\r?\n\n/);
  const [end, sep] = crlf >= 0 && (lf < 0 || crlf <= lf) ? [crlf, 4] : lf >= 0 ? [lf, text[lf] === "\r" ? 3 : 2] : [-1, 0];
  if (end < 0) throw new Error(`no head in ${JSON.stringify(text.slice(0, 300))}`);
  const lines = text.slice(0, end).split(/\r?\n/);
  const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(lines[0]);
  if (m === null) throw new Error(`bad status line ${lines[0]}`);
  const headers = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const i = l.indexOf(":");
    headers.set(l.slice(0, i).toLowerCase(), l.slice(i + 1).trim());
  }
  return { status: Number(m[1]), reason: m[2], headers, body: raw.subarray(end + sep), raw };
}

/** Decode a chunked body (test-side, strict enough for our answers). */
function dechunk(body: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    const nl = body.indexOf("\r\n", i);
    const size = parseInt(body.subarray(i, nl).toString("latin1"), 16);
    if (nl < 0 || Number.isNaN(size)) throw new Error("not a chunked body");
    if (size === 0) return Buffer.concat(out);
    out.push(body.subarray(nl + 2, nl + 2 + size));
    i = nl + 2 + size + 2;
  }
}

/** Send raw bytes on a new connection; read until the server closes it. */
function request(port: number, head: string, body?: Buffer | string): Promise<Answer> {
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
    s.write(head);
    if (body !== undefined) s.write(body);
  });
}

const get = (port: number, target: string, extra = "", version = "HTTP/1.0"): Promise<Answer> => request(port, `GET ${target} ${version}\r\nHost: x\r\n${extra}\r\n`);

class Quiet extends CGIHTTPRequestHandler {
  static logged: string[] = [];
  override logMessage(format: string, ...args: unknown[]): void {
    Quiet.logged.push(`${format} ${args.map(String).join(" ")}`);
  }
}

async function serve(options: CGIOptions = {}, Handler: typeof Quiet = Quiet): Promise<{ port: number; close: () => Promise<void> }> {
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], Handler.withOptions({ directory: root, ...options }), { maxBodySize: 1024 * 1024 });
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
const nobody = lookupUser("nobody");
const asRoot = process.getuid?.() === 0;

function script(name: string, body: string, mode = 0o755): void {
  const p = path.join(root, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, mode);
  if (asRoot && nobody) chownSync(p, nobody.uid, nobody.gid);
}

let srv: Awaited<ReturnType<typeof serve>>;

/** The pid written in `file` by a script (waits for it to be written). */
async function pidIn(file: string): Promise<number> {
  await until(() => /^\d+\s*$/.test(readFileSync(file, "utf8")));
  return Number(readFileSync(file, "utf8").trim());
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "cgi-rfc-"));
  chmodSync(tmp, 0o755);
  root = path.join(tmp, "root");
  mkdirSync(path.join(root, "cgi-bin", "sub"), { recursive: true });
  mkdirSync(path.join(root, "other"));
  writeFileSync(path.join(tmp, "outside.sh"), "#!/bin/sh\necho 'Content-Type: text/plain'\necho\necho OUTSIDE\n");
  chmodSync(path.join(tmp, "outside.sh"), 0o755);
  script("cgi-bin/hello.sh", `printf 'Content-Type: text/plain\\r\\n\\r\\nhello\\n'`);
  script("cgi-bin/env.sh", `echo 'Content-Type: text/plain'\necho\nenv`);
  script("cgi-bin/args.sh", `echo 'Content-Type: text/plain'\necho\nfor a in "$@"; do echo "[$a]"; done`);
  script("cgi-bin/echo.sh", `echo 'Content-Type: application/octet-stream'\necho\ncat`);
  script("cgi-bin/status.sh", `echo 'Status: 418 Short and stout'\necho 'Content-Type: text/plain'\necho 'X-Extra: yes'\necho 'Connection: keep-alive'\necho\necho teapot`);
  script("cgi-bin/local.sh", `echo 'Location: /cgi-bin/hello.sh'\necho`);
  script("cgi-bin/loop.sh", `echo 'Location: /cgi-bin/loop.sh'\necho`);
  script("cgi-bin/client.sh", `echo 'Location: http://example.com/'\necho`);
  script("cgi-bin/garbage.sh", `echo 'this is not a header'\necho\necho body`);
  script("cgi-bin/nohead.sh", `echo 'Content-Type: text/plain'`);
  script("cgi-bin/silent.sh", `exit 0`);
  script("cgi-bin/fails.sh", `echo 'oops on stderr' >&2\nexit 3`);
  script("cgi-bin/length.sh", `echo 'Content-Type: text/plain'\necho 'Content-Length: 5'\necho\necho 12345678`);
  script("cgi-bin/nph-raw.sh", `printf 'HTTP/1.0 299 Raw\\r\\nContent-Type: text/plain\\r\\n\\r\\nraw body'`);
  script("cgi-bin/whoami.sh", `echo 'Content-Type: text/plain'\necho\nid -u`);
  script("cgi-bin/tree.sh", `sleep 60 &\necho $! > "$TREE_PID_FILE"\nsleep 60`);
  script("cgi-bin/sub/deep.sh", `echo 'Content-Type: text/plain'\necho\necho "$SCRIPT_NAME|$PATH_INFO"`);
  script("cgi-bin/noexec.sh", `echo 'Content-Type: text/plain'\necho\necho ran`, 0o644);
  script("cgi-bin/interp.sh", `echo 'Content-Type: text/plain'\necho\necho "interpreted $0"`, 0o644);
  symlinkSync(path.join(tmp, "outside.sh"), path.join(root, "cgi-bin", "escape.sh"));
  script("other/static.sh", `echo should not run`);
  // An executable in the document root (outside the CGI directory), and a directory link out of it.
  script("notcgi.sh", `echo 'Content-Type: text/plain'\necho\necho OUTSIDE-CGI-DIR`);
  mkdirSync(path.join(tmp, "outdir"));
  writeFileSync(path.join(tmp, "outdir", "out.sh"), "#!/bin/sh\necho 'Content-Type: text/plain'\necho\necho OUTSIDE\n");
  chmodSync(path.join(tmp, "outdir", "out.sh"), 0o755);
  symlinkSync(path.join(tmp, "outdir"), path.join(root, "cgi-bin", "outdir"));
  script("cgi-bin/twolengths.sh", `echo 'Content-Type: text/plain'\necho 'Content-Length: 60'\necho 'Content-Length: 3'\necho\nprintf abc`);
  script("cgi-bin/samelengths.sh", `echo 'Content-Type: text/plain'\necho 'Content-Length: 3'\necho 'Content-Length: 03'\necho\nprintf abc`);
  script("cgi-bin/status999.sh", `echo 'Status: 999 Weird'\necho 'Content-Type: text/plain'\necho\necho weird`);
  writeFileSync(path.join(tmp, "linger.pid"), "");
  chmodSync(path.join(tmp, "linger.pid"), 0o666);
  script("cgi-bin/lingers.sh", `echo 'Content-Type: text/plain'\necho\necho done\necho $$ > '${path.join(tmp, "linger.pid")}'\nexec >&-\nexec sleep 120`);
  for (const f of ["leave.pid", "setsid.pid", "escaped.pid"]) {
    writeFileSync(path.join(tmp, f), "");
    chmodSync(path.join(tmp, f), 0o666);
  }
  // Leaves a background sleeper in its group and answers at once.
  script("cgi-bin/leave.sh", `sleep 1000 >/dev/null 2>&1 </dev/null &\necho $! > '${path.join(tmp, "leave.pid")}'\necho 'Content-Type: text/plain'\necho\necho left`);
  // Starts a sleeper in a session of its own (out of the group), then sleeps itself.
  script("cgi-bin/setsid.sh", `setsid sleep 1000 >/dev/null 2>&1 </dev/null &\necho $! > '${path.join(tmp, "setsid.pid")}'\nsleep 1000`);
  // Answers in part, then exits, leaving a sleeper in a session of its own that holds stdout.
  script("cgi-bin/escapes.sh", `echo 'Content-Type: text/plain'\necho\necho partial\nsetsid sleep 1000 2>/dev/null </dev/null &\necho $! > '${path.join(tmp, "escaped.pid")}'`);
  script("cgi-bin/q?mark.sh", `echo 'Content-Type: text/plain'\necho\necho "ran $SCRIPT_NAME query=$QUERY_STRING"`);
  script("cgi-bin/postredir.sh", `cat >/dev/null\necho 'Location: /cgi-bin/env.sh'\necho`);
  // A Perl script: the body read by CONTENT_LENGTH, the query and a few variables echoed.
  const perl = path.join(root, "cgi-bin", "form.pl");
  writeFileSync(
    perl,
    [
      "#!/usr/bin/perl -w",
      "use strict;",
      "my $body = '';",
      "read(STDIN, $body, $ENV{CONTENT_LENGTH}) if $ENV{CONTENT_LENGTH};",
      'print "Status: 201 Made\\r\\nContent-Type: text/plain\\r\\n\\r\\n";',
      'print "method=$ENV{REQUEST_METHOD} query=$ENV{QUERY_STRING} type=$ENV{CONTENT_TYPE} body=$body\\n";',
      "",
    ].join("\n"),
  );
  chmodSync(perl, 0o755);
  if (asRoot && nobody) chownSync(perl, nobody.uid, nobody.gid);
  if (asRoot && nobody) {
    for (const d of [root, path.join(root, "cgi-bin"), path.join(root, "cgi-bin", "sub")]) chownSync(d, nobody.uid, nobody.gid);
  }
  srv = await serve();
});

afterAll(async () => {
  await srv?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe("RFC 3875 4.1: the environment comes from an allow-list", () => {
  test("meta-variables are set; the server's own environment does not leak", async () => {
    process.env.STDHTTP_SERVER_SECRET = "do-not-leak";
    try {
      const a = await get(srv.port, "/cgi-bin/env.sh/extra%20info?x=1&y=2", "User-Agent: t\r\n");
      const env = a.body.toString();
      expect(env).toContain("GATEWAY_INTERFACE=CGI/1.1");
      expect(env).toContain("REQUEST_METHOD=GET");
      expect(env).toContain("SCRIPT_NAME=/cgi-bin/env.sh");
      expect(env).toContain("PATH_INFO=/extra info");
      expect(env).toContain(`PATH_TRANSLATED=${path.join(root, "extra info")}`);
      expect(env).toContain("QUERY_STRING=x=1&y=2");
      expect(env).toContain("SERVER_PROTOCOL=HTTP/1.0");
      expect(env).toContain("REMOTE_ADDR=127.0.0.1");
      expect(env).toContain(`DOCUMENT_ROOT=${root}`);
      expect(env).toContain("HTTP_USER_AGENT=t");
      expect(env).not.toContain("STDHTTP_SERVER_SECRET");
    } finally {
      delete process.env.STDHTTP_SERVER_SECRET;
    }
  });

  test("httpoxy: a Proxy field never becomes HTTP_PROXY", async () => {
    const env = (await get(srv.port, "/cgi-bin/env.sh", "Proxy: http://evil:8080/\r\n")).body.toString();
    expect(env).not.toMatch(/^HTTP_PROXY=/m);
  });

  test("Authorization is withheld unless enabled; Basic gives AUTH_TYPE and REMOTE_USER as CPython", async () => {
    const auth = `Authorization: Basic ${Buffer.from("alice:secret").toString("base64")}\r\n`;
    const env = (await get(srv.port, "/cgi-bin/env.sh", auth)).body.toString();
    expect(env).not.toContain("HTTP_AUTHORIZATION");
    expect(env).toContain("AUTH_TYPE=Basic");
    expect(env).toContain("REMOTE_USER=alice");
    const pass = await serve({ passAuthorization: true });
    try {
      expect((await get(pass.port, "/cgi-bin/env.sh", auth)).body.toString()).toContain("HTTP_AUTHORIZATION=Basic");
    } finally {
      await pass.close();
    }
  });

  test("fields with underscores are dropped (X_Forwarded_For would pose as X-Forwarded-For); repeats are joined", async () => {
    const env = (await get(srv.port, "/cgi-bin/env.sh", "X_Forwarded_For: 6.6.6.6\r\nAccept: a\r\nAccept: b\r\n")).body.toString();
    expect(env).not.toContain("6.6.6.6");
    expect(env).toContain("HTTP_ACCEPT=a,b");
  });

  test("a client cannot override a meta-variable through a header", async () => {
    const env = (await get(srv.port, "/cgi-bin/env.sh", "Content-Length: 0\r\nScript-Name: /evil\r\n")).body.toString();
    expect(env).toContain("SCRIPT_NAME=/cgi-bin/env.sh");
    expect(env).not.toContain("HTTP_CONTENT_LENGTH");
  });

  test("RFC 3875 4.4: an ISINDEX query gives command-line arguments; a query with = does not", async () => {
    expect((await get(srv.port, "/cgi-bin/args.sh?hello+big%20world")).body.toString()).toBe("[hello]\n[big world]\n");
    expect((await get(srv.port, "/cgi-bin/args.sh?a=b")).body.toString()).toBe("");
  });

  test("an encoded ? (%3F) belongs to the path; the query is what follows the target's first ?", async () => {
    const a = await get(srv.port, "/cgi-bin/q%3Fmark.sh?real=2");
    expect(a.body.toString()).toBe("ran /cgi-bin/q?mark.sh query=real=2\n");
    const env = (await get(srv.port, "/cgi-bin/env.sh/a%3Fb?c=d")).body.toString();
    expect(env).toMatch(/^PATH_INFO=\/a\?b$/m);
    expect(env).toMatch(/^QUERY_STRING=c=d$/m);
    // No script is named "env.sh?x=1".
    expect((await get(srv.port, "/cgi-bin/env.sh%3Fx=1?real=2")).status).toBe(404);
  });

  test("nested directories: SCRIPT_NAME and PATH_INFO (CPython issue 21323)", async () => {
    expect((await get(srv.port, "/cgi-bin/sub/deep.sh/x/y")).body.toString()).toBe("/cgi-bin/sub/deep.sh|/x/y\n");
  });
});

describe("RFC 3875 6: the script's response", () => {
  test("Status sets the status line; the script's Connection field is the server's business", async () => {
    const a = await get(srv.port, "/cgi-bin/status.sh");
    expect(a.status).toBe(418);
    expect(a.reason).toBe("Short and stout");
    expect(a.headers.get("x-extra")).toBe("yes");
    expect(a.headers.get("connection")).not.toBe("keep-alive");
    expect(a.body.toString()).toBe("teapot\n");
  });

  test("a local redirect is served by the server itself; a client redirect is 302", async () => {
    const local = await get(srv.port, "/cgi-bin/local.sh");
    expect(local.status).toBe(200);
    expect(local.body.toString()).toBe("hello\n");
    const client = await get(srv.port, "/cgi-bin/client.sh");
    expect(client.status).toBe(302);
    expect(client.headers.get("location")).toBe("http://example.com/");
    expect((await get(srv.port, "/cgi-bin/loop.sh")).status).toBe(500);
  });

  test("malformed output is 502 with the reason in the log", async () => {
    Quiet.logged = [];
    for (const s of ["garbage.sh", "nohead.sh", "silent.sh"]) expect((await get(srv.port, `/cgi-bin/${s}`)).status).toBe(502);
    expect(Quiet.logged.some((l) => l.includes("malformed CGI output"))).toBe(true);
  });

  test("stderr and a failing exit status go to the log", async () => {
    Quiet.logged = [];
    expect((await get(srv.port, "/cgi-bin/fails.sh")).status).toBe(502);
    // Logged as they come: the answer ends with the script's output, not with its exit.
    await until(() => Quiet.logged.some((l) => l.includes("oops on stderr")));
    await until(() => Quiet.logged.some((l) => l.includes("exit status") && l.includes("3")));
  });

  test("script output the proxy of a client could misread is refused: conflicting Content-Lengths, a status outside 100-599 (502)", async () => {
    const two = await get(srv.port, "/cgi-bin/twolengths.sh", "", "HTTP/1.1");
    expect(two.status).toBe(502);
    expect(two.raw.toString()).not.toContain("abc");
    expect((await get(srv.port, "/cgi-bin/status999.sh")).status).toBe(502);
    const same = await get(srv.port, "/cgi-bin/samelengths.sh");
    expect(same.status).toBe(200);
    expect(same.raw.toString("latin1").match(/^content-length:.*$/gim)).toEqual(["Content-Length: 3"]);
    expect(same.body.toString()).toBe("abc");
  });

  test("the answer ends with the script's output: a script that closes stdout and works on does not hold the client", async () => {
    const pidFile = path.join(tmp, "linger.pid");
    const lingering = await serve({ cgiTimeout: 300 });
    try {
      // HTTP/1.0: the body ends with the connection; it closes although the script still runs.
      const a = await get(lingering.port, "/cgi-bin/lingers.sh");
      expect(a.status).toBe(200);
      expect(a.body.toString()).toBe("done\n");
    } finally {
      try {
        process.kill(Number(readFileSync(pidFile, "utf8")), "SIGKILL");
      } catch {
        /* already gone */
      }
      await lingering.close();
    }
  });

  test("a script's Content-Length is kept and bounds the body", async () => {
    const a = await get(srv.port, "/cgi-bin/length.sh");
    expect(a.headers.get("content-length")).toBe("5");
    expect(a.body.toString()).toBe("12345");
  });

  test("nph- scripts are passed through untouched", async () => {
    const a = await get(srv.port, "/cgi-bin/nph-raw.sh");
    expect(a.status).toBe(299);
    expect(a.body.toString()).toBe("raw body");
  });

  test("HEAD runs the script and sends no body", async () => {
    const a = await request(srv.port, "HEAD /cgi-bin/hello.sh HTTP/1.0\r\n\r\n");
    expect(a.status).toBe(200);
    expect(a.body.length).toBe(0);
  });

  test("HEAD to an nph- script: its head, up to the blank line, and not its body", async () => {
    for (const version of ["HTTP/1.0", "HTTP/1.1"]) {
      const a = await request(srv.port, `HEAD /cgi-bin/nph-raw.sh ${version}\r\nHost: x\r\n\r\n`);
      expect(a.raw.toString("latin1")).toBe("HTTP/1.0 299 Raw\r\nContent-Type: text/plain\r\n\r\n");
    }
  });

  test("a local redirect after a POST is a GET without a body (CONTENT_LENGTH and CONTENT_TYPE empty), as Apache's", async () => {
    const a = await request(srv.port, "POST /cgi-bin/postredir.sh HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\n", "a=1");
    expect(a.status).toBe(200);
    const env = a.body.toString();
    expect(env).toContain("REQUEST_METHOD=GET");
    expect(env).toMatch(/^CONTENT_LENGTH=$/m);
    expect(env).toMatch(/^CONTENT_TYPE=$/m);
  });

  test("a Perl script: Status, the body read by CONTENT_LENGTH, the query", async () => {
    const a = await request(srv.port, "POST /cgi-bin/form.pl?x=1 HTTP/1.0\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n", "hello");
    expect(a.status).toBe(201);
    expect(a.body.toString()).toBe("method=POST query=x=1 type=text/plain body=hello\n");
  });
});

describe("framing and bodies", () => {
  test("HTTP/1.1 keep-alive: chunked when the script gives no length, and the connection serves the next request", async () => {
    class KeepAlive extends Quiet {
      override protocolVersion = "HTTP/1.1";
    }
    const ka = await serve({}, KeepAlive);
    try {
      const raw = await new Promise<Buffer>((resolve, reject) => {
        const s = net.connect(ka.port, "127.0.0.1");
        const chunks: Buffer[] = [];
        s.on("data", (c: Buffer) => chunks.push(c));
        s.on("end", () => resolve(Buffer.concat(chunks)));
        s.on("error", reject);
        s.write("GET /cgi-bin/hello.sh HTTP/1.1\r\nHost: x\r\n\r\nGET /cgi-bin/hello.sh HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      });
      const first = parseAnswer(raw);
      expect(first.headers.get("transfer-encoding")).toBe("chunked");
      expect(dechunk(first.body).toString()).toBe("hello\n");
      const rest = first.body.subarray(first.body.indexOf("0\r\n\r\n") + 5);
      const second = parseAnswer(rest);
      expect(second.status).toBe(200);
    } finally {
      await ka.close();
    }
  });

  test("a POST body reaches stdin with CONTENT_LENGTH; a chunked body arrives de-chunked", async () => {
    const payload = Buffer.alloc(200_000, "z");
    const a = await request(srv.port, `POST /cgi-bin/echo.sh HTTP/1.0\r\nContent-Length: ${payload.length}\r\n\r\n`, payload);
    expect(a.body.equals(payload)).toBe(true);
    const c = await request(srv.port, "POST /cgi-bin/env.sh HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n", "5\r\nhello\r\n0\r\n\r\n");
    // The server answers HTTP/1.0 (close-delimited): the body is the script's output as it is.
    expect(c.body.toString()).toContain("CONTENT_LENGTH=5");
    expect(c.body.toString()).not.toContain("HTTP_TRANSFER_ENCODING");
  });

  test("a body over the limit is refused with 413 before the script runs", async () => {
    const a = await request(srv.port, `POST /cgi-bin/echo.sh HTTP/1.0\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\n`);
    expect(a.status).toBe(413);
  });

  test("a huge body sent whole, with a length or chunked, is refused with 413; the server serves on", async () => {
    const huge = Buffer.alloc(3 * 1024 * 1024, "h");
    const sized = await request(srv.port, `POST /cgi-bin/echo.sh HTTP/1.0\r\nContent-Length: ${huge.length}\r\n\r\n`, huge).catch(() => null);
    // The server may close before the client has written everything (a reset then): never a 200.
    if (sized !== null) expect(sized.status).toBe(413);
    const chunked = Buffer.concat([Buffer.from(`${(huge.length / 2).toString(16)}\r\n`), huge.subarray(0, huge.length / 2), Buffer.from(`\r\n${(huge.length / 2).toString(16)}\r\n`), huge.subarray(huge.length / 2), Buffer.from("\r\n0\r\n\r\n")]);
    const c = await request(srv.port, "POST /cgi-bin/echo.sh HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n", chunked).catch(() => null);
    if (c !== null) expect(c.status).toBe(413);
    expect((await get(srv.port, "/cgi-bin/hello.sh")).body.toString()).toBe("hello\n");
  });

  test("POST outside the CGI directories is 501, as CPython", async () => {
    expect((await request(srv.port, "POST /other/static.sh HTTP/1.0\r\nContent-Length: 0\r\n\r\n")).status).toBe(501);
  });
});

describe("safety", () => {
  test("the time limit kills the whole process group", async () => {
    const pidFile = path.join(tmp, "tree.pid");
    writeFileSync(pidFile, "");
    chmodSync(pidFile, 0o666);
    process.env.TREE_PID_FILE = pidFile; // not passed: the allow-list drops it
    const limited = await serve({ cgiTimeout: 0.5, cgiMode: "cpython" }); // compat mode passes the environment
    try {
      // CPython's mode answers its status line at once; the script never completes the head.
      const raw = await new Promise<string>((resolve, reject) => {
        const s = net.connect(limited.port, "127.0.0.1", () => s.write("GET /cgi-bin/tree.sh HTTP/1.0\r\n\r\n"));
        let text = "";
        s.on("data", (c: Buffer) => (text += c.toString("latin1")));
        s.on("end", () => resolve(text));
        s.on("error", reject);
      });
      expect(raw.startsWith("HTTP/1.0 200 Script output follows\r\n")).toBe(true);
      const pid = Number(readFileSync(pidFile, "utf8").trim());
      expect(pid).toBeGreaterThan(0);
      let alive = true;
      for (let i = 0; i < 100 && alive; i++) {
        try {
          process.kill(pid, 0);
          await new Promise((r) => setTimeout(r, 20));
        } catch {
          alive = false;
        }
      }
      expect(alive).toBe(false);
    } finally {
      delete process.env.TREE_PID_FILE;
      await limited.close();
    }
  });

  test.each(["auto", "spawn"] as const)("the time limit also kills what a script left running in its group after it exited (launcher %s)", async (cgiLauncher) => {
    writeFileSync(path.join(tmp, "leave.pid"), "");
    const limited = await serve({ cgiTimeout: 0.5, cgiLauncher });
    try {
      const a = await get(limited.port, "/cgi-bin/leave.sh");
      expect(a.body.toString()).toBe("left\n");
      const pid = await pidIn(path.join(tmp, "leave.pid"));
      await until(() => !running(pid));
    } finally {
      await limited.close();
    }
  });

  test.each(["auto", "spawn"] as const)("a child started in a session of its own (setsid) is killed with the script; the client gets 504 (launcher %s)", async (cgiLauncher) => {
    writeFileSync(path.join(tmp, "setsid.pid"), "");
    const limited = await serve({ cgiTimeout: 0.5, cgiLauncher });
    try {
      expect((await get(limited.port, "/cgi-bin/setsid.sh")).status).toBe(504);
      const pid = await pidIn(path.join(tmp, "setsid.pid"));
      await until(() => !running(pid));
    } finally {
      await limited.close();
    }
  });

  test.each(["auto", "spawn"] as const)("output held open by a process that escaped the kill ends at the time limit (launcher %s)", async (cgiLauncher) => {
    writeFileSync(path.join(tmp, "escaped.pid"), "");
    const limited = await serve({ cgiTimeout: 0.5, cgiLauncher });
    try {
      // HTTP/1.0: close-delimited; the answer ends (the connection closes) although stdout is held.
      const a = await get(limited.port, "/cgi-bin/escapes.sh");
      expect(a.status).toBe(200);
      expect(a.body.toString()).toBe("partial\n");
    } finally {
      const pid = await pidIn(path.join(tmp, "escaped.pid")).catch(() => 0);
      if (pid > 0 && running(pid)) process.kill(pid, "SIGKILL");
      await limited.close();
    }
  });

  test("a script that times out before answering is 504", async () => {
    script("cgi-bin/sleepy.sh", "sleep 30");
    const limited = await serve({ cgiTimeout: 0.3 });
    try {
      expect((await get(limited.port, "/cgi-bin/sleepy.sh")).status).toBe(504);
    } finally {
      await limited.close();
    }
  });

  test.each([
    ["/cgi-bin/missing.sh", 404],
    ["/cgi-bin/noexec.sh", 403],
    ["/cgi-bin/sub", 403],
    ["/cgi-bin/escape.sh", 403],
    ["/cgi-bin/../../outside.sh", 404],
    ["/%2e%2e/cgi-bin/hello.sh", 404],
    ["/cgi-bin/%2e%2e/%2e%2e/outside.sh", 404],
    // Decoded once only: %252e%252e is a directory named "%2e%2e", not "..".
    ["/cgi-bin/%252e%252e/notcgi.sh", 404],
    ["/cgi-bin/..%252f/notcgi.sh", 404],
    ["/cgi-bin/%252e%252e%252fnotcgi.sh", 404],
    // A directory below the CGI directory that links out of it.
    ["/cgi-bin/outdir/out.sh", 403],
  ])("GET %s -> %d, nothing outside runs", async (target, status) => {
    const a = await get(srv.port, target);
    expect(a.status).toBe(status);
    expect(a.raw.toString()).not.toContain("OUTSIDE");
  });

  test("uploads (PUT) into a CGI directory are refused: an uploaded script would run", async () => {
    const up = await serve({ allowUpload: true, cgiInterpreters: { ".sh": ["/bin/sh"] } });
    try {
      for (const target of ["/cgi-bin/up.sh", "/cgi-bin%2fup.sh", "/other/../cgi-bin/sub/up.sh"]) {
        const a = await request(up.port, `PUT ${target} HTTP/1.0\r\nHost: x\r\nContent-Length: 9\r\n\r\n`, "echo RAN\n");
        expect([target, a.status]).toEqual([target, 403]);
      }
      expect((await get(up.port, "/cgi-bin/up.sh")).status).toBe(404);
      const elsewhere = await request(up.port, "PUT /other/up.txt HTTP/1.0\r\nHost: x\r\nContent-Length: 3\r\n\r\n", "abc");
      expect(elsewhere.status).toBe(201);
    } finally {
      await up.close();
      rmSync(path.join(root, "other", "up.txt"), { force: true });
    }
  });

  test("a NUL in PATH_INFO or in search arguments: 400, before any process is started", async () => {
    expect((await get(srv.port, "/cgi-bin/args.sh/%00")).status).toBe(400);
    expect((await get(srv.port, "/cgi-bin/args.sh?a%00b")).status).toBe(400);
    expect((await get(srv.port, "/cgi-bin/hello.sh")).status).toBe(200);
  });

  test("encoded paths into the CGI directory run the script (never serve its source)", async () => {
    for (const target of ["/cgi-bin%2fhello.sh", "/%63gi-bin/hello.sh", "/cgi-bin/./hello.sh", "/other/../cgi-bin/hello.sh"]) {
      const a = await get(srv.port, target);
      expect(a.body.toString()).toBe("hello\n");
    }
  });

  test("an interpreter mapping runs scripts that are not executable", async () => {
    const mapped = await serve({ cgiInterpreters: { ".sh": ["/bin/sh"] } });
    try {
      expect((await get(mapped.port, "/cgi-bin/interp.sh")).body.toString()).toContain("interpreted");
    } finally {
      await mapped.close();
    }
  });

  test("as root, scripts run as nobody and a missing user refuses to run them; otherwise as the server's user", async () => {
    const uid = (await get(srv.port, "/cgi-bin/whoami.sh")).body.toString().trim();
    const bad = await serve({ cgiUser: "no-such-user-here" });
    try {
      if (asRoot) {
        expect(uid).toBe(String(nobody!.uid));
        expect((await get(bad.port, "/cgi-bin/whoami.sh")).status).toBe(500);
      } else {
        expect(uid).toBe(String(process.getuid!()));
        expect((await get(bad.port, "/cgi-bin/whoami.sh")).status).toBe(200);
      }
    } finally {
      await bad.close();
    }
  });
});

describe("CPython's mode", () => {
  test("200 Script output follows at once, the script's head passed through, the server's environment inherited", async () => {
    process.env.STDHTTP_COMPAT_VAR = "inherited";
    const compat = await serve({ cgiMode: "cpython" });
    try {
      const a = await get(compat.port, "/cgi-bin/env.sh");
      expect(a.status).toBe(200);
      expect(a.reason).toBe("Script output follows");
      expect(a.headers.get("content-type")).toBe("text/plain");
      expect(a.body.toString()).toContain("STDHTTP_COMPAT_VAR=inherited");
    } finally {
      delete process.env.STDHTTP_COMPAT_VAR;
      await compat.close();
    }
  });

  test("HEAD: the whole head, the script's fields included, and no body", async () => {
    const compat = await serve({ cgiMode: "cpython" });
    try {
      const a = await request(compat.port, "HEAD /cgi-bin/status.sh HTTP/1.0\r\n\r\n");
      expect(a.status).toBe(200);
      expect(a.headers.get("x-extra")).toBe("yes");
      expect(a.headers.get("content-type")).toBe("text/plain");
      expect(a.body.length).toBe(0);
      // A head that never ends (no blank line from the script) is ended for it.
      const b = await request(compat.port, "HEAD /cgi-bin/nohead.sh HTTP/1.0\r\n\r\n");
      expect(b.headers.get("content-type")).toBe("text/plain");
      expect(b.body.length).toBe(0);
    } finally {
      await compat.close();
    }
  });
});
