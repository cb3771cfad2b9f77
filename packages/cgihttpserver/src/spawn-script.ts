/**
 * Starting a CGI script: its own process group (so a time limit can kill everything it started),
 * stdin/stdout/stderr as pipes, the user switched to `nobody` when the server runs as root
 * (refused, never run as root, when the switch is impossible), and a time limit that kills the
 * whole group.
 * @module
 */
import { spawn } from "node:child_process";
import type { Writable } from "node:stream";
import { readFileSync } from "node:fs";
import { groupEnded, groupStarted, killTree, TimeLimit } from "./script-groups.js";
import { ScriptOutput } from "./script-output.js";

/** A running script. */
export interface RunningScript {
  /** Its standard input (end it when the body is sent); null when it reads /dev/null. */
  stdin: Writable | null;
  /** Its standard output. */
  stdout: ScriptOutput;
  /** Its standard error. */
  stderr: ScriptOutput;
  /** Resolves with the exit code (or the signal's name) once the process has exited and its pipes closed. */
  exited: Promise<number | string>;
  /** True once the time limit killed it. */
  readonly timedOut: boolean;
  /** Kill the process group now. */
  kill(): void;
}

/** How to start a script. */
export interface SpawnRequest {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Seconds before the group is killed (`null`: no limit). */
  timeout: number | null;
  /** Run as this user and group (when the server is root). */
  uid?: number;
  gid?: number;
}

/** Users found in /etc/passwd, by name (read once per name, as CPython caches `nobody_uid()`). */
const users = new Map<string, { uid: number; gid: number }>();

/** uid and gid of a user, from /etc/passwd (null when there is no such user). */
export function lookupUser(name: string): { uid: number; gid: number } | null {
  const known = users.get(name);
  if (known !== undefined) return known;
  let passwd: string;
  try {
    passwd = readFileSync("/etc/passwd", "utf8");
  } catch {
    return null;
  }
  for (const line of passwd.split("\n")) {
    const f = line.split(":");
    if (f[0] === name && f.length >= 4) {
      const user = Object.freeze({ uid: Number(f[2]), gid: Number(f[3]) });
      // A user that is not there yet is looked for again next time; one found is kept.
      users.set(name, user);
      return user;
    }
  }
  return null;
}

/** Start a script; throws (synchronously or through `exited`) when it cannot be started. */
export function spawnScript(req: SpawnRequest): RunningScript {
  const child = spawn(req.command, req.args, {
    cwd: req.cwd,
    env: req.env,
    stdio: ["pipe", "pipe", "pipe"],
    // A new process group: kill(-pid) reaches everything the script started.
    detached: true,
    uid: req.uid,
    gid: req.gid,
    windowsHide: true,
  });
  const kill = (): void => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    if (!killTree(child.pid)) child.kill("SIGKILL");
  };
  const pid = child.pid;
  if (pid !== undefined) groupStarted(pid);
  const stdout = ScriptOutput.from(child.stdout);
  const stderr = ScriptOutput.from(child.stderr);
  const limit = new TimeLimit(req.timeout, kill, [stdout, stderr]);
  const exited = new Promise<number | string>((resolve, reject) => {
    child.once("error", (err) => {
      limit.clear();
      if (pid !== undefined) groupEnded(pid);
      reject(err);
    });
    child.once("close", (code, signal) => {
      // What the script left running in its group stays under the time limit.
      if (pid !== undefined) limit.afterExit(pid, () => groupEnded(pid));
      else limit.clear();
      resolve(code ?? signal ?? -1);
    });
  });
  // The caller handles a start failure through `exited`; this keeps it from being unhandled meanwhile.
  exited.catch(() => undefined);
  return {
    stdin: child.stdin,
    stdout,
    stderr,
    exited,
    get timedOut() {
      return limit.timedOut;
    },
    kill,
  };
}
