/**
 * The workload registry. One file per workload under `workloads/`; add a new one here and it
 * is runnable as `pnpm bench <name>` (and each of its cases as `pnpm bench <case-id>`).
 * @module
 */
import type { BenchCase, Workload } from "./types.js";
import { cgi } from "./workloads/cgi.js";
import { client } from "./workloads/client.js";

import { echo } from "./workloads/echo.js";
import { forking } from "./workloads/forking.js";
import { hello } from "./workloads/hello.js";
import { idleConns } from "./workloads/idle-conns.js";
import { proxy } from "./workloads/proxy.js";
import { proxyHttps } from "./workloads/proxy-https.js";
import { slowloris } from "./workloads/slowloris.js";
import { staticFiles } from "./workloads/static.js";


/** Every workload, in the order a full run executes them. */
export const WORKLOADS: readonly Workload[] = [echo, forking, client, hello, idleConns, slowloris, staticFiles, cgi, proxy, proxyHttps];

/**
 * The cases matching `selectors` (workload names or case ids), in registry order; all when empty.
 * Throws on a selector that matches nothing.
 *
 * @example
 * selectCases(WORKLOADS, ["echo", "client-1m"]).map((c) => c.id); // ["echo-64b", "echo-16k", "echo-64k", "client-1m"]
 */
export function selectCases(workloads: readonly Workload[], selectors: string[]): BenchCase[] {
  const all = workloads.flatMap((w) => w.cases.map((c) => ({ workload: w.name, benchCase: c })));
  if (selectors.length === 0) return all.map((x) => x.benchCase);
  for (const s of selectors) {
    if (!all.some((x) => x.workload === s || x.benchCase.id === s)) {
      const known = workloads.map((w) => `${w.name} (${w.cases.map((c) => c.id).join(", ")})`).join("; ");
      throw new Error(`unknown workload or case "${s}"; known: ${known}`);
    }
  }
  return all.filter((x) => selectors.includes(x.workload) || selectors.includes(x.benchCase.id)).map((x) => x.benchCase);
}
