/**
 * `BaseServer`: Python's socketserver.BaseServer, async. The request loop, shutdown and the
 * hooks every concrete server and mix-in overrides.
 * @module
 */
import { ServerStateError } from "./errors.js";
import { RequestRun, type HandlerSteps } from "./request-run.js";
import type { SocketAddress, ServerOptions } from "./types.js";

/** What a handler class looks like to a server: constructed with `(request, clientAddress, server)`. */
export interface RequestHandlerClass<TRequest = unknown> {
  new (request: TRequest, clientAddress: SocketAddress, server: never): RequestHandlerLike;
}

/** The three lifecycle steps the server runs on each handler, in order. */
export interface RequestHandlerLike {
  setup(): void | Promise<void>;
  handle(): void | Promise<void>;
  finish(): void | Promise<void>;
}

const DEFAULTS = { idleTimeout: 120, maxLineLength: 65536, drainTimeout: null } as const;

/**
 * Base class for server classes (Python's `socketserver.BaseServer`).
 *
 * For the caller:
 * - `new Server(serverAddress, RequestHandlerClass, bindAndActivate | options)`
 * - `await server.ready` (bound and listening; rejects with the bind error)
 * - `await server.serveForever()` (resolves after `shutdown()`)
 * - `await server.shutdown()`, `await server.handleRequest()`, `await server.serverClose()`
 * - `fileno()`, `await using server = ...` (`Symbol.asyncDispose`)
 *
 * May be overridden:
 * - `serverBind()`, `serverActivate()`, `getRequest()`, `handleTimeout()`,
 *   `verifyRequest(request, clientAddress)`, `serverClose()`, `processRequest(request, clientAddress)`,
 *   `shutdownRequest(request)`, `closeRequest(request)`, `serviceActions()`, `handleError(request, clientAddress, error)`
 *
 * For subclasses:
 * - `finishRequest(request, clientAddress)`; `enqueueRequest()` to feed the loop;
 *   `trackRequest()` to register in-flight work that `shutdown()` drains.
 *
 * Class properties that may be overridden: `timeout` (seconds, `handleRequest()` only).
 */
export abstract class BaseServer<TRequest = unknown> implements AsyncDisposable {
  /** The address served; after binding, the real one (the port chosen when 0 was asked for). */
  serverAddress: SocketAddress;
  /** The handler class instantiated for each request. */
  RequestHandlerClass: RequestHandlerClass<TRequest>;
  /** Seconds `handleRequest()` waits for a request before calling `handleTimeout()`; `null` waits forever. */
  timeout: number | null = null;
  /** Resolves once the server is bound and listening; rejects with the bind error. */
  readonly ready: Promise<void>;
  /** Node's additions to the constructor (limits, timeouts, TLS). */
  readonly options: Readonly<ServerOptions>;

  private readonly queue: Array<[TRequest, SocketAddress]> = [];
  private wakeLoop: (() => void) | null = null;
  private shutdownRequested = false;
  private serving: Promise<void> | null = null;
  private resolveReady!: () => void;
  private rejectReady!: (err: unknown) => void;
  /** Requests being served, each with the promise that settles when it is done (or its run). */
  private readonly inFlight = new Map<TRequest, Promise<unknown> | RequestRun<TRequest>>();
  private closed = false;

  constructor(
    serverAddress: SocketAddress,
    RequestHandlerClass: RequestHandlerClass<TRequest>,
    bindAndActivate: boolean | ServerOptions = true,
  ) {
    this.serverAddress = serverAddress;
    this.RequestHandlerClass = RequestHandlerClass;
    this.options = typeof bindAndActivate === "boolean" ? { bindAndActivate } : { ...bindAndActivate };
    this.ready = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // Nobody may await `ready`; serveForever() re-throws its error anyway.
    this.ready.catch(() => undefined);
    if (this.options.bindAndActivate !== false) {
      // Deferred to a microtask so subclass field overrides (allowReuseAddress, ...) are set first.
      queueMicrotask(() => void this.bindAndActivate());
    }
  }

  /** Seconds a stream handler may wait on the peer when it sets no `timeout` itself (`null`: forever). */
  get idleTimeout(): number | null {
    return this.options.idleTimeout === undefined ? DEFAULTS.idleTimeout : this.options.idleTimeout;
  }

