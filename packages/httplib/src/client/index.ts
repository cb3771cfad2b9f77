/**
 * The HTTP/1.1 client: connections, responses, the 2002 `HTTP`/`HTTPS` API and a pool.
 * @module
 */
export { HTTPConnection, type PutRequestOptions, type EndHeadersOptions, type RequestOptions } from "./connection.js";
export { HTTPSConnection, type HTTPSConnectionOptions } from "./https.js";
export { HTTPResponse } from "./response.js";
export { HTTP, HTTPS, type ReplyFile } from "./legacy.js";
export { HTTPConnectionPool, type HTTPConnectionPoolOptions, type PoolRequest } from "./pool.js";
export type { HTTPConnectionOptions, InformationalResponse } from "./options.js";
export type { RequestBody } from "./body.js";
export { METHODS_EXPECTING_BODY } from "./body.js";
export { getHostPort, type HeaderValue, type RequestHeaders } from "./checks.js";
export {
  ClientTimeout,
  ConnectTimeout,
  HeadersTimeout,
  BodyTimeout,
  RequestAborted,
  TunnelError,
  PoolClosed,
  UnsolicitedUpgrade,
  ClosedWhileConnecting,
  ClosedWhileSending,
  NonErrorThrown,
} from "./errors.js";
export { HTTP_PORT, HTTPS_PORT } from "./ports.js";
