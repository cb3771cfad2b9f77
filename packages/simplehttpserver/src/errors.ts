/**
 * Errors of @stdhttp/simplehttpserver: one class per failure, each with a stable `code`.
 * @module
 */

/** Base class of this package's errors. */
export class SimpleHTTPServerError extends Error {
  /** Stable identifier of the failure (`ERR_...`). */
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A file ended before the length announced in the response head was sent (it was truncated while
 * being served). The connection is closed: the client sees a short body, never wrong bytes.
 */
export class FileChanged extends SimpleHTTPServerError {
  static readonly code = "ERR_FILE_CHANGED";
  constructor(message = "file ended early: it changed while being served") {
    super(message, FileChanged.code);
  }
}

/** A command-line argument was invalid (the `simplehttpserver` command prints usage and exits 2). */
export class UsageError extends SimpleHTTPServerError {
  static readonly code = "ERR_USAGE";
  constructor(message: string) {
    super(message, UsageError.code);
  }
}
