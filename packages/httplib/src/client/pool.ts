/**
 * `HTTPConnectionPool`: a few keep-alive {@link HTTPConnection}s to one origin, shared by
 * concurrent requests (what undici's `Pool` does), optionally pipelining on each.
 * @module
 */
import type { RequestBody } from "./body.js";
import type { RequestHeaders } from "./checks.js";
import { HTTPConnection } from "./connection.js";
import { checkSeconds, secondsToMs } from "./durations.js";
import { PoolClosed, RequestAborted } from "./errors.js";
import { HTTPSConnection, type HTTPSConnectionOptions } from "./https.js";
import { resolveExpectContinueMs, resolveTimeouts } from "./options.js";
import type { HTTPResponse } from "./response.js";

/** Options of {@link HTTPConnectionPool}: connection options plus the pool's own. */
export interface HTTPConnectionPoolOptions extends HTTPSConnectionOptions {
  /** Most connections open at once. Default 10. */
  connections?: number;
  /** An idle connection is closed after this many seconds. Default 4. */
  keepAliveTimeout?: number;
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
  readonly #options: HTTPConnectionPoolOptions;
  #slots: Slot[] = [];
  #queue: Waiter[] = [];
  #closed = false;
  #sweeper: NodeJS.Timeout | null = null;

  constructor(host: string, port?: number | null, options: HTTPConnectionPoolOptions = {}) {
    this.host = host;
    this.port = port ?? undefined;
    this.connections = Math.max(1, options.connections ?? 10);
    this.keepAliveTimeout = options.keepAliveTimeout === undefined ? 4 : checkSeconds("keepAliveTimeout", options.keepAliveTimeout);
    this.#keepAliveMs = secondsToMs(this.keepAliveTimeout);
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
        signal.addEventListener("abort", waiter.onAbort, { once: true });
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
      best = { conn, assigned: 0, idleSince: 0 };
      conn.onFree = this.#onFree;
      this.#slots.push(best);
    }
    if (best === null) return null;
    if (best.assigned === 0 && best.idleSince !== 0 && Date.now() - best.idleSince > this.#keepAliveMs) best.conn.close();
    best.assigned++;
    return best;
  }

  async #run(slot: Slot, req: PoolRequest): Promise<HTTPResponse> {
    const conn = slot.conn;
    try {
      await conn.request(req.method ?? "GET", req.path ?? "/", req.body, req.headers, { signal: req.signal ?? null });
      return await conn.getResponse();
    } catch (err) {
      conn.close();
      this.#release(slot);
      throw err;
    }
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
      this.#armSweeper();
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
    if (w.onAbort !== null) w.req.signal?.removeEventListener("abort", w.onAbort);
  }

  /** One unref'd timer per pool closes connections idle longer than `keepAliveTimeout`. */
  #armSweeper(): void {
    if (this.#sweeper !== null || this.#closed || this.#keepAliveMs <= 0) return;
    this.#sweeper = setTimeout(this.#sweep, this.#keepAliveMs);
    this.#sweeper.unref();
  }

  readonly #sweep = (): void => {
    this.#sweeper = null;
    const now = Date.now();
    let idle = false;
    this.#slots = this.#slots.filter((s) => {
      if (s.assigned > 0) return true;
      if (now - s.idleSince >= this.#keepAliveMs) {
        s.conn.onFree = null;
        s.conn.close();
        return false;
      }
      idle = true;
      return true;
    });
    if (idle) this.#armSweeper();
  };
}
