// The `cgihttpserver` command: the CGI flags parsed with simplehttpserver's parser (pure), then
// the built bin (dist/cli.js, `pnpm --filter @stdhttp/cgihttpserver build` first) run as a child
// process on port 0 with real scripts in a temp directory, talked to with curl.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { execFile, spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defaultOptions, formatUsageError, helpText, parseCommandLine, usage, UsageError, type CLIOptions } from "@stdhttp/simplehttpserver";
import { defaultCgiOptions, type CGICLIOptions } from "../src/cli-args.js";
import { CGIHTTPSERVER } from "../src/cli.js";
import type { CGIHTTPRequestHandler } from "../src/index.js";

const PKG = fileURLToPath(new URL("..", import.meta.url));
const CLI = path.join(PKG, "dist", "cli.js");
const VERSION = (JSON.parse(readFileSync(path.join(PKG, "package.json"), "utf8")) as { version: string }).version;

type Options = CLIOptions & CGICLIOptions;

const DEFAULTS: Options = defaultOptions(CGIHTTPSERVER);

/** The options `argv` gives (the test fails when it is not a `serve` command line). */
function opts(...argv: string[]): Options {
  const parsed = parseCommandLine(argv, CGIHTTPSERVER);
  if (parsed.action !== "serve") throw new Error(`expected serve, got ${parsed.action}`);
  return parsed.options;
}

/** The usage error `argv` gives (its message). */
function usageError(...argv: string[]): string {
  try {
    parseCommandLine(argv, CGIHTTPSERVER);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).code).toBe("ERR_USAGE");
    return (err as UsageError).message;
  }
  throw new Error(`no usage error for ${JSON.stringify(argv)}`);
}

