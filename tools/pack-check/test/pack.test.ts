/**
 * Pack check: what a user installs from the registry works on its own.
 *
 * Each published package (`packages/*` without `"private": true`) is packed with `pnpm pack`
 * (which rewrites `workspace:^` into real ranges), then installed ALONE with plain `npm install`
 * into an empty folder outside the repository, together with the tarballs of the @stdhttp
 * packages it depends on (those are not on the registry; third-party dependencies such as the
 * optional `unix-dgram` addon come from the registry). There, with the workspace's binaries
 * removed from PATH and no npm/pnpm settings inherited:
 *
 * - the tarball holds `dist`, the README and the LICENSE, and nothing that points at the workspace;
 * - its optional dependencies install from the registry and load (`unix-dgram` is built by
 *   node-gyp against the headers under /usr, as the repository's .npmrc does for pnpm);
 * - the first ```ts block of the package's README type-checks against the packed `.d.ts`
 *   (`skipLibCheck: false`, so a broken declaration file fails here), and runs, adapted only to
 *   listen on / connect to 127.0.0.1 and a free port (examples that serve forever are stopped);
 * - `require("@stdhttp/<name>")` from a `.cjs` file (Node >= 20.19's require(esm)) gives the same
 *   exports as `import`.
 *
 * The TypeScript compiler that checks and strips the example's types is the workspace's: it is
 * the test's tool, not something the installed package uses.
 * @module
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createServer as createHttpServer, request as httpRequest, type Server as HttpServer } from "node:http";
import { connect, createServer as createNetServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";

const run = promisify(execFile);
const REPO = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
/** For one `npm install`; the machine may be busy with every other package's tests. */
const INSTALL_TIMEOUT = 240_000;

// ---------------------------------------------------------------------------------------------
// What each package's README example needs to run here.

interface Scenario {
  /** `[from, to]` edits to the README block; each `from` must occur exactly once. */
  adapt(port: number): [string, string][];
  /** Runs the adapted example (`example.mjs` in `dir`) and checks it does what the README says. */
  check(dir: string, port: number): Promise<void>;
  /** An export `require()` must see. */
  exportName: string;
  /** Folders the tarball may hold besides `dist/` (an app's data, e.g. CTC's `lists/`). */
  extraFolders?: string[];
}

