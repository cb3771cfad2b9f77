/**
 * The part of `http-server` 14 (a CommonJS package without type declarations) that bench uses:
 * `createServer(options)` and the `union` server (a `node:http` server) it wraps.
 */
declare module "http-server" {
  import type { Server } from "node:http";

  /** Options of the library's `createServer`, as its CLI passes them (`showDir` is compared with the string `"false"`). */
  export interface HttpServerOptions {
    root?: string;
    /** Seconds for `Cache-Control: max-age`, `-1` for no caching (CLI `-c`). */
    cache?: number;
    showDir?: boolean | "true" | "false";
    autoIndex?: boolean | "true" | "false";
    gzip?: boolean;
    brotli?: boolean;
    /** Called for every request when set (the CLI's log; `-s` leaves it unset). */
    logFn?: (req: unknown, res: unknown, error?: unknown) => void;
  }

  export interface HttpServer {
    /** The underlying `node:http` server (`union.createServer`). */
    server: Server;
    listen(...args: unknown[]): void;
    close(): void;
  }

  export function createServer(options?: HttpServerOptions): HttpServer;
}