describe("parser: the CGI flags", () => {
  test("defaults: the handler's (/cgi-bin and /htbin, 30 s, rfc3875, no interpreters, no Authorization, nobody)", () => {
    expect(opts()).toEqual({ ...defaultOptions(), ...defaultCgiOptions() });
    expect(DEFAULTS).toMatchObject({
      port: 8000,
      cgiDirectories: ["/cgi-bin", "/htbin"],
      cgiTimeout: 30,
      cgiMode: "rfc3875",
      cgiInterpreters: {},
      passAuthorization: false,
      cgiUser: "nobody",
      cgiLauncher: "auto",
    });
  });

  test("--cgi-launcher chooses how scripts start; anything else is a usage error", () => {
    expect(opts("--cgi-launcher", "spawn").cgiLauncher).toBe("spawn");
    expect(opts("--cgi-launcher", "helper").cgiLauncher).toBe("helper");
    expect(usageError("--cgi-launcher", "fork")).toBe("argument --cgi-launcher: invalid choice: 'fork' (choose from 'auto', 'helper', 'spawn')");
  });

  test("simplehttpserver's flags are all there", () => {
    expect(opts("8080", "-b", "127.0.0.1", "-d", "site", "-p", "HTTP/1.1", "--cors", "-H", "X-A", "1", "--quiet")).toEqual({
      ...DEFAULTS,
      port: 8080,
      bind: "127.0.0.1",
      directory: "site",
      protocol: "HTTP/1.1",
      cors: "*",
      headers: [["X-A", "1"]],
      quiet: true,
    });
    expect(usageError("--upload", "--max-upload-size", "lots")).toBe("argument --max-upload-size: invalid size: 'lots' (bytes, or with K, M or G)");
  });

  test("--cgi-dir replaces the defaults; repeated, it adds (once each); a trailing / is dropped", () => {
    expect(opts("--cgi-dir", "/scripts").cgiDirectories).toEqual(["/scripts"]);
    expect(opts("--cgi-dir", "/scripts", "--cgi-dir=/app/cgi/", "--cgi-dir", "/scripts").cgiDirectories).toEqual(["/scripts", "/app/cgi"]);
    expect(opts("--cgi-dir", "/cgi-bin").cgiDirectories).toEqual(["/cgi-bin"]);
    // Each parse starts from the defaults again.
    expect(opts().cgiDirectories).toEqual(["/cgi-bin", "/htbin"]);
  });

  test("--cgi-dir must be a URL path below /, without empty, . or .. segments", () => {
    expect(usageError("--cgi-dir", "scripts")).toBe("argument --cgi-dir: must start with /: 'scripts'");
    expect(usageError("--cgi-dir", "/")).toBe("argument --cgi-dir: must name a directory below /: '/'");
    expect(usageError("--cgi-dir", "//")).toBe("argument --cgi-dir: must name a directory below /: '//'");
    expect(usageError("--cgi-dir", "/a//b")).toBe("argument --cgi-dir: empty, . and .. segments are not allowed: '/a//b'");
    expect(usageError("--cgi-dir", "/a/../b")).toBe("argument --cgi-dir: empty, . and .. segments are not allowed: '/a/../b'");
    expect(usageError("--cgi-dir", "/./cgi-bin")).toBe("argument --cgi-dir: empty, . and .. segments are not allowed: '/./cgi-bin'");
    expect(usageError("--cgi-dir", "/a\nb")).toBe("argument --cgi-dir: contains control characters: '/a\nb'");
    expect(usageError("--cgi-dir")).toBe("argument --cgi-dir: expected one argument");
    expect(usageError("--cgi-dir", "--quiet")).toBe("argument --cgi-dir: expected one argument");
  });

  test("--cgi-timeout SECONDS: a positive number, or 0 for no limit", () => {
    expect(opts("--cgi-timeout", "1").cgiTimeout).toBe(1);
    expect(opts("--cgi-timeout", "2.5").cgiTimeout).toBe(2.5);
    expect(opts("--cgi-timeout=.5").cgiTimeout).toBe(0.5);
    expect(opts("--cgi-timeout", "0").cgiTimeout).toBeNull();
    expect(opts("--cgi-timeout", "0.0").cgiTimeout).toBeNull();
    expect(opts("--cgi-timeout", "2147483").cgiTimeout).toBe(2147483);
  });

  test.each(["-1", "-0.5", "abc", "1e3", "inf", "NaN", "", "1.2.3", " 5", "0x10"])("--cgi-timeout %j is a usage error", (value) => {
    expect(usageError(`--cgi-timeout=${value}`)).toBe(`argument --cgi-timeout: invalid value: '${value}' (seconds, or 0 for no limit)`);
  });

  test("--cgi-timeout: more than a Node timer holds, or no value, is a usage error", () => {
    expect(usageError("--cgi-timeout", "2147484")).toBe("argument --cgi-timeout: 2147484 is more than 2147483 seconds (0: no limit)");
    expect(usageError("--cgi-timeout")).toBe("argument --cgi-timeout: expected one argument");
    // A negative number is a value (argparse), so the message is about the value, not a missing one.
    expect(usageError("--cgi-timeout", "-3")).toBe("argument --cgi-timeout: invalid value: '-3' (seconds, or 0 for no limit)");
  });

  test("--cgi-mode rfc3875|cpython", () => {
    expect(opts("--cgi-mode", "cpython").cgiMode).toBe("cpython");
    expect(opts("--cgi-mode", "cpython", "--cgi-mode=rfc3875").cgiMode).toBe("rfc3875");
    expect(usageError("--cgi-mode", "python")).toBe("argument --cgi-mode: invalid choice: 'python' (choose from rfc3875, cpython)");
    expect(usageError("--cgi-mode", "RFC3875")).toBe("argument --cgi-mode: invalid choice: 'RFC3875' (choose from rfc3875, cpython)");
    expect(usageError("--cgi-mode")).toBe("argument --cgi-mode: expected one argument");
  });

  test("--cgi-interpreter EXT=COMMAND: repeatable, the extension lower-cased, the command split at spaces", () => {
    expect(opts("--cgi-interpreter", ".py=python3").cgiInterpreters).toEqual({ ".py": ["python3"] });
    expect(opts("--cgi-interpreter", ".PL=perl  -w", "--cgi-interpreter=.py=/usr/bin/python3 -u", "--cgi-interpreter", ".py=python3").cgiInterpreters).toEqual({
      ".pl": ["perl", "-w"],
      ".py": ["python3"],
    });
    expect(opts("--cgi-interpreter", ".php=php-cgi -d a=b").cgiInterpreters).toEqual({ ".php": ["php-cgi", "-d", "a=b"] });
    expect(opts().cgiInterpreters).toEqual({});
  });

  test("--cgi-interpreter: bad values", () => {
    expect(usageError("--cgi-interpreter", ".py")).toBe("argument --cgi-interpreter: expected EXT=COMMAND, e.g. .py=python3: '.py'");
    expect(usageError("--cgi-interpreter", ".py=")).toBe("argument --cgi-interpreter: expected EXT=COMMAND, e.g. .py=python3: '.py='");
    expect(usageError("--cgi-interpreter", ".py=  ")).toBe("argument --cgi-interpreter: expected EXT=COMMAND, e.g. .py=python3: '.py=  '");
    expect(usageError("--cgi-interpreter", "py=python3")).toBe("argument --cgi-interpreter: invalid extension: 'py' (a dot and letters, digits, _, + or -, e.g. .py)");
    expect(usageError("--cgi-interpreter", "=python3")).toMatch(/^argument --cgi-interpreter: invalid extension: ''/);
    expect(usageError("--cgi-interpreter", ".tar.gz=x")).toMatch(/^argument --cgi-interpreter: invalid extension: '\.tar\.gz'/);
    expect(usageError("--cgi-interpreter", ".py=python3\n-c")).toBe("argument --cgi-interpreter: COMMAND contains control characters: '.py=python3\n-c'");
    expect(usageError("--cgi-interpreter")).toBe("argument --cgi-interpreter: expected one argument");
  });

  test("--pass-authorization is a switch", () => {
    expect(opts("--pass-authorization").passAuthorization).toBe(true);
    expect(usageError("--pass-authorization=yes")).toBe("argument --pass-authorization: ignored explicit argument 'yes'");
  });

  test("--cgi-user USER: a user name, never root", () => {
    expect(opts("--cgi-user", "www-data").cgiUser).toBe("www-data");
    expect(usageError("--cgi-user", "root")).toBe("argument --cgi-user: scripts are never run as root");
    expect(usageError("--cgi-user", "two words")).toBe("argument --cgi-user: invalid user name: 'two words'");
    expect(usageError("--cgi-user", "a:b")).toBe("argument --cgi-user: invalid user name: 'a:b'");
  });

  test("--max-upload-size is the limit of scripts' request bodies: no --upload needed (simplehttpserver still needs it)", () => {
    expect(opts("--max-upload-size", "1K").maxUploadSize).toBe(1024);
    expect(() => parseCommandLine(["--max-upload-size", "1K"], { prog: "simplehttpserver", version: "0" })).toThrow("--max-upload-size requires --upload");
  });

  test("--cgi is accepted (python -m http.server --cgi command lines) and changes nothing", () => {
    expect(opts("--cgi")).toEqual(DEFAULTS);
    expect(opts("--cgi", "8080", "--bind", "127.0.0.1")).toEqual({ ...DEFAULTS, port: 8080, bind: "127.0.0.1" });
    expect(usageError("--cgi=yes")).toBe("argument --cgi: ignored explicit argument 'yes'");
  });

  test("argparse's conventions hold for the new flags: unique prefixes, last one wins, -- ends options", () => {
    expect(opts("--cgi-t", "5", "--pass", "--cgi-m=cpython").cgiTimeout).toBe(5);
    expect(opts("--pass").passAuthorization).toBe(true);
    expect(opts("--cgi-m=cpython").cgiMode).toBe("cpython");
    expect(opts("--cgi-timeout", "5", "--cgi-timeout", "7").cgiTimeout).toBe(7);
    expect(usageError("--cgi-", "x")).toBe("ambiguous option: --cgi- could match --cgi-dir, --cgi-timeout, --cgi-mode, --cgi-interpreter, --cgi-user, --cgi-launcher");
    expect(usageError("--", "--cgi")).toBe("argument port: invalid int value: '--cgi'");
    expect(usageError("--cgi-bogus")).toBe("unrecognized arguments: --cgi-bogus");
  });

  test("usage: cgihttpserver, every flag, wrapped under 80 columns", () => {
    const text = usage(CGIHTTPSERVER);
    expect(text.startsWith("usage: cgihttpserver [-h] [--version] [-b ADDRESS] [-d DIRECTORY]")).toBe(true);
    for (const line of text.trimEnd().split("\n")) expect(line.length).toBeLessThan(80);
    const flat = text.replace(/\s+/g, " ");
    expect(flat).toContain(
      "[--quiet] [--cgi] [--cgi-dir PATH] [--cgi-timeout SECONDS] [--cgi-mode {rfc3875,cpython}] [--cgi-interpreter EXT=COMMAND] [--pass-authorization] [--cgi-user USER] [--cgi-launcher {auto,helper,spawn}] [port]",
    );
    expect(formatUsageError(new UsageError("unrecognized arguments: -x"), CGIHTTPSERVER)).toBe(`${text}cgihttpserver: error: unrecognized arguments: -x\n`);
  });

  test("help: simplehttpserver's options, then a CGI section with each flag and its default", () => {
    const text = helpText(CGIHTTPSERVER);
    for (const line of text.trimEnd().split("\n")) expect(line.length).toBeLessThan(80);
    expect(text).toContain("(Python's http.server --cgi)");
    const [options, cgi] = text.split("\nCGI options:\n");
    for (const flag of ["-b, --bind ADDRESS", "-d, --directory DIRECTORY", "--tls-cert PATH", "-H, --header NAME VALUE", "--upload", "--quiet"]) expect(options).toContain(`  ${flag}`);
    for (const flag of ["--cgi ", "--cgi-dir PATH", "--cgi-timeout SECONDS", "--cgi-mode {rfc3875,cpython}", "--cgi-interpreter EXT=COMMAND", "--pass-authorization", "--cgi-user USER"]) {
      expect(cgi).toContain(`  ${flag}`);
    }
    const flat = cgi.replace(/\s+/g, " ");
    for (const fact of ["(default: /cgi-bin and /htbin)", "(default: 30)", "(default: rfc3875)", "(default: nobody)", "0: no limit"]) expect(flat).toContain(fact);
  });

  test("the handler: CGIHTTPRequestHandler with the options as its class properties", () => {
    const handlerProps = (...argv: string[]): CGIHTTPRequestHandler => CGIHTTPSERVER.handlerFor!(opts(...argv)).prototype as CGIHTTPRequestHandler;
    expect(handlerProps()).toMatchObject({ cgiDirectories: ["/cgi-bin", "/htbin"], cgiTimeout: 30, cgiMode: "rfc3875", cgiInterpreters: {}, passAuthorization: false, cgiUser: "nobody" });
    const h = handlerProps("--cgi-dir", "/scripts", "--cgi-timeout", "0", "--cgi-mode", "cpython", "--cgi-interpreter", ".py=python3 -u", "--pass-authorization", "--cgi-user", "www-data", "--cgi-launcher", "spawn");
    expect(h).toMatchObject({ cgiDirectories: ["/scripts"], cgiTimeout: null, cgiMode: "cpython", cgiInterpreters: { ".py": ["python3", "-u"] }, passAuthorization: true, cgiUser: "www-data", cgiLauncher: "spawn" });
    expect(typeof h.isCgi).toBe("function");
  });
});

