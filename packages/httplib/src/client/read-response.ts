/**
 * Reading the response (CPython `getresponse`): the next response head, interim 1xx answers
 * reported and skipped, a 101 refused unless the request asked to upgrade, then the
 * {@link HTTPResponse} that reads the body and hands the socket back when it is done.
 * {@link ResponseReader} is the layer of {@link HTTPConnection} that does this.
 * @module
 */
import { NotConnected, ResponseNotReady } from "../errors.js";
import type { ResponseHead } from "../message/index.js";
import type { BodyResponse, ResponseOwner } from "./body-reader.js";
import { RequestAborted, UnsolicitedUpgrade } from "./errors.js";
import { IDLE, REQ_SENT } from "./exchange-state.js";
import { headStep, responseSize } from "./read-head.js";
import { HTTPResponse } from "./response.js";
import { RequestSender } from "./send-request.js";
import type { Wire } from "./wire.js";

const noop = (): void => {};

/**
 * The response-reading layer of {@link HTTPConnection} (not used on its own): the public
 * `getResponse()` and `lastUnparsed` live here; {@link HTTPConnection} implements `responseDone()`.
 */
export abstract class ResponseReader extends RequestSender implements ResponseOwner {
  /** Bytes received but not parsable when the last response head failed (the legacy `getFile()`). */
  lastUnparsed: Buffer | null = null;

  /**
   * Reads the head of the next response (CPython `getresponse`), skipping interim 1xx answers
   * (reported through `"information"`). Rejects with `ResponseNotReady` when no request is
   * outstanding or the previous response is unread (without pipelining), `RemoteDisconnected`,
   * `BadStatusLine`, `LineTooLong`, `TooManyHeaders`, `HeadersTimeout`, ... (the connection is
   * closed after such an error).
   */
  async getResponse(): Promise<HTTPResponse> {
    while (this.exchange.response !== null || this.exchange.readingHead) {
      if (this.pipelining === 1) throw new ResponseNotReady(this.exchange.state);
      await this.exchange.waitTurn();
    }
    const pending = this.exchange.queue[0];
    if (pending === undefined) throw new ResponseNotReady(this.exchange.state);
    this.exchange.readingHead = true;
    try {
      // Its own transmission first (e.g. still waiting for 100 Continue), never later ones.
      if (pending.sending !== null) await pending.sending.catch(noop);
      this.exchange.queue.shift();
      if (this.exchange.queue.length === 0 && this.exchange.state === REQ_SENT) this.exchange.state = IDLE;
      const wire = pending.wire;
      // A request whose body could not be written may still have been answered (CPython
      // test_epipe: a 401 sent before the server stopped reading): try to read that answer.
      if (wire === null || pending.error instanceof RequestAborted) {
        this.exchange.release(pending);
        throw pending.error ?? new NotConnected();
      }
      this.exchange.active = pending;
      const lim = this.headLimits;
      let resp: HTTPResponse;
      try {
        let head: ResponseHead | null;
        for (;;) {
          while ((head = headStep(wire, lim)) === null) await wire.wait();
          if (head.status >= 200) break;
          if (head.status === 101) {
            // RFC 9110 7.8, 15.2.2: a server switches only to a protocol the request asked for.
            if (!pending.upgrade) throw new UnsolicitedUpgrade(head.headers.get("upgrade"));
            break;
          }
          this.inform(head);
        }
        if (this.debugLevel > 0) this.debugHead(head);
        resp = new HTTPResponse(this, wire, head, pending.method, pending.skipBody, this.debugLevel);
      } catch (err) {
        this.lastUnparsed = wire.buf.length > 0 ? Buffer.from(wire.buf) : null;
        if (this.exchange.active === pending) this.exchange.active = null;
        this.exchange.release(pending);
        if (wire === this.wire) this.wire = null;
        wire.destroy();
        throw err;
      }
      if (!resp.isClosed()) {
        this.exchange.response = resp;
        // CPython closes the connection object now; the response keeps the socket until read.
        if (resp.willClose && this.wire === wire) this.wire = null;
      }
      return resp;
    } finally {
      this.exchange.readingHead = false;
      if (this.exchange.response === null) this.exchange.wakeWaiters();
    }
  }

  /** {@link Wire.sizeHint} for the response to the oldest outstanding request (see {@link responseSize}). */
  protected override readonly sizeHint = (wire: Wire): number => {
    const p = this.exchange.active ?? this.exchange.queue[0];
    return p === undefined || p.skipBody ? 0 : responseSize(wire, p.method, this.headLimits);
  };

  /** Called by {@link HTTPResponse} when its body is done or abandoned (see {@link ResponseOwner}). */
  abstract responseDone(resp: BodyResponse, wire: Wire, reuse: boolean): void;
}
