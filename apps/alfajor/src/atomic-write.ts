/**
 * Writing a file so that a crash or `kill -9` at any moment leaves either the old or the new
 * content, never a mix: write a temporary file in the same directory, fsync it, rename it over the
 * target (atomic within one file system, POSIX rename(2)), then fsync the directory so the rename
 * itself survives a power cut.
 * @module
 */
import { open, readdir, rename, unlink } from "node:fs/promises";
import path from "node:path";

let counter = 0;

/** The temporary-file name prefix used for `file` (a dot file next to it). */
function tempPrefix(file: string): string {
  return `.${path.basename(file)}.tmp-`;
}

/** Whether `name` (a directory entry) is one of our temporary files for `file`. */
export function isTempFileOf(file: string, name: string): boolean {
  return name.startsWith(tempPrefix(file));
}

/** Replace `file`'s content with `text`, atomically and durably. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `${tempPrefix(file)}${process.pid}-${++counter}`);
  const handle = await open(temp, "wx", 0o600);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temp).catch(() => {});
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
  const dirHandle = await open(dir, "r");
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

/** Whether process `pid` is alive (EPERM: alive, someone else's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Remove temporary files that killed processes left behind for `file` (not those of live writers). */
export async function removeStaleTempFiles(file: string): Promise<void> {
  const dir = path.dirname(file);
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale = names.filter((n) => {
    if (!isTempFileOf(file, n)) return false;
    const pid = Number(/^(\d+)-/.exec(n.slice(tempPrefix(file).length))?.[1]);
    return !(pid > 0 && pid !== process.pid && alive(pid));
  });
  await Promise.all(stale.map((n) => unlink(path.join(dir, n)).catch(() => {})));
}
