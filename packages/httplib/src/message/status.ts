/**
 * HTTP status codes: the IANA registry as CPython 3.13's `http.HTTPStatus` knows it (RFC 9110 names,
 * plus 102, 103, 207, 208, 226, 418, 421-426, 428, 429, 431, 451, 506-511), with phrases and
 * descriptions copied from CPython so error pages read the same.
 * @module
 */

/** One registry row: `[value, NAME, phrase, description]`. */
type StatusRow = readonly [number, string, string, string];

const TABLE: readonly StatusRow[] = [
  [100, "CONTINUE", "Continue", "Request received, please continue"],
  [101, "SWITCHING_PROTOCOLS", "Switching Protocols", "Switching to new protocol; obey Upgrade header"],
  [102, "PROCESSING", "Processing", ""],
  [103, "EARLY_HINTS", "Early Hints", ""],
  [200, "OK", "OK", "Request fulfilled, document follows"],
  [201, "CREATED", "Created", "Document created, URL follows"],
  [202, "ACCEPTED", "Accepted", "Request accepted, processing continues off-line"],
  [203, "NON_AUTHORITATIVE_INFORMATION", "Non-Authoritative Information", "Request fulfilled from cache"],
  [204, "NO_CONTENT", "No Content", "Request fulfilled, nothing follows"],
  [205, "RESET_CONTENT", "Reset Content", "Clear input form for further input"],
  [206, "PARTIAL_CONTENT", "Partial Content", "Partial content follows"],
  [207, "MULTI_STATUS", "Multi-Status", ""],
  [208, "ALREADY_REPORTED", "Already Reported", ""],
  [226, "IM_USED", "IM Used", ""],
  [300, "MULTIPLE_CHOICES", "Multiple Choices", "Object has several resources -- see URI list"],
  [301, "MOVED_PERMANENTLY", "Moved Permanently", "Object moved permanently -- see URI list"],
  [302, "FOUND", "Found", "Object moved temporarily -- see URI list"],
  [303, "SEE_OTHER", "See Other", "Object moved -- see Method and URL list"],
  [304, "NOT_MODIFIED", "Not Modified", "Document has not changed since given time"],
  [305, "USE_PROXY", "Use Proxy", "You must use proxy specified in Location to access this resource"],
  [307, "TEMPORARY_REDIRECT", "Temporary Redirect", "Object moved temporarily -- see URI list"],
  [308, "PERMANENT_REDIRECT", "Permanent Redirect", "Object moved permanently -- see URI list"],
  [400, "BAD_REQUEST", "Bad Request", "Bad request syntax or unsupported method"],
  [401, "UNAUTHORIZED", "Unauthorized", "No permission -- see authorization schemes"],
  [402, "PAYMENT_REQUIRED", "Payment Required", "No payment -- see charging schemes"],
  [403, "FORBIDDEN", "Forbidden", "Request forbidden -- authorization will not help"],
  [404, "NOT_FOUND", "Not Found", "Nothing matches the given URI"],
  [405, "METHOD_NOT_ALLOWED", "Method Not Allowed", "Specified method is invalid for this resource"],
  [406, "NOT_ACCEPTABLE", "Not Acceptable", "URI not available in preferred format"],
  [407, "PROXY_AUTHENTICATION_REQUIRED", "Proxy Authentication Required", "You must authenticate with this proxy before proceeding"],
  [408, "REQUEST_TIMEOUT", "Request Timeout", "Request timed out; try again later"],
  [409, "CONFLICT", "Conflict", "Request conflict"],
  [410, "GONE", "Gone", "URI no longer exists and has been permanently removed"],
  [411, "LENGTH_REQUIRED", "Length Required", "Client must specify Content-Length"],
  [412, "PRECONDITION_FAILED", "Precondition Failed", "Precondition in headers is false"],
  [413, "CONTENT_TOO_LARGE", "Content Too Large", "Content is too large"],
  [414, "URI_TOO_LONG", "URI Too Long", "URI is too long"],
  [415, "UNSUPPORTED_MEDIA_TYPE", "Unsupported Media Type", "Entity body in unsupported format"],
  [416, "RANGE_NOT_SATISFIABLE", "Range Not Satisfiable", "Cannot satisfy request range"],
  [417, "EXPECTATION_FAILED", "Expectation Failed", "Expect condition could not be satisfied"],
  [418, "IM_A_TEAPOT", "I'm a Teapot", "Server refuses to brew coffee because it is a teapot."],
  [421, "MISDIRECTED_REQUEST", "Misdirected Request", "Server is not able to produce a response"],
  [422, "UNPROCESSABLE_CONTENT", "Unprocessable Content", ""],
  [423, "LOCKED", "Locked", ""],
  [424, "FAILED_DEPENDENCY", "Failed Dependency", ""],
  [425, "TOO_EARLY", "Too Early", ""],
  [426, "UPGRADE_REQUIRED", "Upgrade Required", ""],
  [428, "PRECONDITION_REQUIRED", "Precondition Required", "The origin server requires the request to be conditional"],
  [429, "TOO_MANY_REQUESTS", "Too Many Requests", "The user has sent too many requests in a given amount of time (\"rate limiting\")"],
  [431, "REQUEST_HEADER_FIELDS_TOO_LARGE", "Request Header Fields Too Large", "The server is unwilling to process the request because its header fields are too large"],
  [451, "UNAVAILABLE_FOR_LEGAL_REASONS", "Unavailable For Legal Reasons", "The server is denying access to the resource as a consequence of a legal demand"],
  [500, "INTERNAL_SERVER_ERROR", "Internal Server Error", "Server got itself in trouble"],
  [501, "NOT_IMPLEMENTED", "Not Implemented", "Server does not support this operation"],
  [502, "BAD_GATEWAY", "Bad Gateway", "Invalid responses from another server/proxy"],
  [503, "SERVICE_UNAVAILABLE", "Service Unavailable", "The server cannot process the request due to a high load"],
  [504, "GATEWAY_TIMEOUT", "Gateway Timeout", "The gateway server did not receive a timely response"],
  [505, "HTTP_VERSION_NOT_SUPPORTED", "HTTP Version Not Supported", "Cannot fulfill request"],
  [506, "VARIANT_ALSO_NEGOTIATES", "Variant Also Negotiates", ""],
  [507, "INSUFFICIENT_STORAGE", "Insufficient Storage", ""],
  [508, "LOOP_DETECTED", "Loop Detected", ""],
  [510, "NOT_EXTENDED", "Not Extended", ""],
  [511, "NETWORK_AUTHENTICATION_REQUIRED", "Network Authentication Required", "The client needs to authenticate to gain network access"],
];