const SCENARIOS: Record<string, Scenario> = {
  // The handbook's echo server: serves forever; we send one line, expect it upper-cased, stop it.
  "@stdhttp/socketserver": {
    exportName: "TCPServer",
    adapt: (port) => [['new TCPServer(["localhost", 9999]', `new TCPServer(["127.0.0.1", ${port}]`]],
    async check(dir, port) {
      await withExample(dir, async (child) => {
        const answer = await retry(child, () => echoOnce(port, "hello\n"));
        expect(answer).toBe("HELLO");
        await until(() => child.output.includes("127.0.0.1 wrote: hello"));
      });
    },
  },
  // The client example: GET /index.html from a local server, print status, reason, content type.
  "@stdhttp/httplib": {
    exportName: "HTTPConnection",
    adapt: (port) => [['new HTTPConnection("localhost", 8080', `new HTTPConnection("127.0.0.1", ${port}`]],
    async check(dir, port) {
      const seen: string[] = [];
      const server = createHttpServer((req, res) => {
        seen.push(`${req.method} ${req.url} ${req.headers.accept}`);
        res.writeHead(200, { "Content-Type": "text/html" }).end("<p>hi</p>");
      });
      await listen(server, port);
      try {
        const { stdout } = await run(process.execPath, ["example.mjs"], { cwd: dir, env: consumerEnv(), timeout: 30_000 });
        expect(stdout).toBe("200 OK text/html\n");
        expect(seen).toEqual(["GET /index.html text/html"]);
      } finally {
        await new Promise((done) => server.close(done));
      }
    },
  },
  // The handbook's WelcomeHandler: serves forever; we GET / once, then stop it.
  "@stdhttp/basehttpserver": {
    exportName: "BaseHTTPRequestHandler",
    adapt: (port) => [['new HTTPServer(["", 8000]', `new HTTPServer(["127.0.0.1", ${port}]`]],
    async check(dir, port) {
      await withExample(dir, async (child) => {
        const res = await retry(child, () => fetch(`http://127.0.0.1:${port}/`));
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe("text/html");
        expect(await res.text()).toBe("<html><body><h1>Welcome!</h1></body></html>");
      });
    },
  },
  // Serves ./public forever: we GET a file and the listing once, then stop it.
  "@stdhttp/simplehttpserver": {
    exportName: "SimpleHTTPRequestHandler",
    adapt: (port) => [['new ThreadingHTTPServer(["127.0.0.1", 8000]', `new ThreadingHTTPServer(["127.0.0.1", ${port}]`]],
    async check(dir, port) {
      await mkdir(join(dir, "public"), { recursive: true });
      await writeFile(join(dir, "public", "hello.txt"), "hello from public\n");
      await withExample(dir, async (child) => {
        const res = await retry(child, () => fetch(`http://127.0.0.1:${port}/hello.txt`));
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
        expect(await res.text()).toBe("hello from public\n");
        const listing = await fetch(`http://127.0.0.1:${port}/`);
        expect(await listing.text()).toContain('<a href="hello.txt">hello.txt</a>');
      });
      // The package's bin, as `npx simplehttpserver` runs it.
      const { stdout } = await run(join(dir, "node_modules", ".bin", "simplehttpserver"), ["--help"], { cwd: dir, env: consumerEnv(), timeout: 30_000 });
      expect(stdout).toContain("usage: simplehttpserver");
    },
  },
  // Serves ./site with ./site/cgi-bin/hello.sh: we run the script once, then stop the server.
  "@stdhttp/cgihttpserver": {
    exportName: "CGIHTTPRequestHandler",
    adapt: (port) => [['new ThreadingHTTPServer(["127.0.0.1", 8000]', `new ThreadingHTTPServer(["127.0.0.1", ${port}]`]],
    async check(dir, port) {
      const bin = join(dir, "site", "cgi-bin");
      await mkdir(bin, { recursive: true });
      await writeFile(join(bin, "hello.sh"), "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"Hello from $SCRIPT_NAME, you asked for '$QUERY_STRING'\"\n", { mode: 0o755 });
      // As root, scripts run as nobody: the temporary folders must be reachable by others.
      for (const d of [dirname(dir), dir, join(dir, "site"), bin]) await chmod(d, 0o755);
      await withExample(dir, async (child) => {
        const res = await retry(child, () => fetch(`http://127.0.0.1:${port}/cgi-bin/hello.sh?a=1`));
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe("text/plain");
        expect(await res.text()).toBe("Hello from /cgi-bin/hello.sh, you asked for 'a=1'\n");
      });
      // The package's bin, as `npx cgihttpserver` runs it.
      const { stdout } = await run(join(dir, "node_modules", ".bin", "cgihttpserver"), ["--help"], { cwd: dir, env: consumerEnv(), timeout: 30_000 });
      expect(stdout).toContain("usage: cgihttpserver");
    },
  },
  // The proxy with one filter: serves forever; we ask it for a blocked URL and for a local origin, then stop it.
  "@stdhttp/proxy-filters": {
    exportName: "ProxyRequestHandler",
    adapt: (port) => [['new ThreadingHTTPServer(["127.0.0.1", 8080]', `new ThreadingHTTPServer(["127.0.0.1", ${port}]`]],
    async check(dir, port) {
      const origin = createHttpServer((req, res) => res.writeHead(200, { "Content-Type": "text/plain" }).end(`origin saw ${req.url} via ${req.headers.via}`));
      await listen(origin, 0);
      const originPort = (origin.address() as AddressInfo).port;
      try {
        await withExample(dir, async (child) => {
          const blocked = await retry(child, () => getThroughProxy(port, "http://ads.tracker.example/x.gif"));
          expect(blocked).toEqual({ status: 403, body: "blocked" });
          const passed = await getThroughProxy(port, `http://127.0.0.1:${originPort}/page?q=1`);
          expect(passed).toEqual({ status: 200, body: "origin saw /page?q=1 via 1.1 stdhttp-proxy" });
        });
      } finally {
        await new Promise((done) => origin.close(done));
      }
    },
  },
  // The app's README runs CTC in-process on a free port with a list file, then stops it.
  "@stdhttp/ctc": {
    exportName: "Ctc",
    extraFolders: ["lists/"],
    adapt: () => [],
    async check(dir) {
      await writeFile(join(dir, "easylist.txt"), "||ads.example^\n");
      const { stdout } = await run(process.execPath, ["example.mjs"], { cwd: dir, env: consumerEnv(), timeout: 30_000 });
      expect(stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\nctc: lists reloaded \(reload requested\): 1 list\n0 \[\]\n$/);
      await binAnswers(dir, "ctc");
    },
  },
  // The app's README starts Alfajor in-process with a policy file, switches it off, stops it.
  "@stdhttp/alfajor": {
    exportName: "Alfajor",
    adapt: () => [['"/tmp/policy.json"', '"policy.json"']],
    async check(dir) {
      const { stdout } = await run(process.execPath, ["example.mjs"], { cwd: dir, env: { ...consumerEnv(), HOME: dir, XDG_CONFIG_HOME: dir }, timeout: 30_000 });
      expect(stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\n/);
      await binAnswers(dir, "alfajor");
    },
  },
};

