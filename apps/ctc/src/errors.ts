/**
 * CTC's errors.
 * @module
 */

/** A bad flag, flag value or config file: the command prints it with the usage and exits 2. */
export class UsageError extends Error {
  readonly code = "ERR_CTC_USAGE";
  override readonly name = "UsageError";
}
