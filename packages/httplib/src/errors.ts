/**
 * Error classes of @stdhttp/httplib, mirroring CPython's `http.client` exception hierarchy,
 * plus the parser and framing failures that the client and the server both meet.
 *
 * Every class has a stable `code` (also readable without an instance as the static
 * `Class.code`) and a `name` equal to the class name. All of them extend {@link HTTPException},
 * so `err instanceof HTTPException` catches every failure of this package.
 * The codes are listed in `docs/message-layer.md`.
 * @module
 */

/** Options accepted by every error constructor (the standard `cause`). */
export interface HTTPErrorOptions {
  /** The lower-level error that caused this one. */
  cause?: unknown;
}

/** Base class of every error of this package (Python's `http.client.HTTPException`). */
export class HTTPException extends Error {
  /** Stable code of this class; instances copy it into {@link HTTPException.code}. */
  static readonly code: string = "ERR_HTTP_EXCEPTION";
  /** Stable machine-readable code, e.g. `ERR_HTTP_INCOMPLETE_READ`. */
  readonly code: string;
  constructor(message = "", options?: HTTPErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = new.target.code;
  }
}

/** An operation needed a connection and none was open (`http.client.NotConnected`). */
export class NotConnected extends HTTPException {
  static override readonly code: string = "ERR_HTTP_NOT_CONNECTED";
}

/** The URL or host given to a connection is not usable, e.g. a bad port (`http.client.InvalidURL`). */
export class InvalidURL extends HTTPException {
  static override readonly code: string = "ERR_HTTP_INVALID_URL";
}

/** The server answered with an HTTP version we do not speak (`http.client.UnknownProtocol`). */
export class UnknownProtocol extends HTTPException {
  static override readonly code: string = "ERR_HTTP_UNKNOWN_PROTOCOL";
  /** The version string as received, e.g. `"HTTP/2.0"`. */
  readonly version: string;
  constructor(version: string, options?: HTTPErrorOptions) {
    super(`unknown protocol version: ${JSON.stringify(version)}`, options);
    this.version = version;
  }
}

/**
 * A Transfer-Encoding we cannot decode (`http.client.UnknownTransferEncoding`): for a request,
 * a coding other than `chunked` or `chunked` not last (RFC 9112 6.1, answer 501).
 */
export class UnknownTransferEncoding extends HTTPException {
  static override readonly code: string = "ERR_HTTP_UNKNOWN_TRANSFER_ENCODING";
  /** The Transfer-Encoding field value, when known. */
  readonly transferEncoding: string | undefined;
  constructor(transferEncoding?: string, options?: HTTPErrorOptions) {
    super(
      transferEncoding === undefined
        ? "unknown transfer encoding"
        : `unknown transfer encoding: ${JSON.stringify(transferEncoding)}`,
      options,
    );
    this.transferEncoding = transferEncoding;
  }
}

/** A file mode that is not supported (`http.client.UnimplementedFileMode`; kept for parity). */
export class UnimplementedFileMode extends HTTPException {
  static override readonly code: string = "ERR_HTTP_UNIMPLEMENTED_FILE_MODE";
}

/** The body ended (connection closed) before the announced length or chunk was complete (`http.client.IncompleteRead`). */
export class IncompleteRead extends HTTPException {
  static override readonly code: string = "ERR_HTTP_INCOMPLETE_READ";
  /** The bytes that did arrive. */
  readonly partial: Buffer;
  /** How many more bytes were expected, or `null` when unknown. */
  readonly expected: number | null;
  constructor(partial: Buffer, expected: number | null = null, options?: HTTPErrorOptions) {
    const more = expected === null ? "" : `, ${expected} more expected`;
    super(`IncompleteRead(${partial.length} bytes read${more})`, options);
    this.partial = partial;
    this.expected = expected;
  }
}

/** A connection method was called in the wrong state (`http.client.ImproperConnectionState`). */
export class ImproperConnectionState extends HTTPException {
  static override readonly code: string = "ERR_HTTP_IMPROPER_CONNECTION_STATE";
}

/** `putRequest()`/`request()` while a previous request is not finished (`http.client.CannotSendRequest`). */
export class CannotSendRequest extends ImproperConnectionState {
  static override readonly code: string = "ERR_HTTP_CANNOT_SEND_REQUEST";
}

