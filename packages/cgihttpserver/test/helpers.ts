/**
 * Test helpers: a `CGIHTTPRequestHandler` server over a directory on 127.0.0.1 port 0, temp
 * directories the scripts' user can read, CGI scripts with a `#!` line naming a python3 that
 * user can run, a raw-socket HTTP client that keeps every byte it received (and parses heads
 * as http.client does, LF-only lines included: CPython's mode passes the script's own lines
 * through), and runners for `python3` and `curl`.
 *
 * Root: the handler never runs scripts as root; it switches to `cgiUser` (`nobody`). The files
 * of a test must then belong to that user (as CPython's setUp does when run as root), and the
 * interpreter of the `#!` line must be one that user can reach (pyenv's, under /root, is not).
 */
import { execFile, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { homedir, tmpdir } from "node:os";
import nodePath from "node:path";
import type { HTTPServerOptions } from "@stdhttp/basehttpserver";
import { CGIHTTPRequestHandler, ThreadingHTTPServer, type CGIOptions } from "../src/index.js";

/** What the quiet handlers would have logged (CPython's `NoLogRequestHandler` drops it; kept here for failure messages). */
export const serverLog: string[] = [];

/** CPython's `NoLogRequestHandler` mixed into `CGIHTTPRequestHandler`: nothing on stderr. */
export class QuietCGIHandler extends CGIHTTPRequestHandler {
  override logMessage(format: string, ...args: unknown[]): void {
    if (serverLog.length < 1000) serverLog.push(`${format} ${args.map((a) => String(a)).join(" ")}`);
  }
}

/** A running server and how to stop it. */
export interface RunningServer {
  server: ThreadingHTTPServer;
  port: number;
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  origin: string;
  stop(): Promise<void>;
}

/**
 * Serve `directory` with `QuietCGIHandler.withOptions({ ...options, directory })` on a
 * `ThreadingHTTPServer` at 127.0.0.1:0.
 */
export async function serveCgi(directory: string, options: CGIOptions = {}, serverOptions: HTTPServerOptions = {}): Promise<RunningServer> {
  const Configured = QuietCGIHandler.withOptions({ ...options, directory });
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], Configured, serverOptions);
  await server.ready;
  const loop = server.serveForever();
  const port = (server.serverAddress as [string, number])[1];
  return {
    server,
    port,
    origin: `http://127.0.0.1:${port}`,
    async stop() {
      await server.shutdown();
      await server.serverClose();
      await loop;
    },
  };
}

/** uid and gid of `name` from /etc/passwd, or null. */
function passwdUser(name: string): { uid: number; gid: number } | null {
  for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
    const f = line.split(":");
    if (f[0] === name && f.length >= 4) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return null;
}

/**
 * Whom the handler runs scripts as: `nobody` (from /etc/passwd, 65534 here) when the tests run
 * as root, else null (scripts run as the test process's user).
 */
export const scriptUser: { uid: number; gid: number } | null = process.getuid?.() === 0 ? passwdUser("nobody") : null;

/** Give `path` (and, for a directory, everything in it) to the scripts' user: what CPython's setUp does as root. */
export function giveToScriptUser(path: string): void {
  if (scriptUser === null) return;
  chownSync(path, scriptUser.uid, scriptUser.gid);
  if (lstatSync(path).isDirectory()) for (const entry of readdirSync(path)) giveToScriptUser(nodePath.join(path, entry));
}

/**
 * A fresh directory under the system's temp directory, mode 0755 (mkdtemp's 0700 would keep
 * the scripts' user out), belonging to the scripts' user, and how to remove it.
 */
