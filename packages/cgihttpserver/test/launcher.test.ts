/**
 * How scripts are started (`cgiLauncher`): the helper process and `child_process.spawn` give the
 * same answers, and the helper survives what can go wrong around it (killed, scripts that fail to
 * start, ignore their input or leave children behind, a server that exits).
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { spawn } from "node:child_process";
import { chmodSync, chownSync, closeSync, constants as fsConstants, existsSync, openSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statfsSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { CgiLauncher, CGIOptions } from "../src/index.js";
import { rawRequest, runProcess, serveCgi, serverLog, until, type RawResponse, type RunningServer } from "./helpers.js";
import { helperProgram, setHelperKinds, type HelperProgram } from "../src/helper-program.js";
import { lookupUser, type SpawnRequest } from "../src/spawn-script.js";
import { fifoParent, startRequest, startWithHelper } from "../src/script-helper.js";

/** GET over a raw socket, HTTP/1.0 (the answer ends with the close), with these extra fields. */
const get = (port: number, target: string, headers: Array<[string, string]> = []): Promise<RawResponse> => rawRequest(port, target, { version: "HTTP/1.0", headers });

/** POST `body` over a raw socket, HTTP/1.0. */
const post = (port: number, target: string, body: Buffer): Promise<RawResponse> => rawRequest(port, target, { method: "POST", version: "HTTP/1.0", body });

/** Our server on `root` with these options (and room for the 2 MB body). */
const serve = (options: CGIOptions): Promise<RunningServer> => serveCgi(root, options, { maxBodySize: 4 * 1024 * 1024 });

let tmp: string;
let root: string;
const nobody = lookupUser("nobody");
const asRoot = process.getuid?.() === 0;
const here = path.dirname(fileURLToPath(import.meta.url));

function script(name: string, body: string, firstLine = "#!/bin/sh"): void {
  const p = path.join(root, name);
  writeFileSync(p, `${firstLine}\n${body}\n`);
  chmodSync(p, 0o755);
  if (asRoot && nobody) chownSync(p, nobody.uid, nobody.gid);
}

