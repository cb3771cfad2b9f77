/**
 * What both ways of starting scripts share: the process groups of the scripts running now
 * (killed if the server process exits before them: scripts run in their own groups, so they
 * would outlive a server that exits at once, after a second Ctrl-C or `process.exit()`), and the
 * time limit that kills a script's whole process tree: its group, the processes it started in
 * sessions of their own (`setsid`) while it runs, and what it left running in its group after
 * its own exit.
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import type { ScriptOutput } from "./script-output.js";

const running = new Set<number>();
let exitHookInstalled = false;

/** Kill process group `pid` (SIGKILL); false when there is no such group (any more). */
export function killGroup(pid: number): boolean {
  try {
    process.kill(-pid, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether process group `pid` still has a member (signal 0 checks without sending anything).
 * Asked once per script, whose group is usually gone by then: the error `process.kill` throws
 * is made without a stack trace (capturing one was ~3% of a CGI request's server CPU).
 */
function groupAlive(pid: number): boolean {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    process.kill(-pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * The descendants of `pid` (children, their children, ...), from the parent ids in `/proc`:
 * also those that left the script's process group (`setsid`). Empty where there is no `/proc`.
 */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "latin1");
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, the last ")" ends it.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const list = children.get(ppid);
    if (list === undefined) children.set(ppid, [Number(name)]);
    else list.push(Number(name));
  }
  const out: number[] = [];
  const todo = [pid];
  for (let p = todo.pop(); p !== undefined; p = todo.pop()) {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      todo.push(c);
    }
  }
  return out;
}

/**
 * Kill a script's whole tree: its process group at once (one signal reaches every member, so
 * that no survivor acts on another's death: a shell whose `sleep` was killed first would go on
 * and answer), then the descendants that left the group (`setsid`), found before the kill while
 * their parents still ran. False when there was no such group any more.
 */
export function killTree(pid: number): boolean {
  const tree = descendants(pid);
  const killed = killGroup(pid);
  for (const p of tree) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // gone already (killed with the group)
    }
  }
  return killed;
}

/** Record a script's process group as running (until {@link groupEnded}). */
export function groupStarted(pid: number): void {
  if (!exitHookInstalled) {
    process.on("exit", () => {
      for (const p of running) killGroup(p);
    });
    exitHookInstalled = true;
  }
  running.add(pid);
}

/** The script's process group is gone (or no longer ours to kill). */
export function groupEnded(pid: number): void {
  running.delete(pid);
}

/** How long a killed script's outputs may stay open (held by a process that escaped the kill). */
const CUT_OUTPUTS_MS = 200;

/**
 * After a time-limit kill: the outputs are closed if still open after {@link CUT_OUTPUTS_MS} (a
 * process that escaped the kill, e.g. started with `setsid` by a script that had exited, holds
 * them), so that the answer ends at the limit whatever the script left running.
 */
function cutOutputs(outputs: ReadonlyArray<ScriptOutput>): void {
  setTimeout(() => {
    for (const o of outputs) o.cut();
  }, CUT_OUTPUTS_MS).unref();
}

/** How often a group a script left behind is checked for members (it is let go once empty). */
const LEFTOVER_CHECK_MS = 1000;

/**
 * The time limit of one script: after `seconds` (none when null or 0) `kill` runs and the script's
 * `outputs` are cut ({@link cutOutputs}); `timedOut` says whether it fired.
 */
export class TimeLimit {
  timedOut = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly deadline: number = 0;

  constructor(seconds: number | null, kill: () => void, outputs: ReadonlyArray<ScriptOutput>) {
    if (seconds === null || seconds <= 0) return;
    this.deadline = Date.now() + seconds * 1000;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      kill();
      cutOutputs(outputs);
    }, seconds * 1000);
    this.timer.unref();
  }

  /** The limit no longer applies. */
  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * The script's own process has exited. What it left running in its process group (a command
   * started with `&`) stays under the limit: the group is killed at the deadline unless it empties
   * first (checked every second). `ended` runs once the group is empty or killed, at once when
   * there is no limit or nothing was left.
   */
  afterExit(pid: number, ended: () => void): void {
    if (this.timer === null || !groupAlive(pid)) {
      this.clear();
      ended();
      return;
    }
    clearTimeout(this.timer);
    const schedule = (): void => {
      this.timer = setTimeout(check, Math.max(0, Math.min(LEFTOVER_CHECK_MS, this.deadline - Date.now())));
      this.timer.unref();
    };
    const check = (): void => {
      const due = Date.now() >= this.deadline;
      if (groupAlive(pid) && !due) return schedule();
      this.timer = null;
      if (due) killGroup(pid);
      ended();
    };
    schedule();
  }
}
