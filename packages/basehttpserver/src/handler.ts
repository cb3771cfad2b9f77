/**
 * `BaseHTTPRequestHandler`: CPython's http.server request handler, async, with a byte-level
 * head parser, decoded request bodies and strict RFC 9112 rules. One request's steps (read the
 * head, parse, dispatch to `do_*`, end it) live here; the loop over a connection's requests in
 * `connection-loop.ts`; the request's fields and `parseRequest()` in `request-reader.ts`, writing
 * the answer in `responder.ts`; finding the head in `head-reader.ts`
 * and parsing it in `parse.ts` (both return plain values: a head, a parsed request or a refusal,
 * answered by `refusal.ts`).
 * @module
 */
import type { Socket } from "node:net";
import { HTTPStatus } from "@stdhttp/httplib";
import { ConnectionClosed, SocketTimeout } from "@stdhttp/socketserver";
import { answerFor } from "./answers.js";
import { pyRepr } from "./format.js";
import { readHead, type HeadResult } from "./head-reader.js";
import { HTTPSocketReader, HTTPSocketWriter } from "./io.js";
import { addConnection, removeConnection } from "./keep-alive.js";
import { serverState } from "./options.js";
import { HTTPConnectionLoop } from "./connection-loop.js";
import { NO_HEADERS } from "./request-reader.js";
import type { HTTPServer } from "./server.js";

const EMPTY = Buffer.alloc(0);

/** The steps of a request, for resuming after one of them waited. */
type Step = 0 | 1 | 2 | 3;
const HEAD: Step = 0;
const PARSE: Step = 1;
const DISPATCH: Step = 2;
const END: Step = 3;
const REFUSED = Promise.resolve(false);

const methodNames = new Map<string, string>();
/** `do_<METHOD>`, cached for the methods a server sees (bounded: random methods are not cached). */
function methodName(command: string): string {
  let name = methodNames.get(command);
  if (name === undefined) {
    name = `do_${command}`;
    if (methodNames.size < 64) methodNames.set(command, name);
  }
  return name;
}

/**
 * HTTP request handler base class (Python's `http.server.BaseHTTPRequestHandler`). One instance
 * serves one connection: `handle()` runs `handleOneRequest()` until `closeConnection` is true.
 * Each request is dispatched to `do_<METHOD>()` (`do_GET`, `do_POST`, ...; 501 when absent),
 * which may be async.
 *
 * For the caller (inside `do_*`): `command`, `path`, `requestVersion`, `headers`, `body`,
 * `rfile`, `wfile`, `clientAddress`, `server`, `closeConnection`, `requestLine`, `rawRequestLine`;
 * `sendResponse()`, `sendHeader()`, `endHeaders()`, `sendError()`, `readBody()`, `takeConnection()`.
 *
 * May be overridden: the `do_*` methods, `handleExpect100()`, `logMessage()`, `logAccess()`,
 * `versionString()`, `addressString()`; class properties `serverVersion`, `sysVersion`,
 * `errorMessageFormat`, `errorContentType`, `protocolVersion` (default `"HTTP/1.0"`: set
 * `"HTTP/1.1"` for keep-alive), `defaultRequestVersion`, `responses`, `MessageClass`,
 * `disableNagleAlgorithm` (default true), `timeout`.
 *
 * For subclasses: `handle()`, `handleOneRequest()`, `parseRequest()`, `sendResponseOnly()`,
 * `flushHeaders()`, `logRequest()`, `logError()`, `dateTimeString()`, `logDateTimeString()`.
 *
 * @example
 * class WelcomeHandler extends BaseHTTPRequestHandler {
 *   override protocolVersion = "HTTP/1.1";
 *   do_GET() {
 *     const page = "<html><body><h1>Welcome!</h1></body></html>";
 *     this.sendResponse(200);
 *     this.sendHeader("Content-Type", "text/html");
 *     this.sendHeader("Content-Length", Buffer.byteLength(page));
 *     this.endHeaders();
 *     this.wfile.write(page);
 *   }
 * }
 * await using httpd = new HTTPServer(["", 8000], WelcomeHandler);
 * await httpd.serveForever();
 */
export class BaseHTTPRequestHandler<TServer = HTTPServer> extends HTTPConnectionLoop<TServer> {
  private tookConnection = false;
  private batching = false;

