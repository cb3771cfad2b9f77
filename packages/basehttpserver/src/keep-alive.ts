/**
 * The keep-alive timeout of idle connections, enforced by one coarse sweeper per server instead
 * of a socket timer per connection: a socket with an idle timeout re-arms it on every read and
 * every write, i.e. twice per request, while a connection here only notes the sweep count when
 * it starts waiting. A connection is closed between `keepAliveTimeout` and `keepAliveTimeout`
 * plus one sweep interval (a quarter of the timeout, at most one second) after its last request.
 * @module
 */
import type { IdleConnection, ServerState } from "./options.js";

/** Milliseconds between sweeps for a keep-alive timeout of `seconds`. */
function sweepInterval(seconds: number): number {
  return Math.min(1000, Math.max(10, Math.ceil((seconds * 1000) / 4)));
}

/** Register a connection of the server (from `setup()`); starts the sweeper if needed. */
export function addConnection(state: ServerState, connection: IdleConnection): void {
  state.connections.add(connection);
  const timeout = state.settings.keepAliveTimeout;
  if (state.sweeper === null && timeout !== null) {
    const interval = sweepInterval(timeout);
    // Expire after more than `needed` sweeps: at least `timeout` seconds, whenever in the interval it began.
    const needed = Math.ceil((timeout * 1000) / interval);
    state.sweeper = setInterval(sweep, interval, state, needed);
    state.sweeper.unref();
  }
}

/** Forget a connection (from `finish()`); the sweeper stops with the last one. */
export function removeConnection(state: ServerState, connection: IdleConnection): void {
  state.connections.delete(connection);
  if (state.connections.size === 0 && state.sweeper !== null) {
    clearInterval(state.sweeper);
    state.sweeper = null;
  }
}

/** The connections now waiting for their next request (closed at once by a shutdown). */
export function idleConnections(state: ServerState): IdleConnection[] {
  return [...state.connections].filter((connection) => connection.awaitingRequest);
}

function sweep(state: ServerState, needed: number): void {
  const now = ++state.sweeps;
  for (const connection of state.connections) {
    const since = connection.keepAliveSweep;
    if (since !== -1 && now - since > needed) connection.expireIdle();
  }
}
