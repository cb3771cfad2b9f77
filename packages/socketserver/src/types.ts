/**
 * Shapes shared by servers and handlers: addresses as Python has them, socket constants,
 * and the options Node adds to Python's constructors.
 * @module
 */
import type { SecureContext, SecureContextOptions, TlsOptions } from "node:tls";

/** `[host, port]`, Python's `(host, port)` tuple for IPv4 and IPv6. */
export type InetAddress = [host: string, port: number];

/** A server or client address: `[host, port]` for TCP/UDP, a filesystem path for Unix sockets. */
export type SocketAddress = InetAddress | string;

/** Python's `socket.AF_UNIX` (Linux value). */
export const AF_UNIX = 1;
/** Python's `socket.AF_INET`. */
export const AF_INET = 2;
/** Python's `socket.AF_INET6` (Linux value). */
export const AF_INET6 = 10;
/** Python's `socket.SOCK_STREAM`. */
export const SOCK_STREAM = 1;
/** Python's `socket.SOCK_DGRAM`. */
export const SOCK_DGRAM = 2;

/** The socket through which a datagram handler answers (Python's `self.socket` in a UDP handler). */
export interface DatagramReplySocket {
  /** Send one datagram to `address`. */
  sendto(data: Buffer | Uint8Array | string, address: SocketAddress): Promise<void>;
}

/** What a datagram server hands its handler as `request`: Python's `(data, socket)`. */
export type DatagramRequest = [packet: Buffer, socket: DatagramReplySocket];

/**
 * Options Node adds to Python's server constructors. Pass them as the third argument
 * (in place of Python's `bind_and_activate` boolean, which is also accepted there).
 * Durations are in seconds, as Python's `timeout`s are.
 */
export interface ServerOptions {
  /** Bind and listen right away (Python's `bind_and_activate`). Default `true`. */
  bindAndActivate?: boolean;
  /**
   * Seconds a stream handler's read or flush may wait for the peer when the handler's own
   * `timeout` is `null`. Default 120; `null` disables it.
   */
  idleTimeout?: number | null;
  /** Longest line `rfile.readline()` accepts without an explicit limit. Default 65536. */
  maxLineLength?: number;
  /** Refuse connections beyond this many open ones (stream servers). Default: unlimited. */
  maxConnections?: number | null;
  /**
   * Seconds `shutdown()` waits for in-flight requests before destroying their connections.
   * Default `null`: wait for them.
   */
  drainTimeout?: number | null;
  /**
   * Wrap accepted stream sockets in TLS: options (`key`, `cert`, `ALPNProtocols`, `requestCert`, ...),
   * a ready `SecureContext`, or options with a ready `secureContext` plus per-connection settings.
   */
  tls?: (TlsOptions & SecureContextOptions) | SecureContext | null;
  /** ThreadingMixIn: most requests served at once (`null`: no cap). Overrides the class property. */
  maxConcurrency?: number | null;
  /** ForkingMixIn: most worker processes (Python's `max_children`). Overrides the class property. */
  maxChildren?: number;
  /** ForkingMixIn: the script a worker runs; default the main script (`process.argv[1]`). */
  workerScript?: string;
}
