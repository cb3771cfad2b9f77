/**
 * The policy file on disk: loaded at start (created with the defaults when missing), changed
 * through `update()` (changes are applied one at a time, each written atomically before it is
 * acknowledged, so the last acknowledged change is what the file holds), and reloaded when a user
 * edits it by hand (`fs.watch` on the directory, debounced; our own writes are recognised by
 * their content and ignored). A file that does not parse is reported with the line and column of
 * the error, and the last good policy stays in force.
 * @module
 */
import { watch, type FSWatcher } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { isTempFileOf, removeStaleTempFiles, writeFileAtomic } from "./atomic-write.js";
import { DEFAULT_DOCUMENT, formatPolicyDocument, parsePolicyDocument, PolicyFileError, type PolicyDocument } from "./policy-document.js";

/** Options of {@link PolicyStore}. */
export interface PolicyStoreOptions {
  /** Called with the new document after every change (ours or a hand edit). */
  onChange?: (doc: PolicyDocument, origin: "api" | "file") => void;
  /** Called when a hand-edited file cannot be used (null once a good file is read again). */
  onError?: (error: PolicyFileError | null) => void;
  /** Milliseconds of quiet after a change event before the file is read (default 100). */
  debounceMs?: number;
}

/**
 * The policy file and the policy in force.
 *
 * For the caller: `await PolicyStore.open(file, options)`, `document` (the policy in force),
 * `error` (why the file on disk is not in force, or null), `update(change)`, `replace(doc)`,
 * `close()`.
 */
export class PolicyStore {
  /** The policy in force. */
  document: PolicyDocument;
  /** The reason the file on disk is not the policy in force (a bad hand edit), or null. */
  error: PolicyFileError | null = null;
  private lastText: string;
  private queue: Promise<unknown> = Promise.resolve();
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(
    readonly file: string,
    text: string,
    doc: PolicyDocument,
    private readonly options: PolicyStoreOptions,
  ) {
    this.lastText = text;
    this.document = doc;
  }

  /**
   * Open (or create with the defaults) the policy file and watch it. Throws
   * {@link PolicyFileError} when the file exists and is invalid: there is no good policy to fall
   * back on at start.
   */
  static async open(file: string, options: PolicyStoreOptions = {}): Promise<PolicyStore> {
    const abs = path.resolve(file);
    await mkdir(path.dirname(abs), { recursive: true });
    await removeStaleTempFiles(abs);
    let text: string;
    try {
      text = await readFile(abs, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      text = formatPolicyDocument(DEFAULT_DOCUMENT);
      await writeFileAtomic(abs, text);
    }
    const store = new PolicyStore(abs, text, parsePolicyDocument(text, abs), options);
    store.startWatching();
    return store;
  }

  /**
   * Apply `change` to the latest document, write the result atomically, then make it the policy
   * in force; resolves with it once the file is renamed into place. Changes run one at a time in
   * call order. `change` may throw (a TypeError) to refuse: nothing is written.
   */
  update(change: (doc: PolicyDocument) => PolicyDocument): Promise<PolicyDocument> {
    const run = async (): Promise<PolicyDocument> => {
      const next = change(structuredClone(this.document));
      const text = formatPolicyDocument(next);
      const doc = parsePolicyDocument(text, this.file);
      // Set before the write: a watch event for our own rename must see it as ours.
      const previous = this.lastText;
      this.lastText = text;
      try {
        await writeFileAtomic(this.file, text);
      } catch (err) {
        this.lastText = previous;
        throw err;
      }
      this.document = doc;
      this.setError(null);
      this.options.onChange?.(doc, "api");
      return doc;
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  /** Replace the whole document (import). */
  replace(doc: PolicyDocument): Promise<PolicyDocument> {
    return this.update(() => doc);
  }

  /** Stop watching the file (pending writes still finish). */
  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) clearTimeout(this.timer);
    await this.queue;
  }

  private startWatching(): void {
    const dir = path.dirname(this.file);
    const base = path.basename(this.file);
    this.watcher = watch(dir, { persistent: false }, (_event, name) => {
      // Some platforms give no name: check the file then.
      if (name !== null && (name !== base || isTempFileOf(this.file, name))) return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = null;
        // Behind pending writes, so a write in flight is never mistaken for a hand edit.
        this.queue = this.queue.then(() => this.reload()).catch(() => {});
      }, this.options.debounceMs ?? 100);
    });
    this.watcher.on("error", () => {
      // The directory went away: keep the policy in force; nothing more to watch.
      this.watcher?.close();
      this.watcher = null;
    });
  }

  /** Read the file after a change event; adopt it when it differs from what we hold and is valid. */
  private async reload(): Promise<void> {
    if (this.closed) return;
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return; // removed, or mid-rename by an editor
      throw err;
    }
    if (text === this.lastText) return;
    this.lastText = text;
    let doc: PolicyDocument;
    try {
      doc = parsePolicyDocument(text, this.file);
    } catch (err) {
      if (err instanceof PolicyFileError) this.setError(err);
      return;
    }
    this.document = doc;
    this.setError(null);
    this.options.onChange?.(doc, "file");
  }

  private setError(error: PolicyFileError | null): void {
    if (error === null && this.error === null) return;
    this.error = error;
    this.options.onError?.(error);
  }
}
