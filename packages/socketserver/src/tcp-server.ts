/**
 * Stream servers: `TCPServer` (Python's socketserver.TCPServer) and `UnixStreamServer`.
 * @module
 */
import { lookup } from "node:dns/promises";
import { createServer, type ListenOptions, type Server, type Socket } from "node:net";
import { createSecureContext, TLSSocket, type SecureContext, type SecureContextOptions, type TLSSocketOptions } from "node:tls";
import { BaseServer, type RequestHandlerClass } from "./base-server.js";
import { AF_INET, AF_INET6, AF_UNIX, SOCK_STREAM, type ServerOptions, type SocketAddress } from "./types.js";

/**
 * Stream socket server, one request at a time (Python's `socketserver.TCPServer`): while a
 * request is served the next connection waits in the queue. Mix in `ThreadingMixIn` or
 * `ForkingMixIn` to serve concurrently.
 *
 * Class properties that may be overridden: `addressFamily` (`AF_INET`, `AF_INET6`), `socketType`,
 * `requestQueueSize` (listen backlog), `allowReuseAddress`, `allowReusePort`, `shareClusterHandle`, `ipv6Only`, `timeout`.
 *
 * @example
 * class Echo extends StreamRequestHandler {
 *   override async handle() { this.wfile.write(await this.rfile.readline()); }
 * }
 * await using server = new TCPServer(["127.0.0.1", 0], Echo);
 * await server.ready;
 * console.log("port", server.serverAddress[1]);
 * await server.serveForever();
 */
export class TCPServer extends BaseServer<Socket> {
  /** `AF_INET` (IPv4), `AF_INET6`, or `AF_UNIX` for `UnixStreamServer`. */
  addressFamily: number = AF_INET;
  /** Always `SOCK_STREAM`. */
  socketType: number = SOCK_STREAM;
  /** The listen backlog. Python uses 5; Node accepts eagerly, so the default is Node's 511. */
  requestQueueSize = 511;
  /** Python's `allow_reuse_address`. Node (libuv) always sets SO_REUSEADDR on TCP listeners. */
  allowReuseAddress = false;
  /** Python's `allow_reuse_port` (SO_REUSEPORT; honoured by Node >= 22.12). */
  allowReusePort = false;
  /**
   * In a node:cluster worker, listen on the socket the primary shares with every worker (net's
   * `exclusive: false`), so that all workers accept on one port; the default (`false`) gives each
   * server its own socket, as Python binds its own. No effect outside a cluster worker.
   */
  shareClusterHandle = false;
  /**
   * IPV6_V6ONLY on an IPv6 listener (default true: IPv6 clients only). `false` also accepts IPv4
   * clients on `::` (as `::ffff:a.b.c.d`), as CPython's `http.server` `DualStackServer` does.
   */
  ipv6Only = true;
  /** The listening socket (a `net.Server`). */
  readonly socket: Server;

  /** What each accepted connection's TLSSocket is made with (built once), or null without TLS. */
  private readonly tlsSocketOptions: TLSSocketOptions | null;
  private readonly tlsSockets = new WeakMap<Socket, TLSSocket>();
  private readonly tlsEstablished = new WeakSet<TLSSocket>();

  constructor(
    serverAddress: SocketAddress,
    RequestHandlerClass: RequestHandlerClass<Socket>,
    bindAndActivate: boolean | ServerOptions = true,
  ) {
    super(serverAddress, RequestHandlerClass, bindAndActivate);
    // pauseOnConnect: a waiting connection's bytes stay in the kernel, and a socket can be
    // handed to a worker process untouched (ForkingMixIn).
    this.socket = createServer({ pauseOnConnect: true, allowHalfOpen: true }, this.onConnection);
    if (this.options.maxConnections != null) this.socket.maxConnections = this.options.maxConnections;
    const tls = this.options.tls;
    if (!tls) this.tlsSocketOptions = null;
    // A ready context may come alone, or as `secureContext` beside per-connection settings
    // (ALPNProtocols, requestCert, SNICallback, ...), which go to each TLSSocket.
    else if (isSecureContext(tls)) this.tlsSocketOptions = { isServer: true, secureContext: tls };
    else this.tlsSocketOptions = { ...tls, isServer: true, secureContext: tls.secureContext ?? createSecureContext(tls) };
  }

