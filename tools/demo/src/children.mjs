/**
 * The demo's child processes (the two origin servers and the two proxies): each is started with
 * Node, is ready once its first stdout line says where it listens, keeps the tail of its output
 * for error messages, and is stopped with SIGTERM (then SIGKILL to its process group if it
 * lingers), so that no process outlives the demo.
 * @module
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

/** Seconds a child may take to print its first line. */
const START_TIMEOUT = 30;
/** Seconds a child may take to exit after SIGTERM before it is killed. */
const STOP_TIMEOUT = 10;
/** Output lines kept per child for error messages. */
const TAIL_LINES = 40;

/** A running child process of the demo. */
export class Child {
  /**
   * @param {string} name what the messages call it ("CTC", "the news site", ...)
   * @param {import("node:child_process").ChildProcess} child
   */
  constructor(name, child) {
    /** What the messages call it. */
    this.name = name;
    /** The process. */
    this.process = child;
    /** @type {string[]} the last lines it wrote (stdout and stderr). */
    this.tail = [];
    /** @type {{ code: number | null, signal: NodeJS.Signals | null } | null} set once it has exited. */
    this.exit = null;
    /** Whether stop() was called (an exit after it is expected). */
    this.stopping = false;
    /** @type {Promise<{ code: number | null, signal: NodeJS.Signals | null }>} resolves when it has exited. */
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  /** Its output tail, indented, for an error message. */
  output() {
    return this.tail.length === 0 ? "  (no output)" : this.tail.map((line) => `  | ${line}`).join("\n");
  }

  /** How it ended, in words ("exit code 1", "signal SIGKILL"). */
  exitDescription() {
    if (this.exit === null) return "still running";
    return this.exit.signal !== null ? `signal ${this.exit.signal}` : `exit code ${this.exit.code}`;
  }

  /**
   * Stops it: SIGTERM, then SIGKILL to its whole process group (CGI scripts included) after
   * STOP_TIMEOUT seconds. Resolves once it has exited.
   */
  async stop() {
    this.stopping = true;
    if (this.exit === null) {
      this.process.kill("SIGTERM");
      const timer = setTimeout(() => this.kill(), STOP_TIMEOUT * 1000);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exit;
  }

  /** SIGKILL to its process group, at once (the last resort, also used when the demo itself exits). */
  kill() {
    if (this.exit !== null || this.process.pid === undefined) return;
    try {
      process.kill(-this.process.pid, "SIGKILL");
    } catch {
      this.process.kill("SIGKILL");
    }
  }
}

/**
 * Starts `node script ...args`. Returns the child at once (so that a caller can stop it whatever
 * happens next) and `ready`, which resolves with the match of `ready` on its first stdout line
 * (where it listens), or rejects, with the child's output, when it exits first, prints something
 * else first, or says nothing for START_TIMEOUT seconds.
 *
 * The child gets a process group of its own (`detached`), so that Ctrl-C in the terminal reaches
 * the demo alone, and the demo stops its children in order and waits for each.
 * @param {string} name
 * @param {string} script
 * @param {string[]} args
 * @param {RegExp} ready
 * @returns {{ child: Child, ready: Promise<RegExpMatchArray> }}
 */
export function startChild(name, script, args, ready) {
  const proc = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  const child = new Child(name, proc);
  running.add(child);
  void child.exited.then(() => running.delete(child));
  const started = new Promise((resolve, reject) => {
    let first = true;
    /** @param {string} why */
    const fail = (why) => {
      child.kill();
      reject(new Error(`${name} did not start: ${why}\n${child.output()}`));
    };
    const timer = setTimeout(() => fail(`no address printed within ${START_TIMEOUT} s`), START_TIMEOUT * 1000);
    /** @param {string} line */
    const keep = (line) => {
      child.tail.push(line);
      if (child.tail.length > TAIL_LINES) child.tail.shift();
    };
    // Both streams are always read, so that a child that logs a lot never blocks on a full pipe.
    createInterface({ input: proc.stdout }).on("line", (line) => {
      keep(line);
      if (!first) return;
      first = false;
      clearTimeout(timer);
      const match = ready.exec(line);
      if (match) resolve(match);
      else fail(`its first line was not the expected address line (${ready})`);
    });
    createInterface({ input: proc.stderr }).on("line", keep);
    proc.once("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`${name} could not be run (${script}): ${err.message}`));
    });
    // "close" comes after the output streams ended, so the message holds the child's last words.
    proc.once("close", () => {
      if (!first) return;
      first = false;
      clearTimeout(timer);
      reject(new Error(`${name} exited before it was ready (${child.exitDescription()}):\n${child.output()}`));
    });
  });
  return { child, ready: started };
}

/** @type {Set<Child>} children not yet exited, killed if the demo exits without stopping them. */
const running = new Set();
process.on("exit", () => {
  for (const child of running) child.kill();
});
