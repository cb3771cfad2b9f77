/**
 * `HTTPMessage`: the header fields of a message (Python's `http.client.HTTPMessage`, an
 * `email.message.Message`): case-insensitive, multi-valued, order-preserving.
 * @module
 */

/**
 * For the parsers only (not exported from the package): {@link HTTPMessage.add} for a name whose
 * lower-case form is already known (`lower` MUST be `name.toLowerCase()`).
 * @internal
 */
export let addParsedField: (msg: HTTPMessage, name: string, lower: string, value: string) => void;

/**
 * Header (or trailer) fields of one message. Names compare case-insensitively; a name may
 * occur several times; wire order and the original case of names are kept.
 *
 * Creating one is cheap (three parallel arrays, no per-header regex, no map until you ask);
 * lookups are linear, which beats hashing for the usual 5-30 fields.
 *
 * Python's `msg[name]`, `msg.get(name)`, `msg.get_all(name)`, `name in msg`, `len(msg)` and
 * `str(msg)` become {@link HTTPMessage.get}, {@link HTTPMessage.getAll}, {@link HTTPMessage.has},
 * {@link HTTPMessage.size} and {@link HTTPMessage.toString}. Unlike Python's `msg[name] = v`
 * (which appends), {@link HTTPMessage.set} replaces; use {@link HTTPMessage.add} to append.
 *
 * Values are not validated here (the parsers already did, and writers call
 * `validateHeaderName`/`validateHeaderValue` before sending).
 * @example
 * ```ts
 * const msg = new HTTPMessage([["Content-Type", "text/html; charset=UTF-8"]]);
 * msg.add("Set-Cookie", "a=1").add("Set-Cookie", "b=2");
 * msg.get("content-type"); // "text/html; charset=UTF-8"
 * msg.getAll("set-cookie"); // ["a=1", "b=2"]
 * msg.getContentCharset(); // "utf-8"
 * ```
 */
export class HTTPMessage implements Iterable<[string, string]> {
  #names: string[] = [];
  #lower: string[] = [];
  #values: string[] = [];

  static {
    addParsedField = (msg, name, lower, value) => {
      msg.#names.push(name);
      msg.#lower.push(lower);
      msg.#values.push(value);
    };
  }

  /** Creates an empty message, or one holding `init`'s pairs in order. */
  constructor(init?: Iterable<readonly [string, string]>) {
    if (init !== undefined) for (const [name, value] of init) this.add(name, value);
  }

  /** Number of fields (a name that occurs twice counts twice), as Python's `len(msg)`. */
  get size(): number {
    return this.#names.length;
  }

  /** First value of `name`, or `fallback` (`undefined` when not given) when absent. */
  get(name: string): string | undefined;
  get(name: string, fallback: string): string;
  get(name: string, fallback?: string): string | undefined {
    const i = this.#lower.indexOf(name.toLowerCase());
    return i === -1 ? fallback : this.#values[i];
  }

