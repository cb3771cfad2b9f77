/**
 * A server and the processes it started (CTC's cluster workers, nginx's workers), measured as
 * one: CPU time and resident memory summed over the process tree from `/proc`.
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { parseVmHwm, processCpuUs, vmRss } from "./workloads/static.js";

/** `pid` and every live descendant of it. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    // Field 4 (ppid) is the second after the parenthesised command name.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

function sum(pids: number[], each: (pid: number) => number): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const v = each(pid);
      if (Number.isFinite(v)) total += v;
    } catch {
      // exited between listing and reading
    }
  }
  return total;
}

/** User + system CPU time of the tree's live processes, in microseconds. */
export function treeCpuUs(pid: number): number {
  return sum(processTree(pid), processCpuUs);
}

/** Resident set size of the tree, in bytes. */
export function treeRss(pid: number): number {
  return sum(processTree(pid), vmRss);
}

/**
 * The sum of each process's peak RSS (`VmHWM`): an upper bound of the tree's peak, exact for a
 * single process.
 */
export function treeVmHwm(pid: number): number {
  return sum(processTree(pid), (p) => parseVmHwm(readFileSync(`/proc/${p}/status`, "utf8")));
}

/** Proportional set size of process `pid` in bytes (`Pss` of `/proc/<pid>/smaps_rollup`: shared pages divided among the processes that map them). */
export function processPss(pid: number): number {
  const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
  return m === null ? Number.NaN : Number(m[1]) * 1024;
}

/**
 * The tree's proportional set size, in bytes: what its processes use together, each shared page
 * (the node binary, libraries, memory shared after fork) counted once, unlike a sum of RSS.
 */
export function treePss(pid: number): number {
  return sum(processTree(pid), processPss);
}
