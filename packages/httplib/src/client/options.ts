/**
 * Options of {@link HTTPConnection} and the shapes that go with them.
 * @module
 */
import type { HeadLimits, HTTPMessage } from "../message/index.js";
import { checkSeconds, secondsToMs } from "./durations.js";
import type { PhaseTimeouts } from "./wire.js";
import type { ResolvedLimits } from "./read-head.js";

/** An interim (1xx) response, reported through the `"information"` event and `onInformation`. */
export interface InformationalResponse {
  /** 100-199 except 101. */
  status: number;
  /** Reason phrase. */
  reason: string;
  /** 10 or 11. */
  version: 10 | 11;
  /** Its header fields (e.g. `Link` of a 103 Early Hints). */
  headers: HTTPMessage;
}

/**
 * Options of {@link HTTPConnection} (and of {@link HTTPSConnection}, which adds TLS ones).
 * Every duration is in SECONDS, as CPython's `timeout` (fractions allowed: `0.05` is 50 ms).
 */
export interface HTTPConnectionOptions {
  /**
   * CPython's `timeout`, in seconds: default for `connectTimeout`, `headersTimeout` and
   * `bodyTimeout`. 0 disables. Default: unset/null (each of the three keeps its own default).
   */
  timeout?: number | null;
  /** Inactivity limit while connecting (TCP, proxy tunnel, TLS), seconds. Default 10; 0 = none. Throws `ConnectTimeout`. */
  connectTimeout?: number;
  /** Inactivity limit between sending a request and the end of its response head, seconds. Default 300; 0 = none. Throws `HeadersTimeout`. */
  headersTimeout?: number;
  /** Inactivity limit while reading a body, seconds. Default 300; 0 = none. Throws `BodyTimeout`. */
  bodyTimeout?: number;
  /** Local `[host, port]` to bind before connecting (CPython `source_address`); `""`/0 mean any. Default: none. */
  sourceAddress?: readonly [string, number] | null;
  /** Read size for `FileHandle` bodies, bytes (CPython `blocksize`). Default 8192. */
  blocksize?: number;
  /** Most header fields in a response head (CPython 3.13 `max_response_headers`). Default 100. Exceeding it throws `TooManyHeaders`. */
  maxResponseHeaders?: number;
  /** Other limits of the response head parser (line length 65536, head size 81920, ...). */
  headLimits?: HeadLimits;
  /** How many requests may be outstanding on the socket (sent, response not read to the end). Default 1 (CPython). */
  pipelining?: number;
  /** Connect to this Unix domain socket instead of `host:port` (the Host header still names `host`). Default: none. */
  socketPath?: string | null;
  /** With `Expect: 100-continue`, how long to wait for the interim answer before sending the body anyway, seconds. Default 1; 0 = do not wait. */
  expectContinueTimeout?: number;
  /** Reconnect automatically when a request is sent on a closed connection (CPython `auto_open`). Default true. */
  autoOpen?: boolean;
  /** Called for each interim 1xx response (also emitted as the `"information"` event). */
  onInformation?: ((info: InformationalResponse) => void) | null;
  /** Where `setDebugLevel(n > 0)` output goes. Default `console.log`. */
  debugWriter?: ((line: string) => void) | null;
}

/** Phase timeouts `[idle, connect, headers, body]` in seconds from the options; throws `RangeError` for a bad one. */
export function resolveTimeouts(o: HTTPConnectionOptions): PhaseTimeouts {
  const t = o.timeout === undefined || o.timeout === null ? undefined : checkSeconds("timeout", o.timeout);
  const connect = seconds("connectTimeout", o.connectTimeout, t ?? 10);
  const headers = seconds("headersTimeout", o.headersTimeout, t ?? 300);
  const body = seconds("bodyTimeout", o.bodyTimeout, t ?? 300);
  // Idle sockets reuse the headers timer value, so a request does not re-arm the timer.
  return [headers, connect, headers, body];
}

/** The `expectContinueTimeout` option as a timer delay in ms. */
export function resolveExpectContinueMs(o: HTTPConnectionOptions): number {
  return secondsToMs(seconds("expectContinueTimeout", o.expectContinueTimeout, 1));
}

function seconds(name: string, value: number | undefined, fallback: number): number {
  return value === undefined ? fallback : checkSeconds(name, value);
}

/** Head limits of responses from the options (bare LF accepted, as CPython). */
export function resolveHeadLimits(o: HTTPConnectionOptions): ResolvedLimits {
  const l = o.headLimits ?? {};
  return {
    maxLineLength: l.maxLineLength ?? 65536,
    maxHeaders: o.maxResponseHeaders ?? l.maxHeaders ?? 100,
    maxHeadSize: l.maxHeadSize ?? 81920,
    allowObsFold: l.allowObsFold ?? false,
    allowBareLF: l.allowBareLF ?? true,
  };
}
