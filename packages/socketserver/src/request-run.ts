/**
 * `RequestRun`: the default way a concurrent server serves one request, as one small object:
 * the handler's `setup()` -> `handle()` -> `finish()`, then the server's `shutdownRequest()`,
 * each error reported through `handleError()`, then the request is forgotten. While a step
 * waits (a keep-alive connection idling in `handle()`), one promise reaction and two closures
 * stay alive, not a chain of suspended async functions: an idle connection costs less memory.
 * @module
 */
import type { SocketAddress } from "./types.js";

/** The handler's steps (a `BaseRequestHandler`). */
export interface HandlerSteps {
  setup(): void | Promise<void>;
  handle(): void | Promise<void>;
  finish(): void | Promise<void>;
}

/** What a run needs of its server. */
export interface RunServer<TRequest> {
  shutdownRequest(request: TRequest): void | Promise<void>;
  handleError(request: TRequest, clientAddress: SocketAddress, error?: unknown): void;
}

const SETUP = 0;
const HANDLE = 1;
const FINISH = 2;
const SHUTDOWN = 3;
const DONE = 4;

/**
 * One request being served. Same order and error rules as `finishAndShutdown()` over the default
 * `finishRequest()`: `finish()` runs after `handle()` even when it failed (an error of `finish()`
 * then wins); a failed `setup()` skips `handle()` and `finish()`; `shutdownRequest()` always runs.
 */
export class RequestRun<TRequest> {
  private step = SETUP;
  private handleFailed = false;
  private handleError: unknown = undefined;
  private waiters: Array<() => void> | null = null;
  private readonly next = (): void => this.runFrom(this.after(this.step));
  private readonly fail = (err: unknown): void => this.failed(err);

  constructor(
    private readonly server: RunServer<TRequest>,
    private readonly request: TRequest,
    private readonly clientAddress: SocketAddress,
    private readonly handler: HandlerSteps,
    private readonly forget: Map<TRequest, unknown>,
  ) {}

  /** Start with `setup()`. */
  start(): void {
    this.runFrom(SETUP);
  }

  /** Whether it has ended (shut down and forgotten). */
  get ended(): boolean {
    return this.step === DONE;
  }

  /** A promise that resolves when the run has ended (made only when someone waits: shutdown, a cap). */
  whenDone(): Promise<void> {
    if (this.step === DONE) return Promise.resolve();
    return new Promise<void>((resolve) => (this.waiters ??= []).push(resolve));
  }

  private runFrom(step: number): void {
    for (;;) {
      this.step = step;
      if (step === DONE) return this.end();
      let result: void | Promise<void>;
      try {
        result = this.call(step);
      } catch (err) {
        return this.failed(err);
      }
      if (result instanceof Promise) {
        result.then(this.next, this.fail);
        return;
      }
      step = this.after(step);
    }
  }

  private call(step: number): void | Promise<void> {
    if (step === SETUP) return this.handler.setup();
    if (step === HANDLE) return this.handler.handle();
    if (step === FINISH) return this.handler.finish();
    return this.server.shutdownRequest(this.request);
  }

  /** The step after `step` succeeded. */
  private after(step: number): number {
    if (step === FINISH && this.handleFailed) {
      this.handleFailed = false;
      this.report(this.handleError);
    }
    return step + 1;
  }

  private failed(err: unknown): void {
    const step = this.step;
    if (step === HANDLE) {
      this.handleFailed = true;
      this.handleError = err;
      return this.runFrom(FINISH);
    }
    if (step === FINISH) this.handleFailed = false;
    this.report(err);
    this.runFrom(step === SHUTDOWN ? DONE : SHUTDOWN);
  }

  private report(err: unknown): void {
    this.handleError = undefined;
    try {
      this.server.handleError(this.request, this.clientAddress, err);
    } catch {
      // handleError itself failed: nothing is left to report to; the request still ends.
    }
  }

  private end(): void {
    this.forget.delete(this.request);
    const waiters = this.waiters;
    this.waiters = null;
    if (waiters !== null) for (const resolve of waiters) resolve();
  }
}