  /** Longest line `rfile.readline()` accepts without an explicit limit. */
  get maxLineLength(): number {
    return this.options.maxLineLength ?? DEFAULTS.maxLineLength;
  }

  /** Number of requests being processed right now. */
  get activeRequests(): number {
    return this.inFlight.size;
  }

  /** Bind the socket and start listening. May be overridden. */
  serverBind(): void | Promise<void> {}

  /** Start accepting requests. May be overridden; call `super.serverActivate()`. */
  serverActivate(): void | Promise<void> {
    this.resolveReady();
  }

  /**
   * Handle requests until `shutdown()`. Resolves once the loop has stopped.
   * Ignores `timeout`, as Python does.
   */
  async serveForever(): Promise<void> {
    if (this.serving) throw new ServerStateError("serveForever() is already running");
    let stopped!: () => void;
    this.serving = new Promise<void>((resolve) => (stopped = resolve));
    try {
      await this.ready;
      while (!this.shutdownRequested) {
        if (!(await this.requestAvailable(null))) break;
        await this.handleRequestNoBlock();
        await this.serviceActions();
      }
    } finally {
      this.shutdownRequested = false;
      this.serving = null;
      stopped();
    }
  }

  /**
   * Stop the `serveForever()` loop; resolves once it has stopped and in-flight requests have
   * finished (or the `drainTimeout` has passed and their connections were destroyed).
   * From inside a handler, do not await it: it would wait for that very request.
   */
  async shutdown(): Promise<void> {
    const serving = this.serving;
    if (serving) {
      this.shutdownRequested = true;
      this.wakeLoop?.();
      await serving;
    }
    await this.drain(this.options.drainTimeout ?? DEFAULTS.drainTimeout);
  }

  /** Handle exactly one request, waiting at most `timeout` seconds for it (then `handleTimeout()`). */
  async handleRequest(): Promise<void> {
    await this.ready;
    if (await this.requestAvailable(this.timeout)) await this.handleRequestNoBlock();
    else await this.handleTimeout();
  }

  /** Called when `handleRequest()` waited `timeout` seconds in vain. May be overridden. */
  handleTimeout(): void | Promise<void> {}

  /** Called after each request handled by `serveForever()`. May be overridden. */
  serviceActions(): void | Promise<void> {}

  /** Take the next request from the queue: `[request, clientAddress]`. May be overridden. */
  getRequest(): Promise<[TRequest, SocketAddress]> | [TRequest, SocketAddress] {
    const next = this.queue.shift();
    if (!next) throw new ServerStateError("getRequest() called with no request pending");
    return next;
  }

  /** Return false to refuse the request: its connection is closed unanswered. May be overridden. */
  verifyRequest(_request: TRequest, _clientAddress: SocketAddress): boolean | Promise<boolean> {
    return true;
  }

  /** Serve the request (here: in line; mix-ins make it concurrent). May be overridden. */
  async processRequest(request: TRequest, clientAddress: SocketAddress): Promise<void> {
    await this.finishRequest(request, clientAddress);
    await this.shutdownRequest(request);
  }

  /** Construct the handler and run `setup()` -> `handle()` -> `finish()` (`finish` even when `handle` throws). */
  finishRequest(request: TRequest, clientAddress: SocketAddress): Promise<void> {
    return runHandler(new this.RequestHandlerClass(this.wrapRequest(request), clientAddress, this as never));
  }

  /**
   * The request as its handler gets it (`TCPServer`: inside a TLS layer when the server has one).
   * The default returns it unchanged. May be overridden.
   */
  wrapRequest(request: TRequest): TRequest {
    return request;
  }

  /** Shut down and close one request. May be overridden. */
  shutdownRequest(request: TRequest): void | Promise<void> {
    return this.closeRequest(request);
  }

  /** Clean up one request. May be overridden. */
  closeRequest(_request: TRequest): void | Promise<void> {}

  /** Release the server's resources (a bind still pending is cancelled). May be overridden; call `super.serverClose()`. */
  serverClose(): void | Promise<void> {
    this.closed = true;
  }