  /**
   * A subclass whose class properties are `options` (set on its prototype; `undefined` values are
   * skipped), for handlers configured without writing a class (CPython passes such arguments
   * through `functools.partial`). Subclasses narrow the type of `options`.
   * @example const Handler = MyHandler.withOptions({ protocolVersion: "HTTP/1.1" });
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any server type: subclasses narrow TServer.
  static withOptions<T extends new (...args: any[]) => BaseHTTPRequestHandler<any>>(this: T, options: object): T {
    const Configured = class extends (this as unknown as typeof BaseHTTPRequestHandler) {} as unknown as T;
    const props: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(options)) if (v !== undefined) props[k] = v;
    Object.assign(Configured.prototype, props);
    return Configured;
  }

  /** Create `rfile`, `wfile` and `body`; apply `timeout` and `disableNagleAlgorithm`. */
  override setup(): void {
    this.connection = this.request;
    this.state = serverState(this.server as object);
    const settings = this.state.settings;
    this.bodyTimeout = this.timeout ?? settings.bodyTimeout;
    if (this.disableNagleAlgorithm) this.connection.setNoDelay?.(true);
    this.rfile = new HTTPSocketReader(this.connection, { head: settings.headerTimeout, body: this.bodyTimeout }, settings.maxLineLength);
    this.wfile = new HTTPSocketWriter(this.connection);
    // A flush() that waits for the client has its own timer (socketserver), with the body limit.
    this.wfile.timeout = this.bodyTimeout;
    addConnection(this.state, this);
  }

  /**
   * @internal One request, run synchronously as long as each step completes at once (head
   * buffered, synchronous `do_*`, nothing to wait for); returns the promise of the rest otherwise.
   */
  protected serveRequest(): Promise<void> | undefined {
    this.beginRequest();
    let step: Step = HEAD;
    let pending: Promise<unknown> | undefined;
    try {
      const got = readHead(this);
      if (got !== true) {
        if (got === false) return this.requestClosed();
        if (!(got instanceof Promise)) {
          this.refuseHead(got);
          return this.requestClosed();
        }
        pending = got;
      } else {
        step = PARSE;
        const ok = this.parseRequest();
        if (ok !== true) {
          if (ok === false) return this.requestClosed();
          pending = ok;
        } else {
          step = DISPATCH;
          pending = this.dispatch();
          if (pending === undefined) {
            step = END;
            pending = this.endRequest();
            if (pending === undefined) return this.requestLogged();
          }
        }
      }
    } catch (err) {
      try {
        this.requestFailed(err);
      } finally {
        this.requestLogged();
      }
      return undefined;
    }
    return this.serveRequestLater(step, pending);
  }

  /** The rest of {@link serveRequest} once a step returned a promise. */
  private async serveRequestLater(step: Step, pending: Promise<unknown> | undefined): Promise<void> {
    try {
      if (step === HEAD) {
        const got = (await pending) as HeadResult;
        if (got !== true) {
          if (got !== false) this.refuseHead(got);
          this.closeConnection = true;
          return;
        }
        step = PARSE;
        const ok = this.parseRequest();
        pending = ok === true ? undefined : ok === false ? REFUSED : ok;
      }
      if (step === PARSE) {
        if (pending !== undefined && !(await pending)) {
          // Refused (an answer was sent): the unread rest must not be parsed as a request.
          this.closeConnection = true;
          return;
        }
        step = DISPATCH;
        pending = this.dispatch();
      }
      if (step === DISPATCH) {
        if (pending !== undefined) await pending;
        pending = this.endRequest();
      }
      if (pending !== undefined) await pending;
    } catch (err) {
      this.requestFailed(err);
    } finally {
      this.requestLogged();
    }
  }

  /** Call `do_<command>()` (501 when there is none); its promise, if it returned one. */
  private dispatch(): Promise<unknown> | undefined {
    const command = this.command!;
    const method = (this as unknown as Record<string, unknown>)[methodName(command)];
    if (typeof method !== "function") {
      this.sendError(HTTPStatus.NOT_IMPLEMENTED, `Unsupported method (${pyRepr(command)})`);
      return undefined;
    }
    // A head queued by a synchronous method is sent by endRequest(), which runs right after.
    const wfile = this.wfile;
    wfile.deferred = true;
    let result: unknown;
    try {
      result = method.call(this);
    } catch (err) {
      wfile.endDefer();
      throw err;
    }
    if (result instanceof Promise) {
      wfile.endDefer();
      return result;
    }
    wfile.deferred = false;
    return undefined;
  }

