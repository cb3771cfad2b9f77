/**
 * Native helpers of the benchmarks, built on demand from `scripts/*.c` with the machine's C
 * compiler (`$CC`, else `cc`) into `results/bin/` (not committed). Rebuilt when the source is
 * newer than the binary.
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** A built program, or why there is none. */
export type NativeBuild = { path: string; error: null } | { path: null; error: string };

const cache = new Map<string, NativeBuild>();

function mtime(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

/**
 * Compiles `scripts/<name>.c` (once per process) and returns the binary's path, or the reason it
 * could not be built (no compiler, a compile error).
 *
 * @example
 * const fixture = buildNative("http_fixture");
 * if (fixture.path !== null) Child.spawn(fixture.path, []);
 */
export function buildNative(name: string): NativeBuild {
  const known = cache.get(name);
  if (known !== undefined) return known;
  const source = fileURLToPath(new URL(`../scripts/${name}.c`, import.meta.url));
  const dir = fileURLToPath(new URL("../results/bin/", import.meta.url));
  const binary = `${dir}${name}`;
  let result: NativeBuild = { path: binary, error: null };
  const built = mtime(binary);
  const src = mtime(source);
  if (src === null) result = { path: null, error: `missing ${source}` };
  else if (built === null || built < src) {
    mkdirSync(dir, { recursive: true });
    const cc = process.env.CC ?? "cc";
    const r = spawnSync(cc, ["-O2", "-pthread", "-o", binary, source], { encoding: "utf8" });
    if (r.error) result = { path: null, error: `${cc} not available (${r.error.message})` };
    else if (r.status !== 0) result = { path: null, error: `${cc} failed: ${r.stderr.trim().slice(0, 500)}` };
  }
  cache.set(name, result);
  return result;
}