  /**
   * Report an error raised while serving a request; the server keeps serving.
   * The default prints Python's banner and the stack to stderr. May be overridden.
   */
  handleError(_request: TRequest, clientAddress: SocketAddress, error?: unknown): void {
    const line = "-".repeat(40);
    const where = typeof clientAddress === "string" ? JSON.stringify(clientAddress) : `('${clientAddress[0]}', ${clientAddress[1]})`;
    const stack = error instanceof Error ? (error.stack ?? String(error)) : String(error);
    process.stderr.write(`${line}\nException occurred during processing of request from ${where}\n${stack}\n${line}\n`);
  }

  /** The listening socket's file descriptor (-1 when there is none). */
  abstract fileno(): number;

  /** `await using server = new TCPServer(...)`: shut down if serving, then close. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
    await this.serverClose();
  }

  /** For subclasses: queue a request for the loop (what the OS accept queue is to Python). */
  protected enqueueRequest(request: TRequest, clientAddress: SocketAddress): void {
    this.queue.push([request, clientAddress]);
    this.wakeLoop?.();
  }

  /** For subclasses: queued requests not yet taken by the loop (and forget them). */
  protected drainQueue(): TRequest[] {
    return this.queue.splice(0).map(([request]) => request);
  }

  /** For subclasses: number of queued requests. */
  protected get queuedRequests(): number {
    return this.queue.length;
  }

  /**
   * For mix-ins: serve one request to the end in the background (`finishAndShutdown()`), tracked
   * for `shutdown()` and `serverClose()`. When neither `finishAndShutdown()` nor `finishRequest()`
   * is overridden, the steps run as one small {@link RequestRun} instead of a chain of promises.
   */
  protected serveInBackground(request: TRequest, clientAddress: SocketAddress): void {
    if (this.finishAndShutdown !== BaseServer.prototype.finishAndShutdown || this.finishRequest !== BaseServer.prototype.finishRequest) {
      this.trackRequest(request, this.finishAndShutdown(request, clientAddress));
      return;
    }
    let handler: HandlerSteps;
    try {
      handler = new this.RequestHandlerClass(this.wrapRequest(request), clientAddress, this as never);
    } catch (err) {
      this.trackRequest(request, this.reportThenShutdown(request, clientAddress, err));
      return;
    }
    const run = new RequestRun(this, request, clientAddress, handler, this.inFlight);
    this.inFlight.set(request, run);
    run.start();
  }

  /** For mix-ins: register in-flight work so `shutdown()` and `serverClose()` can wait for it. */
  protected trackRequest(request: TRequest, work: Promise<unknown>): void {
    // One closure for both outcomes: this is kept alive for as long as the connection is served.
    const untrack = (): void => {
      if (this.inFlight.get(request) === tracked) this.inFlight.delete(request);
    };
    const tracked = work.then(untrack, untrack);
    this.inFlight.set(request, tracked);
  }

  /**
   * For mix-ins: serve one request to the end, as a Python thread or forked child does:
   * `finishRequest`, `handleError` on failure, then `shutdownRequest` (its errors reported too).
   */
  protected finishAndShutdown(request: TRequest, clientAddress: SocketAddress): Promise<void> {
    // Promise reactions rather than an async frame: a connection waiting in its handler for its
    // next request keeps a few small objects alive here instead of a suspended function.
    let served: Promise<void>;
    try {
      served = Promise.resolve(this.finishRequest(request, clientAddress));
    } catch (err) {
      served = rejected(err);
    }
    return served.then(
      () => this.shutdownReporting(request, clientAddress),
      (err: unknown) => {
        this.handleError(request, clientAddress, err);
        return this.shutdownReporting(request, clientAddress);
      },
    );
  }

  /** Report `err` (a failing `handleError` does not keep the request from being shut down), then `shutdownReporting`. */
  private async reportThenShutdown(request: TRequest, clientAddress: SocketAddress, err: unknown): Promise<void> {
    try {
      this.handleError(request, clientAddress, err);
    } finally {
      await this.shutdownReporting(request, clientAddress);
    }
  }

  /** `shutdownRequest`, its errors reported through `handleError`. */
  private async shutdownReporting(request: TRequest, clientAddress: SocketAddress): Promise<void> {
    try {
      await this.shutdownRequest(request);
    } catch (err) {
      this.handleError(request, clientAddress, err);
    }
  }

