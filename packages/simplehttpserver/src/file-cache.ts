/**
 * A cache of small files' bytes, validated on every request by the file's `stat` (device, inode,
 * size, modification and change times): a file edited, replaced or renamed over is read again at
 * once, and nothing stale is ever served. What it saves is the open/read/close of each request
 * (sirv and http-server do all three per request). Bounded in bytes; least recently used first out.
 * @module
 */
import type { Stats } from "node:fs";

/** A cached file. */
export interface CachedFile {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  data: Buffer;
}

/** LRU map of path -> bytes, at most `maxBytes` in all, files of at most `maxFileSize` bytes. */
export class FileCache {
  private readonly entries = new Map<string, CachedFile>();
  private bytes = 0;

  constructor(
    /** Largest file kept, in bytes. */
    readonly maxFileSize: number,
    /** Largest total, in bytes (0: the cache is off). */
    readonly maxBytes: number,
  ) {}

  /** Whether a file of `size` bytes would be kept. */
  accepts(size: number): boolean {
    return this.maxBytes > 0 && size <= this.maxFileSize && size <= this.maxBytes;
  }

  /** The bytes of `key` if they were read from the file `stat` describes now, else undefined. */
  get(key: string, stat: Stats): Buffer | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.ino !== stat.ino || e.dev !== stat.dev || e.size !== stat.size || e.mtimeMs !== stat.mtimeMs || e.ctimeMs !== stat.ctimeMs) {
      this.delete(key);
      return undefined;
    }
    // Most recently used last (Map keeps insertion order).
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.data;
  }

  /** Keep `data`, read from the file `stat` (taken on the open descriptor) describes. */
  set(key: string, stat: Stats, data: Buffer): void {
    if (!this.accepts(data.length)) return;
    this.delete(key);
    this.entries.set(key, { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, data });
    this.bytes += data.length;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.data.length;
    }
  }

  /** Forget `key`. */
  delete(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    this.entries.delete(key);
    this.bytes -= e.data.length;
  }

  /** Forget everything. */
  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  /** Bytes held. */
  get size(): number {
    return this.bytes;
  }
}