/** `putHeader()`/`endHeaders()` outside of a started request (`http.client.CannotSendHeader`). */
export class CannotSendHeader extends ImproperConnectionState {
  static override readonly code: string = "ERR_HTTP_CANNOT_SEND_HEADER";
}

/** `getResponse()` before the request was sent, or while a response is still unread (`http.client.ResponseNotReady`). */
export class ResponseNotReady extends ImproperConnectionState {
  static override readonly code: string = "ERR_HTTP_RESPONSE_NOT_READY";
}

/** The status line of a response is malformed (`http.client.BadStatusLine`). */
export class BadStatusLine extends HTTPException {
  static override readonly code: string = "ERR_HTTP_BAD_STATUS_LINE";
  /** The offending line (latin1-decoded); `"''"` when it was empty, as in CPython. */
  readonly line: string;
  constructor(line: string, options?: HTTPErrorOptions, message?: string) {
    const shown = line === "" ? "''" : line;
    super(message ?? `bad status line: ${JSON.stringify(shown)}`, options);
    this.line = shown;
  }
}

/** A line (status, header, chunk size, trailer, ...) exceeded the line length limit (`http.client.LineTooLong`). */
export class LineTooLong extends HTTPException {
  static override readonly code: string = "ERR_HTTP_LINE_TOO_LONG";
  /** Which line: `"status line"`, `"request line"`, `"header line"`, `"chunk size"`, `"trailer line"`, ... */
  readonly lineType: string;
  /** The limit that was exceeded, in bytes. */
  readonly limit: number;
  constructor(lineType: string, limit = 65536, options?: HTTPErrorOptions) {
    super(`got more than ${limit} bytes when reading ${lineType}`, options);
    this.lineType = lineType;
    this.limit = limit;
  }
}

/**
 * The server closed the connection before sending any byte of a response
 * (`http.client.RemoteDisconnected`, which in Python is also a `ConnectionResetError`).
 */
export class RemoteDisconnected extends BadStatusLine {
  static override readonly code: string = "ERR_HTTP_REMOTE_DISCONNECTED";
  constructor(message = "Remote end closed connection without response", options?: HTTPErrorOptions) {
    super("", options, message);
  }
}

/** Why a header field line was rejected by {@link InvalidHeader}. */
export type InvalidHeaderReason =
  | "empty-name" // line starts with ":" (RFC 9110 5.1: field-name = token)
  | "bad-name" // a byte that is not a tchar in the name (RFC 9110 5.1)
  | "missing-colon" // no ":" in the line (RFC 9112 5)
  | "whitespace-before-colon" // RFC 9112 5.1
  | "obs-fold" // line starts with SP/HTAB (RFC 9112 5.2)
  | "bare-cr" // CR not followed by LF (RFC 9112 2.2)
  | "bare-lf" // LF without CR where bare LF is not allowed (RFC 9112 2.2)
  | "invalid-value"; // NUL, CR, LF or another CTL in the value (RFC 9110 5.5)

/** A header (or trailer) field is malformed, or a value to be written contains CR/LF/NUL/CTL. */
export class InvalidHeader extends HTTPException {
  static override readonly code: string = "ERR_HTTP_INVALID_HEADER";
  /** Which rule was broken. */
  readonly reason: InvalidHeaderReason;
  /** The field name, when it could be read. */
  readonly headerName: string | undefined;
  constructor(reason: InvalidHeaderReason, headerName?: string, options?: HTTPErrorOptions) {
    super(
      headerName === undefined
        ? `invalid header field (${reason})`
        : `invalid header field ${JSON.stringify(headerName)} (${reason})`,
      options,
    );
    this.reason = reason;
    this.headerName = headerName;
  }
}

/** More header (or trailer) fields than the limit (CPython raises `HTTPException("got more than 100 headers")`). */
export class TooManyHeaders extends HTTPException {
  static override readonly code: string = "ERR_HTTP_TOO_MANY_HEADERS";
  /** The limit that was exceeded. */
  readonly limit: number;
  constructor(limit: number, options?: HTTPErrorOptions) {
    super(`got more than ${limit} headers`, options);
    this.limit = limit;
  }
}

/** The whole message head (start line + fields) is larger than `maxHeadSize`. */
export class HeadTooLarge extends HTTPException {
  static override readonly code: string = "ERR_HTTP_HEAD_TOO_LARGE";
  /** The limit that was exceeded, in bytes. */
  readonly limit: number;
  constructor(limit: number, options?: HTTPErrorOptions) {
    super(`message head larger than ${limit} bytes`, options);
    this.limit = limit;
  }
}

