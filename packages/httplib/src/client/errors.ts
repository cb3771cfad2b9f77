/**
 * Errors that only the client raises: timeouts per phase, aborts, proxy tunnel failures and a
 * closed pool. Like every error of the package they extend `HTTPException` and carry a stable `code`.
 * @module
 */
import { isNativeError } from "node:util/types";
import { HTTPException, type HTTPErrorOptions } from "../errors.js";

/**
 * Base class of the client's timeouts (CPython raises `TimeoutError` from the socket).
 * Timeouts are inactivity timeouts: the timer restarts whenever bytes arrive or leave.
 */
export class ClientTimeout extends HTTPException {
  static override readonly code: string = "ERR_HTTP_CLIENT_TIMEOUT";
  /** The timeout that expired, in seconds (as given in the options). */
  readonly timeout: number;
  /** @param timeout - the timeout that expired, in seconds. */
  constructor(timeout: number, what = "operation", options?: HTTPErrorOptions) {
    super(`${what} timed out after ${timeout} s`, options);
    this.timeout = timeout;
  }
}

/** The TCP (or TLS, or proxy tunnel) connection was not established within `connectTimeout`. */
export class ConnectTimeout extends ClientTimeout {
  static override readonly code: string = "ERR_HTTP_CONNECT_TIMEOUT";
  constructor(timeout: number, options?: HTTPErrorOptions) {
    super(timeout, "connect", options);
  }
}

/** The response head did not arrive within `headersTimeout` of inactivity after the request was sent. */
export class HeadersTimeout extends ClientTimeout {
  static override readonly code: string = "ERR_HTTP_HEADERS_TIMEOUT";
  constructor(timeout: number, options?: HTTPErrorOptions) {
    super(timeout, "waiting for the response head", options);
  }
}

/** No byte of the response body arrived within `bodyTimeout`. */
export class BodyTimeout extends ClientTimeout {
  static override readonly code: string = "ERR_HTTP_BODY_TIMEOUT";
  constructor(timeout: number, options?: HTTPErrorOptions) {
    super(timeout, "reading the response body", options);
  }
}

/** The request's `AbortSignal` fired; `cause` is the signal's reason. */
export class RequestAborted extends HTTPException {
  static override readonly code: string = "ERR_HTTP_REQUEST_ABORTED";
  constructor(reason?: unknown) {
    super("request aborted", { cause: reason });
  }
}

/** The proxy answered the CONNECT request of {@link HTTPConnection.setTunnel} with a status other than 200 (CPython raises `OSError`). */
export class TunnelError extends HTTPException {
  static override readonly code: string = "ERR_HTTP_TUNNEL_FAILED";
  /** Status code of the proxy's answer. */
  readonly status: number;
  /** Reason phrase of the proxy's answer. */
  readonly reason: string;
  constructor(status: number, reason: string, options?: HTTPErrorOptions) {
    super(`Tunnel connection failed: ${status} ${reason}`.trimEnd(), options);
    this.status = status;
    this.reason = reason;
  }
}

/** A request was given to an {@link HTTPConnectionPool} after `close()`. */
export class PoolClosed extends HTTPException {
  static override readonly code: string = "ERR_HTTP_POOL_CLOSED";
  constructor(options?: HTTPErrorOptions) {
    super("the connection pool is closed", options);
  }
}

/**
 * The server answered `101 Switching Protocols` to a request that asked for no protocol change
 * (it had no `Upgrade` header field): RFC 9110 15.2.2 forbids that, and the bytes that follow
 * cannot be read as HTTP. The connection is closed. (CPython does not check this.)
 */
export class UnsolicitedUpgrade extends HTTPException {
  static override readonly code: string = "ERR_HTTP_UNSOLICITED_UPGRADE";
  /** The `Upgrade` field of the 101 answer, when it had one. */
  readonly upgrade: string | undefined;
  constructor(upgrade?: string, options?: HTTPErrorOptions) {
    super("101 Switching Protocols to a request without Upgrade (RFC 9110 15.2.2)", options);
    this.upgrade = upgrade;
  }
}

/** The socket closed before its connection (TCP, or TLS) was established, without an error of its own. */
export class ClosedWhileConnecting extends HTTPException {
  static override readonly code: string = "ERR_HTTP_CLOSED_WHILE_CONNECTING";
  constructor(options?: HTTPErrorOptions) {
    super("socket closed while connecting", options);
  }
}

/** The socket was closed (by the server, a timeout or an abort without its own error) while the request body was being written. */
export class ClosedWhileSending extends HTTPException {
  static override readonly code: string = "ERR_HTTP_CLOSED_WHILE_SENDING";
  constructor(options?: HTTPErrorOptions) {
    super("socket closed while sending the request body", options);
  }
}

/** Something that is not an `Error` was thrown while a request was prepared or sent (e.g. by a body iterable); `cause` is the value. */
export class NonErrorThrown extends HTTPException {
  static override readonly code: string = "ERR_HTTP_NON_ERROR_THROWN";
  constructor(value: unknown) {
    super(`non-Error thrown: ${String(value)}`, { cause: value });
  }
}

/** `err` itself when it is an `Error` (of any realm), else a {@link NonErrorThrown} holding it. */
export function asError(err: unknown): Error {
  return err instanceof Error || isNativeError(err) ? err : new NonErrorThrown(err);
}
