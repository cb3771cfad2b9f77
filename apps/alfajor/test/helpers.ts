// Test helpers: the built `alfajor` command as a real process, a cookie-setting origin on
// loopback, curl and Python's urllib as proxy clients, and the GUI's JSON API.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

/** A temporary directory, removed by `cleanup()`. */
export async function tempDir(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "alfajor-test-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A running `alfajor` process. */
export interface AlfajorProcess {
  proc: ChildProcess;
  url: string;
  port: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when stderr contains `text`. */
  waitForStderr(text: string | RegExp): Promise<void>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

/** Start the built command with `args`; HOME and XDG_CONFIG_HOME point into `home`. */
export async function startAlfajor(args: string[], home: string): Promise<AlfajorProcess> {
  const proc = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, "config") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const waiters: Array<() => void> = [];
  proc.stdout.setEncoding("utf8").on("data", (d: string) => {
    out += d;
    waiters.forEach((w) => w());
  });
  proc.stderr.setEncoding("utf8").on("data", (d: string) => {
    err += d;
    waiters.forEach((w) => w());
  });
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const until = (test: () => boolean, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (test()) {
          waiters.splice(waiters.indexOf(check), 1);
          resolve();
        }
      };
      waiters.push(check);
      void exited.then((code) => reject(new Error(`alfajor exited (${code}) before ${what}; stderr: ${err}`)));
      check();
    });
  await until(() => out.includes("\n"), "printing its address");
  const m = /^alfajor: proxy on (http:\/\/[^\s]+:(\d+)\/)$/m.exec(out.split("\n")[0]);
  if (m === null) throw new Error(`unexpected first line: ${out}`);
  return {
    proc,
    url: m[1],
    port: Number(m[2]),
    stdout: () => out,
    stderr: () => err,
    waitForStderr: (text) => until(() => (typeof text === "string" ? err.includes(text) : text.test(err)), `stderr matching ${String(text)}`),
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      return exited;
    },
    exited,
  };
}

/** An origin that sets the cookies asked for and records the `Cookie` field of every request. */
export interface Origin {
  url: string;
  port: number;
  /** `Cookie` field per request path, in order. */
  received: Array<{ path: string; cookie: string | undefined; via: string | undefined }>;
  close(): Promise<void>;
}

/**
 * `GET /set?c=<Set-Cookie>&c=...` answers with those Set-Cookie fields; `/page` is an HTML page
 * setting `visit=1; Max-Age=3600` with an image from `ads.test` that sets `track`; every path answers with the Cookie field it got (text).
 */
export async function startOrigin(): Promise<Origin> {
  const received: Origin["received"] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? "/", "http://origin");
    received.push({ path: url.pathname, cookie: req.headers.cookie, via: req.headers.via });
    const cookies = url.searchParams.getAll("c");
    if (url.pathname === "/page") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Set-Cookie": ["visit=1; Max-Age=3600; Path=/"] });
      // An ad server's pixel on the page: a third-party cookie.
      res.end(`<!DOCTYPE html><title>Shop</title><h1>Shop</h1><p id="cookie">${req.headers.cookie ?? "(no cookie)"}</p><img alt="" src="http://ads.test/set?c=track%3Du-4417%3B%20Max-Age%3D31536000">`);
      return;
    }
    res.writeHead(200, { "Content-Type": "text/plain", ...(cookies.length > 0 ? { "Set-Cookie": cookies } : {}) });
    res.end(`cookie: ${req.headers.cookie ?? "(none)"}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Run a program; resolves with stdout (rejects with stderr on failure). */
export function run(file: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(" ")} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** The response head and body curl got through `proxy` (`-i`: head lines then body). */
export async function curlThrough(proxy: string, url: string, extra: string[] = []): Promise<{ head: string; body: string; setCookies: string[] }> {
  const out = await run("curl", ["-sS", "-i", "--noproxy", "", "-x", proxy, ...extra, url]);
  const split = out.indexOf("\r\n\r\n");
  const head = out.slice(0, split);
  return { head, body: out.slice(split + 4), setCookies: head.split("\r\n").filter((l) => /^set-cookie:/i.test(l)).map((l) => l.replace(/^set-cookie:\s*/i, "")) };
}

const PYTHON_GET = `
import json, sys, urllib.request
proxy, url, headers = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
with opener.open(urllib.request.Request(url, headers=headers), timeout=20) as r:
    print(json.dumps({"status": r.status, "setCookies": r.headers.get_all("Set-Cookie") or [], "body": r.read().decode()}))
`;

/** A GET with Python's urllib through `proxy`. */
export async function pythonThrough(proxy: string, url: string, headers: Record<string, string> = {}): Promise<{ status: number; setCookies: string[]; body: string }> {
  const out = await run("python3", ["-c", PYTHON_GET, proxy, url, JSON.stringify(headers)]);
  return JSON.parse(out) as { status: number; setCookies: string[]; body: string };
}

/** The GUI's CSRF token, read from its page. */
export async function guiToken(base: string): Promise<string> {
  const page = await (await fetch(base)).text();
  const m = /<meta name="alfajor-token" content="([^"]+)">/.exec(page);
  if (m === null) throw new Error("no token in the GUI page");
  return m[1];
}

/** A POST to the GUI API as the page does it (same origin, token). */
export async function api(base: string, token: string, apiPath: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(new URL(apiPath, base), {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Alfajor-Token": token, Origin: base.replace(/\/$/, "") },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The GUI state. */
export async function state(base: string): Promise<Record<string, unknown>> {
  return (await (await fetch(new URL("/api/state", base))).json()) as Record<string, unknown>;
}

/** Write a policy file. */
export async function writePolicy(file: string, policy: unknown): Promise<void> {
  await writeFile(file, typeof policy === "string" ? policy : JSON.stringify(policy, null, 2));
}

/** Poll `check` until it returns true (the test's own timeout bounds the wait). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, tries = 400): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never happened: ${what}`);
}