// ---------------------------------------------------------------------------------------------
// The published packages, packed once.

interface Packed {
  name: string;
  dir: string;
  manifest: Record<string, unknown>;
  tarball: string;
  files: string[];
  /** @stdhttp packages it depends on (their tarballs are installed with it). */
  siblings: string[];
}

const published: { name: string; dir: string; manifest: Record<string, unknown> }[] = [];
// The published packages, and the apps (private, not on the registry, but packed and installed
// alone the same way: a user could install them from a tarball, and they must not lean on the workspace).
for (const folder of ["packages", "apps"]) {
  for (const entry of await readdir(join(REPO, folder))) {
    const dir = join(REPO, folder, entry);
    if (!existsSync(join(dir, "package.json"))) continue;
    const manifest = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as Record<string, unknown>;
    if (folder === "apps" || manifest.private !== true) published.push({ name: manifest.name as string, dir, manifest });
  }
}

let work = "";
const packed = new Map<string, Packed>();
const installs = new Map<string, string>();
let typeErrorsByPackage = new Map<string, string>();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "stdhttp-pack-check-"));
  const tarballs = join(work, "tarballs");
  await mkdir(tarballs);
  await Promise.all(published.map(async (pkg) => {
    const { stdout } = await run("pnpm", ["pack", "--json", "--pack-destination", tarballs], { cwd: pkg.dir });
    const out = JSON.parse(stdout) as { filename: string; files: { path: string }[] };
    const deps = { ...(pkg.manifest.dependencies as Record<string, string> | undefined) };
    packed.set(pkg.name, {
      name: pkg.name,
      dir: pkg.dir,
      manifest: pkg.manifest,
      tarball: out.filename,
      files: out.files.map((f) => f.path),
      siblings: Object.keys(deps).filter((d) => d.startsWith("@stdhttp/")),
    });
  }));
  // One empty folder per package, installed side by side (npm's cache is safe to share).
  await Promise.all(published.map(async ({ name }) => {
    const dir = join(work, name.replace("/", "+"));
    await mkdir(dir);
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2));
    const tgz = closure(name).map((n) => packed.get(n)!.tarball);
    await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tgz], { cwd: dir, env: consumerEnv(), timeout: INSTALL_TIMEOUT });
    installs.set(name, dir);
  }));
  // Type-check every README example in one program (the Node types are checked once, not thrice).
  for (const { name } of published) await writeFile(join(installs.get(name)!, "example.ts"), await readmeExample(name, 0));
  typeErrorsByPackage = typeErrors(published.map(({ name }) => name));
}, 2 * INSTALL_TIMEOUT);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

test("every published package has a scenario here", () => {
  expect(published.map((p) => p.name).sort()).toEqual(Object.keys(SCENARIOS).sort());
});

