/**
 * `ConnectionBase`: the socket side of {@link HTTPConnection}: host and port, options,
 * opening the socket (TCP or Unix, proxy tunnel, then the `secureWire` hook for TLS),
 * reconnecting, and the debug output. The request/response state machine is in `connection.ts`.
 * @module
 */
import { EventEmitter } from "node:events";
import * as net from "node:net";
import { ImproperConnectionState } from "../errors.js";
import type { HTTPMessage, ResponseHead } from "../message/index.js";
import { asciiHost, formatHeaderLine, getHostPort, headerPairs, validateHost, type RequestHeaders } from "./checks.js";
import { resolveExpectContinueMs, resolveHeadLimits, resolveTimeouts, type HTTPConnectionOptions } from "./options.js";
import type { ResolvedLimits } from "./read-head.js";
import { openTunnel, wrapIPv6 } from "./tunnel.js";
import { Phase, Wire, type PhaseTimeouts } from "./wire.js";

/**
 * Socket management shared by {@link HTTPConnection} and {@link HTTPSConnection}; not used directly.
 *
 * May be overridden: `createSocket()`, `secureWire()`, the static `defaultPort`.
 */
export class ConnectionBase extends EventEmitter {
  /** Port used when none is given (CPython `default_port`). */
  static readonly defaultPort: number = 80;

  /** Server host (IPv6 without brackets). */
  host: string;
  /** Server port. */
  port: number;
  /** The `timeout` option as given (seconds, as CPython's), or null. */
  readonly timeout: number | null;
  /** Local address to bind, or null. */
  readonly sourceAddress: readonly [string, number] | null;
  /** Read size for file bodies. */
  blocksize: number;
  /** Debug output level (see {@link ConnectionBase.setDebugLevel}). */
  debugLevel = 0;
  /** Reconnect automatically on send (CPython `auto_open`). */
  autoOpen: boolean;
  /** HTTP version sent: 11, or 10 for the legacy `HTTP` class. */
  httpVsn: 10 | 11 = 11;
  /** Version string of the request line. */
  httpVsnStr = "HTTP/1.1";

  /** Options as given to the constructor. */
  protected readonly options: HTTPConnectionOptions;
  /** Inactivity timeouts per phase, seconds. */
  protected readonly timeouts: PhaseTimeouts;
  /** `expectContinueTimeout` as a timer delay, ms. */
  protected readonly expectContinueMs: number;
  /** Limits of the response head parser. */
  protected readonly headLimits: ResolvedLimits;
  /** The open socket, or null. */
  protected wire: Wire | null = null;
  /** The socket being connected, or null (so an abort can close it). */
  protected connectingWire: Wire | null = null;
  /** Tunnel target host, or null without a tunnel. */
  protected tunnelHost: string | null = null;
  /** Tunnel target port. */
  protected tunnelPort = 0;
  /**
   * Given to each new socket's {@link Wire} as its `sizeHint` (large bodies received in place);
   * null here, set by {@link HTTPConnection}.
   */
  protected readonly sizeHint: ((wire: Wire) => number) | null = null;
  #tunnelHeaders: Array<[string, string]> = [];
  #proxyHeaders: HTTPMessage | null = null;
  #connecting: Promise<Wire> | null = null;

  constructor(host: string, port: number | null | undefined, options: HTTPConnectionOptions) {
    super();
    [this.host, this.port] = getHostPort(host, port, new.target.defaultPort);
    validateHost(this.host);
    this.options = options;
    this.timeout = options.timeout ?? null;
    this.sourceAddress = options.sourceAddress ?? null;
    this.blocksize = options.blocksize ?? 8192;
    this.autoOpen = options.autoOpen ?? true;
    this.timeouts = resolveTimeouts(options);
    this.expectContinueMs = resolveExpectContinueMs(options);
    this.headLimits = resolveHeadLimits(options);
  }

  /** The default port of this class. */
  get defaultPort(): number {
    return (this.constructor as typeof ConnectionBase).defaultPort;
  }

  /** The current socket, or null when not connected (CPython `sock`). */
  get sock(): net.Socket | null {
    return this.wire?.socket ?? null;
  }

  /** 0: quiet; above 0: print what is sent and the status line and headers received (CPython `set_debuglevel`). */
  setDebugLevel(level: number): void {
    this.debugLevel = level;
  }