  /**
   * @internal Before an idle wait: drop the views of the finished request's head (`rawRequestLine`
   * is reset by the next request anyway), so that an idle keep-alive connection does not keep the
   * socket's last read buffer alive: young-generation survivors make every scavenge slower.
   */
  protected releaseRequest(): void {
    this.head = EMPTY;
    this.rawRequestLine = EMPTY;
    this.headers = NO_HEADERS;
  }

  /** A request that ends the connection before it was dispatched (end of stream, refused head). */
  private requestClosed(): undefined {
    this.closeConnection = true;
    return this.requestLogged();
  }

  /** After each request, answered or not: the access log. */
  private requestLogged(): undefined {
    if (this.status !== 0) this.logAccess(this.status, this.wfile.bytesWritten);
    return undefined;
  }

  /**
   * For `do_CONNECT` and protocol upgrades: after your `200` (or `101`), take the raw connection
   * and the bytes the client already sent past the head. `rfile` stops reading; the connection
   * closes when the `do_*` method returns, so await the tunnel's end before returning.
   */
  takeConnection(): { socket: Socket; head: Buffer } {
    this.releaseBatch();
    this.wfile.sendHead();
    const head = Buffer.from(this.rfile.peekBuffered());
    this.rfile.close();
    this.tookConnection = true;
    this.closeConnection = true;
    return { socket: this.connection, head };
  }

  /** @internal Send the answers held back while pipelined requests were served. */
  releaseBatch(): void {
    if (!this.batching) return;
    this.batching = false;
    this.wfile.uncork();
  }

  /** @internal Shutdown of the server: close this connection, which waits for its next request. */
  closeIdle(): void {
    this.connection.destroy();
  }

  /** @internal The keep-alive timeout expired: the wait for the next request ends as at end of stream. */
  expireIdle(): void {
    this.rfile.close();
  }

  /** Flush `wfile` and close `rfile`/`wfile` (the server then closes the connection). */
  override async finish(): Promise<void> {
    removeConnection(this.state, this);
    this.releaseBatch();
    this.wfile.sendHead();
    await super.finish();
  }

  private beginRequest(): void {
    this.command = null;
    this.path = "";
    this.requestLine = "";
    this.rawRequestLine = EMPTY;
    this.requestVersion = this.defaultRequestVersion;
    this.resetResponse();
    this.requestStart = 0;
    this.requestCount++;
  }

  /** After the `do_*` method: send what is buffered (CPython's `wfile.flush()`), drain the unread body. */
  private endRequest(): Promise<void> | undefined {
    if (this.tookConnection || this.state.closing || (this.command === "CONNECT" && this.status >= 200 && this.status < 300)) this.closeConnection = true;
    if (!this.closeConnection && this.rfile.buffered > 0 && this.body.kind === "none" && !this.connection.writableNeedDrain) {
      // Pipelining: the next request is already here. Hold this answer so the answers to the
      // whole batch leave in one write; released before waiting for the client (releaseBatch).
      if (!this.batching) {
        this.batching = true;
        this.wfile.cork();
      } else this.wfile.sendHead();
      return undefined;
    }
    this.releaseBatch();
    this.wfile.sendHead();
    const drainBody = !this.closeConnection && this.body.kind !== "none" && !this.body.done;
    if (!drainBody && !this.connection.writableNeedDrain) return undefined;
    return this.endRequestSlow(drainBody);
  }

  /** Wait for the client to take the answer (backpressure), then drain the unread body. */
  private async endRequestSlow(drainBody: boolean): Promise<void> {
    await this.wfile.flush();
    if (drainBody && !(await this.body.drain())) this.closeConnection = true;
  }

  /** A request error surfacing from the handler (bad body, timeout, client gone): answer if still possible, close. */
  private requestFailed(err: unknown): void {
    this.closeConnection = true;
    if (err instanceof SocketTimeout) {
      this.logError("Request timed out: %r", err);
      if (!this.finalHeadSent && this.command !== null) this.trySendError(HTTPStatus.REQUEST_TIMEOUT);
      return;
    }
    if (err instanceof ConnectionClosed || isSocketError(err)) return;
    const answer = answerFor(err, this.requestLine);
    if (answer === null) throw err;
    if (!this.finalHeadSent) this.trySendError(answer[0], answer[1], answer[2]);
    else this.logError("code %d, message %s (after the response started)", answer[0], answer[1]);
  }

}

function isSocketError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "ECONNRESET" || code === "EPIPE" || code === "ERR_STREAM_DESTROYED" || code === "ERR_STREAM_WRITE_AFTER_END";
}
