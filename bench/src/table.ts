/**
 * The text table: `workload | contender | rate | p99 latency | ratio us/peer`, aligned, plus
 * numbered notes under it for contenders that failed or warned. Pure functions (tested).
 * @module
 */
import type { ReportRow } from "./report.js";

const HEADER = ["workload", "contender", "rate", "p99 latency", "ratio us/peer"] as const;

/** `12345.6` req/s -> `"12,346 req/s"`; MB/s keeps one decimal. */
export function formatRate(rate: number | null, unit: string): string {
  if (rate === null) return "-";
  const digits = unit === "MB/s" || rate < 100 ? 1 : 0;
  return `${rate.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${unit}`;
}

/** Milliseconds with 3 significant digits: `0.0123` -> `"0.0123 ms"`, `41.27` -> `"41.3 ms"`. */
export function formatLatency(ms: number | null): string {
  if (ms === null) return "-";
  return `${ms >= 100 ? ms.toFixed(0) : ms.toPrecision(3)} ms`;
}

/** `0.9734` with target `0.9` -> `"0.97 (>= 0.9 ok)"`; our own row -> `"(us)"`. */
export function formatRatio(row: Pick<ReportRow, "isUs" | "ratio" | "target">): string {
  if (row.isUs) return "(us)";
  if (row.ratio === null) return row.target === null ? "n/a" : `n/a (>= ${row.target})`;
  let ratio = row.ratio.toFixed(2);
  if (row.target === null) return ratio;
  // 1.1996 against 1.2 must not print as a missed "1.20".
  if (row.ratio < row.target && Number(ratio) >= row.target) ratio = row.ratio.toFixed(4);
  return `${ratio} (>= ${row.target} ${row.ratio >= row.target ? "ok" : "MISSED"})`;
}

/**
 * Render rows as one aligned table. Contenders without numbers show why in a numbered note.
 *
 * @example
 * process.stdout.write(formatTable(rows));
 */
export function formatTable(rows: ReportRow[]): string {
  const notes: string[] = [];
  const cells = rows.map((r) => {
    let rate = formatRate(r.rate, r.unit);
    if (r.error !== null) {
      notes.push(`${r.workload} / ${r.contender}: ${r.error}`);
      rate = `[${notes.length}] no result`;
    } else if (r.warnings.length > 0) {
      notes.push(`${r.workload} / ${r.contender}: ${r.warnings.join("; ")}`);
      rate = `${rate} [${notes.length}]`;
    }
    return [r.workload, r.contender, rate, formatLatency(r.p99Ms), formatRatio(r)];
  });
  const widths = HEADER.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: readonly string[]): string =>
    c
      .map((s, i) => (i >= 2 && i <= 3 ? s.padStart(widths[i]) : s.padEnd(widths[i])))
      .join(" | ")
      .trimEnd();
  const out = [line(HEADER), widths.map((w) => "-".repeat(w)).join("-|-")];
  let previous = "";
  for (const c of cells) {
    const shown = c[0] === previous ? ["", ...c.slice(1)] : c;
    previous = c[0]!;
    out.push(line(shown));
  }
  if (notes.length > 0) out.push("", ...notes.map((n, i) => `[${i + 1}] ${n}`));
  return `${out.join("\n")}\n`;
}
