/** Runs test/fixtures/forking-server.mjs as a real process and talks to it over stdin/stdout. */
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { SocketAddress } from "../src/index.js";

const fixture = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "forking-server.mjs");

export interface ForkingProcess {
  child: ChildProcess;
  address: SocketAddress;
  pid: number;
  /** Everything the primary and its workers wrote to stderr, once every writer has closed it. */
  stderr: Promise<string>;
  /** Shut the server down; resolves with its report once the process has exited. */
  stop(): Promise<{ activeChildren: number; fileno: number; code: number | null }>;
}

export async function startForking(kind: string, mode: string, path = "", log = ""): Promise<ForkingProcess> {
  // stderr is a pipe shared with the workers: it reaches EOF only when the last of them exits.
  const child = spawn(process.execPath, [fixture, kind, mode, path, log], { stdio: ["pipe", "pipe", "pipe"] });
  let errText = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (d: string) => {
    errText += d;
    process.stderr.write(d);
  });
  const stderr = new Promise<string>((resolve) => child.stderr.once("end", () => resolve(errText)));
  const lines = createInterface({ input: child.stdout });
  const queue: string[] = [];
  let waiter: ((line: string) => void) | null = null;
  lines.on("line", (line) => {
    if (waiter) {
      const w = waiter;
      waiter = null;
      w(line);
    } else queue.push(line);
  });
  const next = (): Promise<string> => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => (waiter = r)));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const first = JSON.parse(await next()) as { address: SocketAddress; pid: number };
  return {
    child,
    address: first.address,
    pid: first.pid,
    stderr,
    async stop() {
      child.stdin.write("stop\n");
      const report = JSON.parse(await next()) as { activeChildren: number; fileno: number };
      const code = await exited;
      return { ...report, code };
    },
  };
}
