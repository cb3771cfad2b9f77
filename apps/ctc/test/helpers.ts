// Shared by the tests: the built `ctc` command (dist/cli.js: `pnpm --filter @stdhttp/ctc build`
// first) run as a child process on port 0, origin servers on loopback, curl and temp dirs.
import { afterAll } from "@jest/globals";
import { execFile, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export const PKG = fileURLToPath(new URL("..", import.meta.url));
export const CLI = path.join(PKG, "dist", "cli.js");
export const FIXTURES = path.join(PKG, "test", "fixtures");

if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (pnpm --filter @stdhttp/ctc build)`);

/** Every ctc process a test file started: whatever a failed test left running is killed after it. */
const started = new Set<ChildProcessWithoutNullStreams>();
afterAll(() => {
  for (const proc of started) if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
});

/** A running `ctc` child process. */
export class CtcProcess {
  readonly proc: ChildProcessWithoutNullStreams;
  stdout = "";
  stderr = "";
  port = 0;
  /** The signal that ended the process (null when it exited by itself). */
  exitSignal: NodeJS.Signals | null = null;
  private exit: Promise<number | null>;

  constructor(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
    this.proc = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: "pipe" });
    started.add(this.proc);
    this.proc.stdout.setEncoding("utf8").on("data", (s: string) => (this.stdout += s));
    this.proc.stderr.setEncoding("utf8").on("data", (s: string) => (this.stderr += s));
    this.exit = new Promise((resolve) =>
      this.proc.once("exit", (code, signal) => {
        this.exitSignal = signal;
        resolve(code);
      }),
    );
  }

  /** The proxy's URL (`http://127.0.0.1:PORT`), without a trailing slash. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Resolve once `pattern` appears on stdout (or stderr with `stream`), rejecting if the process exits first. */
  async waitFor(pattern: RegExp, stream: "stdout" | "stderr" = "stdout", timeoutMs = 15000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this[stream].match(pattern);
      if (m) return m;
      if (this.proc.exitCode !== null) throw new Error(`ctc exited (${this.proc.exitCode}) before ${pattern}:\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Wait for the first line and read the port from it (a minute: CI runs every package's tests at
   * once on two cores, and a proxy with workers starts three Node processes). A process that does
   * not get there is killed (SIGTERM, and SIGKILL for its workers by the primary's exit).
   */
  async started(): Promise<this> {
    let m: RegExpMatchArray;
    try {
      m = await this.waitFor(/^ctc: proxy on http:\/\/127\.0\.0\.1:(\d+)\/\n/, "stdout", 60_000);
    } catch (err) {
      this.proc.kill("SIGKILL");
      throw err;
    }
    this.port = Number(m[1]);
    return this;
  }

  /** The exit status. */
  exited(): Promise<number | null> {
    return this.exit;
  }

  /** SIGTERM (if still running) and the exit status. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    return this.exit;
  }
}

/**
 * Start `ctc --port 0 ...args` and wait until it listens. One process (`--workers 1`) unless the
 * test asks for workers: the worker tests cover the cluster, and three Node processes per proxy
 * in every test would make CI crawl.
 */
export function startCtc(...args: string[]): Promise<CtcProcess> {
  const workers = args.some((a) => a === "--workers" || a.startsWith("--workers=")) ? [] : ["--workers", "1"];
  return new CtcProcess(["--port", "0", ...workers, ...args]).started();
}

/** Run `ctc ...args` to completion (for usage errors): exit status and output. */
export async function runCtc(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const p = new CtcProcess(args);
  const status = await p.exited();
  // The pipes may still hold the last bytes after `exit`.
  await new Promise((r) => setTimeout(r, 50));
  return { status, stdout: p.stdout, stderr: p.stderr };
}

/** A node:http origin server on 127.0.0.1, port 0. */
export async function startOrigin(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** curl's answer: status, headers (lower-case names; repeated fields joined with `, `), body. */
export interface CurlResult {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  stderr: string;
  exitCode: number;
}

/** Run curl with `args` (silent, head included) and parse the last response. */
export function curl(...args: string[]): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    execFile("curl", ["-s", "-S", "-i", "--max-time", "20", ...args], { encoding: "buffer", maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null && typeof err.code !== "number") return reject(new Error(`curl: ${err.message}`));
      const exitCode = err === null ? 0 : Number(err.code);
      let rest = stdout;
      let status = 0;
      let headers: Record<string, string> = {};
      // Several heads when a proxy tunnel or a 100-continue comes first: keep the last.
      while (rest.subarray(0, 5).toString("latin1") === "HTTP/") {
        const end = rest.indexOf("\r\n\r\n");
        if (end < 0) break;
        const lines = rest.subarray(0, end).toString("latin1").split("\r\n");
        status = Number(lines[0].split(" ")[1]);
        headers = {};
        for (const l of lines.slice(1)) {
          const i = l.indexOf(":");
          if (i < 0) continue;
          const name = l.slice(0, i).trim().toLowerCase();
          const value = l.slice(i + 1).trim();
          headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
        }
        rest = rest.subarray(end + 4);
      }
      resolve({ status, headers, body: rest, stderr: stderr.toString("utf8"), exitCode });
    });
  });
}

/** A fresh temp dir, and its removal. */
export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), "ctc-test-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Send raw bytes to host:port and collect the answer until the peer closes (or `untilHead`: the first head). */
export function rawExchange(port: number, bytes: string, untilHead = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1");
    let got = "";
    s.setEncoding("latin1");
    s.on("data", (d: string) => {
      got += d;
      if (untilHead && got.includes("\r\n\r\n")) s.destroy();
    });
    s.on("close", () => resolve(got));
    s.on("error", reject);
    s.write(bytes);
  });
}

const NEWS = readFileSync(path.join(FIXTURES, "news.html"));
const PHOTO = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200"><rect width="320" height="200" fill="#4a7"/></svg>');

/**
 * The news site: `/news.html` (a page with banners of IAB sizes, images and links to blocked
 * hosts, a web bug), `/news-gz.html` (the same, gzip-encoded), `/photo.svg`, and any other path
 * answered `200 origin: PATH` as text (`origin: PATH (N bytes)` for a POST of N bytes). Every request is recorded in `hits` (`HOST PATH`).
 */
export async function startNewsSite(): Promise<{ port: number; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const origin = await startOrigin((req, res) => {
    const url = req.url ?? "/";
    hits.push(`${req.headers.host ?? ""} ${url}`);
    if (url === "/news.html") res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Content-Length": NEWS.length }).end(NEWS);
    else if (url === "/news-gz.html") {
      const gz = gzipSync(NEWS);
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip", "Content-Length": gz.length }).end(gz);
    } else if (url === "/photo.svg") res.writeHead(200, { "Content-Type": "image/svg+xml", "Content-Length": PHOTO.length }).end(PHOTO);
    else {
      let received = 0;
      req.on("data", (c: Buffer) => (received += c.length));
      req.on("end", () => {
        const body = req.method === "POST" ? `origin: ${url} (${received} bytes)\n` : `origin: ${url}\n`;
        res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(body) }).end(body);
      });
    }
  });
  return { port: origin.port, hits, close: origin.close };
}

/** The ids of the elements of an HTML text (`id="..."`), in order. */
export function ids(html: string): string[] {
  return [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
}

/** Wait until `check()` is true (polling; fails after `timeoutMs` with `what`). */
export async function eventually(check: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
