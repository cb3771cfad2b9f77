/**
 * Watching the list files: a change (an edit in place, or a new file renamed over the old one,
 * as editors and downloaders do) calls back once after things settle. Each file's directory is
 * watched rather than the file, because a watch on a replaced file goes on watching the old one.
 * @module
 */
import { watch, type FSWatcher } from "node:fs";
import { basename, dirname, resolve } from "node:path";

/** How long changes must stop before the callback (an editor writes a file in several steps). */
const SETTLE_MS = 150;

/**
 * Call `onChange` when one of `paths` changes. Returns a function that stops watching.
 * Directories that cannot be watched are reported to `onError` and skipped.
 */
export function watchFiles(paths: readonly string[], onChange: () => void, onError: (path: string, err: Error) => void): () => void {
  const byDir = new Map<string, Set<string>>();
  for (const p of paths) {
    const full = resolve(p);
    const dir = dirname(full);
    let names = byDir.get(dir);
    if (names === undefined) byDir.set(dir, (names = new Set()));
    names.add(basename(full));
  }
  let timer: NodeJS.Timeout | null = null;
  const changed = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      onChange();
    }, SETTLE_MS);
  };
  const watchers: FSWatcher[] = [];
  for (const [dir, names] of byDir) {
    try {
      const w = watch(dir, { persistent: false }, (_event, name) => {
        if (name === null || names.has(name.toString())) changed();
      });
      w.on("error", (err) => onError(dir, err));
      watchers.push(w);
    } catch (err) {
      onError(dir, err as Error);
    }
  }
  return () => {
    if (timer !== null) clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
