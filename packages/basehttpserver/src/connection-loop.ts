/**
 * The request loop of one connection, in CPython's order: `handle()` serves requests until
 * `closeConnection` is true (`handleOneRequest()` each, when a subclass replaced it), and between
 * keep-alive requests waits for the next one as `rfile`'s waiter (`fillThen()`): an idle
 * connection keeps no suspended function and no promise but `handle()`'s own. What one request
 * is (read, parse, dispatch to `do_*`, end) is in `handler.ts`. Extend `BaseHTTPRequestHandler`,
 * not this class.
 * @module
 */
import { HTTPRequestReader } from "./request-reader.js";
import type { HTTPServer } from "./server.js";

/**
 * Serves the requests of a connection (the loop of {@link BaseHTTPRequestHandler}, which
 * documents every member). May be overridden: `handle()`, `handleOneRequest()`.
 */
export abstract class HTTPConnectionLoop<TServer = HTTPServer> extends HTTPRequestReader<TServer> {
  /** Handle requests until `closeConnection` is true (CPython's `handle`). */
  override handle(): Promise<void> {
    this.closeConnection = true;
    if (this.handleOneRequest !== HTTPConnectionLoop.prototype.handleOneRequest) return this.handleEachRequest();
    // The same loop without an async frame: a request whose steps all complete synchronously
    // costs no promise, and a connection waiting for its next request keeps no suspended
    // function, only the reader's waiter (this handler: `readerFilled()`): the memory of an idle
    // keep-alive connection is what matters when thousands of them wait.
    HTTPConnectionLoop.starting = this;
    const handled = new Promise<void>(HTTPConnectionLoop.executor);
    HTTPConnectionLoop.starting = null;
    this.serveRequests();
    return handled;
  }

  /** A subclass (or instance) replaced handleOneRequest: call it, as CPython's loop does. */
  private async handleEachRequest(): Promise<void> {
    await this.handleOneRequest();
    while (!this.closeConnection) await this.handleOneRequest();
  }

  /** The handler that {@link HTTPConnectionLoop.executor} is making `handle()`'s promise for. */
  private static starting: HTTPConnectionLoop<unknown> | null = null;
  /** One promise executor for every handler (no closure per connection). */
  private static executor(this: void, resolve: () => void, reject: (err: unknown) => void): void {
    const handler = HTTPConnectionLoop.starting!;
    handler.handled = resolve;
    handler.handleFailed = reject;
  }
  /** The functions of `handle()`'s promise while the default loop runs. */
  private handled: (() => void) | null = null;
  private handleFailed: ((err: unknown) => void) | null = null;

  /** Serve requests until one waits (it continues when its promise settles), the connection waits for the next request, or it ends. */
  private serveRequests(): void {
    try {
      for (;;) {
        const rest = this.serveRequest();
        if (rest !== undefined) {
          rest.then(
            () => this.afterRequest(),
            (err: unknown) => this.failHandle(err),
          );
          return;
        }
        if (!this.nextRequestNow()) return;
      }
    } catch (err) {
      this.failHandle(err);
    }
  }

  /** A request that waited is done: go on with the next. */
  private afterRequest(): void {
    try {
      if (this.nextRequestNow()) this.serveRequests();
    } catch (err) {
      this.failHandle(err);
    }
  }

  /**
   * After a request: true when the next one can be served now (its bytes are buffered); else the
   * connection ends, or waits for its next request under the keep-alive timeout (shutdown
   * closes it at once), resumed by {@link readerFilled}.
   */
  private nextRequestNow(): boolean {
    if (this.closeConnection) return this.endHandle();
    const rfile = this.rfile;
    if (rfile.buffered > 0) return true;
    this.releaseRequest();
    const state = this.state;
    if (state.closing || rfile.atEof) return this.endHandle();
    this.releaseBatch();
    // The server's sweeper bounds this wait (keep-alive.ts): no socket timer to re-arm per request.
    rfile.enterPhase("idle");
    this.awaitingRequest = true;
    if (state.settings.keepAliveTimeout !== null) this.keepAliveSweep = state.sweeps;
    let waiting: false | null;
    try {
      waiting = rfile.fillThen(this);
    } catch {
      waiting = false;
    }
    if (waiting === null) return false;
    this.idleWaitOver();
    return this.endHandle();
  }

  /**
   * @internal The wait for the next request is over: serve it, or end at end of stream (also when
   * the keep-alive sweeper or a shutdown closed the reader). The handler is the `FillWaiter` of
   * `rfile.fillThen()`, not declared with `implements`: these two members are stripped from the
   * published types.
   */
  readerFilled(more: boolean): void {
    this.idleWaitOver();
    if (more) this.serveRequests();
    else this.endHandle();
  }

  /** @internal The wait for the next request failed (a socket error, a timeout): the connection ends. */
  readerFailed(): void {
    this.idleWaitOver();
    this.endHandle();
  }

  private idleWaitOver(): void {
    this.awaitingRequest = false;
    this.keepAliveSweep = -1;
  }

  /** Resolve `handle()`'s promise. Returns false, for the loop. */
  private endHandle(): false {
    const handled = this.handled;
    this.handled = this.handleFailed = null;
    handled?.();
    return false;
  }

  /** Reject `handle()`'s promise with `err` (the server's `handleError` then sees it). */
  private failHandle(err: unknown): void {
    const handleFailed = this.handleFailed;
    this.handled = this.handleFailed = null;
    handleFailed?.(err);
  }

  /**
   * Read, parse and answer one request. You normally do not override this: write `do_*` methods.
   * A timeout, a bad body or a vanished client ends the connection; other errors propagate to
   * the server's `handleError` (the connection is closed).
   */
  async handleOneRequest(): Promise<void> {
    const rest = this.serveRequest();
    if (rest !== undefined) await rest;
  }

  /** @internal One request, synchronously as far as it goes; the promise of the rest otherwise. */
  protected abstract serveRequest(): Promise<void> | undefined;
  /** @internal Before an idle wait: drop the finished request's views of the socket's buffers. */
  protected abstract releaseRequest(): void;
}
