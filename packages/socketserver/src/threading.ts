/**
 * `ThreadingMixIn`: serve each request concurrently on the event loop (Python's threads).
 * @module
 */
import type { BaseServer } from "./base-server.js";
import type { SocketAddress } from "./types.js";

/** Any server class a mix-in can extend (TypeScript mix-ins need an `any[]` constructor). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ServerClass = abstract new (...args: any[]) => BaseServer<any>;

/** A constructor whose instances have `T`'s members (what a mix-in adds). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type MixinClass<T> = new (...args: any[]) => T;

/** What `ThreadingMixIn` adds to a server. */
export interface ThreadingMembers {
  /** Python's `daemon_threads`: when true, `serverClose()` does not wait for running requests. */
  daemonThreads: boolean;
  /** Python's `block_on_close`: `serverClose()` waits for running requests. */
  blockOnClose: boolean;
  /** Most requests served at once; `null` for no cap. */
  maxConcurrency: number | null;
  /** Serve one request to the end: `finishRequest`, `handleError` on failure, then `shutdownRequest`. */
  processRequestThread(request: unknown, clientAddress: SocketAddress): Promise<void>;
}

/**
 * Mix-in that serves each request concurrently (Python's `socketserver.ThreadingMixIn`).
 * In Node a "thread" is a concurrent async task on the event loop; `maxConcurrency` caps how many
 * run at once (the loop stops taking new requests while the cap is reached).
 *
 * Class properties that may be overridden: `daemonThreads` (`serverClose()` does not wait for
 * them), `blockOnClose` (`serverClose()` waits for running requests; default true),
 * `maxConcurrency` (`null`: no cap; the `maxConcurrency` constructor option overrides it).
 *
 * @example
 * class ThreadedEchoServer extends ThreadingMixIn(TCPServer) {}
 */
export function ThreadingMixIn<TBase extends ServerClass>(Base: TBase): TBase & MixinClass<ThreadingMembers> {
  abstract class ThreadingServer extends Base implements ThreadingMembers {
    /** Python's `daemon_threads`: when true, `serverClose()` does not wait for running requests. */
    daemonThreads = false;
    /** Python's `block_on_close`: `serverClose()` waits for running requests. */
    blockOnClose = true;
    /** Most requests served at once; `null` for no cap. */
    maxConcurrency: number | null = null;

    /** Start serving the request and return at once (waits first while `maxConcurrency` is reached). */
    override async processRequest(request: unknown, clientAddress: SocketAddress): Promise<void> {
      const cap = this.options.maxConcurrency !== undefined ? this.options.maxConcurrency : this.maxConcurrency;
      if (cap !== null && cap > 0) await this.waitForSlot(cap);
      // The default thread body runs as one small object (BaseServer.serveInBackground).
      if (this.processRequestThread === ThreadingServer.prototype.processRequestThread) this.serveInBackground(request, clientAddress);
      else this.trackRequest(request, this.processRequestThread(request, clientAddress));
    }

    /** Serve one request to the end: `finishRequest`, `handleError` on failure, then `shutdownRequest`. */
    processRequestThread(request: unknown, clientAddress: SocketAddress): Promise<void> {
      return this.finishAndShutdown(request, clientAddress);
    }

    /** Close the server, then wait for running requests unless `daemonThreads` or not `blockOnClose`. */
    override async serverClose(): Promise<void> {
      await super.serverClose();
      if (this.blockOnClose && !this.daemonThreads) await this.drain(null);
    }
  }
  return ThreadingServer as unknown as TBase & MixinClass<ThreadingMembers>;
}