/**
 * Status codes by Python name, as numbers (`HTTPStatus.NOT_FOUND === 404`), like `http.HTTPStatus`.
 * Also carries CPython's four old aliases (`REQUEST_ENTITY_TOO_LARGE`, `REQUEST_URI_TOO_LONG`,
 * `REQUESTED_RANGE_NOT_SATISFIABLE`, `UNPROCESSABLE_ENTITY`).
 * @example
 * ```ts
 * import { HTTPStatus } from "@stdhttp/httplib";
 * if (response.status === HTTPStatus.NOT_FOUND) { ... }
 * ```
 */
export const HTTPStatus = Object.freeze({
  CONTINUE: 100,
  SWITCHING_PROTOCOLS: 101,
  PROCESSING: 102,
  EARLY_HINTS: 103,
  OK: 200,
  CREATED: 201,
  ACCEPTED: 202,
  NON_AUTHORITATIVE_INFORMATION: 203,
  NO_CONTENT: 204,
  RESET_CONTENT: 205,
  PARTIAL_CONTENT: 206,
  MULTI_STATUS: 207,
  ALREADY_REPORTED: 208,
  IM_USED: 226,
  MULTIPLE_CHOICES: 300,
  MOVED_PERMANENTLY: 301,
  FOUND: 302,
  SEE_OTHER: 303,
  NOT_MODIFIED: 304,
  USE_PROXY: 305,
  TEMPORARY_REDIRECT: 307,
  PERMANENT_REDIRECT: 308,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  PAYMENT_REQUIRED: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  PROXY_AUTHENTICATION_REQUIRED: 407,
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  GONE: 410,
  LENGTH_REQUIRED: 411,
  PRECONDITION_FAILED: 412,
  CONTENT_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  EXPECTATION_FAILED: 417,
  IM_A_TEAPOT: 418,
  MISDIRECTED_REQUEST: 421,
  UNPROCESSABLE_CONTENT: 422,
  LOCKED: 423,
  FAILED_DEPENDENCY: 424,
  TOO_EARLY: 425,
  UPGRADE_REQUIRED: 426,
  PRECONDITION_REQUIRED: 428,
  TOO_MANY_REQUESTS: 429,
  REQUEST_HEADER_FIELDS_TOO_LARGE: 431,
  UNAVAILABLE_FOR_LEGAL_REASONS: 451,
  INTERNAL_SERVER_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
  GATEWAY_TIMEOUT: 504,
  HTTP_VERSION_NOT_SUPPORTED: 505,
  VARIANT_ALSO_NEGOTIATES: 506,
  INSUFFICIENT_STORAGE: 507,
  LOOP_DETECTED: 508,
  NOT_EXTENDED: 510,
  NETWORK_AUTHENTICATION_REQUIRED: 511,
  /** Old name of CONTENT_TOO_LARGE (kept as in CPython). */
  REQUEST_ENTITY_TOO_LARGE: 413,
  /** Old name of URI_TOO_LONG (kept as in CPython). */
  REQUEST_URI_TOO_LONG: 414,
  /** Old name of RANGE_NOT_SATISFIABLE (kept as in CPython). */
  REQUESTED_RANGE_NOT_SATISFIABLE: 416,
  /** Old name of UNPROCESSABLE_CONTENT (kept as in CPython). */
  UNPROCESSABLE_ENTITY: 422,
} as const);