describe.each(Object.keys(SCENARIOS).sort())("%s", (name) => {
  const scenario = SCENARIOS[name];

  test("the tarball holds dist, README and LICENSE, no sources, maps or workspace ranges", async () => {
    const { files } = packed.get(name)!;
    expect(files).toEqual(expect.arrayContaining(["LICENSE", "README.md", "package.json", "dist/index.js", "dist/index.d.ts"]));
    const folders = ["dist/", ...(scenario.extraFolders ?? [])];
    expect(files.filter((f) => !folders.some((d) => f.startsWith(d)) && !["LICENSE", "README.md", "package.json"].includes(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith(".map"))).toEqual([]);
    const installed = join(installs.get(name)!, "node_modules", name);
    expect((await lstat(installed)).isSymbolicLink()).toBe(false);
    expect(await readFile(join(installed, "package.json"), "utf8")).not.toContain("workspace:");
  });

  test("installed alone: only it and the @stdhttp packages it depends on", async () => {
    const scope = await readdir(join(installs.get(name)!, "node_modules", "@stdhttp"));
    expect(scope.map((s) => `@stdhttp/${s}`).sort()).toEqual(closure(name).sort());
  });

  test("installed alone: its optional dependencies come from the registry and load", async () => {
    const dir = installs.get(name)!;
    const optional = Object.keys(packed.get(name)!.manifest.optionalDependencies ?? {});
    for (const dep of optional) {
      await run(process.execPath, ["-e", `require(${JSON.stringify(dep)})`], { cwd: dir, env: consumerEnv() });
    }
  });

  test("the README's first usage example type-checks against the packed types", () => {
    expect(typeErrorsByPackage.get(name)).toBe("");
  });

  test("the README's first usage example runs", async () => {
    const dir = installs.get(name)!;
    const port = await freePort();
    const source = await readmeExample(name, port);
    const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
    await writeFile(join(dir, "example.mjs"), js);
    await scenario.check(dir, port);
  }, 60_000);

  test("require() from a .cjs file gives the same exports as import (Node >= 20.19)", async () => {
    const dir = installs.get(name)!;
    const print = "process.stdout.write(JSON.stringify(Object.keys(m).filter((k) => k !== '__esModule' && k !== 'module.exports').sort()));";
    await writeFile(join(dir, "check.cjs"), `const m = require(${JSON.stringify(name)});\n${print}\n`);
    await writeFile(join(dir, "check.mjs"), `import * as m from ${JSON.stringify(name)};\n${print}\n`);
    const viaRequire = JSON.parse((await run(process.execPath, ["check.cjs"], { cwd: dir, env: consumerEnv() })).stdout) as string[];
    const viaImport = JSON.parse((await run(process.execPath, ["check.mjs"], { cwd: dir, env: consumerEnv() })).stdout) as string[];
    expect(viaRequire).toContain(scenario.exportName);
    expect(viaRequire).toEqual(viaImport);
  });
});

// ---------------------------------------------------------------------------------------------
// Helpers.

/** `name` and the @stdhttp packages it depends on, transitively. */
function closure(name: string, seen = new Set<string>()): string[] {
  if (seen.has(name)) return [];
  seen.add(name);
  const pkg = packed.get(name);
  if (!pkg) throw new Error(`${name} is not a published workspace package`);
  for (const dep of pkg.siblings) closure(dep, seen);
  return [...seen];
}

/**
 * The environment of a newcomer's shell: no npm_/pnpm_/turbo settings from the workspace run, no
 * workspace `node_modules/.bin` on PATH, no jest's NODE_OPTIONS. node-gyp cannot download Node's
 * headers here, so the optional `unix-dgram` addon builds against the ones Debian installs.
 */
function consumerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|turbo_)|^(NODE_OPTIONS|NODE_PATH|INIT_CWD)$/i.test(key)) continue;
    env[key] = value;
  }
  env.PATH = (process.env.PATH ?? "")
    .split(delimiter)
    .filter((p) => isAbsolute(p) && !p.startsWith(REPO))
    .join(delimiter);
  if (existsSync("/usr/include/node/node.h")) env.npm_config_nodedir = "/usr";
  env.npm_config_update_notifier = "false";
  return env;
}

function firstTsBlock(readme: string): string {
  const match = /^```ts\n([\s\S]*?)^```$/m.exec(readme);
  if (!match) throw new Error("README has no ```ts block");
  return match[1];
}

/** The first ```ts block of `name`'s README, adapted by its scenario to 127.0.0.1 and `port`. */
async function readmeExample(name: string, port: number): Promise<string> {
  let source = firstTsBlock(await readFile(join(packed.get(name)!.dir, "README.md"), "utf8"));
  expect(source).toContain(`from "${name}"`);
  for (const [from, to] of SCENARIOS[name].adapt(port)) {
    // A failure here means the README's first example changed: adapt its scenario above.
    expect(`${name}: ${from} occurs ${source.split(from).length - 1} time(s)`).toBe(`${name}: ${from} occurs 1 time(s)`);
    source = source.replace(from, to);
  }
  return source;
}