// ---------------------------------------------------------------------------------------------
// The bin, end to end.

interface Running {
  child: ChildProcessWithoutNullStreams;
  line: string;
  port: number;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<Running>();

/** Start `node dist/cli.js ...args` in `cwd`; resolves with its first stdout line (the "Serving ..." line). */
function startCli(args: string[], cwd: string): Promise<Running> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const nl = out.indexOf("\n");
      if (nl < 0) return;
      const line = out.slice(0, nl);
      const port = Number(/ port (\d+) /.exec(line)?.[1]);
      const r: Running = { child, line, port, stdout: () => out, stderr: () => err, exited };
      running.add(r);
      resolve(r);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    void exited.then(({ code }) => reject(new Error(`exited ${code} before serving; stderr: ${err}`)));
  });
}

/** Send `signal` and wait for the exit; returns the exit status and what was printed. */
async function stopCli(r: Running, signal: NodeJS.Signals = "SIGTERM"): Promise<{ code: number | null; stdout: string; stderr: string }> {
  r.child.kill(signal);
  const { code } = await r.exited;
  running.delete(r);
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}

/** Run the command to its end (for the ones that do not serve). */
function runCli(args: string[], cwd = PKG): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", timeout: 20000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** An answer as curl sees it (`curl -i`), field names lower-cased. */
function fetchWithCurl(...args: string[]): Promise<{ status: number; headers: Map<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    execFile("curl", ["-sS", "-i", "--max-time", "20", ...args], { encoding: "latin1", timeout: 25000 }, (err, raw, stderr) => {
      if (err) return reject(new Error(`curl ${args.join(" ")}: ${err.message} ${stderr}`));
      const end = raw.indexOf("\r\n\r\n");
      const lines = raw.slice(0, end).split("\r\n");
      const headers = new Map<string, string>();
      for (const l of lines.slice(1)) {
        const c = l.indexOf(":");
        headers.set(l.slice(0, c).toLowerCase(), l.slice(c + 1).trim());
      }
      resolve({ status: Number(lines[0].split(" ")[1]), headers, body: raw.slice(end + 4) });
    });
  });
}

