/**
 * What both ways of starting scripts share: the process groups of the scripts running now
 * (killed if the server process exits before them: scripts run in their own groups, so they
 * would outlive a server that exits at once, after a second Ctrl-C or `process.exit()`), and the
 * time limit that kills a group.
 * @module
 */

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

/** The time limit of one script: `kill` after `seconds` (none when null or 0); `timedOut` says whether it fired. */
export class TimeLimit {
  timedOut = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(seconds: number | null, kill: () => void) {
    if (seconds === null || seconds <= 0) return;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      kill();
    }, seconds * 1000);
    this.timer.unref();
  }

  /** The script ended: the limit no longer applies. */
  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