export function makeTempDir(prefix = "stdhttp-cgi-"): { path: string; remove(): void } {
  const path = mkdtempSync(nodePath.join(tmpdir(), prefix));
  chmodSync(path, 0o755);
  giveToScriptUser(path);
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Whether `exe` runs as the scripts' user. */
function runsAsScriptUser(exe: string): boolean {
  const r = spawnSync(exe, ["-c", "import urllib.parse"], { timeout: 10000, stdio: "ignore", ...(scriptUser ?? {}), cwd: "/" });
  return r.status === 0;
}

/** The python3 candidates: CPython 3.13 from pyenv, then each python3 on PATH, resolved. */
function pythonCandidates(): string[] {
  const out: string[] = [];
  const pyenv = nodePath.join(homedir(), ".pyenv/versions/3.13.0/bin/python3");
  if (existsSync(pyenv)) out.push(pyenv);
  for (const dir of (process.env.PATH ?? "").split(nodePath.delimiter)) {
    if (dir === "") continue;
    const p = nodePath.join(dir, "python3");
    if (!existsSync(p)) continue;
    const real = realpathSync(p);
    if (!out.includes(real)) out.push(real);
  }
  return out;
}

let scriptPythonCache: string | undefined;

/**
 * The absolute path of the python3 for the `#!` line of CGI scripts: pyenv's 3.13 when the
 * scripts' user can run it, else the first python3 on PATH (resolved) that it can run. As root,
 * pyenv's (under /root, mode 0700) and pyenv's shims are out of nobody's reach: /usr/bin/python3.
 */
export function scriptPython(): string {
  if (scriptPythonCache !== undefined) return scriptPythonCache;
  const found = pythonCandidates().find(runsAsScriptUser);
  if (found === undefined) throw new Error(`no python3 that uid ${scriptUser?.uid ?? process.getuid?.()} can run`);
  scriptPythonCache = found;
  return found;
}

/** python3 for client programs run by the tests themselves: pyenv's 3.13 when present, else python3 from PATH. */
export function clientPython(): string {
  const pyenv = nodePath.join(homedir(), ".pyenv/versions/3.13.0/bin/python3");
  return existsSync(pyenv) ? pyenv : "python3";
}

/** Write an executable script (mode 0755) belonging to the scripts' user. */
export function writeScript(path: string, text: string, mode = 0o755): void {
  writeFileSync(path, text, "utf8");
  chmodSync(path, mode);
  giveToScriptUser(path);
}

/** Response header fields, looked up case-insensitively (as `http.client.HTTPMessage`). */
export class ResponseHeaders {
  /** The fields in the order received, names as sent. */
  readonly fields: ReadonlyArray<readonly [string, string]>;

  constructor(fields: Array<readonly [string, string]>) {
    this.fields = fields;
  }

  /** The first value of `name`, or `undefined`. */
  get(name: string): string | undefined {
    const n = name.toLowerCase();
    return this.fields.find(([k]) => k.toLowerCase() === n)?.[1];
  }

  /** Every value of `name`, in order. */
  getAll(name: string): string[] {
    const n = name.toLowerCase();
    return this.fields.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
}

/** One response as a raw-socket client saw it. */
export interface RawResponse {
  /** `HTTP/1.0` or `HTTP/1.1`. */
  version: string;
  status: number;
  /** The reason phrase (`""` when the status line has none). */
  reason: string;
  headers: ResponseHeaders;
  /** The body: by Content-Length, de-chunked, or to the close (empty for HEAD, 1xx, 204, 304). */
  body: Buffer;
  /** Whether the body was chunked (and complete, with its last chunk). */
  chunked: boolean;
  /** Bytes received after the body. */
  rest: Buffer;
  /** Whether the server closed the connection after the response. */
  closed: boolean;
  /** Everything received. */
  raw: Buffer;
}

/** A request as `http.client.HTTPConnection.request(method, url, body, headers)` sends it. */
export interface RawRequestInit {
  method?: string;
  /** Extra header fields, in order. */
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: Buffer | string;
  /** The request line's version (default `HTTP/1.1`, as http.client). */
  version?: string;
  /** How long to wait, once the response is complete, for the server to close (ms). */
  closeWait?: number;
  /** Give up after this long (ms). */
  timeout?: number;
}

/**
 * Send one request to 127.0.0.1:`port` over a raw socket, with the header fields http.client
 * adds (`Host`, `Accept-Encoding: identity`, `Content-Length` for a body; a str body is sent as
 * ISO-8859-1, as http.client does), and read the answer: until the server closes, or until the
 * response is complete and `closeWait` ms passed without a close (then `closed` is false).
 */
export function rawRequest(port: number, target: string, init: RawRequestInit = {}): Promise<RawResponse> {
  const method = init.method ?? "GET";
  const body = init.body === undefined ? undefined : Buffer.isBuffer(init.body) ? init.body : Buffer.from(init.body, "latin1");
  let head = `${method} ${target} ${init.version ?? "HTTP/1.1"}\r\nHost: 127.0.0.1:${port}\r\nAccept-Encoding: identity\r\n`;
  for (const [k, v] of init.headers ?? []) head += `${k}: ${v}\r\n`;
  if (body !== undefined) head += `Content-Length: ${body.length}\r\n`;
  head += "\r\n";
  const payload = body === undefined ? Buffer.from(head, "latin1") : Buffer.concat([Buffer.from(head, "latin1"), body]);
  const closeWait = init.closeWait ?? 1000;
  const timeout = init.timeout ?? 20000;
  const isHead = method === "HEAD";

  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const parts: Buffer[] = [];
    let settled = false;
    let waitTimer: NodeJS.Timeout | undefined;
    const overall = setTimeout(() => finish(false, new Error(`no complete response to ${method} ${target} within ${timeout} ms`)), timeout);
    const finish = (closed: boolean, error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(overall);
      if (waitTimer !== undefined) clearTimeout(waitTimer);
      socket.destroy();
      const raw = Buffer.concat(parts);
      const parsed = parseResponse(raw, isHead, true);
      if (parsed === null || error !== undefined) {
        reject(error ?? new Error(`incomplete response to ${method} ${target}: ${JSON.stringify(raw.toString("latin1"))}`));
      } else resolve({ ...parsed, closed, raw });
    };
    socket.on("data", (d: Buffer) => {
      parts.push(d);
      if (waitTimer === undefined && parseResponse(Buffer.concat(parts), isHead, false)?.complete === true) {
        waitTimer = setTimeout(() => finish(false), closeWait);
      }
    });
    socket.on("error", () => undefined);
    socket.once("close", () => finish(true));
    socket.once("connect", () => socket.write(payload));
  });
}