/** Write a script (mode 0755 unless told otherwise). */
function script(file: string, body: string, mode = 0o755): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, body);
  chmodSync(file, mode);
}

const HELLO = '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\nhello\\n"\n';

describe("the bin, end to end", () => {
  let root: string;

  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm --filter @stdhttp/cgihttpserver build\` first`);
    root = mkdtempSync(path.join(tmpdir(), "cgi-cli-"));
    // Run as root, the server runs scripts as nobody: the tree must be readable by others.
    chmodSync(root, 0o755);
    script(path.join(root, "cgi-bin", "hello.sh"), HELLO);
    script(path.join(root, "scripts", "hello.sh"), HELLO);
    script(path.join(root, "cgi-bin", "slow.sh"), '#!/bin/sh\nsleep 10\nprintf "Content-Type: text/plain\\r\\n\\r\\nlate\\n"\n');
    script(path.join(root, "cgi-bin", "plain.sh"), 'printf "Content-Type: text/plain\\r\\n\\r\\nrun by sh\\n"\n', 0o644);
    script(path.join(root, "cgi-bin", "env.sh"), '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n"\necho "auth=${HTTP_AUTHORIZATION-unset}"\necho "cwd=$(pwd)"\n');
    writeFileSync(path.join(root, "static.txt"), "static\n");
  });

  afterEach(async () => {
    for (const r of [...running]) await stopCli(r, "SIGKILL");
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("cgi-bin/hello.sh runs: 200 and its output; static files still served; POST only to scripts", async () => {
    const r = await startCli(["0", "-b", "127.0.0.1", "-d", root], root);
    expect(r.line).toBe(`Serving HTTP on 127.0.0.1 port ${r.port} (http://127.0.0.1:${r.port}/) ...`);
    const base = `http://127.0.0.1:${r.port}`;
    const res = await fetchWithCurl(`${base}/cgi-bin/hello.sh`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain");
    expect(res.body).toBe("hello\n");
    expect((await fetchWithCurl("--data-binary", "a=b", `${base}/cgi-bin/hello.sh`)).body).toBe("hello\n");
    expect((await fetchWithCurl(`${base}/static.txt`)).body).toBe("static\n");
    expect((await fetchWithCurl("--data-binary", "a=b", `${base}/static.txt`)).status).toBe(501);
    // /scripts is not a CGI directory by default: its files are served as they are.
    expect((await fetchWithCurl(`${base}/scripts/hello.sh`)).body).toBe(HELLO);
    const { code, stderr } = await stopCli(r);
    expect(code).toBe(0);
    expect(stderr).toMatch(/"GET \/cgi-bin\/hello\.sh HTTP\/1\.1" 200 -\n/);
  });

  test("--cgi-dir /scripts: scripts there run, /cgi-bin is a plain directory again", async () => {
    const r = await startCli(["0", "-b", "127.0.0.1", "-d", root, "--cgi-dir", "/scripts", "--quiet"], root);
    const base = `http://127.0.0.1:${r.port}`;
    const res = await fetchWithCurl(`${base}/scripts/hello.sh`);
    expect(res.status).toBe(200);
    expect(res.body).toBe("hello\n");
    expect((await fetchWithCurl(`${base}/cgi-bin/hello.sh`)).body).toBe(HELLO);
    const { code, stderr } = await stopCli(r);
    expect(code).toBe(0);
    expect(stderr).toBe("");
  });

  test("--cgi-timeout 1: a script still sleeping is killed and the client gets 504", async () => {
    const r = await startCli(["0", "-b", "127.0.0.1", "-d", root, "--cgi-timeout", "1"], root);
    const base = `http://127.0.0.1:${r.port}`;
    const res = await fetchWithCurl(`${base}/cgi-bin/slow.sh`);
    expect(res.status).toBe(504);
    // The server goes on serving.
    expect((await fetchWithCurl(`${base}/cgi-bin/hello.sh`)).body).toBe("hello\n");
  }, 20000); // the script would answer 200 after 10 s: 504 is the time limit's answer

  test("--max-upload-size 1K: a larger body to a script is 413, a smaller one reaches it", async () => {
    const r = await startCli(["0", "-b", "127.0.0.1", "-d", root, "--max-upload-size", "1K", "--quiet"], root);
    const base = `http://127.0.0.1:${r.port}`;
    expect((await fetchWithCurl("--data-binary", "x".repeat(2000), `${base}/cgi-bin/hello.sh`)).status).toBe(413);
    expect((await fetchWithCurl("--data-binary", "x".repeat(500), `${base}/cgi-bin/hello.sh`)).body).toBe("hello\n");
  });

  test("--cgi-interpreter .sh=sh runs a script that is not executable (403 without it)", async () => {
    const plain = await startCli(["0", "-b", "127.0.0.1", "-d", root], root);
    expect((await fetchWithCurl(`http://127.0.0.1:${plain.port}/cgi-bin/plain.sh`)).status).toBe(403);
    const r = await startCli(["0", "-b", "127.0.0.1", "-d", root, "--cgi-interpreter", ".sh=sh"], root);
    const res = await fetchWithCurl(`http://127.0.0.1:${r.port}/cgi-bin/plain.sh`);
    expect(res.status).toBe(200);
    expect(res.body).toBe("run by sh\n");
  });

  test("--pass-authorization gives scripts HTTP_AUTHORIZATION (not by default)", async () => {
    const auth = ["-H", "Authorization: Basic dTpw"];
    const r = await startCli(["0", "-b", "127.0.0.1", "-d", root], root);
    expect((await fetchWithCurl(...auth, `http://127.0.0.1:${r.port}/cgi-bin/env.sh`)).body).toContain("auth=unset\n");
    const passing = await startCli(["0", "-b", "127.0.0.1", "-d", root, "--pass-authorization"], root);
    expect((await fetchWithCurl(...auth, `http://127.0.0.1:${passing.port}/cgi-bin/env.sh`)).body).toContain("auth=Basic dTpw\n");
  });

  test("--cgi-mode cpython: scripts run in the server's working directory, as CPython's (rfc3875: the script's)", async () => {
    const cwd = path.join(root, "scripts");
    const r = await startCli(["0", "-b", "127.0.0.1", "-d", root], cwd);
    expect((await fetchWithCurl(`http://127.0.0.1:${r.port}/cgi-bin/env.sh`)).body).toContain(`cwd=${path.join(root, "cgi-bin")}\n`);
    const compat = await startCli(["0", "-b", "127.0.0.1", "-d", root, "--cgi-mode", "cpython"], cwd);
    expect((await fetchWithCurl(`http://127.0.0.1:${compat.port}/cgi-bin/env.sh`)).body).toContain(`cwd=${cwd}\n`);
  });

  test("SIGINT: CPython's message, a graceful shutdown, exit 0; SIGTERM: the same without the message", async () => {
    const r = await startCli(["0", "-b", "127.0.0.1", "-d", root], root);
    expect((await fetchWithCurl(`http://127.0.0.1:${r.port}/cgi-bin/hello.sh`)).status).toBe(200);
    const { code, stdout } = await stopCli(r, "SIGINT");
    expect(code).toBe(0);
    expect(stdout).toBe(`${r.line}\n\nKeyboard interrupt received, exiting.\n`);
    const t = await startCli(["0", "-b", "127.0.0.1", "-d", root], root);
    const term = await stopCli(t, "SIGTERM");
    expect(term.code).toBe(0);
    expect(term.stdout).toBe(`${t.line}\n`);
  });

  test("a port in use fails the start (exit 1)", async () => {
    const first = await startCli(["0", "-b", "127.0.0.1", "-d", root], root);
    const r = runCli([String(first.port), "-b", "127.0.0.1", "-d", root]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^cgihttpserver: error: .*EADDRINUSE/);
  });

  test.each([
    [["--cgi-dir", "scripts"], "argument --cgi-dir: must start with /: 'scripts'"],
    [["--cgi-timeout", "-1"], "argument --cgi-timeout: invalid value: '-1' (seconds, or 0 for no limit)"],
    [["--cgi-timeout", "soon"], "argument --cgi-timeout: invalid value: 'soon' (seconds, or 0 for no limit)"],
    [["--cgi-mode", "python"], "argument --cgi-mode: invalid choice: 'python' (choose from rfc3875, cpython)"],
    [["--cgi-interpreter", "python3"], "argument --cgi-interpreter: expected EXT=COMMAND, e.g. .py=python3: 'python3'"],
    [["--cgi-dir"], "argument --cgi-dir: expected one argument"],
    [["--unknown-flag"], "unrecognized arguments: --unknown-flag"],
    [["-d", "/no/such/dir/here"], "argument -d/--directory: no such directory: '/no/such/dir/here'"],
  ])("usage error %j: usage and the error on stderr, nothing on stdout, exit 2", (args, message) => {
    const r = runCli(args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`${usage(CGIHTTPSERVER)}cgihttpserver: error: ${message}\n`);
  });

  test("--help and --version: stdout, exit 0", () => {
    for (const flag of ["-h", "--help"]) expect(runCli([flag])).toEqual({ status: 0, stdout: helpText(CGIHTTPSERVER), stderr: "" });
    expect(runCli(["--version"])).toEqual({ status: 0, stdout: `cgihttpserver ${VERSION}\n`, stderr: "" });
  });

  test("run through a symlink by its shebang, as node_modules/.bin/cgihttpserver", () => {
    const bin = mkdtempSync(path.join(tmpdir(), "cgi-cli-bin-"));
    try {
      symlinkSync(CLI, path.join(bin, "cgihttpserver"));
      const r = spawnSync(path.join(bin, "cgihttpserver"), ["--version"], { encoding: "utf8", timeout: 20000 });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`cgihttpserver ${VERSION}\n`);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  test("importing dist/cli.js (not running it as the bin) does not start a server", () => {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", `const m = await import(${JSON.stringify(CLI)}); console.log(typeof m.main);`], { encoding: "utf8", timeout: 20000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("function\n");
  });
});