  /** For mix-ins: wait until fewer than `limit` requests are in flight. */
  protected async waitForSlot(limit: number): Promise<void> {
    while (this.inFlight.size >= limit) await Promise.race(this.inFlightWork());
  }

  /** For mix-ins: wait for in-flight requests; after `deadline` seconds, abort them. */
  protected async drain(deadline: number | null): Promise<void> {
    if (this.inFlight.size === 0) return;
    const all = Promise.all(this.inFlightWork());
    if (deadline === null) {
      await all;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), deadline * 1000);
    });
    const timedOut = await Promise.race([all.then(() => false), expired]);
    clearTimeout(timer);
    if (timedOut) {
      for (const request of this.inFlight.keys()) this.abortRequest(request);
      await all;
    }
  }

  /** A promise per request in flight, settled when it is done. */
  private inFlightWork(): Array<Promise<unknown>> {
    return [...this.inFlight.values()].map((work) => (work instanceof RequestRun ? work.whenDone() : work));
  }

  /** For subclasses: forcibly end an in-flight request after the drain deadline (stream servers destroy the socket). */
  protected abortRequest(_request: TRequest): void {}

  private async bindAndActivate(): Promise<void> {
    // serverClose() before the deferred bind ran (Python's test_close_immediately): never bind.
    if (this.closed) {
      this.rejectReady(new ServerStateError("server closed before it was bound"));
      return;
    }
    try {
      await this.serverBind();
      await this.serverActivate();
      this.resolveReady();
    } catch (err) {
      try {
        await this.serverClose();
      } catch {
        // The bind error is the one to report.
      }
      this.rejectReady(err);
    }
  }

  /** Wait until a request is queued; false on shutdown or after `timeout` seconds. */
  private requestAvailable(timeout: number | null): Promise<boolean> {
    if (this.queue.length > 0) return Promise.resolve(true);
    if (this.shutdownRequested) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      this.wakeLoop = () => {
        this.wakeLoop = null;
        if (timer) clearTimeout(timer);
        resolve(this.queue.length > 0 && !this.shutdownRequested);
      };
      if (timeout !== null) timer = setTimeout(() => this.wakeLoop?.(), timeout * 1000);
    });
  }

  /** Python's `_handle_request_noblock`: get, verify, process; errors go to `handleError`. */
  private async handleRequestNoBlock(): Promise<void> {
    let request: TRequest;
    let clientAddress: SocketAddress;
    try {
      [request, clientAddress] = await this.getRequest();
    } catch {
      return;
    }
    try {
      if (await this.verifyRequest(request, clientAddress)) {
        await this.processRequest(request, clientAddress);
        return;
      }
    } catch (err) {
      this.handleError(request, clientAddress, err);
    }
    try {
      await this.shutdownRequest(request);
    } catch (err) {
      this.handleError(request, clientAddress, err);
    }
  }
}

/**
 * `setup()` -> `handle()` -> `finish()`, `finish()` also when `handle()` throws (an error of
 * `finish()` then wins, as with try/finally). Written with promise reactions, not as an async
 * function: while `handle()` waits (a keep-alive connection between requests), only a reaction
 * and two closures stay alive, not a suspended frame.
 */
function runHandler(handler: HandlerSteps): Promise<void> {
  let setup: void | Promise<void>;
  try {
    setup = handler.setup();
  } catch (err) {
    return rejected(err);
  }
  if (setup instanceof Promise) return setup.then(() => handleThenFinish(handler));
  return handleThenFinish(handler);
}

function handleThenFinish(handler: HandlerSteps): Promise<void> {
  let handled: void | Promise<void>;
  try {
    handled = handler.handle();
  } catch (err) {
    return finishAfterError(handler, err);
  }
  if (handled instanceof Promise) {
    return handled.then(
      () => handler.finish(),
      (err: unknown) => finishAfterError(handler, err),
    );
  }
  try {
    return Promise.resolve(handler.finish());
  } catch (err) {
    return rejected(err);
  }
}

async function finishAfterError(handler: HandlerSteps, err: unknown): Promise<never> {
  await handler.finish();
  throw err;
}

/** A promise rejected with `err`, whatever a hook threw (passed on unchanged, as `await` would). */
function rejected(err: unknown): Promise<never> {
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the hook's own value, not ours to wrap
  return Promise.reject(err);
}
