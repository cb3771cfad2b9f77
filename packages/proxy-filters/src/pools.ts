/**
 * Upstream connection pools, one per origin (or per parent proxy), kept between requests so that
 * keep-alive connections are reused. HTTPS pools (inspected tunnels) are keyed apart from plain
 * ones, by the name the certificate is checked against and the CA set too.
 * @module
 */
import type { ConnectionOptions, SecureContext } from "node:tls";
import { HTTPConnectionPool } from "@stdhttp/httplib";

/** TLS of an HTTPS pool: the origin's name (certificate check, SNI) and the verification options. */
export interface PoolTls {
  name: string;
  context: SecureContext | null;
  tls: ConnectionOptions;
}

const contextIds = new WeakMap<SecureContext, number>();
let nextContextId = 1;

function contextId(context: SecureContext | null): number {
  if (context === null) return 0;
  let id = contextIds.get(context);
  if (id === undefined) {
    id = nextContextId++;
    contextIds.set(context, id);
  }
  return id;
}

/** Pools by `host:port` (and timeout). */
export class PoolRegistry {
  private readonly pools = new Map<string, HTTPConnectionPool>();
  /** The plain pool asked for last (most requests go to the same origin as the one before). */
  private last: { host: string; port: number; timeout: number; pool: HTTPConnectionPool } | null = null;

  constructor(
    /** Most connections per origin. */
    readonly connectionsPerOrigin = 16,
    /** Most origins with a pool kept (least recently used closed first). */
    readonly maxOrigins = 256,
  ) {}

  /**
   * The pool for `host:port` (created on first use; `timeout` in seconds), over TLS when `secure`
   * is given (then `host:port` is where to connect, `secure.name` the origin's name).
   */
  get(host: string, port: number, timeout: number, secure: PoolTls | null = null): HTTPConnectionPool {
    const last = this.last;
    // Already the most recently used: no key to build, no LRU move.
    if (secure === null && last !== null && last.host === host && last.port === port && last.timeout === timeout) return last.pool;
    // The timeouts are part of the key: handler classes with different limits do not share a pool.
    const plainKey = `${host}:${port}:${timeout}`;
    const key = secure === null ? plainKey : `https://${secure.name}@${plainKey}:${contextId(secure.context)}`;
    let pool = this.pools.get(key);
    if (pool !== undefined) {
      this.pools.delete(key);
      this.pools.set(key, pool);
      this.last = secure === null ? { host, port, timeout, pool } : null;
      return pool;
    }
    const limits = { connections: this.connectionsPerOrigin, connectTimeout: timeout, headersTimeout: timeout, bodyTimeout: timeout };
    pool = new HTTPConnectionPool(host, port, secure === null ? limits : { ...limits, https: true, context: secure.context, tls: secure.tls });
    this.pools.set(key, pool);
    this.last = secure === null ? { host, port, timeout, pool } : null;
    if (this.pools.size > this.maxOrigins) {
      const [oldKey, old] = this.pools.entries().next().value as [string, HTTPConnectionPool];
      this.pools.delete(oldKey);
      if (this.last?.pool === old) this.last = null;
      old.close();
    }
    return pool;
  }

  /** Close every pool (their idle connections; requests in progress fail). */
  close(): void {
    for (const p of this.pools.values()) p.close();
    this.pools.clear();
    this.last = null;
  }
}
