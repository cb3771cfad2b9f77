/**
 * Child process: what starting a program costs, measured one way per run (case `spawn-cost` of the
 * `cgi` workload). It starts `/bin/true` again and again, one at a time, for a fixed time, and
 * reports how many it started and waited for. This informs how a CGI server should start scripts;
 * it is a measurement, not a product.
 *
 * - `node-pipes`: `child_process.spawn("/bin/true")` with Node's default stdio (three pipes, the
 *   shape a CGI server needs: body in, answer out, log), awaiting `close` (exit and pipes closed).
 * - `node-ignore`: the same with `stdio: "ignore"` (no pipes), awaiting `exit`.
 * - `sh-loop`: `/bin/sh -c 'i=0; while [ $i -lt 500 ]; do /bin/true; i=$((i+1)); done'`, timed as a
 *   whole (fork + exec from a small process, no IPC); one Node spawn per 500 is included.
 * - `sh-coprocess`: a long-lived `/bin/sh` that starts `/bin/true` for each line it reads and answers
 *   with a line: a small helper process that forks on request. Includes the two pipe hops.
 * - `python-posix-spawn`: the same with a long-lived python3 using `os.posix_spawn` (glibc:
 *   `clone(CLONE_VM | CLONE_VFORK)`, no page tables copied) and `os.waitpid`.
 *
 * Node (libuv 1.46) starts children with a plain `fork()`, whose cost grows with the parent's
 * mapped memory, and then waits in the calling thread until the child has called `execve` (a
 * close-on-exec pipe): the event loop is blocked for that long. The result reports this process's
 * RSS and the mean time spent inside `spawn()`.
 *
 * Config (argv[2], JSON): {@link SpawnCostConfig}. Sends `{ type: "result", ...SpawnCostResult }`.
 * @module
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { exitWithParent, fail, readConfig, send } from "./ipc.js";

/** The ways of starting `/bin/true` that are measured (a type only: importing this file runs it). */
export type SpawnKind = "node-pipes" | "node-ignore" | "sh-loop" | "sh-coprocess" | "python-posix-spawn";

/** What the parent asks of this child. */
export interface SpawnCostConfig {
  kind: SpawnKind;
  /** Timed seconds. */
  seconds: number;
  /** Untimed seconds before. */
  warmupSeconds: number;
  /** The python3 binary (for `python-posix-spawn`). */
  python: string;
}

/** What the child reports. */
export interface SpawnCostResult {
  /** Programs started and waited for in the timed window. */
  spawns: number;
  /** Length of the timed window. */
  seconds: number;
  /** 99th percentile of one start-and-wait, where each one is timed (not `sh-loop`). */
  p99Ms: number | null;
  /** This process's RSS at the end (Node forks a copy of it for every child). */
  rssBytes: number;
  /** Node rows: mean time inside the `spawn()` call itself, during which the event loop is blocked (ms). */
  blockedMs: number | null;
}

/** Spawns per batch of `sh-loop` (the brief's shell loop). */
export const SH_LOOP_COUNT = 500;
const SH_LOOP = `i=0; while [ $i -lt ${SH_LOOP_COUNT} ]; do /bin/true; i=$((i+1)); done`;
const SH_HELPER = "while read -r _; do /bin/true; echo; done";
const PY_HELPER = [
  "import os, sys",
  "env = dict(os.environ)",
  "r, w = sys.stdin.buffer, sys.stdout.buffer",
  "while r.readline():",
  "    pid = os.posix_spawn('/bin/true', ['/bin/true'], env)",
  "    os.waitpid(pid, 0)",
  "    w.write(b'\\n')",
  "    w.flush()",
].join("\n");

/** One start-and-wait; resolves with how many programs it started (1, or a batch). */
type Step = () => Promise<number>;

/** Milliseconds spent inside each `spawn()` call of the timed window (the event loop is blocked meanwhile). */
const blockedMs: number[] = [];

