/**
 * Precompressed siblings (`file.br`, `file.zst`, `file.gz`) chosen by `Accept-Encoding`
 * (RFC 9110 12.5.3): the highest q-value the client gives a coding we have, ties broken by the
 * order br, zstd, gzip.
 * @module
 */

/** A content coding we can serve from a sibling file, with the sibling's suffix. */
export interface Coding {
  /** The token in `Accept-Encoding` / `Content-Encoding`. */
  name: "br" | "zstd" | "gzip";
  /** Suffix of the sibling file. */
  suffix: ".br" | ".zst" | ".gz";
}

/** The codings looked for, in order of preference. */
export const CODINGS: readonly Coding[] = [
  { name: "br", suffix: ".br" },
  { name: "zstd", suffix: ".zst" },
  { name: "gzip", suffix: ".gz" },
];

/**
 * The q-value the client gives each of our codings (0 when not acceptable). `x-gzip` counts as
 * gzip (RFC 9110 8.4.1.3); `*` applies to codings not named.
 */
export function acceptedCodings(acceptEncoding: string): Map<Coding["name"], number> {
  const q = new Map<string, number>();
  let star: number | null = null;
  for (const item of acceptEncoding.split(",")) {
    const parts = item.split(";");
    let token = parts[0].trim().toLowerCase();
    if (token === "") continue;
    if (token === "x-gzip") token = "gzip";
    let value = 1;
    for (let i = 1; i < parts.length; i++) {
      const p = parts[i].trim();
      if (p.length > 2 && (p[0] === "q" || p[0] === "Q") && p[1] === "=") {
        const n = Number(p.slice(2));
        value = Number.isFinite(n) && n >= 0 && n <= 1 ? n : 0;
      }
    }
    if (token === "*") star = value;
    else q.set(token, Math.max(q.get(token) ?? 0, value));
  }
  const out = new Map<Coding["name"], number>();
  for (const c of CODINGS) out.set(c.name, q.get(c.name) ?? star ?? 0);
  return out;
}

/** The best of the `available` codings for this `Accept-Encoding`, or `null` (send identity). */
export function chooseCoding(acceptEncoding: string | undefined, available: readonly Coding[]): Coding | null {
  if (acceptEncoding === undefined || available.length === 0) return null;
  const q = acceptedCodings(acceptEncoding);
  let best: Coding | null = null;
  let bestQ = 0;
  for (const c of available) {
    const v = q.get(c.name) ?? 0;
    if (v > bestQ) {
      best = c;
      bestQ = v;
    }
  }
  return best;
}
