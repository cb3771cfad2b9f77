/**
 * Error classes of @stdhttp/socketserver. Each failure has its own class with a stable
 * `code` string (also on the class: `LineTooLong.code`) and a `name` equal to the class name,
 * so callers can branch on either. The README lists every code (a test checks it).
 * @module
 */

/** Base class of every error this package throws, except {@link NotBuffered} (a `RangeError`). */
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
  static readonly code = "ERR_SOCKET_TIMEOUT";
  /** The timeout that expired, in seconds. */
  readonly timeout: number;
  constructor(timeout: number) {
    super(`timed out after ${timeout} s waiting for the peer`, SocketTimeout.code);
    this.timeout = timeout;
  }
}

/** `rfile.readline()` without an explicit limit met a line longer than the server's `maxLineLength`. */
export class LineTooLong extends SocketServerError {
  static readonly code = "ERR_LINE_TOO_LONG";
  /** The limit that was exceeded, in bytes. */
  readonly limit: number;
  constructor(limit: number) {
    super(`line longer than ${limit} bytes`, LineTooLong.code);
    this.limit = limit;
  }
}

/** `rfile.readExactly(n)` reached end of stream before `n` bytes arrived. */
export class IncompleteReadError extends SocketServerError {
  static readonly code = "ERR_INCOMPLETE_READ";
  /** The bytes that did arrive. */
  readonly partial: Buffer;
  /** How many bytes were asked for. */
  readonly expected: number;
  constructor(partial: Buffer, expected: number) {
    super(`connection closed after ${partial.length} of ${expected} bytes`, IncompleteReadError.code);
    this.partial = partial;
    this.expected = expected;
  }
}

/** A write or flush on a connection that is already closed or reset (Python's `BrokenPipeError`). */
export class ConnectionClosed extends SocketServerError {
  static readonly code = "ERR_CONNECTION_CLOSED";
  constructor(message = "connection is closed", options?: { cause?: unknown }) {
    super(message, ConnectionClosed.code, options);
  }
}

/** A server method was called in a state that does not allow it (e.g. `serveForever()` twice at once). */
export class ServerStateError extends SocketServerError {
  static readonly code = "ERR_SERVER_STATE";
  constructor(message: string) {
    super(message, ServerStateError.code);
  }
}

/** Unix datagram sockets need the optional native addon `unix-dgram`, which is not installed or did not build. */
export class UnixDatagramUnavailable extends SocketServerError {
  static readonly code = "ERR_UNIX_DGRAM_UNAVAILABLE";
  constructor(options?: { cause?: unknown }) {
    super(
      "Unix datagram sockets need the optional dependency 'unix-dgram' (a native addon); install it with a C++ toolchain available",
      UnixDatagramUnavailable.code,
      options,
    );
  }
}

/** A worker process exited (or never started serving) while a request was assigned to it. */
export class WorkerExited extends SocketServerError {
  static readonly code = "ERR_WORKER_EXITED";
  constructor(message: string) {
    super(message, WorkerExited.code);
  }
}

/** `ForkingMixIn` has no script for its workers: no `workerScript` and no main script (`process.argv[1]`). */
export class NoWorkerScript extends SocketServerError {
  static readonly code = "ERR_NO_WORKER_SCRIPT";
  constructor() {
    super("ForkingMixIn needs a script for its workers (workerScript)", NoWorkerScript.code);
  }
}

/** A datagram reply (`socket.sendto(data, address)`) was given an address it cannot send to. */
export class InvalidReplyAddress extends SocketServerError {
  static readonly code = "ERR_INVALID_REPLY_ADDRESS";
  constructor(message: string) {
    super(message, InvalidReplyAddress.code);
  }
}

/**
 * `rfile.skip(n)` was asked to consume more bytes than are buffered (or a negative count): a
 * caller's bug, so a `RangeError` (as Node's `ERR_OUT_OF_RANGE`), with a stable code like the others.
 */
export class NotBuffered extends RangeError {
  static readonly code = "ERR_NOT_BUFFERED";
  /** Always `ERR_NOT_BUFFERED`. */
  readonly code = NotBuffered.code;
  constructor(requested: number, buffered: number) {
    super(`skip(${requested}): only ${buffered} bytes are buffered`);
    this.name = "NotBuffered";
  }
}
