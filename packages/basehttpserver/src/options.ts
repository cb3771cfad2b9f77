/**
 * The options Node adds to the HTTP servers (limits, timeouts, the access-log hook), their
 * defaults, and the per-server state handlers share (shutdown flag, idle keep-alive connections).
 * @module
 */
import { DEFAULT_HEAD_LIMITS, type HeadLimits } from "@stdhttp/httplib";
import type { ServerOptions } from "@stdhttp/socketserver";

/** One answered request, as the `accessLog` hook receives it. */
export interface AccessLogEntry {
  /** The client's address: `[host, port]`, or a path for Unix sockets. */
  clientAddress: [string, number] | string;
  /** The request line without its line end (`""` when it could not be read). */
  requestLine: string;
  /** The method, or `null` when the request line could not be parsed. */
  command: string | null;
  /** The request path (after `//` collapsing). */
  path: string;
  /** The final status code sent (`0` when none was). */
  status: number;
  /** Bytes written to `wfile` after the head (the response body size). */
  size: number;
}

/**
 * Constructor options of `HTTPServer` and its subclasses: socketserver's `ServerOptions` plus
 * the HTTP limits and timeouts. Durations are in seconds (`null` disables the limit).
 */
export interface HTTPServerOptions extends ServerOptions {
  /** Seconds a client has to send a whole request head once it started (slowloris). Default 60. */
  headerTimeout?: number | null;
  /** Seconds an idle keep-alive connection waits for its next request before it is closed. Default 5. */
  keepAliveTimeout?: number | null;
  /** Seconds a client has to send a whole request, head and body. Checked while the body is read. Default 300. */
  requestTimeout?: number | null;
  /** Most requests served on one connection; the last answer carries `Connection: close`. Default 0 (no limit). */
  maxRequestsPerConnection?: number;
  /** Largest request body in bytes: a larger Content-Length is answered 413, a longer chunked body fails with `BodyTooLarge`. Default 10 MiB; `null`: no limit. */
  maxBodySize?: number | null;
  /** Most header fields in one request (CPython `_MAXHEADERS`). Default 100. */
  maxHeaders?: number;
  /** Largest request head (request line, fields, empty line), in bytes. Default 81920. */
  maxHeadSize?: number;
  /** Called once per answered request with its status and body size (Common Log Format material). Default none. */
  accessLog?: ((entry: AccessLogEntry) => void) | null;
}

/** The resolved HTTP settings of a server. */
export interface HTTPSettings {
  headerTimeout: number | null;
  keepAliveTimeout: number | null;
  requestTimeout: number | null;
  bodyTimeout: number | null;
  maxRequestsPerConnection: number;
  maxBodySize: number;
  maxLineLength: number;
  maxHeadSize: number;
  accessLog: ((entry: AccessLogEntry) => void) | null;
  /** The head parser's limits, complete (httplib then uses them as they are: nothing allocated per request). */
  parseLimits: Readonly<Required<HeadLimits>>;
}

/** A connection as the server sees it between requests. @internal */
export interface IdleConnection {
  /** True while it waits for its next request. */
  awaitingRequest: boolean;
  /** The sweep count when it began waiting under the keep-alive timeout; -1 when it does not. */
  keepAliveSweep: number;
  /** Close it now (shutdown, `closeIdleConnections()`). */
  closeIdle(): void;
  /** Its keep-alive timeout expired: stop waiting and close. */
  expireIdle(): void;
}

/** State shared by a server and its handlers. @internal */
export interface ServerState {
  settings: HTTPSettings;
  /** True while the server shuts down: new answers close their connection. */
  closing: boolean;
  /** The open connections (between a handler's `setup()` and `finish()`). */
  connections: Set<IdleConnection>;
  /** The keep-alive sweeper (`keep-alive.ts`), running while there are connections. */
  sweeper: ReturnType<typeof setInterval> | null;
  /** Sweeps so far: the keep-alive clock. */
  sweeps: number;
}

/** The defaults of {@link HTTPServerOptions}. */
export const HTTP_DEFAULTS = Object.freeze({
  headerTimeout: 60,
  keepAliveTimeout: 5,
  requestTimeout: 300,
  maxRequestsPerConnection: 0,
  maxBodySize: 10 * 1024 * 1024,
  maxHeaders: DEFAULT_HEAD_LIMITS.maxHeaders,
  maxHeadSize: DEFAULT_HEAD_LIMITS.maxHeadSize,
  idleTimeout: 120,
  maxLineLength: DEFAULT_HEAD_LIMITS.maxLineLength,
});

function pick<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

/** Resolves options into settings. @internal */
export function resolveSettings(options: Readonly<HTTPServerOptions> | undefined): HTTPSettings {
  const o = options ?? {};
  const maxLineLength = o.maxLineLength ?? HTTP_DEFAULTS.maxLineLength;
  const maxHeaders = o.maxHeaders ?? HTTP_DEFAULTS.maxHeaders;
  const maxHeadSize = o.maxHeadSize ?? HTTP_DEFAULTS.maxHeadSize;
  const maxBody = pick(o.maxBodySize, HTTP_DEFAULTS.maxBodySize);
  return {
    headerTimeout: pick(o.headerTimeout, HTTP_DEFAULTS.headerTimeout),
    keepAliveTimeout: pick(o.keepAliveTimeout, HTTP_DEFAULTS.keepAliveTimeout),
    requestTimeout: pick(o.requestTimeout, HTTP_DEFAULTS.requestTimeout),
    bodyTimeout: pick(o.idleTimeout, HTTP_DEFAULTS.idleTimeout),
    maxRequestsPerConnection: o.maxRequestsPerConnection ?? 0,
    maxBodySize: maxBody === null ? Number.MAX_SAFE_INTEGER : maxBody,
    maxLineLength,
    maxHeadSize,
    accessLog: o.accessLog ?? null,
    parseLimits: Object.freeze({ ...DEFAULT_HEAD_LIMITS, maxLineLength, maxHeaders, maxHeadSize }),
  };
}

const states = new WeakMap<object, ServerState>();

/**
 * The state of `server` (any server: a handler may run on socketserver's plain `TCPServer`,
 * whose `options` then supply only the socketserver fields). Created once per server. @internal
 */
export function serverState(server: object): ServerState {
  let state = states.get(server);
  if (state === undefined) {
    const options = (server as { options?: Readonly<HTTPServerOptions> }).options;
    state = { settings: resolveSettings(options), closing: false, connections: new Set(), sweeper: null, sweeps: 0 };
    states.set(server, state);
  }
  return state;
}