  /**
   * Sends the following requests through an HTTP proxy tunnel: this connection's host/port is
   * the proxy; `CONNECT host:port` is sent on connect (CPython `set_tunnel`). `headers` go with
   * the CONNECT request (a Host header is added unless given). Call before connecting.
   */
  setTunnel(host: string, port?: number | null, headers?: RequestHeaders): void {
    if (this.wire !== null) throw new ImproperConnectionState("Can't set up tunnel for established connection");
    const [h, p] = getHostPort(host, port, this.defaultPort);
    validateHost(h);
    const pairs: Array<[string, string]> = [];
    let hasHost = false;
    for (const [name, values] of headerPairs(headers)) {
      const line = formatHeaderLine(name, values);
      pairs.push([name, line.slice(name.length + 2, -2)]);
      if (name.toLowerCase() === "host") hasHost = true;
    }
    if (!hasHost) pairs.unshift(["Host", `${wrapIPv6(asciiHost(h))}:${p}`]);
    this.tunnelHost = h;
    this.tunnelPort = p;
    this.#tunnelHeaders = pairs;
  }

  /** Header fields of the proxy's answer to CONNECT, or null before a tunnel was opened (CPython `get_proxy_response_headers`). */
  getProxyResponseHeaders(): HTTPMessage | null {
    return this.#proxyHeaders;
  }

  /** The tunnel target `[host, port]` (what TLS must verify), or null without a tunnel. */
  protected get tunnelTarget(): [string, number] | null {
    return this.tunnelHost === null ? null : [this.tunnelHost, this.tunnelPort];
  }

  /** Opens the socket (TCP, Unix socket, tunnel, TLS). Resolves once it is ready; does nothing when already connected. */
  async connect(): Promise<void> {
    await this.open();
  }

  /**
   * Hook: creates the raw socket. Default: TCP to `host:port` (binding `sourceAddress`), or
   * `socketPath`. `onread`, when given, should be passed to `net.connect` (bodies are then read
   * straight into their final Buffer); an override may ignore it (the socket is then read
   * through 'data' events).
   */
  protected createSocket(onread?: net.OnReadOpts): net.Socket {
    const path = this.options.socketPath;
    if (path !== undefined && path !== null && path !== "") return net.connect({ path, onread });
    const src = this.sourceAddress;
    return net.connect({
      host: asciiHost(this.host),
      port: this.port,
      localAddress: src !== null && src[0] !== "" ? src[0] : undefined,
      localPort: src !== null && src[1] !== 0 ? src[1] : undefined,
      onread,
    });
  }

  /**
   * Whether the raw socket is opened with `onread` (bodies read into their destination
   * Buffers). False for {@link HTTPSConnection}: TLS takes the raw socket over and is read
   * through 'data'. A subclass whose `secureWire()` wraps the raw socket must return false too.
   */
  protected get readsInPlace(): boolean {
    return true;
  }

  /** Hook: runs after TCP connect (and the tunnel); returns the wire to use. {@link HTTPSConnection} starts TLS here. */
  protected secureWire(wire: Wire): Promise<Wire> {
    return Promise.resolve(wire);
  }

  /** Wraps a socket in a {@link Wire} using this connection's timeouts (for `secureWire` overrides). */
  protected newWire(socket: net.Socket): Wire {
    return new Wire(socket, this.timeouts, Phase.Connect);
  }

  /** The open wire, connecting first when there is none (one connect at a time). */
  protected open(): Promise<Wire> {
    const w = this.wire;
    if (w !== null && w.usable) return Promise.resolve(w);
    if (this.#connecting !== null) return this.#connecting;
    const p = this.#doConnect();
    this.#connecting = p;
    const clear = (): void => {
      if (this.#connecting === p) this.#connecting = null;
    };
    p.then(clear, clear);
    return p;
  }

  async #doConnect(): Promise<Wire> {
    let wire = this.readsInPlace
      ? new Wire((onread) => this.createSocket(onread), this.timeouts, Phase.Connect)
      : this.newWire(this.createSocket());
    this.connectingWire = wire;
    try {
      await wire.ready("connect");
      wire.socket.setNoDelay(true);
      if (this.tunnelHost !== null) {
        const spec = { host: this.tunnelHost, port: this.tunnelPort, headers: this.#tunnelHeaders, versionString: this.httpVsnStr };
        const debug = this.debugLevel > 0 ? (line: string): void => this.debug(line) : null;
        this.#proxyHeaders = await openTunnel(wire, spec, this.headLimits, debug);
      }
      wire = await this.secureWire(wire);
    } catch (err) {
      wire.destroy();
      throw err;
    } finally {
      this.connectingWire = null;
    }
    wire.setPhase(Phase.Idle);
    wire.sizeHint = this.sizeHint;
    this.wire = wire;
    return wire;
  }

  /** Writes one debug line (to `options.debugWriter`, else `console.log`). */
  protected debug(line: string): void {
    const w = this.options.debugWriter;
    if (w !== undefined && w !== null) w(line);
    else console.log(line);
  }

  /** Debug lines for a received head, as CPython prints them. */
  protected debugHead(head: ResponseHead): void {
    this.debug(`reply: ${JSON.stringify(head.rawStatusLine.toString("latin1"))}`);
    for (const [name, value] of head.headers) this.debug(`header: ${name}: ${value}`);
  }
}