/** What {@link statusInfo} returns: the fields of a CPython `HTTPStatus` member. */
export interface StatusInfo {
  /** The numeric code, e.g. 404. */
  value: number;
  /** The Python member name, e.g. `"NOT_FOUND"`. */
  name: string;
  /** The reason phrase, e.g. `"Not Found"`. */
  phrase: string;
  /** A longer description (may be empty), e.g. `"Nothing matches the given URI"`. */
  description: string;
  /** 1xx (CPython 3.12 `is_informational`). */
  isInformational: boolean;
  /** 2xx (`is_success`). */
  isSuccess: boolean;
  /** 3xx (`is_redirection`). */
  isRedirection: boolean;
  /** 4xx (`is_client_error`). */
  isClientError: boolean;
  /** 5xx (`is_server_error`). */
  isServerError: boolean;
}

const INFO = new Map<number, Readonly<StatusInfo>>();
const PHRASES: Record<number, string> = {};
for (const [value, name, phrase, description] of TABLE) {
  const klass = Math.floor(value / 100);
  INFO.set(
    value,
    Object.freeze({
      value,
      name,
      phrase,
      description,
      isInformational: klass === 1,
      isSuccess: klass === 2,
      isRedirection: klass === 3,
      isClientError: klass === 4,
      isServerError: klass === 5,
    }),
  );
  PHRASES[value] = phrase;
}

/**
 * Name, phrase and description of a registered status code, or `undefined` for an unregistered one
 * (`http.HTTPStatus(code)` raises instead).
 * @example
 * ```ts
 * statusInfo(413); // { value: 413, name: "CONTENT_TOO_LARGE", phrase: "Content Too Large", description: "Content is too large", isClientError: true, ... }
 * ```
 */
export function statusInfo(code: number): StatusInfo | undefined {
  return INFO.get(code);
}

/** Status code to reason phrase, as `http.client.responses` (`responses[404] === "Not Found"`). */
export const responses: Readonly<Record<number, string>> = Object.freeze(PHRASES);