/** The pids of this process's children named `perl` or `python3` (the helper). */
function helperPids(): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if ((comm === "perl" || comm === "python3") && ppid === process.pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Whether process `pid` has a FIFO of a CGI helper directory open. */
function holdsFifos(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`).includes("/stdhttp-cgi-");
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Whether process `pid` still runs (a zombie waiting for its reaper, init here, does not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "cgi-launcher-"));
  chmodSync(tmp, 0o755);
  root = path.join(tmp, "root");
  mkdirSync(path.join(root, "cgi-bin"), { recursive: true });
  script("cgi-bin/hello.sh", `printf 'Content-Type: text/plain\\r\\n\\r\\nhello\\n'`);
  script("cgi-bin/env.sh", `echo 'Content-Type: text/plain'\necho\nenv | LC_ALL=C sort`);
  script("cgi-bin/args.sh", `echo 'Content-Type: text/plain'\necho\npwd\nfor a in "$@"; do echo "[$a]"; done`);
  script("cgi-bin/echo.sh", `echo 'Content-Type: application/octet-stream'\necho\ncat`);
  script("cgi-bin/deaf.sh", `echo 'Content-Type: text/plain'\necho\necho not listening`);
  script("cgi-bin/fails.sh", `echo 'oops on stderr' >&2\necho 'Content-Type: text/plain'\necho\necho partial\nexit 3`);
  script("cgi-bin/noisy.sh", `i=0\nwhile [ $i -lt 300 ]; do printf 'noise %03d \\303\\251 %0250d\\n' $i 0 >&2; i=$((i+1)); done\necho 'Content-Type: text/plain'\necho\necho quiet\nexit 4`);
  script("cgi-bin/tree.sh", `sleep 60 &\necho $! > "$HTTP_X_PID_FILE"\nsleep 60`);
  script("cgi-bin/badinterp.sh", `echo never`, "#!/nonexistent/interpreter");
  writeFileSync(path.join(root, "cgi-bin/plain.txt"), "echo 'Content-Type: text/plain'\necho\necho run by sh\n");
  writeFileSync(path.join(root, "cgi-bin/plain.none"), "never run\n");
  script("cgi-bin/late.sh", `echo started > ${JSON.stringify(path.join(tmp, "late.started"))}\nsleep 0.5\necho 'Content-Type: text/plain'\necho\necho late`);
  // The shell execs grep, which reads its own status: what the script was started with, passed
  // on through exec. (Reading the shell's status from a child raced with dash blocking every
  // signal around its fork of that child, and failed once under CI load.)
  script("cgi-bin/signals.sh", `echo 'Content-Type: text/plain'\necho\nexec grep -E '^Sig(Blk|Ign):' /proc/self/status`);
  script("cgi-bin/big.sh", `echo 'Content-Type: application/octet-stream'\necho\nyes 0123456789abcdef | head -c 600000`);
  // Answers in part, then waits (at most 20 s) for the file named by X-Go before it ends.
  script("cgi-bin/waits.sh", `printf 'Content-Type: text/plain\\r\\n\\r\\nfirst\\n'\ni=0\nwhile [ ! -e "$HTTP_X_GO" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done\necho second`);
  script("cgi-bin/detach.sh", `(sleep 3 >/dev/null 2>&1 </dev/null &)\necho 'Content-Type: text/plain'\necho\necho detached`);
  if (asRoot && nobody) for (const d of [root, path.join(root, "cgi-bin")]) chownSync(d, nobody.uid, nobody.gid);
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

// The helpers need Linux and Python 3.8+ or Perl, which the project's machines and CI have
// (both): each is tested, never skipped.
const helperKinds: Array<HelperProgram["kind"]> = ["python", "perl"];
const launchers: Array<[string, CgiLauncher, HelperProgram["kind"] | null]> = [
  ["helper (python)", "helper", "python"],
  ["helper (perl)", "helper", "perl"],
  ["spawn", "spawn", null],
];

test("both helper programs can be used here (Linux, Python 3.8+, Perl); Python's is preferred", () => {
  expect(helperProgram()?.kind).toBe("python");
  setHelperKinds(["perl"]);
  try {
    expect(helperProgram()?.kind).toBe("perl");
  } finally {
    setHelperKinds(helperKinds);
  }
});

describe.each(launchers)("cgiLauncher %s", (_name, launcher, kind) => {
  let srv: RunningServer;
  beforeAll(async () => {
    setHelperKinds(kind === null ? helperKinds : [kind]);
    srv = await serve({ cgiLauncher: launcher, cgiTimeout: 60, cgiInterpreters: { ".txt": ["sh"], ".none": ["no-such-interpreter"] } });
  });
  afterAll(() => setHelperKinds(helperKinds));
  afterAll(async () => {
    await srv.stop();
  });

  test("a script's answer, its environment (exactly the CGI variables) and its working directory", async () => {
    expect((await get(srv.port, "/cgi-bin/hello.sh")).body.toString()).toBe("hello\n");
    const env = (await get(srv.port, "/cgi-bin/env.sh?q=1", [["X-Quote", "it's \"quoted\" $HOME `id`"], ["X-Latin", "caf\xe9"]])).body.toString();
    expect(env).toContain("QUERY_STRING=q=1\n");
    expect(env).toContain("HTTP_X_QUOTE=it's \"quoted\" $HOME `id`\n");
    expect(env).toContain("HTTP_X_LATIN=caf\u00e9\n");
    expect(env).not.toMatch(/^HOME=/m);
    const args = (await get(srv.port, "/cgi-bin/args.sh?a+b")).body.toString().split("\n");
    expect(args[0]).toBe(path.join(root, "cgi-bin"));
    expect(args.slice(1, 3)).toEqual(["[a]", "[b]"]);
  });

  test("the same environment from both launchers", async () => {
    const other = await serve({ cgiLauncher: launcher === "helper" ? "spawn" : "helper" });
    try {
      const extra: Array<[string, string]> = [["X-One", "1"], ["X-Two", "two words"]];
      // The two servers differ only by their ports (SERVER_PORT, and HTTP_HOST as the client names them).
      const portless = (env: string): string => env.replace(/^(SERVER_PORT|REMOTE_PORT|HTTP_HOST)=.*$/gm, "");
      const mine = portless((await get(srv.port, "/cgi-bin/env.sh", extra)).body.toString());
      const theirs = portless((await get(other.port, "/cgi-bin/env.sh", extra)).body.toString());
      expect(mine).toBe(theirs);
    } finally {
      await other.stop();
    }
  });

  test("a 2 MB body reaches stdin whole; a script that never reads its input still answers", async () => {
    const payload = Buffer.alloc(2 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
    serverLog.length = 0;
    const echoed = await post(srv.port, "/cgi-bin/echo.sh", payload);
    if (!echoed.body.equals(payload)) {
      throw new Error(`echoed ${echoed.body.length} of ${payload.length} bytes (first difference at ${echoed.body.findIndex((b, i) => b !== payload[i])}); server log: ${serverLog.join(" | ")}`);
    }
    const deaf = await post(srv.port, "/cgi-bin/deaf.sh", payload);
    expect(deaf.status).toBe(200);
    expect(deaf.body.toString()).toBe("not listening\n");
    // curl sends a body read from stdin chunked.
    const chunked = await runProcess("sh", ["-c", `printf hello | curl -s -H "Transfer-Encoding: chunked" --data-binary @- http://127.0.0.1:${srv.port}/cgi-bin/echo.sh`]);
    expect(chunked.stdout.toString()).toBe("hello");
  });

  test("stderr and a failing exit status are logged; a script whose interpreter is missing gets 500", async () => {
    serverLog.length = 0;
    expect((await get(srv.port, "/cgi-bin/fails.sh")).body.toString()).toBe("partial\n");
    await until(() => serverLog.some((l) => l.includes("exit status") && l.includes("3")));
    expect(serverLog.some((l) => l.includes("oops on stderr"))).toBe(true);
    const bad = await get(srv.port, "/cgi-bin/badinterp.sh");
    expect(bad.status).toBe(500);
  });

  test("90 KB of stderr (UTF-8, more than a pipe holds) is logged whole, line by line, before the exit status", async () => {
    serverLog.length = 0;
    expect((await get(srv.port, "/cgi-bin/noisy.sh")).body.toString()).toBe("quiet\n");
    await until(() => serverLog.some((l) => l.includes("exit status") && l.includes("4")));
    const noise = serverLog.filter((l) => l.includes("noise "));
    expect(noise.length).toBe(300);
    noise.forEach((l, i) => expect(l.endsWith(`noise ${String(i).padStart(3, "0")} \u00e9 ${"0".repeat(250)}`)).toBe(true));
    expect(serverLog.findIndex((l) => l.includes("exit status"))).toBeGreaterThan(serverLog.indexOf(noise[299]));
  });

  test("600 KB of output (more than a FIFO holds) written before the script exits arrives whole", async () => {
    const big = await get(srv.port, "/cgi-bin/big.sh");
    expect(big.status).toBe(200);
    expect(big.body.length).toBe(600_000);
    expect(big.body.toString("latin1")).toBe("0123456789abcdef\n".repeat(40_000).slice(0, 600_000));
  });

  test("a script that runs on is streamed: its first part reaches the client while it waits", async () => {
    const go = path.join(tmp, `go-${launcher}-${kind ?? "spawn"}`);
    rmSync(go, { force: true });
    const socket = net.connect(srv.port, "127.0.0.1");
    let received = "";
    socket.setEncoding("latin1").on("data", (text: string) => (received += text));
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.write(`GET /cgi-bin/waits.sh HTTP/1.1\r\nHost: x\r\nX-Go: ${go}\r\nConnection: close\r\n\r\n`);
    // The script ends only once the client has its first part: no streaming, no "second".
    await until(() => received.includes("first\n"), 15_000);
    expect(received).not.toContain("second");
    writeFileSync(go, "");
    await closed;
    expect(received).toMatch(/^HTTP\/1\.[01] 200 /);
    expect(received).toContain("second\n");
  });

  test("the time limit kills the script and everything it started", async () => {
    const pidFile = path.join(tmp, `tree-${launcher}-${kind ?? "none"}.pid`);
    if (asRoot) writeFileSync(pidFile, "");
    if (asRoot && nobody) chownSync(pidFile, nobody.uid, nobody.gid);
    // A server of its own with a short limit (the others' is long enough for a loaded CI machine).
    const limited = await serve({ cgiLauncher: launcher, cgiTimeout: 1 });
    let a: RawResponse;
    try {
      a = await get(limited.port, "/cgi-bin/tree.sh", [["X-Pid-File", pidFile]]);
    } finally {
      await limited.stop();
    }
    expect(a.status).toBe(504);
    const child = Number(readFileSync(pidFile, "utf8").trim());
    expect(child).toBeGreaterThan(0);
    await until(() => !alive(child));
  });

  test("a script starts with every signal at its default: none ignored, none blocked", async () => {
    const status = (await get(srv.port, "/cgi-bin/signals.sh")).body.toString();
    const mask = (name: string): bigint => BigInt(`0x${new RegExp(`^${name}:\\s+([0-9a-f]+)$`, "m").exec(status)![1]}`);
    expect(mask("SigBlk")).toBe(0n);
    // Signals 32 and 33 are glibc's own (its posix_spawn leaves them ignored; no program may use
    // them). Every other one, SIGPIPE above all, must be at its default.
    expect(mask("SigIgn") & ~0x180000000n).toBe(0n);
  });

  test("an interpreter named without a path is found in the script's PATH; a missing one gets 500", async () => {
    const a = await get(srv.port, "/cgi-bin/plain.txt");
    expect(a.body.toString()).toBe("run by sh\n");
    serverLog.length = 0;
    expect((await get(srv.port, "/cgi-bin/plain.none")).status).toBe(500);
    expect(serverLog.some((l) => l.includes("no-such-interpreter"))).toBe(true);
  });

  test("a script that leaves a detached child behind answers at once", async () => {
    const a = await get(srv.port, "/cgi-bin/detach.sh");
    expect(a.body.toString()).toBe("detached\n");
  });
});

