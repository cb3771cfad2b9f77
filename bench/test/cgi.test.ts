/**
 * The `cgi` workload: its cases and targets are registered, its served directory holds the script,
 * its check before timing passes CPython's real `http.server --cgi` on that directory and right
 * answers however they are delimited, and rejects a wrong body, a wrong status and an answer that
 * never ends; the lighttpd configuration and look-up. No timings.
 */
import { afterAll, afterEach, describe, expect, test } from "@jest/globals";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync, rmSync, statSync } from "node:fs";
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from "node:net";
import { join } from "node:path";
import { selectCases, WORKLOADS } from "../src/registry.js";
import {
  CGI_BODY,
  CGI_PATH,
  CGI_SCRIPT,
  cgiDir,
  checkCgiServer,
  describeShape,
  findLighttpd,
  lighttpdConfig,
  processCpuSplit,
  serverTreeCpu,
} from "../src/workloads/cgi.js";
import { answerServer } from "./helpers/answer-server.js";

const serve = answerServer();
const rawServers: NetServer[] = [];
const children: ChildProcess[] = [];

// The workload removes its directory when bench exits; under jest the test removes it.
afterAll(() => rmSync(cgiDir(), { recursive: true, force: true }));

afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill();
    if (c.exitCode === null && c.signalCode === null) await new Promise((resolve) => c.once("exit", resolve));
  }
  for (const s of rawServers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

const base = (port: number): string => `http://127.0.0.1:${port}`;

/** A raw TCP server that writes `answer` to every connection once the request head arrived, and closes it when `close`. */
async function rawServe(answer: string, close: boolean): Promise<number> {
  const s = createNetServer((socket) => {
    let head = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      head += chunk;
      if (!head.includes("\r\n\r\n")) return;
      head = "";
      if (close) socket.end(answer);
      else socket.write(answer);
    });
    socket.on("error", () => {});
  });
  rawServers.push(s);
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return (s.address() as AddressInfo).port;
}

