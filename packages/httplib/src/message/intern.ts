/**
 * A small cache of the strings the head parser decodes most often: field names (with their
 * lower-case form, which `HTTPMessage` keys on) and reason phrases. They repeat across messages
 * ("Content-Type", "OK"), and returning what was decoded last time costs a byte comparison
 * instead of a `Buffer#toString` call (a C++ round trip and a new string) plus a `toLowerCase()`.
 * Field VALUES are never cached: they may be secrets (cookies, credentials), and a cache shared
 * by all connections would let one peer learn by timing what another one sent.
 *
 * Direct-mapped: the slot is chosen by a hash of the bytes and a collision replaces the entry.
 * Bounded: {@link SLOTS} entries of at most {@link MAX_LENGTH} bytes.
 * @module
 */

/** A decoded string and its lower-case form. */
export interface InternedText {
  readonly text: string;
  readonly lower: string;
}

/** Number of cache slots (a power of two). */
const SLOTS = 256;
/** Longer strings are decoded every time and never stored. */
const MAX_LENGTH = 40;
const EMPTY: InternedText = { text: "", lower: "" };
const cache: InternedText[] = new Array<InternedText>(SLOTS).fill(EMPTY);
/** The bytes of each slot's text, at `slot * MAX_LENGTH` (typed-array loads compare faster than `charCodeAt`). */
const bytes = new Uint8Array(SLOTS * MAX_LENGTH);

/** Folds one byte into a running hash (start from 0); see {@link internLatin1}. */
export function hashStep(hash: number, byte: number): number {
  return (Math.imul(hash, 31) + byte) | 0;
}

/**
 * `buf.toString("latin1", a, z)` and its lower-case form, from the cache when these bytes were
 * decoded recently. `hash` is the {@link hashStep} fold of `buf[a, z)`.
 */
export function internLatin1(buf: Buffer, a: number, z: number, hash: number): InternedText {
  const n = z - a;
  if (n > MAX_LENGTH) return decode(buf, a, z);
  const slot = (hash ^ (hash >>> 11) ^ n) & (SLOTS - 1);
  const hit = cache[slot];
  const base = slot * MAX_LENGTH;
  if (hit.text.length === n) {
    let k = 0;
    while (k < n && bytes[base + k] === buf[a + k]) k++;
    if (k === n) return hit;
  }
  const fresh = decode(buf, a, z);
  cache[slot] = fresh;
  bytes.set(buf.subarray(a, z), base);
  return fresh;
}

/** {@link internLatin1} for a caller that has not hashed the bytes while scanning them. */
export function internRange(buf: Buffer, a: number, z: number): InternedText {
  if (z - a > MAX_LENGTH) return decode(buf, a, z);
  let h = 0;
  for (let i = a; i < z; i++) h = hashStep(h, buf[i]);
  return internLatin1(buf, a, z, h);
}

function decode(buf: Buffer, a: number, z: number): InternedText {
  const text = buf.toString("latin1", a, z);
  return { text, lower: text.toLowerCase() };
}
