/**
 * Bodies shared by servers and the clients or checks that verify them: the `hello` page, and
 * the fixture server's small text body and 1 MiB patterned body whose every byte is checked.
 * @module
 */

/** The body every server of the `hello` workload answers. */
export const HELLO_BODY = "Hello, world!";

/** Path of the small body. */
export const SMALL_PATH = "/small";
/** Path of the 1 MiB body. */
export const BIG_PATH = "/1m";

/** The small body: `Hello, world!\n`. */
export const SMALL_BODY: Buffer = Buffer.from("Hello, world!\n");

/**
 * 1 MiB of `i % 251` (a prime period, so a chunk lost, repeated or shifted anywhere shows up).
 */
export const BIG_BODY: Buffer = (() => {
  const buf = Buffer.allocUnsafe(1 << 20);
  for (let i = 0; i < buf.length; i++) buf[i] = i % 251;
  return buf;
})();

/** The body expected at `path`, or `null` for an unknown path. */
export function bodyFor(path: string): Buffer | null {
  if (path === SMALL_PATH) return SMALL_BODY;
  if (path === BIG_PATH) return BIG_BODY;
  return null;
}
