/**
 * The state of one connection's exchanges (CPython's `__state`, `_buffer`, `_method` and
 * `__response`): the request being built, the requests sent whose responses are not taken yet,
 * the response being read, and the callers waiting for their turn to read a head (pipelining).
 * Internal to the client; {@link HTTPConnection} holds one per connection.
 * @module
 */
import { unwatchAbort } from "./abort-watch.js";
import type { HTTPResponse } from "./response.js";
import type { Wire } from "./wire.js";

/** No request being built (CPython `_CS_IDLE`). */
export const IDLE = "Idle";
/** `putRequest()` was called, `endHeaders()` not yet (CPython `_CS_REQ_STARTED`). */
export const REQ_STARTED = "Request-started";
/** The request was sent, its response not taken yet (CPython `_CS_REQ_SENT`). */
export const REQ_SENT = "Request-sent";

/** One of {@link IDLE}, {@link REQ_STARTED}, {@link REQ_SENT}. */
export type RequestState = typeof IDLE | typeof REQ_STARTED | typeof REQ_SENT;

/** A request that was sent (or is being sent) and whose response has not been taken yet. */
export interface Pending {
  method: string;
  wire: Wire | null;
  signal: AbortSignal | null;
  onAbort: (() => void) | null;
  skipBody: boolean;
  /** The request had an `Upgrade` header field: only then may the answer be `101 Switching Protocols`. */
  upgrade: boolean;
  error: Error | null;
  /** The transmission still running (slow path only), or null. */
  sending: Promise<void> | null;
}

/** The exchange state of one connection. Fields are shared by the sending and reading sides. */
export class ExchangeState {
  /** Where the request being built stands. */
  state: RequestState = IDLE;
  /** The head of the request being built, without its final CRLF. */
  head = "";
  /** Method of the request being built. */
  method = "";
  /** Whether the request being built has an `Upgrade` field. */
  upgrade = false;
  /** Requests sent (or being sent) whose responses were not taken, oldest first. */
  queue: Pending[] = [];
  /** The request whose response is being read. */
  active: Pending | null = null;
  /** The response taken whose body is not read to its end. */
  response: HTTPResponse | null = null;
  /** A `getResponse()` is reading a head. */
  readingHead = false;
  /** The last transmission still running (slow path), so the next one waits for it. */
  sendTail: Promise<void> | null = null;
  #waiters: Array<() => void> = [];

  /** Requests sent whose responses are not read to the end yet. */
  get outstanding(): number {
    return this.queue.length + (this.response !== null ? 1 : 0);
  }

  /** Resolves at the next {@link ExchangeState.wakeWaiters} (a pipelined `getResponse()` waiting for its turn). */
  waitTurn(): Promise<void> {
    return new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** Lets every waiting `getResponse()` look again. */
  wakeWaiters(): void {
    const waiters = this.#waiters;
    if (waiters.length > 0) {
      this.#waiters = [];
      for (const w of waiters) w();
    }
  }

  /** Stops listening to the request's `AbortSignal`. */
  release(p: Pending): void {
    if (p.signal !== null && p.onAbort !== null) unwatchAbort(p.signal, p.onAbort);
    p.onAbort = null;
  }
}
