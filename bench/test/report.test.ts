import { describe, expect, test } from "@jest/globals";
import { parseCli } from "../src/args.js";
import { parseAutocannon } from "../src/drivers/autocannon.js";
import { parseWrk, parseWrkDuration } from "../src/drivers/wrk.js";
import { selectCases } from "../src/registry.js";
import { rowsOf, type CaseResult } from "../src/report.js";
import { percentile } from "../src/stats.js";
import { formatLatency, formatRate, formatRatio, formatTable } from "../src/table.js";
import type { Measurement, Workload } from "../src/types.js";

function m(opsPerSec: number, p99Ms: number | null, bytesPerSec: number | null = null): Measurement {
  return { opsPerSec, p99Ms, bytesPerSec, ops: opsPerSec, warnings: [] };
}

const echoLike: CaseResult = {
  benchCase: { id: "echo-64b", description: "", unit: "rt/s", targets: { "node:net": 0.9 } },
  results: [
    { contender: "ours", isUs: true, measurement: m(90_000, 1.25), error: null, roundRates: [] },
    { contender: "node:net", isUs: false, measurement: m(100_000, 0.8), error: null, roundRates: [] },
    { contender: "other", isUs: false, measurement: null, error: "check failed: boom", roundRates: [] },
  ],
};

describe("report rows", () => {
  test("ratio is us/peer, checked against the peer's target", () => {
    const rows = rowsOf(echoLike);
    expect(rows.map((r) => r.ratio)).toEqual([null, 0.9, null]);
    expect(rows[1].target).toBe(0.9);
    expect(formatRatio(rows[0])).toBe("(us)");
    expect(formatRatio(rows[1])).toBe("0.90 (>= 0.9 ok)");
    expect(formatRatio({ isUs: false, ratio: 0.5, target: 3 })).toBe("0.50 (>= 3 MISSED)");
    expect(formatRatio({ isUs: false, ratio: 1.19962, target: 1.2 })).toBe("1.1996 (>= 1.2 MISSED)");
    expect(formatRatio({ isUs: false, ratio: null, target: null })).toBe("n/a");
  });

  test("MB/s cases compare bytes", () => {
    const rows = rowsOf({
      benchCase: { id: "echo-64k", description: "", unit: "MB/s", targets: {} },
      results: [
        { contender: "ours", isUs: true, measurement: m(10, 1, 3_000_000), error: null, roundRates: [] },
        { contender: "peer", isUs: false, measurement: m(20, 1, 2_000_000), error: null, roundRates: [] },
      ],
    });
    expect(rows.map((r) => r.rate)).toEqual([3, 2]);
    expect(rows[1].ratio).toBe(1.5);
  });
});

describe("table", () => {
  test("one aligned table, repeated workload names blanked, errors as notes", () => {
    const text = formatTable(rowsOf(echoLike));
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^workload +\| contender +\| +rate \| p99 latency \| ratio us\/peer$/);
    expect(lines[1]).toMatch(/^-+-\|-/);
    expect(lines[2]).toContain("echo-64b | ours");
    expect(lines[2]).toContain("90,000 rt/s");
    expect(lines[2]).toContain("1.25 ms");
    expect(lines[3]).toMatch(/^ +\| node:net/);
    expect(lines[4]).toContain("[1] no result");
    expect(lines.at(-1)).toBe("[1] echo-64b / other: check failed: boom");
    // Every table line has its column separators in the same places.
    const bars = (l: string): number[] => [...l].flatMap((c, i) => (c === "|" ? [i] : []));
    for (const l of lines.slice(2, 5)) expect(bars(l)).toEqual(bars(lines[0]));
  });

  test("number formats", () => {
    expect(formatRate(12345.6, "req/s")).toBe("12,346 req/s");
    expect(formatRate(812.34, "MB/s")).toBe("812.3 MB/s");
    expect(formatRate(null, "req/s")).toBe("-");
    expect(formatLatency(0.01234)).toBe("0.0123 ms");
    expect(formatLatency(41.27)).toBe("41.3 ms");
    expect(formatLatency(668.2)).toBe("668 ms");
  });
});

describe("wrk and autocannon output", () => {
  const wrkOut = `Running 2s test @ http://127.0.0.1:35083/
  1 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    42.87ms    6.35ms  44.58ms   97.71%
    Req/Sec   219.25     44.55   300.00     70.00%
  Latency Distribution
     50%   43.92ms
     75%   43.99ms
     90%   44.03ms
     99%  850.00us
  437 requests in 2.00s, 65.79KB read
  Socket errors: connect 0, read 2, write 0, timeout 0
Requests/sec:    218.21
Transfer/sec:     32.85KB
`;

  test("parses rate, p99 and errors", () => {
    expect(parseWrkDuration("1.5s")).toBe(1500);
    expect(parseWrkDuration("850.00us")).toBeCloseTo(0.85);
    const fixed = wrkOut.replace("850.00us", "44.35ms");
    const r = parseWrk(fixed);
    expect(r.opsPerSec).toBe(218.21);
    expect(r.ops).toBe(437);
    expect(r.p99Ms).toBe(44.35);
    expect(r.warnings).toEqual(["Socket errors: connect 0, read 2, write 0, timeout 0"]);
  });

  test("drops a p99 below the median (wrk's pipelining quirk)", () => {
    const r = parseWrk(wrkOut);
    expect(r.p99Ms).toBeNull();
    expect(r.warnings.join()).toMatch(/impossible p99/);
  });

  test("autocannon json", () => {
    const r = parseAutocannon(
      JSON.stringify({ duration: 2, requests: { total: 1000 }, latency: { p99: 3 }, errors: 0, timeouts: 0, non2xx: 0 }),
    );
    expect(r.opsPerSec).toBe(500);
    expect(r.p99Ms).toBe(3);
  });
});

describe("command line and registry", () => {
  test("defaults and options", () => {
    const a = parseCli([], true);
    expect(a.options).toMatchObject({ duration: 5, warmup: 1, connections: null, driver: "wrk" });
    expect(parseCli([], false).options.driver).toBe("autocannon");
    const b = parseCli(["echo", "--duration", "2", "--json", "--", "client-1m"], true);
    expect(b.selectors).toEqual(["echo", "client-1m"]);
    expect(b.options.duration).toBe(2);
    expect(b.json).toBe(true);
    expect(() => parseCli(["--duration", "x"], true)).toThrow(/positive number/);
  });

  test("selectors pick workloads or single cases", () => {
    const noop = { name: "x", isUs: true, run: () => Promise.reject(new Error("unused")) };
    const c = (id: string) => ({ id, description: "", unit: "req/s" as const, contenders: [noop], targets: {} });
    const ws: Workload[] = [
      { name: "a", description: "", cases: [c("a-1"), c("a-2")] },
      { name: "b", description: "", cases: [c("b-1")] },
    ];
    expect(selectCases(ws, []).map((x) => x.id)).toEqual(["a-1", "a-2", "b-1"]);
    expect(selectCases(ws, ["b", "a-2"]).map((x) => x.id)).toEqual(["a-2", "b-1"]);
    expect(() => selectCases(ws, ["nope"])).toThrow(/unknown workload/);
  });

  test("percentile is nearest-rank", () => {
    expect(percentile(Float64Array.of(4, 1, 3, 2), 50)).toBe(2);
    expect(percentile(Float64Array.from({ length: 100 }, (_, i) => i + 1), 99)).toBe(99);
    expect(percentile(new Float64Array(0), 99)).toBeNull();
  });
});