/** A Content-Length that is not one non-negative decimal integer (RFC 9110 8.6, RFC 9112 6.3). */
export class InvalidContentLength extends HTTPException {
  static override readonly code: string = "ERR_HTTP_INVALID_CONTENT_LENGTH";
  /** The field value(s) as received, joined with ", ". */
  readonly value: string;
  constructor(value: string, options?: HTTPErrorOptions) {
    super(`invalid Content-Length: ${JSON.stringify(value)}`, options);
    this.value = value;
  }
}

/** A request carries both Content-Length and Transfer-Encoding (RFC 9112 6.1, 6.3: possible smuggling). */
export class ConflictingFraming extends HTTPException {
  static override readonly code: string = "ERR_HTTP_CONFLICTING_FRAMING";
  constructor(message = "both Content-Length and Transfer-Encoding present", options?: HTTPErrorOptions) {
    super(message, options);
  }
}

/** Why chunked data was rejected by {@link InvalidChunk}. */
export type InvalidChunkReason =
  | "size" // not 1*HEXDIG, or a sign, "0x", inner whitespace (RFC 9112 7.1)
  | "size-too-large" // above maxChunkSize or Number.MAX_SAFE_INTEGER
  | "extension" // malformed chunk-ext (RFC 9112 7.1.1)
  | "extension-too-long" // chunk extensions longer than maxExtensionLength
  | "missing-crlf" // chunk data not followed by CRLF, or bare CR / LF in a chunk line
  | "trailer-too-large"; // trailer section larger than maxTrailerSize

/** Malformed chunked transfer coding (RFC 9112 7.1). */
export class InvalidChunk extends HTTPException {
  static override readonly code: string = "ERR_HTTP_INVALID_CHUNK";
  /** Which rule was broken. */
  readonly reason: InvalidChunkReason;
  constructor(reason: InvalidChunkReason, detail?: string, options?: HTTPErrorOptions) {
    super(`invalid chunked encoding (${reason})${detail === undefined ? "" : `: ${detail}`}`, options);
    this.reason = reason;
  }
}

/** A body that must be buffered is larger than the configured limit. */
export class BodyTooLarge extends HTTPException {
  static override readonly code: string = "ERR_HTTP_BODY_TOO_LARGE";
  /** The limit that was exceeded, in bytes. */
  readonly limit: number;
  constructor(limit: number, options?: HTTPErrorOptions) {
    super(`body larger than ${limit} bytes`, options);
    this.limit = limit;
  }
}

/** Why a request line was rejected by {@link BadRequestLine}. */
export type BadRequestLineReason =
  | "empty" // nothing but empty lines
  | "missing-method" // line starts with SP
  | "missing-target" // only a method (`GET`)
  | "empty-target" // two SPs in a row
  | "missing-version" // `GET /`: HTTP/0.9 style (a server may answer it as CPython does)
  | "bad-version" // not exactly `HTTP/` DIGIT `.` DIGIT (RFC 9112 2.3)
  | "bad-target" // CTL, SP or DEL in the request-target (RFC 9112 3.2)
  | "bare-cr" // RFC 9112 2.2
  | "bare-lf"; // line ended by LF alone while `allowBareLF` is false

/** The request line is not `method SP request-target SP HTTP-version` (RFC 9112 3). */
export class BadRequestLine extends HTTPException {
  static override readonly code: string = "ERR_HTTP_BAD_REQUEST_LINE";
  /** The offending line (latin1-decoded, without its line end). */
  readonly line: string;
  /** Which rule was broken, when known. */
  readonly reason: BadRequestLineReason | undefined;
  constructor(line: string, reason?: BadRequestLineReason, options?: HTTPErrorOptions) {
    super(`bad request line${reason === undefined ? "" : ` (${reason})`}: ${JSON.stringify(line)}`, options);
    this.line = line;
    this.reason = reason;
  }
}

/** A method that is not a token (RFC 9110 9.1), on the wire or passed to `putRequest()`. */
export class InvalidMethod extends HTTPException {
  static override readonly code: string = "ERR_HTTP_INVALID_METHOD";
  /** The offending method. */
  readonly method: string;
  constructor(method: string, options?: HTTPErrorOptions) {
    super(`invalid method: ${JSON.stringify(method)}`, options);
    this.method = method;
  }
}
