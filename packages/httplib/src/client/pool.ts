/**
 * `HTTPConnectionPool`: a few keep-alive {@link HTTPConnection}s to one origin, shared by
 * concurrent requests (what undici's `Pool` does), optionally pipelining on each.
 * @module
 */
import { unwatchAbort, watchAbort } from "./abort-watch.js";
import type { RequestBody } from "./body.js";
import type { RequestHeaders } from "./checks.js";
import { HTTPConnection } from "./connection.js";
import { checkSeconds, secondsToMs } from "./durations.js";
import { RemoteDisconnected } from "../errors.js";
import { parseTokenList } from "../message/index.js";
import { PoolClosed, RequestAborted } from "./errors.js";
import { HTTPSConnection, type HTTPSConnectionOptions } from "./https.js";
import { resolveExpectContinueMs, resolveTimeouts } from "./options.js";
import { SENT } from "./send-request.js";
import type { HTTPResponse } from "./response.js";

/** Options of {@link HTTPConnectionPool}: connection options plus the pool's own. */
export interface HTTPConnectionPoolOptions extends HTTPSConnectionOptions {
  /** Most connections open at once. Default 10. */
  connections?: number;
  /**
   * An idle connection is closed after this many seconds (0: as soon as it is idle). Default 4.
   * A server's `Keep-Alive: timeout=N` hint replaces it for that connection (see below).
   */
  keepAliveTimeout?: number;
  /** Most seconds a server's `Keep-Alive: timeout=N` hint may keep a connection idle. Default 600. */
  keepAliveMaxTimeout?: number;
  /**
   * Seconds subtracted from a server's `Keep-Alive: timeout=N` hint, so that the pool lets the
   * connection go before the server does (transport latency, timer granularity). Default 2.
   */
  keepAliveTimeoutThreshold?: number;
  /** Requests outstanding per connection. Default 1. */
  pipelining?: number;
  /** Use {@link HTTPSConnection}s. Default false. */
  https?: boolean;
}

/** One request of {@link HTTPConnectionPool.request}. */
export interface PoolRequest {
  /** Default "GET". */
  method?: string;
  /** Request target. Default "/". */
  path?: string;
  /** Request headers. */
  headers?: RequestHeaders;
  /** Request body (see `RequestBody`). */
  body?: RequestBody | null;
  /** Aborts the request, whether queued, sending or reading. */
  signal?: AbortSignal | null;
}

interface Slot {
  conn: HTTPConnection;
  assigned: number;
  idleSince: number;
  /** How long this connection may stay idle, ms: `keepAliveTimeout`, or the server's hint. */
  idleMs: number;
  /**
   * Pipelining: settles once the request started last on this connection has asked for its
   * answer. `getResponse()` takes the earliest unanswered request's answer, so the requests of one
   * connection must ask in the order they were sent, however long each took to write.
   */
  turn: Promise<void>;
}

/** The {@link Slot.turn} of a connection with no request yet. */
const NO_TURN: Promise<void> = Promise.resolve();
const noop = (): void => {};

/** RFC 9110 9.2.2: methods whose request may be repeated with the same effect. */
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

/** Socket errors of a write to a connection the server already closed. */
const STALE_WRITE_CODES = new Set(["EPIPE", "ECONNRESET", "ECONNABORTED"]);

/**
 * The `timeout` parameter of `Keep-Alive` header values (seconds), or null. The header is the
 * HTTP/1.0-era hint servers still send (`Keep-Alive: timeout=5, max=100`; RFC 2068 19.7.1.1).
 */
function keepAliveTimeoutHint(values: readonly string[]): number | null {
  if (values.length === 0) return null;
  for (const element of parseTokenList(values)) {
    const eq = element.indexOf("=");
    if (eq === -1 || element.slice(0, eq).trimEnd() !== "timeout") continue;
    const m = /^\s*"?(\d+)/.exec(element.slice(eq + 1));
    if (m !== null) return Number(m[1]);
  }
  return null;
}

interface Waiter {
  req: PoolRequest;
  resolve: (res: HTTPResponse) => void;
  reject: (err: unknown) => void;
  onAbort: (() => void) | null;
}

/**
 * A pool of connections to `host:port`. `request()` resolves to the {@link HTTPResponse} once its
 * head has arrived. **Read the body to its end or `close()` the response**: only then does its
 * connection take the next request (an unread response holds its connection forever).
 *
 * For the caller: `request()`, `close()`, `size`, `pending`.
 * @example
 * ```ts
 * const pool = new HTTPConnectionPool("localhost", 8080, { connections: 4 });
 * const res = await pool.request({ method: "GET", path: "/items" });
 * const body = await res.read(); // frees the connection
 * pool.close();
 * ```
 */