  /** Every value of `name`, in wire order (empty when absent). */
  getAll(name: string): string[] {
    const key = name.toLowerCase();
    const out: string[] = [];
    for (let i = 0; i < this.#lower.length; i++) if (this.#lower[i] === key) out.push(this.#values[i]);
    return out;
  }

  /** Whether at least one field is called `name`. */
  has(name: string): boolean {
    return this.#lower.includes(name.toLowerCase());
  }

  /** How many fields are called `name` (without building the list `getAll` returns). */
  count(name: string): number {
    const key = name.toLowerCase();
    let n = 0;
    for (let i = 0; i < this.#lower.length; i++) if (this.#lower[i] === key) n++;
    return n;
  }

  /** Replaces every field called `name` with one field, kept at the place of the first one (appended when absent). */
  set(name: string, value: string): this {
    const key = name.toLowerCase();
    const first = this.#lower.indexOf(key);
    if (first === -1) return this.add(name, value);
    this.#names[first] = name;
    this.#values[first] = value;
    this.#removeFrom(key, first + 1);
    return this;
  }

  /** Appends a field, keeping any existing ones of the same name. */
  add(name: string, value: string): this {
    this.#names.push(name);
    this.#lower.push(name.toLowerCase());
    this.#values.push(value);
    return this;
  }

  /** Removes every field called `name`; returns whether there was one. */
  delete(name: string): boolean {
    const key = name.toLowerCase();
    const first = this.#lower.indexOf(key);
    if (first === -1) return false;
    this.#removeFrom(key, first);
    return true;
  }

  /** Field names in wire order and original case, one per field (Python's `msg.keys()`). */
  keys(): string[] {
    return this.#names.slice();
  }

  /** Field values in wire order, one per field (Python's `msg.values()`). */
  values(): string[] {
    return this.#values.slice();
  }

  /** `[name, value]` pairs in wire order and original case (Python's `msg.items()`). */
  *entries(): IterableIterator<[string, string]> {
    for (let i = 0; i < this.#names.length; i++) yield [this.#names[i], this.#values[i]];
  }

  /** Same as {@link HTTPMessage.entries}. */
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** A fresh array of `[name, value]` pairs, original case, wire order: what to forward or re-serialize. */
  rawPairs(): Array<[string, string]> {
    const out: Array<[string, string]> = new Array<[string, string]>(this.#names.length);
    for (let i = 0; i < this.#names.length; i++) out[i] = [this.#names[i], this.#values[i]];
    return out;
  }

  /**
   * The fields as `"Name: value\r\n"` lines in wire order, without the blank line that ends a head
   * (Python's `str(msg)` also appends one and uses bare `\n`).
   */
  toString(): string {
    let s = "";
    for (let i = 0; i < this.#names.length; i++) s += `${this.#names[i]}: ${this.#values[i]}\r\n`;
    return s;
  }

  /**
   * The media type of Content-Type, lower-cased and without parameters; `"text/plain"` when the
   * field is absent or not `type/subtype` (as `email.message.Message.get_content_type()`).
   */
  getContentType(): string {
    const value = this.get("content-type");
    if (value === undefined) return "text/plain";
    const semi = value.indexOf(";");
    const type = (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase();
    const slash = type.indexOf("/");
    if (slash <= 0 || slash !== type.lastIndexOf("/") || slash === type.length - 1) return "text/plain";
    return type;
  }

  /**
   * The `charset` parameter of Content-Type, unquoted and lower-cased, or `fallback` when there is
   * none or it is not ASCII (as `email.message.Message.get_content_charset(failobj)`).
   */
  getContentCharset(fallback?: string): string | undefined {
    const value = this.get("content-type");
    if (value === undefined) return fallback;
    const charset = contentTypeParam(value, "charset");
    // email.message: a charset that is not ASCII is unusable, so failobj is returned.
    if (charset === undefined || !/^[\x20-\x7e]*$/.test(charset)) return fallback;
    return charset.toLowerCase();
  }

  #removeFrom(key: string, from: number): void {
    let w = from;
    for (let r = from; r < this.#lower.length; r++) {
      if (this.#lower[r] === key) continue;
      this.#names[w] = this.#names[r]!;
      this.#lower[w] = this.#lower[r]!;
      this.#values[w] = this.#values[r]!;
      w++;
    }
    this.#names.length = w;
    this.#lower.length = w;
    this.#values.length = w;
  }
}

/** One parameter of a `type/subtype; a=b; c="d"` value (RFC 9110 5.6.6), unquoted; `undefined` when absent. */
export function contentTypeParam(value: string, param: string): string | undefined {
  const want = param.toLowerCase();
  let i = value.indexOf(";");
  while (i !== -1 && i < value.length) {
    const eq = value.indexOf("=", i + 1);
    if (eq === -1) return undefined;
    const semi = value.indexOf(";", i + 1);
    if (semi !== -1 && semi < eq) {
      i = semi; // a parameter without "=": skip it
      continue;
    }
    const name = value.slice(i + 1, eq).trim().toLowerCase();
    let j = eq + 1;
    while (j < value.length && (value[j] === " " || value[j] === "\t")) j++;
    let v: string;
    if (value[j] === '"') {
      v = "";
      j++;
      while (j < value.length && value[j] !== '"') {
        if (value[j] === "\\" && j + 1 < value.length) j++;
        v += value[j];
        j++;
      }
      const next = value.indexOf(";", j);
      i = next;
    } else {
      const next = value.indexOf(";", j);
      v = (next === -1 ? value.slice(j) : value.slice(j, next)).trim();
      i = next;
    }
    if (name === want) return v;
  }
  return undefined;
}
