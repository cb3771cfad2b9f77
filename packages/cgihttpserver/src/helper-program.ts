/**
 * Which program starts CGI scripts for the helper launcher: Python's (`helper-source-python.ts`,
 * `os.posix_spawn`) when Python 3.8+ is installed, else Perl's (`helper-source.ts`, fork + exec),
 * and which of them failed to start in this process (then the next one, or spawn, is used).
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { HELPER_SOURCE } from "./helper-source.js";
import { PYTHON_HELPER_SOURCE } from "./helper-source-python.js";

/** Where the helper's interpreters are looked for (no PATH search: the server's PATH is not trusted for this). */
const PYTHON_PATHS = ["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"];
const PERL_PATHS = ["/usr/bin/perl", "/bin/perl", "/usr/local/bin/perl"];

/** A program that can be the helper: its interpreter and its arguments for a directory. */
export interface HelperProgram {
  readonly kind: "python" | "perl";
  readonly path: string;
  args(dir: string): string[];
}

/** Which helper programs may be used, in order of preference. */
let helperKinds: ReadonlyArray<HelperProgram["kind"]> = ["python", "perl"];
/** Why each kind of helper could not start on this system, once it failed to (then the next kind, or spawn, is used). */
const broken = new Map<HelperProgram["kind"], string>();
/** The programs found (undefined: not looked for yet; null: none). */
let python: HelperProgram | null | undefined;
let perl: HelperProgram | null | undefined;

/** A helper of this kind could not start (`why`): it is not tried again in this process. */
export function markBroken(kind: HelperProgram["kind"], why: string): void {
  broken.set(kind, why);
}

/** Which helper programs may be used, in order of preference (tests run each one). */
export function setHelperKinds(kinds: ReadonlyArray<HelperProgram["kind"]>): void {
  helperKinds = kinds;
}

/** Python 3.8+ with `os.posix_spawn` (checked once per process, ~15 ms). */
function findPython(): HelperProgram | null {
  if (python === undefined) {
    python = null;
    for (const path of PYTHON_PATHS) {
      if (!existsSync(path)) continue;
      const check = spawnSync(path, ["-I", "-S", "-c", "import os, sys; sys.exit(0 if sys.version_info >= (3, 8) and hasattr(os, 'posix_spawn') else 1)"], {
        env: {},
        stdio: "ignore",
        timeout: 10_000,
      });
      if (check.status === 0) {
        python = { kind: "python", path, args: (dir) => ["-I", "-S", "-c", PYTHON_HELPER_SOURCE, dir] };
        break;
      }
    }
  }
  return python;
}

function findPerl(): HelperProgram | null {
  if (perl === undefined) {
    const path = PERL_PATHS.find((p) => existsSync(p));
    perl = path === undefined ? null : { kind: "perl", path, args: (dir) => ["-e", HELPER_SOURCE, dir] };
  }
  return perl;
}

/**
 * The helper program to use: Python's (`posix_spawn`: the cheapest start) when Python 3.8+ is
 * installed, else Perl's (`fork` + `exec`; `perl-base` is on every Debian system); null when
 * neither is there or both failed to start, or not on Linux.
 */
export function helperProgram(): HelperProgram | null {
  if (process.platform !== "linux") return null;
  for (const kind of helperKinds) {
    if (broken.has(kind)) continue;
    const p = kind === "python" ? findPython() : findPerl();
    if (p !== null) return p;
  }
  return null;
}
