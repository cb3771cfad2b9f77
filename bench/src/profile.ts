/**
 * Reading `--cpu-prof` output: the functions with the most self time in each `.cpuprofile`,
 * the quick "where does the time go" asked for when one of ours is slow.
 * @module
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  startTime: number;
  endTime: number;
}

/** One line of a summary: a function and its share of the non-idle samples. */
export interface HotFunction {
  name: string;
  selfMs: number;
  percent: number;
}

/** What one profile says: busy (not idle) and total time, and the hottest functions. */
export interface ProfileSummary {
  busyMs: number;
  totalMs: number;
  /** The `top` functions by self time (idle excluded), same-named frames of one location merged. */
  hot: HotFunction[];
}

/**
 * Busy time and the `top` functions by self time of `profile`, in one pass over its samples.
 *
 * @example
 * summarizeProfile(JSON.parse(text), 10).hot[0]; // { name: "readline dist/socket-reader.js:120", selfMs: 812, percent: 21.4 }
 */
export function summarizeProfile(profile: CpuProfile, top: number): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map<string, number>();
  let busy = 0;
  for (const id of profile.samples) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === "(idle)") continue;
    const file = frame.url.replace(/^file:\/\//, "").split("/").slice(-2).join("/");
    const key = `${frame.functionName || "(anonymous)"}${file ? ` ${file}:${frame.lineNumber + 1}` : ""}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    busy++;
  }
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const msPerSample = profile.samples.length > 0 ? totalMs / profile.samples.length : 0;
  const hot = [...counts.entries()]
    .sort((x, y) => y[1] - x[1])
    .slice(0, top)
    .map(([name, n]) => ({ name, selfMs: n * msPerSample, percent: (100 * n) / Math.max(1, busy) }));
  return { busyMs: busy * msPerSample, totalMs, hot };
}

async function profilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".cpuprofile"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** A text report of every profile under `dir`: its path, then its `top` hot functions. */
export async function summarizeProfiles(dir: string, top = 8): Promise<string> {
  const files = await profilesUnder(dir).catch(() => []);
  const out = [`CPU profiles under ${dir} (top self time, idle excluded):`];
  if (files.length === 0) out.push("  (none written)");
  for (const file of files) {
    const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
    const { busyMs, totalMs, hot } = summarizeProfile(profile, top);
    out.push(`  ${relative(dir, file)}: busy ${busyMs.toFixed(0)} of ${totalMs.toFixed(0)} ms`);
    for (const h of hot) out.push(`    ${h.percent.toFixed(1).padStart(5)}%  ${h.selfMs.toFixed(0).padStart(6)} ms  ${h.name}`);
  }
  return `${out.join("\n")}\n`;
}