/**
 * Type errors of each package's `example.ts` and of its installed declaration files, as a user's
 * strict NodeNext project would see them (`skipLibCheck: false`), by package name. One program
 * for all: TypeScript reads a package installed twice (basehttpserver's copy of httplib) once,
 * so errors are attributed by the package a file belongs to, not by the folder it was found in.
 */
function typeErrors(names: string[]): Map<string, string> {
  const example = (name: string) => join(installs.get(name)!, "example.ts");
  const program = ts.createProgram(names.map(example), {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ["lib.es2023.d.ts", "lib.esnext.disposable.d.ts"],
    types: ["node"],
    typeRoots: [join(REPO, "node_modules", "@types")],
    skipLibCheck: false,
  });
  const host: ts.FormatDiagnosticsHost = {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => REPO,
    getNewLine: () => "\n",
  };
  // Only the examples and our packages' files are checked (Node's types are taken as they are):
  // much faster than getPreEmitDiagnostics() over all of @types/node.
  const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  const found = new Map(names.map((name) => [name, [...global]]));
  for (const file of program.getSourceFiles()) {
    const owner = names.find((name) => file.fileName === example(name) || file.fileName.includes(`/node_modules/${name}/`));
    if (owner) found.get(owner)!.push(...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file));
  }
  return new Map([...found].map(([name, diagnostics]) => [name, ts.formatDiagnostics(diagnostics, host)]));
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await listen(server, 0);
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

function listen(server: HttpServer | ReturnType<typeof createNetServer>, port: number): Promise<void> {
  return new Promise((done, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => done());
  });
}

type Example = ChildProcess & { output: string };

/** Starts `node example.mjs` in `dir`, runs `body`, and always stops the example. */
/** The installed bin `name` answers `--help` (exit 0, its usage) and refuses an unknown flag with exit 2. */
async function binAnswers(dir: string, name: string): Promise<void> {
  const bin = join(dir, "node_modules", ".bin", name);
  const { stdout } = await run(bin, ["--help"], { cwd: dir, env: consumerEnv(), timeout: 30_000 });
  expect(stdout.toLowerCase()).toContain(`usage: ${name}`);
  const bad = await run(bin, ["--no-such-flag"], { cwd: dir, env: consumerEnv(), timeout: 30_000 }).then(
    () => ({ code: 0, stderr: "" }),
    (err: { code?: number; stderr?: string }) => ({ code: err.code ?? -1, stderr: err.stderr ?? "" }),
  );
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("--no-such-flag");
}

/** `GET <url>` in absolute form from the proxy on 127.0.0.1:`port`: status and body text. */
function getThroughProxy(port: number, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path: url, headers: { host: new URL(url).host, connection: "close" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

async function withExample(dir: string, body: (child: Example) => Promise<void>): Promise<void> {
  const child = spawn(process.execPath, ["example.mjs"], { cwd: dir, env: consumerEnv(), stdio: ["ignore", "pipe", "pipe"] }) as Example;
  child.output = "";
  child.stdout!.on("data", (d: Buffer) => (child.output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (child.output += d.toString()));
  const exited = new Promise((done) => child.once("exit", done));
  try {
    await body(child);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- example output ---\n${child.output}`, { cause: err });
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  }
}

/** Calls `attempt` until it succeeds (the example may not be listening yet), for up to 15 s. */
async function retry<T>(child: Example, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`example exited with ${child.exitCode}`);
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}

/** Waits until `ok()` holds (output is asynchronous), for up to 5 s. */
async function until(ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error("condition not met");
    await new Promise((done) => setTimeout(done, 50));
  }
}

/** One TCP exchange: send `line`, read until the server closes. */
function echoOnce(port: number, line: string): Promise<string> {
  return new Promise((done, fail) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    socket.on("data", (d: Buffer) => (answer += d.toString()));
    socket.on("error", fail);
    socket.on("end", () => done(answer));
    socket.on("connect", () => socket.write(line));
  });
}
