/**
 * Error classes of @stdhttp/socketserver. Each failure has its own class with a stable
 * `code` string and a `name` equal to the class name, so callers can branch on either.
 * @module
 */

/** Base class of every error this package throws. */
export class SocketServerError extends Error {
  /** Stable machine-readable code, e.g. `ERR_SOCKET_TIMEOUT`. */
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A read or flush waited longer than the handler's timeout (Python's `socket.timeout`). */
export class SocketTimeout extends SocketServerError {
  /** The timeout that expired, in seconds. */
  readonly timeout: number;
  constructor(timeout: number) {
    super(`timed out after ${timeout} s waiting for the peer`, "ERR_SOCKET_TIMEOUT");
    this.timeout = timeout;
  }
}

/** `rfile.readline()` without an explicit limit met a line longer than the server's `maxLineLength`. */
export class LineTooLong extends SocketServerError {
  /** The limit that was exceeded, in bytes. */
  readonly limit: number;
  constructor(limit: number) {
    super(`line longer than ${limit} bytes`, "ERR_LINE_TOO_LONG");
    this.limit = limit;
  }
}

/** `rfile.readExactly(n)` reached end of stream before `n` bytes arrived. */
export class IncompleteReadError extends SocketServerError {
  /** The bytes that did arrive. */
  readonly partial: Buffer;
  /** How many bytes were asked for. */
  readonly expected: number;
  constructor(partial: Buffer, expected: number) {
    super(`connection closed after ${partial.length} of ${expected} bytes`, "ERR_INCOMPLETE_READ");
    this.partial = partial;
    this.expected = expected;
  }
}

/** A write or flush on a connection that is already closed or reset (Python's `BrokenPipeError`). */
export class ConnectionClosed extends SocketServerError {
  constructor(message = "connection is closed", options?: { cause?: unknown }) {
    super(message, "ERR_CONNECTION_CLOSED", options);
  }
}

/** A server method was called in a state that does not allow it (e.g. `serveForever()` twice at once). */
export class ServerStateError extends SocketServerError {
  constructor(message: string) {
    super(message, "ERR_SERVER_STATE");
  }
}

/** Unix datagram sockets need the optional native addon `unix-dgram`, which is not installed or did not build. */
export class UnixDatagramUnavailable extends SocketServerError {
  constructor(options?: { cause?: unknown }) {
    super(
      "Unix datagram sockets need the optional dependency 'unix-dgram' (a native addon); install it with a C++ toolchain available",
      "ERR_UNIX_DGRAM_UNAVAILABLE",
      options,
    );
  }
}