describe("cgi workload", () => {
  test("is registered with its two cases, its contenders and the targets against CPython and lighttpd", () => {
    const cases = selectCases(WORKLOADS, ["cgi"]);
    expect(cases.map((c) => c.id)).toEqual(["cgi-shell", "spawn-cost"]);
    const [shell, spawnCost] = cases;
    expect(shell.contenders.map((c) => c.name)).toEqual(["@stdhttp CGIHTTPRequestHandler", "@stdhttp, cgiLauncher spawn", "CPython CGIHTTPRequestHandler", "lighttpd mod_cgi"]);
    expect(shell.contenders.filter((c) => c.isUs).map((c) => c.name)).toEqual(["@stdhttp CGIHTTPRequestHandler"]);
    expect(shell.targets).toEqual({ "CPython CGIHTTPRequestHandler": 3, "lighttpd mod_cgi": 0.7 });
    expect(shell.unit).toBe("req/s");
    expect(spawnCost.contenders.map((c) => c.name)).toEqual([
      "node child_process.spawn",
      "node spawn, stdio ignore",
      "sh loop, fork+exec",
      "sh helper, fork+exec",
      "python3 helper, posix_spawn",
    ]);
    expect(spawnCost.contenders.filter((c) => c.isUs)).toHaveLength(1);
    expect(spawnCost.targets).toEqual({});
    expect(selectCases(WORKLOADS, ["spawn-cost"]).map((c) => c.id)).toEqual(["spawn-cost"]);
  });

  test("the served directory holds cgi-bin/hello.sh, mode 0755, printing a CGI answer; the directories are 0755", () => {
    const dir = cgiDir();
    const script = join(dir, CGI_PATH);
    expect(readFileSync(script, "utf8")).toBe(CGI_SCRIPT);
    expect(statSync(script).mode & 0o777).toBe(0o755);
    expect(statSync(dir).mode & 0o777).toBe(0o755);
    expect(statSync(join(dir, "cgi-bin")).mode & 0o777).toBe(0o755);
    expect(execFileSync(script, { encoding: "utf8" })).toBe(`Content-Type: text/plain\r\n\r\n${CGI_BODY}`);
  });

  test("the check passes CPython's http.server --cgi serving the workload's directory (close-delimited answers)", async () => {
    // Stock `python3 -m http.server --cgi` (HTTP/1.0): run as root, it runs the script as nobody.
    const py = spawn("python3", ["-u", "-m", "http.server", "--cgi", "-b", "127.0.0.1", "-d", cgiDir(), "0"], { stdio: ["ignore", "pipe", "ignore"] });
    children.push(py);
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      py.stdout.setEncoding("utf8").on("data", (s: string) => {
        out += s;
        const m = / port (\d+) /.exec(out);
        if (m) resolve(Number(m[1]));
      });
      py.once("exit", (code) => reject(new Error(`python3 -m http.server --cgi exited (${String(code)})`)));
    });
    const shape = await checkCgiServer(base(port));
    expect(shape).toEqual({ framing: "close", keptAlive: false });
    expect(describeShape(shape)).toMatch(/close-delimited/);
  });

  test("the check passes right answers, chunked or with a Content-Length, and says whether the connection was kept", async () => {
    const chunked = await serve((res) => {
      res.setHeader("Content-Type", "text/plain");
      res.write("hel");
      res.end("lo\n");
    });
    expect(await checkCgiServer(base(chunked))).toEqual({ framing: "chunked", keptAlive: true });

    const sized = await serve((res) => res.writeHead(200, { "Content-Length": 6 }).end(CGI_BODY));
    const shape = await checkCgiServer(base(sized));
    expect(shape).toEqual({ framing: "Content-Length", keptAlive: true });
    expect(describeShape(shape)).toBe("answers Content-Length, connection kept alive");
  });

  test("the check rejects a wrong body, a wrong status and an answer that never ends", async () => {
    const noNewline = await serve((res) => res.end("hello"));
    await expect(checkCgiServer(base(noNewline))).rejects.toThrow(/check failed: GET \/cgi-bin\/hello\.sh answered 200 "hello", expected 200 "hello\\n"/);

    const shouting = await serve((res) => res.end("HELLO\n"));
    await expect(checkCgiServer(base(shouting))).rejects.toThrow(/check failed: .*"HELLO\\n"/);

    const failing = await serve((res) => res.writeHead(500).end(CGI_BODY));
    await expect(checkCgiServer(base(failing))).rejects.toThrow(/answered 500/);

    // What CPython's CGI answers with --protocol HTTP/1.1: no framing, connection kept open.
    const unframed = await rawServe(`HTTP/1.1 200 Script output follows\r\nContent-Type: text/plain\r\n\r\n${CGI_BODY}`, false);
    await expect(checkCgiServer(base(unframed), 300)).rejects.toThrow(/no complete answer within 300 ms/);

    // The same answer followed by a close is a right (close-delimited) answer.
    const closed = await rawServe(`HTTP/1.0 200 Script output follows\r\nContent-Type: text/plain\r\n\r\n${CGI_BODY}`, true);
    await expect(checkCgiServer(base(closed))).resolves.toEqual({ framing: "close", keptAlive: false });
  });

  test("lighttpd: its configuration runs *.sh under /cgi-bin/ with mod_cgi; a missing binary is null", () => {
    const conf = lighttpdConfig("/tmp/p", "/tmp/www", 8123);
    expect(conf).toContain('server.document-root = "/tmp/www"');
    expect(conf).toContain('server.bind = "127.0.0.1"');
    expect(conf).toContain("server.port = 8123");
    expect(conf).toContain('server.modules = ( "mod_cgi" )');
    expect(conf).toMatch(/\$HTTP\["url"\] =~ "\^\/cgi-bin\/" \{\s+cgi\.assign = \( "\.sh" => "" \)/);
    expect(conf).toContain("server.max-keep-alive-requests = 65535");
    expect(conf).not.toMatch(/accesslog/);

    expect(findLighttpd({ LIGHTTPD: "/nonexistent/lighttpd" })).toBeNull();
    expect(findLighttpd({ PATH: "" }, [])).toBeNull();
    expect(findLighttpd({ LIGHTTPD: "/bin/sh" })).toBe("/bin/sh");
  });

  test("CPU time of a process and of its waited-for children comes from /proc", () => {
    execFileSync("/bin/true");
    const cpu = processCpuSplit(process.pid);
    expect(cpu.selfUs).toBeGreaterThan(0);
    expect(cpu.childrenUs).toBeGreaterThanOrEqual(0);
  });

  test("the tree's CPU counts grandchildren a live child has reaped (a helper's scripts)", () => {
    // A child shell that runs a busy grandchild, waits for it, then sleeps: while it sleeps, the
    // grandchild's time is in the child's cutime only.
    const helper = spawn("/bin/sh", ["-c", "sh -c 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done'; sleep 30"], { stdio: "ignore" });
    try {
      const before = serverTreeCpu(process.pid).childrenUs;
      const deadline = Date.now() + 20_000;
      let after = before;
      while (Date.now() < deadline) {
        execFileSync("/bin/sleep", ["0.2"]);
        after = serverTreeCpu(process.pid).childrenUs;
        const reaped = processCpuSplit(helper.pid!).childrenUs;
        if (reaped > 0) break;
      }
      expect(processCpuSplit(helper.pid!).childrenUs).toBeGreaterThan(0);
      expect(after).toBeGreaterThan(before);
    } finally {
      helper.kill("SIGKILL");
    }
  });
});
