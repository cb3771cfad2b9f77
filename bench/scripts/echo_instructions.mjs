#!/usr/bin/env node
/**
 * Instructions per echo round trip of one server, counted by valgrind's callgrind (deterministic
 * where timings on a shared machine are not). Usage, from the repository root after a build:
 *
 *   node bench/scripts/echo_instructions.mjs <net|netasync|stdhttp> <line bytes> [round trips per connection]
 *
 * Starts the server under `valgrind --tool=callgrind --instr-atstart=no`, drives it with 50
 * connections ping-ponging `size`-byte lines (twice `WARM` round trips per connection untimed:
 * V8 re-optimizes after the first load's connections close), switches instrumentation on for the
 * counted round trips only, and prints the server's main-thread instructions per round trip
 * (JIT compiler and GC helper threads excluded; shown separately as "all threads").
 * `netasync` is node:net with one promise and one `await` per line: the floor of any
 * `await rfile.readline()` API. Needs valgrind (Debian package `valgrind`).
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CONNECTIONS = 50;

async function serve(kind, maxLineLength) {
  if (kind === "net" || kind === "netasync") {
    const server = createServer({ noDelay: true }, (socket) => {
      socket.on("error", () => socket.destroy());
      if (kind === "net") {
        socket.on("data", (chunk) => socket.write(chunk));
        return;
      }
      let resolve = null;
      let ready = null;
      const executor = (r) => (resolve = r);
      socket.on("data", (chunk) => (resolve ? (resolve(chunk), (resolve = null)) : (ready = chunk)));
      socket.on("end", () => resolve?.(Buffer.alloc(0)));
      void (async () => {
        for (;;) {
          const line = ready ?? (await new Promise(executor));
          ready = null;
          if (line.length === 0) break;
          socket.write(line);
        }
      })();
    });
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    return server.address().port;
  }
  const { ThreadingTCPServer, StreamRequestHandler } = await import("@stdhttp/socketserver");
  class Echo extends StreamRequestHandler {
    disableNagleAlgorithm = true;
    async handle() {
      for (;;) {
        const line = await this.rfile.readline();
        if (line.length === 0) break;
        this.wfile.write(line);
      }
    }
  }
  const server = new ThreadingTCPServer(["127.0.0.1", 0], Echo, { maxLineLength });
  await server.ready;
  void server.serveForever();
  return server.serverAddress[1];
}

/** `rounds` round trips on each of CONNECTIONS connections, in this process. */
async function load(port, size, rounds) {
  const sockets = await Promise.all(
    Array.from({ length: CONNECTIONS }, () => new Promise((resolve) => { const s = connect({ port, host: "127.0.0.1", noDelay: true }, () => resolve(s)); })),
  );
  await Promise.all(
    sockets.map((socket, i) => new Promise((resolve, reject) => {
      const msg = Buffer.alloc(size, 0x21 + (i % 90));
      msg[size - 1] = 0x0a;
      let got = 0;
      let done = 0;
      socket.on("data", (chunk) => {
        got += chunk.length;
        if (got < size) return;
        if (got > size) reject(new Error("echo longer than the message"));
        got = 0;
        if (++done === rounds) resolve();
        else socket.write(msg);
      });
      socket.write(msg);
    })),
  );
  for (const s of sockets) s.destroy();
}

const [role, kind, sizeArg, roundsArg] = process.argv.slice(2);
if (role === "--server") {
  const port = await serve(kind, Math.max(65536, 2 * Number(sizeArg)));
  process.send({ port });
  process.on("message", () => process.exit(0));
} else if (role === "--load") {
  await load(Number(kind), Number(sizeArg), Number(roundsArg));
  process.exit(0);
} else {
  const [kindArg, size, rounds] = [role, Number(kind), Number(sizeArg ?? 200)];
  if (!["net", "netasync", "stdhttp"].includes(kindArg) || !(size > 0)) {
    console.error("usage: node bench/scripts/echo_instructions.mjs <net|netasync|stdhttp> <line bytes> [round trips per connection]");
    process.exit(2);
  }
  const warm = Number(process.env.WARM ?? 1000);
  const dir = mkdtempSync(join(tmpdir(), "echo-cg-"));
  const out = join(dir, "cg.out");
  const script = new URL(import.meta.url).pathname;
  const server = spawn("valgrind", ["--tool=callgrind", "--instr-atstart=no", "--separate-threads=yes", `--callgrind-out-file=${out}`, process.execPath, script, "--server", kindArg, String(size)], {
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    cwd: new URL(".", import.meta.url).pathname,
  });
  const { port } = await new Promise((resolve) => server.once("message", resolve));
  const drive = (n) => execFileSync(process.execPath, [script, "--load", String(port), String(size), String(n)]);
  drive(warm);
  drive(warm);
  execFileSync("callgrind_control", ["-i", "on", String(server.pid)]);
  drive(rounds);
  execFileSync("callgrind_control", ["-i", "off", String(server.pid)]);
  server.send("exit");
  await new Promise((resolve) => server.once("exit", resolve));
  let main = 0;
  let all = 0;
  for (const f of readdirSync(dir)) {
    const total = Number(/^totals: (\d+)/m.exec(readFileSync(join(dir, f), "utf8"))?.[1] ?? 0);
    all += total;
    if (f.endsWith("-01")) main = total;
  }
  rmSync(dir, { recursive: true });
  const per = (n) => Math.round(n / (CONNECTIONS * rounds));
  console.log(`${kindArg} ${size} B: ${per(main)} instructions per round trip (main thread), ${per(all)} all threads; ${CONNECTIONS * rounds} round trips counted`);
}
