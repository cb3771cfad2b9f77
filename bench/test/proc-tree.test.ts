// The process-tree measurements: a parent with a child and a grandchild is measured as one.
import { expect, test } from "@jest/globals";
import { spawn } from "node:child_process";
import { processTree, treeCpuUs, treeRss, treeVmHwm } from "../src/proc-tree.js";
import { processCpuUs, vmRss } from "../src/workloads/static.js";

test("processTree lists the descendants; CPU and memory are summed over them", async () => {
  // sh -> sleep and sh -> sh -> sleep: two levels below the parent.
  const parent = spawn("sh", ["-c", "sleep 30 & sh -c 'sleep 30 & wait' & echo started; wait"], { stdio: ["ignore", "pipe", "ignore"] });
  try {
    await new Promise<void>((resolve) => parent.stdout.once("data", () => resolve()));
    let tree: number[] = [];
    for (let i = 0; i < 100 && tree.length < 4; i++) {
      tree = processTree(parent.pid!);
      if (tree.length < 4) await new Promise((r) => setTimeout(r, 20));
    }
    expect(tree[0]).toBe(parent.pid);
    expect(tree.length).toBe(4);
    expect(treeCpuUs(parent.pid!)).toBeGreaterThanOrEqual(processCpuUs(parent.pid!));
    expect(treeRss(parent.pid!)).toBeGreaterThan(vmRss(parent.pid!));
    expect(treeVmHwm(parent.pid!)).toBeGreaterThanOrEqual(treeRss(parent.pid!));
  } finally {
    for (const pid of processTree(parent.pid!).reverse()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone (its parent's death took it along)
      }
    }
  }
});