function nodeStep(stdio: "pipe" | "ignore"): Step {
  return () =>
    new Promise<number>((resolve, reject) => {
      const t0 = performance.now();
      // libuv forks and then waits, in this thread, until the child has exec'd (or failed to).
      const child = spawn("/bin/true", [], { stdio });
      blockedMs.push(performance.now() - t0);
      child.once("error", reject);
      // `close` waits for the pipes too; without pipes `exit` is the end.
      child.once(stdio === "pipe" ? "close" : "exit", (code) => {
        if (code === 0) resolve(1);
        else reject(new Error(`/bin/true exited with ${String(code)}`));
      });
    });
}

function shLoopStep(): Step {
  return () => {
    const r = spawnSync("/bin/sh", ["-c", SH_LOOP], { stdio: "ignore" });
    if (r.error) return Promise.reject(r.error);
    if (r.status !== 0) return Promise.reject(new Error(`sh loop exited with ${String(r.status)}`));
    return Promise.resolve(SH_LOOP_COUNT);
  };
}

/** A helper that starts `/bin/true` per line on its stdin and answers with a line; returns the step and how to end it. */
function coprocess(command: string, args: string[]): { step: Step; close: () => void } {
  const helper: ChildProcessWithoutNullStreams = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
  let pending: { resolve: (n: number) => void; reject: (err: Error) => void } | null = null;
  let stderr = "";
  helper.stderr.setEncoding("utf8").on("data", (s: string) => (stderr = (stderr + s).slice(-1000)));
  helper.stdout.on("data", (chunk: Buffer) => {
    // Sequential: one line answers the one request in flight.
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] === 0x0a && pending) {
        const p = pending;
        pending = null;
        p.resolve(1);
      }
    }
  });
  helper.once("exit", (code) => pending?.reject(new Error(`${command} helper exited (${String(code)}): ${stderr.trim()}`)));
  helper.once("error", (err) => pending?.reject(err));
  return {
    step: () =>
      new Promise<number>((resolve, reject) => {
        pending = { resolve, reject };
        helper.stdin.write("\n");
      }),
    close: () => {
      helper.stdin.end();
      helper.kill();
    },
  };
}

/** Run `step` repeatedly for `seconds`; the count, the real elapsed time and each step's duration (ms). */
async function runFor(step: Step, seconds: number): Promise<{ count: number; elapsed: number; samples: number[] }> {
  const samples: number[] = [];
  let count = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < end) {
    const t0 = now;
    count += await step();
    now = process.hrtime.bigint();
    samples.push(Number(now - t0) / 1e6);
  }
  return { count, elapsed: Number(now - start) / 1e9, samples };
}

function p99(samples: number[]): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)];
}

async function measure(config: SpawnCostConfig): Promise<SpawnCostResult> {
  let step: Step;
  let close = (): void => {};
  switch (config.kind) {
    case "node-pipes":
      step = nodeStep("pipe");
      break;
    case "node-ignore":
      step = nodeStep("ignore");
      break;
    case "sh-loop":
      step = shLoopStep();
      break;
    case "sh-coprocess":
      ({ step, close } = coprocess("/bin/sh", ["-c", SH_HELPER]));
      break;
    case "python-posix-spawn":
      ({ step, close } = coprocess(config.python, ["-c", PY_HELPER]));
      break;
  }
  try {
    if (config.warmupSeconds > 0) await runFor(step, config.warmupSeconds);
    blockedMs.length = 0;
    const r = await runFor(step, config.seconds);
    return {
      spawns: r.count,
      seconds: r.elapsed,
      p99Ms: config.kind === "sh-loop" ? null : p99(r.samples),
      rssBytes: process.memoryUsage.rss(),
      blockedMs: blockedMs.length > 0 ? blockedMs.reduce((a, b) => a + b, 0) / blockedMs.length : null,
    };
  } finally {
    close();
  }
}

async function main(): Promise<void> {
  exitWithParent();
  const result = await measure(readConfig<SpawnCostConfig>());
  await send({ type: "result", ...result });
}

void main().catch(fail);
