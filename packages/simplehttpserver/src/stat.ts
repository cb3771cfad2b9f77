/**
 * File-system look-ups shared by the handler's steps. Synchronous on purpose: a `stat` of a cached
 * dentry costs about a microsecond, far less than a round trip through libuv's thread pool, and
 * nginx and sirv look files up the same way. Bodies are read asynchronously (`copy.ts`).
 * @module
 */
import { realpathSync, statSync, type Stats } from "node:fs";
import { fsEncode } from "./url-path.js";

const realRoots = new Map<string, string>();

/** The real path of a root directory (cached: roots do not move while served). */
export function realRoot(root: string): string {
  let real = realRoots.get(root);
  if (real === undefined) {
    try {
      real = realpathSync.native(root);
    } catch {
      real = root;
    }
    if (realRoots.size < 64) realRoots.set(root, real);
  }
  return real;
}

/** `stat` that answers `null` for anything that is not there to serve (missing, not a directory, no access, bad name). */
export function statOrNull(p: string): Stats | null {
  try {
    return statSync(fsEncode(p), { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}

