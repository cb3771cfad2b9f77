/**
 * A bounded memo keyed by two strings (a URL, then what else the answer depends on), shared by
 * the block list's decisions and the banner cutter's resolved URLs: at most `limit` values in
 * all, whatever keys a client or a page brings, the first key remembered longest forgotten first.
 * A key string that the same object gives each time (a `URL`'s `href`) has its hash computed once.
 * @module
 */

/** Values memoised under two keys, at most `limit` of them. */
export class BoundedMemo<V> {
  readonly #byFirst = new Map<string, Map<string, V>>();
  #count = 0;

  constructor(readonly limit: number) {}

  /** The value remembered for (`first`, `second`), or undefined. */
  get(first: string, second: string): V | undefined {
    return this.#byFirst.get(first)?.get(second);
  }

  /** Remember `value` for (`first`, `second`), forgetting the oldest first keys' values if needed. */
  set(first: string, second: string, value: V): void {
    if (this.#byFirst.get(first)?.has(second)) {
      this.#byFirst.get(first)!.set(second, value);
      return;
    }
    while (this.#count >= this.limit) {
      const oldest = this.#byFirst.keys().next().value as string;
      this.#count -= this.#byFirst.get(oldest)!.size;
      this.#byFirst.delete(oldest);
    }
    let bySecond = this.#byFirst.get(first);
    if (bySecond === undefined) {
      bySecond = new Map();
      this.#byFirst.set(first, bySecond);
    }
    bySecond.set(second, value);
    this.#count++;
  }

  /** How many values are remembered. */
  get size(): number {
    return this.#count;
  }
}
