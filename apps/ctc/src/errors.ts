/**
 * CTC's errors.
 * @module
 */

/** A bad flag, flag value or config file: the command prints it with the usage and exits 2. */
export class UsageError extends Error {
  readonly code = "ERR_CTC_USAGE";
  override readonly name = "UsageError";
  /** Whether the usage text helps (false for a setting that is well-formed but unusable, such as a CA directory). */
  readonly showUsage: boolean;

  constructor(message: string, showUsage = true) {
    super(message);
    this.showUsage = showUsage;
  }
}