/** The end of the head (the first byte after the empty line), as http.client reads lines (LF, CR optional), or -1. */
function headEnd(raw: Buffer): number {
  let i = 0;
  for (;;) {
    const lf = raw.indexOf(0x0a, i);
    if (lf < 0) return -1;
    const line = raw.subarray(i, lf);
    if (i > 0 && (line.length === 0 || (line.length === 1 && line[0] === 0x0d))) return lf + 1;
    i = lf + 1;
  }
}

/** Decode a chunked body: `[body, bytes used]`, or null while incomplete. */
function dechunk(data: Buffer): [Buffer, number] | null {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    const lf = data.indexOf(0x0a, i);
    if (lf < 0) return null;
    const size = parseInt(data.subarray(i, lf).toString("latin1").split(";")[0].trim(), 16);
    if (Number.isNaN(size)) throw new Error(`bad chunk size line ${JSON.stringify(data.subarray(i, lf).toString("latin1"))}`);
    i = lf + 1;
    if (size === 0) {
      // Trailer fields, then the empty line.
      for (;;) {
        const end = data.indexOf(0x0a, i);
        if (end < 0) return null;
        const line = data.subarray(i, end);
        i = end + 1;
        if (line.length === 0 || (line.length === 1 && line[0] === 0x0d)) return [Buffer.concat(out), i];
      }
    }
    if (data.length < i + size + 2) return null;
    out.push(data.subarray(i, i + size));
    i += size;
    if (data[i] === 0x0d) i++;
    if (data[i] !== 0x0a) throw new Error("chunk data not followed by CRLF");
    i++;
  }
}

/**
 * Split `raw` into one response and what follows it; `null` when the head is not all there.
 * `atClose`: the connection has closed (a body without framing ends there).
 */
function parseResponse(raw: Buffer, isHead: boolean, atClose: boolean): (Omit<RawResponse, "closed" | "raw"> & { complete: boolean }) | null {
  const end = headEnd(raw);
  if (end < 0) return null;
  const lines = raw.subarray(0, end).toString("latin1").split("\n").map((l) => l.replace(/\r$/, ""));
  const m = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/.exec(lines[0]);
  if (m === null) return null;
  const fields: Array<readonly [string, string]> = [];
  for (const line of lines.slice(1)) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    fields.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  const headers = new ResponseHeaders(fields);
  const status = Number(m[2]);
  const noBody = isHead || status < 200 || status === 204 || status === 304;
  const base = { version: m[1], status, reason: m[3] ?? "", headers };
  if (noBody) return { ...base, body: Buffer.alloc(0), chunked: false, rest: raw.subarray(end), complete: true };
  if (/chunked/i.test(headers.get("transfer-encoding") ?? "")) {
    const d = dechunk(raw.subarray(end));
    if (d === null) return atClose ? { ...base, body: raw.subarray(end), chunked: false, rest: Buffer.alloc(0), complete: false } : null;
    return { ...base, body: d[0], chunked: true, rest: raw.subarray(end + d[1]), complete: true };
  }
  const length = headers.get("content-length");
  if (length !== undefined) {
    const bodyEnd = end + Number(length);
    return { ...base, body: raw.subarray(end, Math.min(bodyEnd, raw.length)), chunked: false, rest: raw.subarray(Math.min(bodyEnd, raw.length)), complete: raw.length >= bodyEnd };
  }
  return { ...base, body: raw.subarray(end), chunked: false, rest: Buffer.alloc(0), complete: false };
}

/** What a child process left. */
export interface ProcessResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Run a command without a shell; resolves (whatever the exit code) with its output. */
export function runProcess(command: string, args: readonly string[], timeout = 20000): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout, encoding: "buffer", maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null && typeof err.code !== "number") {
        reject(new Error(`${command} failed: ${err.message}\n${stderr.toString("utf8")}`));
        return;
      }
      resolve({ code: err === null ? 0 : (err.code as number), stdout, stderr: stderr.toString("utf8") });
    });
  });
}

/** Run a Python 3 program (`python3 -c PROGRAM ARGS...`) as a client. */
export function python(program: string, ...args: string[]): Promise<ProcessResult> {
  return runProcess(clientPython(), ["-c", program, ...args]);
}

/** Run `curl ARGS...`. */
export function curl(...args: string[]): Promise<ProcessResult> {
  return runProcess("curl", args);
}

/** Resolves once `check()` is true (polled every 20 ms); rejects after `ms`. For what a server logs after it answered. */
export async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
