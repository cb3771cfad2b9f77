/**
 * Upstream connection pools, one per origin (or per parent proxy), kept between requests so that
 * keep-alive connections are reused.
 * @module
 */
import { HTTPConnectionPool } from "@stdhttp/httplib";

/** Pools by `host:port` (and timeout). */
export class PoolRegistry {
  private readonly pools = new Map<string, HTTPConnectionPool>();

  constructor(
    /** Most connections per origin. */
    readonly connectionsPerOrigin = 16,
    /** Most origins with a pool kept (least recently used closed first). */
    readonly maxOrigins = 256,
  ) {}

  /** The pool for `host:port` (created on first use; `timeout` in seconds). */
  get(host: string, port: number, timeout: number): HTTPConnectionPool {
    // The timeouts are part of the key: handler classes with different limits do not share a pool.
    const key = `${host}:${port}:${timeout}`;
    let pool = this.pools.get(key);
    if (pool !== undefined) {
      this.pools.delete(key);
      this.pools.set(key, pool);
      return pool;
    }
    pool = new HTTPConnectionPool(host, port, { connections: this.connectionsPerOrigin, connectTimeout: timeout, headersTimeout: timeout, bodyTimeout: timeout });
    this.pools.set(key, pool);
    if (this.pools.size > this.maxOrigins) {
      const [oldKey, old] = this.pools.entries().next().value as [string, HTTPConnectionPool];
      this.pools.delete(oldKey);
      old.close();
    }
    return pool;
  }

  /** Close every pool (their idle connections; requests in progress fail). */
  close(): void {
    for (const p of this.pools.values()) p.close();
    this.pools.clear();
  }
}