  /** Bind and listen (Node does both in one call); `serverAddress` then holds the real port. */
  override async serverBind(): Promise<void> {
    const server = this.socket;
    const options = await this.listenOptions();
    await new Promise<void>((resolve, reject: (err: Error) => void) => {
      server.once("error", reject);
      server.once("listening", () => {
        server.off("error", reject);
        resolve();
      });
      try {
        server.listen(options);
      } catch (err) {
        server.off("error", reject);
        reject(err as Error);
      }
    });
    const bound = server.address();
    this.serverAddress = typeof bound === "string" || bound === null ? this.serverAddress : [bound.address, bound.port];
    server.on("error", (err) => this.handleError(undefined as never, this.serverAddress, err));
  }

  /** The listening socket's file descriptor. */
  override fileno(): number {
    const handle = (this.socket as unknown as { _handle?: { fd?: number } })._handle;
    return handle?.fd ?? -1;
  }

  /** The connection inside a TLS layer when the server has a TLS context; otherwise itself. May be overridden. */
  override wrapRequest(request: Socket): Socket {
    if (this.tlsSocketOptions === null) return request;
    const secure = new TLSSocket(request, this.tlsSocketOptions);
    this.tlsSockets.set(request, secure);
    secure.on("error", ignoreError);
    secure.once("secure", () => this.tlsEstablished.add(secure));
    return secure;
  }

  /** Half-close (FIN after pending writes), then `closeRequest()`; resolves once closed. */
  override shutdownRequest(request: Socket): Promise<void> {
    const tls = this.tlsSockets.get(request);
    const stream = tls ?? request;
    // Before a completed handshake, TLS holds writes back: end() would never finish.
    const handshakeFailed = tls !== undefined && !this.tlsEstablished.has(tls);
    if (handshakeFailed || stream.destroyed || request.destroyed || stream.writableFinished) {
      this.closeRequest(request);
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const close = (): void => {
        clearTimeout(linger);
        stream.off("close", close);
        request.off("close", close);
        this.closeRequest(request);
        resolve();
      };
      // A peer that never reads would keep end() pending forever: bound the wait.
      const linger = setTimeout(close, 1000 * (this.idleTimeout ?? 120));
      linger.unref();
      stream.once("close", close);
      // A TLS stream over a connection that is already gone may never finish its end().
      if (stream !== request) request.once("close", close);
      stream.end(close);
    });
  }

  /** Close the connection. */
  override closeRequest(request: Socket): void {
    this.tlsSockets.get(request)?.destroy();
    request.destroy();
  }

  /** Stop listening and drop connections not yet served (without waiting for open connections to end, as Python's `server_close`). */
  override serverClose(): Promise<void> {
    void super.serverClose();
    for (const socket of this.drainQueue()) socket.destroy();
    // net.Server's close callback waits for every connection to end; Python's server_close()
    // only closes the listening socket, so do not wait for it.
    if (this.socket.listening) this.socket.close();
    return Promise.resolve();
  }

  protected override abortRequest(request: Socket): void {
    this.closeRequest(request);
  }

  /** Where `listen()` binds, from `serverAddress` and `addressFamily`. */
  private async listenOptions(): Promise<ListenOptions> {
    const backlog = this.requestQueueSize;
    const exclusive = !this.shareClusterHandle;
    if (this.addressFamily === AF_UNIX) return { path: this.serverAddress as string, backlog, exclusive };
    const [host, port] = this.serverAddress as [string, number];
    const family = this.addressFamily === AF_INET6 ? 6 : 4;
    let address = host;
    if (host === "") address = family === 6 ? "::" : "0.0.0.0";
    else if (host === "<broadcast>") address = "255.255.255.255";
    else address = (await lookup(host, { family })).address;
    return { host: address, port, backlog, exclusive, ipv6Only: family === 6 && this.ipv6Only, reusePort: this.allowReusePort } as ListenOptions;
  }

  private readonly onConnection = (socket: Socket): void => {
    // A queued connection may be reset before it is served: keep the error for its handler.
    socket.on("error", ignoreError);
    const clientAddress: SocketAddress =
      this.addressFamily === AF_UNIX ? "" : [socket.remoteAddress ?? "", socket.remotePort ?? 0];
    this.enqueueRequest(socket, clientAddress);
  };
}

/** The listener that keeps a socket error from being thrown before a handler listens (one function for all sockets). */
function ignoreError(): void {}

function isSecureContext(value: SecureContext | SecureContextOptions): value is SecureContext {
  return "context" in value && typeof (value).context === "object";
}

/** `TCPServer` on a Unix domain stream socket; `serverAddress` is the socket's path. */
export class UnixStreamServer extends TCPServer {
  override addressFamily: number = AF_UNIX;
}
