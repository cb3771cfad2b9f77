/**
 * Watching a client's connection while its request is forwarded: a client that leaves stops the
 * upstream transfer.
 * @module
 */
import type { Socket } from "node:net";
import type { HTTPResponse } from "@stdhttp/httplib";

/**
 * Whether the client is still there, per connection. A FIN or a failure while a request waits
 * for its origin, or while its answer is relayed, means the client gave up (as nginx and Privoxy
 * read it): the upstream request is abandoned, its connection dropped.
 * One watcher per connection (not per request): listeners and an AbortController per request
 * cost more than the forwarding of a small answer.
 */
export interface ClientWatch {
  controller: AbortController;
  /** True while a request of this connection waits for its origin's answer. */
  waiting: boolean;
  /** The answer being relayed to this connection, closed if the client leaves meanwhile. */
  relaying: HTTPResponse | null;
  /** The client left while an answer was being relayed. */
  leftDuringRelay: boolean;
}

const clientWatches = new WeakMap<Socket, ClientWatch>();

/** The watch of `socket` (made on its first forwarded request, again once it has fired). */
export function watchClient(socket: Socket): ClientWatch {
  let watch = clientWatches.get(socket);
  if (watch !== undefined && !watch.controller.signal.aborted) return watch;
  const w: ClientWatch = { controller: new AbortController(), waiting: false, relaying: null, leftDuringRelay: false };
  if (socket.readableEnded || socket.destroyed) w.controller.abort(new Error("the client went away"));
  else {
    const gone = (): void => {
      if (w.waiting) w.controller.abort(new Error("the client went away"));
      // While an answer is relayed, an origin that stalls would otherwise hold its pooled
      // connection until the body timeout (as nginx's proxy_ignore_client_abort off, it is dropped).
      const res = w.relaying;
      if (res !== null) {
        w.leftDuringRelay = true;
        w.relaying = null;
        res.close();
      }
    };
    socket.on("end", gone);
    socket.once("close", () => {
      socket.off("end", gone);
      gone();
    });
  }
  clientWatches.set(socket, w);
  watch = w;
  return watch;
}