test("a helper that cannot start: \"auto\" spawns the script instead, \"helper\" answers 500", async () => {
  // In a process of its own (what failed to start is remembered per process), whose TMPDIR
  // does not exist: the helper cannot make its FIFO directory.
  const program = `
    import { CGIHTTPRequestHandler, ThreadingHTTPServer } from ${JSON.stringify(path.join(here, "..", "dist", "index.js"))};
    const start = async (cgiLauncher) => {
      const server = new ThreadingHTTPServer(["127.0.0.1", 0], CGIHTTPRequestHandler.withOptions({ directory: ${JSON.stringify(root)}, cgiLauncher }));
      await server.ready;
      void server.serveForever();
      return server.serverAddress[1];
    };
    process.stdout.write(JSON.stringify([await start("helper"), await start("auto")]) + "\\n");
    process.stdin.on("data", () => process.exit(0));
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", program], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, TMPDIR: path.join(tmp, "no-such-directory") },
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  try {
    const [helperPort, autoPort] = await new Promise<number[]>((resolve, reject) => {
      child.stdout.once("data", (d: Buffer) => resolve(JSON.parse(d.toString()) as number[]));
      child.once("exit", (code) => reject(new Error(`the server exited (${code}): ${stderr}`)));
    });
    expect((await get(helperPort, "/cgi-bin/hello.sh")).status).toBe(500);
    expect(stderr).toContain("CGI script could not be started");
    const a = await get(autoPort, "/cgi-bin/hello.sh");
    expect(a.status).toBe(200);
    expect(a.body.toString()).toBe("hello\n");
    // Known broken now: the next one is spawned at once.
    expect((await get(autoPort, "/cgi-bin/hello.sh")).body.toString()).toBe("hello\n");
  } finally {
    if (child.exitCode === null) {
      child.stdin.write("exit\n");
      await new Promise((r) => child.once("exit", r));
    }
  }
}, 30_000);

describe.each(helperKinds)("the helper process (%s)", (kind) => {
  beforeAll(() => setHelperKinds([kind]));
  afterAll(() => setHelperKinds(helperKinds));

  test("runs as the server's user, or as nobody when the server is root; killed, it is started again", async () => {
    const srv = await serve({ cgiLauncher: "helper" });
    try {
      expect((await get(srv.port, "/cgi-bin/hello.sh")).status).toBe(200);
      const pids = helperPids();
      expect(pids.length).toBeGreaterThan(0);
      for (const pid of pids) {
        const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "latin1"))![1]);
        expect(uid).toBe(asRoot ? nobody!.uid : process.getuid!());
        process.kill(pid, "SIGKILL");
      }
      await until(() => pids.every((p) => !alive(p)));
      await new Promise((r) => setTimeout(r, 100));
      // The next script starts a new helper.
      const answers = await Promise.all([1, 2, 3, 4, 5].map(() => get(srv.port, "/cgi-bin/hello.sh")));
      for (const a of answers) expect(a.body.toString()).toBe("hello\n");
    } finally {
      await srv.stop();
    }
  });

  test("a script that ends while its helper is stopped is still answered (its exit status given up on)", async () => {
    const srv = await serve({ cgiLauncher: "helper" });
    try {
      expect((await get(srv.port, "/cgi-bin/hello.sh")).status).toBe(200);
      const pids = helperPids();
      expect(pids.length).toBe(1);
      const marker = path.join(tmp, "late.started");
      writeFileSync(marker, "");
      if (asRoot && nobody) chownSync(marker, nobody.uid, nobody.gid);
      const pending = get(srv.port, "/cgi-bin/late.sh");
      // The script runs once it wrote its marker; the helper is stopped once it also closed its
      // copies of the script's FIFOs (stopped before, it would hold the outputs open).
      await until(() => readFileSync(marker, "utf8") !== "" && !holdsFifos(pids[0]));
      process.kill(pids[0], "SIGSTOP");
      try {
        const a = await pending;
        expect(a.body.toString()).toBe("late\n");
      } finally {
        process.kill(pids[0], "SIGCONT");
        rmSync(marker, { force: true });
      }
      // The helper goes on after that.
      expect((await get(srv.port, "/cgi-bin/hello.sh")).body.toString()).toBe("hello\n");
    } finally {
      await srv.stop();
    }
  }, 30_000);

  test("a hundred scripts at once, then a thousand one after another, all answered", async () => {
    const srv = await serve({ cgiLauncher: "helper" });
    try {
      const many = await Promise.all(Array.from({ length: 100 }, () => get(srv.port, "/cgi-bin/hello.sh")));
      for (const a of many) expect(a.body.toString()).toBe("hello\n");
      for (let i = 0; i < 1000; i++) {
        const a = await get(srv.port, "/cgi-bin/hello.sh");
        if (a.body.toString() !== "hello\n") throw new Error(`request ${i}: ${a.status} ${a.raw.toString("latin1").slice(0, 300)}`);
      }
    } finally {
      await srv.stop();
    }
  }, 120_000);

  test.each(["exits", "is killed (SIGKILL)"])("a server that %s takes its helper's FIFO directory and its running scripts along", async (how) => {
    const program = `
      import { CGIHTTPRequestHandler, ThreadingHTTPServer } from ${JSON.stringify(path.join(here, "..", "dist", "index.js"))};
      import { setHelperKinds } from ${JSON.stringify(path.join(here, "..", "dist", "helper-program.js"))};
      setHelperKinds([${JSON.stringify(kind)}]);
      const server = new ThreadingHTTPServer(["127.0.0.1", 0], CGIHTTPRequestHandler.withOptions({ directory: ${JSON.stringify(root)}, cgiLauncher: "helper" }));
      await server.ready;
      void server.serveForever();
      process.stdout.write(String(server.serverAddress[1]) + "\\n");
      process.stdin.on("data", () => process.exit(0));
    `;
    const fifoDir = fifoParent();
    const before = new Set(readdirSync(fifoDir));
    const child = spawn(process.execPath, ["--input-type=module", "-e", program], { stdio: ["pipe", "pipe", "inherit"] });
    const port = await new Promise<number>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))));
    const pidFile = path.join(tmp, `exit-tree-${kind}-${how === "exits" ? "exit" : "kill"}.pid`);
    writeFileSync(pidFile, "");
    if (asRoot && nobody) chownSync(pidFile, nobody.uid, nobody.gid);
    expect((await get(port, "/cgi-bin/hello.sh")).body.toString()).toBe("hello\n");
    // This server's directory (a directory of an earlier process with the same pid may be there).
    const dirs = readdirSync(fifoDir).filter((d) => d.startsWith(`stdhttp-cgi-${child.pid}-`) && !before.has(d));
    expect(dirs.length).toBe(1);
    // A script still running when the server exits (its exit hook kills the script's group) or is
    // killed (no hook runs: the helper, seeing the end of its input, kills it and removes the
    // directory).
    const pending = get(port, "/cgi-bin/tree.sh", [["X-Pid-File", pidFile]]).catch(() => null);
    await until(() => readFileSync(pidFile, "utf8").trim() !== "");
    const grandchild = Number(readFileSync(pidFile, "utf8").trim());
    const exited = new Promise((r) => child.once("exit", r));
    if (how === "exits") child.stdin.write("exit\n");
    else child.kill("SIGKILL");
    await exited;
    await pending;
    await until(() => !existsSync(path.join(fifoDir, dirs[0])));
    await until(() => !alive(grandchild));
  }, 30_000);
});

test("the helpers' FIFOs are made in memory (tmpfs) when the system has a shared tmpfs, else in os.tmpdir(); TMPDIR, when set, wins", () => {
  const TMPFS = 0x01021994;
  const isTmpfs = (dir: string): boolean => {
    try {
      return statfsSync(dir).type === TMPFS;
    } catch {
      return false;
    }
  };
  const sharedShm = isTmpfs("/dev/shm") && (statSync("/dev/shm").mode & 0o1777) === 0o1777;
  const dir = fifoParent();
  if ((process.env.TMPDIR ?? "") !== "" || isTmpfs(os.tmpdir())) expect(dir).toBe(os.tmpdir());
  else if (sharedShm) expect(dir).toBe("/dev/shm");
  else expect(dir).toBe(os.tmpdir());
  if ((process.env.TMPDIR ?? "") === "" && (sharedShm || isTmpfs(os.tmpdir()))) expect(isTmpfs(dir)).toBe(true);
});

test.each(helperKinds)("a NUL byte that reaches the %s helper splits a field: the start is refused (not run), nothing left open", async (kind) => {
  setHelperKinds([kind]);
  try {
    const fds = (): number => readdirSync("/proc/self/fd").length;
    const run = async (req: SpawnRequest): Promise<unknown> => {
      const script = await startWithHelper(req, false);
      return script.exited;
    };
    // The helper started (its pipes are opened once), and a script with a clean request runs.
    await expect(run({ command: path.join(root, "cgi-bin/hello.sh"), args: [], env: {}, cwd: root, timeout: 10 })).resolves.toBe(0);
    const before = fds();
    const requests: SpawnRequest[] = [
      { command: "/bin/true", args: ["a\0b"], env: {}, cwd: root, timeout: 10 },
      { command: "/bin/true", args: [], env: { X: "a\0b" }, cwd: root, timeout: 10 },
      { command: "/bin/true", args: [], env: { ["X\0Y"]: "1" }, cwd: root, timeout: 10 },
    ];
    for (const req of requests) await expect(run(req)).rejects.toThrow(/malformed request/);
    await until(() => fds() === before);
  } finally {
    setHelperKinds(helperKinds);
  }
});

test.each(helperKinds)("a %s helper whose server dies without closing its input (EPIPE on its next line) kills its scripts, removes its FIFO directory and exits", async (kind) => {
  setHelperKinds([kind]);
  const program = helperProgram()!;
  setHelperKinds(helperKinds);
  expect(program.kind).toBe(kind);
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), "cgi-epipe-")), "fifos");
  const helper = spawn(program.path, program.args(dir), { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve) => helper.once("exit", (code) => resolve(code)));
  let text = "";
  helper.stdout.setEncoding("latin1").on("data", (d: string) => (text += d));
  await until(() => text.includes("ready\n"));
  helper.stdin.write("f p1 p2 p3 p4\n");
  await until(() => text.includes("f ok\n"));
  // The server's read ends, as the launcher opens them.
  const flags = fsConstants.O_RDONLY | fsConstants.O_NONBLOCK;
  const ends = ["p1", "p2", "p3", "p4"].map((name) => openSync(path.join(dir, name), flags));
  const start = (id: number, out: string, err: string, script: string): void => {
    helper.stdin.write(startRequest(id, [root, "", out, err, "/bin/sh", "2", "-c", script, "PATH", "/usr/bin:/bin"]));
  };
  // A script that runs on, and one whose exit report will meet EPIPE.
  start(1, "p1", "p2", "sleep 30");
  start(2, "p3", "p4", "sleep 0.3");
  await until(() => /^s 1 \d+$/m.test(text) && /^s 2 \d+$/m.test(text));
  const runsOn = Number(/^s 1 (\d+)$/m.exec(text)![1]);
  // The server "dies" without its end of the helper's input closing: nobody reads the helper's
  // lines any more, so the second script's exit report meets EPIPE.
  helper.stdout.destroy();
  expect(await exited).toBe(0);
  expect(existsSync(dir)).toBe(false);
  await until(() => !alive(runsOn));
  helper.stdin.destroy();
  for (const fd of ends) closeSync(fd);
  rmSync(path.dirname(dir), { recursive: true, force: true });
}, 20_000);