export class HTTPConnectionPool {
  readonly host: string;
  readonly port: number | undefined;
  readonly connections: number;
  /** Seconds an idle connection is kept (the `keepAliveTimeout` option). */
  readonly keepAliveTimeout: number;
  readonly #keepAliveMs: number;
  readonly #maxKeepAliveMs: number;
  readonly #keepAliveThresholdMs: number;
  readonly #options: HTTPConnectionPoolOptions;
  #slots: Slot[] = [];
  #queue: Waiter[] = [];
  #closed = false;
  #sweeper: NodeJS.Timeout | null = null;
  /** When the armed sweeper fires (ms since the epoch), or 0. */
  #sweepAt = 0;

  constructor(host: string, port?: number | null, options: HTTPConnectionPoolOptions = {}) {
    this.host = host;
    this.port = port ?? undefined;
    this.connections = Math.max(1, options.connections ?? 10);
    this.keepAliveTimeout = options.keepAliveTimeout === undefined ? 4 : checkSeconds("keepAliveTimeout", options.keepAliveTimeout);
    this.#keepAliveMs = secondsToMs(this.keepAliveTimeout);
    this.#maxKeepAliveMs = secondsToMs(options.keepAliveMaxTimeout === undefined ? 600 : checkSeconds("keepAliveMaxTimeout", options.keepAliveMaxTimeout));
    this.#keepAliveThresholdMs = secondsToMs(
      options.keepAliveTimeoutThreshold === undefined ? 2 : checkSeconds("keepAliveTimeoutThreshold", options.keepAliveTimeoutThreshold),
    );
    // Connections are made lazily: check their durations now, so a bad one throws here.
    resolveTimeouts(options);
    resolveExpectContinueMs(options);
    this.#options = options;
  }

  /** Connections currently in the pool. */
  get size(): number {
    return this.#slots.length;
  }

  /** Requests waiting for a free connection. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Sends a request on a free connection (waiting for one when all are busy) and resolves to its
   * response. Rejects with `PoolClosed`, `RequestAborted` or the connection's error.
   *
   * A request that fails because the server had closed the idle keep-alive connection it was
   * sent on (`RemoteDisconnected` before any byte of an answer, or a write that finds the socket
   * reset) is sent once more on a new connection when that is safe: an idempotent method
   * (RFC 9110 9.2.2: GET, HEAD, OPTIONS, TRACE, PUT, DELETE), a body that can be sent again
   * (none, a string or bytes), no pipelining, and not aborted. Any other failure is reported as is.
   */
  request(req: PoolRequest): Promise<HTTPResponse> {
    if (this.#closed) return Promise.reject(new PoolClosed());
    const signal = req.signal ?? null;
    if (signal !== null && signal.aborted) return Promise.reject(new RequestAborted(signal.reason));
    const slot = this.#pick();
    if (slot !== null) return this.#run(slot, req);
    return new Promise<HTTPResponse>((resolve, reject) => {
      const waiter: Waiter = { req, resolve, reject, onAbort: null };
      if (signal !== null) {
        waiter.onAbort = () => {
          const i = this.#queue.indexOf(waiter);
          if (i !== -1) this.#queue.splice(i, 1);
          reject(new RequestAborted(signal.reason));
        };
        watchAbort(signal, waiter.onAbort);
      }
      this.#queue.push(waiter);
    });
  }

  /** Closes every connection and rejects queued requests with `PoolClosed`. Responses being read fail. */
  close(): void {
    this.#closed = true;
    if (this.#sweeper !== null) clearTimeout(this.#sweeper);
    this.#sweeper = null;
    const queue = this.#queue;
    this.#queue = [];
    for (const w of queue) {
      this.#unlisten(w);
      w.reject(new PoolClosed());
    }
    const slots = this.#slots;
    this.#slots = [];
    for (const s of slots) {
      s.conn.onFree = null;
      s.conn.close();
    }
  }

  /** `await using pool = ...` closes it. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  #pick(): Slot | null {
    const limit = this.#options.pipelining ?? 1;
    let best: Slot | null = null;
    for (const s of this.#slots) {
      if (s.assigned < limit && (best === null || s.assigned < best.assigned)) best = s;
      if (best !== null && best.assigned === 0) break;
    }
    if (best === null && this.#slots.length < this.connections) {
      const conn = this.#options.https === true
        ? new HTTPSConnection(this.host, this.port, this.#options)
        : new HTTPConnection(this.host, this.port, this.#options);
      best = { conn, assigned: 0, idleSince: 0, idleMs: this.#keepAliveMs, turn: NO_TURN };
      conn.onFree = this.#onFree;
      this.#slots.push(best);
    }
    if (best === null) return null;
    if (best.assigned === 0 && best.idleSince !== 0 && Date.now() - best.idleSince >= best.idleMs) best.conn.close();
    best.assigned++;
    return best;
  }

  async #run(slot: Slot, req: PoolRequest, retry = true): Promise<HTTPResponse> {
    const conn = slot.conn;
    const reused = conn.sock !== null;
    let sent = false;
    // Pipelining: this request asks for its answer after the one sent before it on this connection.
    let myTurn = noop;
    let previous: Promise<void> | null = null;
    if ((this.#options.pipelining ?? 1) > 1) {
      previous = slot.turn;
      slot.turn = new Promise<void>((resolve) => (myTurn = resolve));
    }
    try {
      const sending = conn.request(req.method ?? "GET", req.path ?? "/", req.body, req.headers, { signal: req.signal ?? null });
      // Written at once (the usual case): no promise hop before waiting for the answer.
      if (sending !== SENT) await sending;
      sent = true;
      if (previous !== null) await previous;
      const answer = conn.getResponse();
      myTurn();
      const resp = await answer;
      slot.idleMs = this.#idleLimit(resp);
      return resp;
    } catch (err) {
      myTurn();
      conn.close();
      if (retry && reused && this.#mayRetry(req, err, sent)) return this.#run(slot, req, false);
      this.#release(slot);
      throw err;
    }
  }

  /** Whether a request that failed on a reused connection may be sent again (see {@link HTTPConnectionPool.request}). */
  #mayRetry(req: PoolRequest, err: unknown, sent: boolean): boolean {
    if (this.#closed || (this.#options.pipelining ?? 1) > 1 || req.signal?.aborted === true) return false;
    if (!IDEMPOTENT.has((req.method ?? "GET").toUpperCase())) return false;
    const body = req.body;
    if (body !== undefined && body !== null && typeof body !== "string" && !(body instanceof Uint8Array)) return false;
    if (err instanceof RemoteDisconnected) return true;
    const code = (err as { code?: unknown } | null)?.code;
    return !sent && typeof code === "string" && STALE_WRITE_CODES.has(code);
  }

  /** How long the connection of `resp` may stay idle, ms: the server's `Keep-Alive: timeout` hint (capped, less the threshold) or `keepAliveTimeout`. */
  #idleLimit(resp: HTTPResponse): number {
    const hint = keepAliveTimeoutHint(resp.headers.getAll("keep-alive"));
    if (hint === null) return this.#keepAliveMs;
    return Math.min(hint * 1000 - this.#keepAliveThresholdMs, this.#maxKeepAliveMs);
  }

  readonly #onFree = (conn: HTTPConnection): void => {
    for (const slot of this.#slots) {
      if (slot.conn === conn) {
        this.#release(slot);
        return;
      }
    }
  };

  #release(slot: Slot): void {
    if (slot.assigned > 0) slot.assigned--;
    if (slot.assigned === 0) {
      slot.idleSince = Date.now();
      if (slot.idleMs <= 0) slot.conn.close();
      else this.#armSweeper(slot.idleSince + slot.idleMs);
    }
    while (this.#queue.length > 0 && !this.#closed) {
      const next = this.#pick();
      if (next === null) break;
      const w = this.#queue.shift()!;
      this.#unlisten(w);
      this.#run(next, w.req).then(w.resolve, w.reject);
    }
  }

  #unlisten(w: Waiter): void {
    const signal = w.req.signal;
    if (w.onAbort !== null && signal !== undefined && signal !== null) unwatchAbort(signal, w.onAbort);
  }

  /** One unref'd timer per pool closes idle connections; (re)armed for the earliest `deadline` (ms since the epoch). */
  #armSweeper(deadline: number): void {
    if (this.#closed || (this.#sweeper !== null && this.#sweepAt <= deadline)) return;
    if (this.#sweeper !== null) clearTimeout(this.#sweeper);
    this.#sweepAt = deadline;
    this.#sweeper = setTimeout(this.#sweep, Math.max(0, deadline - Date.now()));
    this.#sweeper.unref();
  }

  readonly #sweep = (): void => {
    this.#sweeper = null;
    this.#sweepAt = 0;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    this.#slots = this.#slots.filter((s) => {
      if (s.assigned > 0) return true;
      const deadline = s.idleSince + s.idleMs;
      if (now >= deadline) {
        s.conn.onFree = null;
        s.conn.close();
        return false;
      }
      next = Math.min(next, deadline);
      return true;
    });
    if (next !== Number.POSITIVE_INFINITY) this.#armSweeper(next);
  };
}
