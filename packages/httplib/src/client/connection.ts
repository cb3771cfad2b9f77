/**
 * `HTTPConnection`: one HTTP/1.1 client connection with CPython's request state machine
 * (`_CS_IDLE` -> `_CS_REQ_STARTED` -> `_CS_REQ_SENT`), keep-alive reuse, automatic reconnect
 * (`auto_open`), optional pipelining, proxy tunnels and Unix sockets. Its layers, each in its
 * own file: the socket (`transport.ts`), sending the request (`send-request.ts`), reading the
 * response (`read-response.ts`); their shared state is in `exchange-state.ts`. This file adds
 * what concerns the whole connection: `responseDone()` (a response hands its socket back),
 * availability, `close()`.
 * @module
 */
import type { BodyResponse } from "./body-reader.js";
import { IDLE, REQ_STARTED } from "./exchange-state.js";
import type { HTTPConnectionOptions } from "./options.js";
import { ResponseReader } from "./read-response.js";
import { Phase, type Wire } from "./wire.js";

export type { EndHeadersOptions, PutRequestOptions, RequestOptions } from "./send-request.js";

/**
 * An HTTP/1.1 connection to one server (CPython `http.client.HTTPConnection`).
 *
 * For the caller: `request()`, `getResponse()`, or the step-by-step `putRequest()`,
 * `putHeader()`, `endHeaders()`, `send()`; `setTunnel()`, `setDebugLevel()`, `connect()`, `close()`.
 * Events: `"information"` with an {@link InformationalResponse} for each interim 1xx answer
 * (never `"error"`: failures reject the promise of the call concerned).
 *
 * May be overridden: `createSocket()` (how the socket is opened) and `secureWire()` (what
 * happens after TCP connect and tunnel; {@link HTTPSConnection} does TLS there); the static
 * `defaultPort`.
 *
 * Requests are sent one at a time: after `request()`, call `getResponse()` and read the body to
 * its end (or `close()` the response) before the next request, as in CPython; with
 * `{ pipelining: n }` up to n requests may be outstanding and `getResponse()` returns their
 * responses in order. The socket is kept alive when the response allows it and reopened
 * automatically when it was closed. Durations in the options are seconds, as in CPython
 * (`{ timeout: 10 }` is ten seconds).
 * @example
 * ```ts
 * const conn = new HTTPConnection("localhost", 8080, { timeout: 10 });
 * await conn.request("GET", "/", null, { Accept: "text/html" });
 * const res = await conn.getResponse();
 * console.log(res.status, (await res.read()).toString());
 * conn.close();
 * ```
 */
export class HTTPConnection extends ResponseReader {
  /** Called when a response finished and the connection can take a request (used by the pool). */
  onFree: ((conn: HTTPConnection) => void) | null = null;

  /**
   * @param host - `"host"`, `"host:port"` or `"[v6]:port"` (CPython `_get_hostport`).
   * @param port - overrides a port in `host`; default {@link HTTPConnection.defaultPort}.
   * @param options - see {@link HTTPConnectionOptions}.
   */
  constructor(host: string, port?: number | null, options: HTTPConnectionOptions = {}) {
    super(host, port, options);
  }

  /** Called by {@link HTTPResponse} when its body is done or abandoned. */
  responseDone(resp: BodyResponse, wire: Wire, reuse: boolean): void {
    if (this.exchange.response === resp) this.exchange.response = null;
    const p = this.exchange.active;
    if (p !== null) {
      this.exchange.active = null;
      this.exchange.release(p);
    }
    if (!reuse || wire !== this.wire) {
      if (wire === this.wire) this.wire = null;
      if (!reuse || this.exchange.queue.every((q) => q.wire !== wire)) wire.destroy();
    } else {
      wire.setPhase(this.exchange.queue.length > 0 ? Phase.Headers : Phase.Idle);
    }
    if (!this.exchange.readingHead) this.exchange.wakeWaiters();
    if (this.onFree !== null) this.onFree(this);
  }

  /** Whether a new request can be started now (no request being built, fewer than `pipelining` outstanding). */
  isAvailable(): boolean {
    return this.exchange.state !== REQ_STARTED && this.exchange.outstanding < this.pipelining;
  }

  /** Number of requests sent whose responses are not read to the end yet. */
  get outstanding(): number {
    return this.exchange.outstanding;
  }

  /** Closes the socket and the current response; the connection reopens on the next request (CPython `close`). */
  close(): void {
    this.exchange.state = IDLE;
    this.exchange.active = null;
    this.exchange.head = "";
    const wire = this.wire;
    this.wire = null;
    if (wire !== null) wire.destroy();
    const queue = this.exchange.queue;
    this.exchange.queue = [];
    for (const p of queue) {
      this.exchange.release(p);
      p.wire?.destroy();
    }
    const resp = this.exchange.response;
    this.exchange.response = null;
    if (resp !== null) resp.close();
    this.exchange.wakeWaiters();
  }

  /** `await using conn = new HTTPConnection(...)` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
