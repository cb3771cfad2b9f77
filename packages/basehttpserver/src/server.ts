/**
 * `HTTPServer` and `ThreadingHTTPServer` (CPython's http.server servers), built on
 * socketserver's `TCPServer` and `ThreadingMixIn`, with graceful shutdown.
 * @module
 */
import { hostname } from "node:os";
import type { Socket } from "node:net";
import { TCPServer, ThreadingMixIn, type RequestHandlerClass, type SocketAddress } from "@stdhttp/socketserver";
import { idleConnections } from "./keep-alive.js";
import { serverState, type HTTPServerOptions, type HTTPSettings } from "./options.js";

/**
 * HTTP server, one connection at a time (Python's `http.server.HTTPServer`); use
 * {@link ThreadingHTTPServer} to serve connections concurrently.
 *
 * For the caller: everything of socketserver's `TCPServer` (`ready`, `serveForever()`,
 * `shutdown()`, `handleRequest()`, `serverClose()`, `await using`), plus `serverName` and
 * `serverPort` once bound.
 *
 * May be overridden: `serverBind()` (call `super.serverBind()`), and the `TCPServer` hooks.
 * Class properties: `allowReuseAddress` (true, as CPython).
 *
 * `shutdown()` is graceful: the loop stops accepting, connections waiting for their next
 * keep-alive request are closed at once, requests in progress finish (their answers carry
 * `Connection: close`), and it resolves when they have (or after the `drainTimeout` option).
 *
 * @example
 * await using httpd = new HTTPServer(["127.0.0.1", 8000], WelcomeHandler, { keepAliveTimeout: 10 });
 * await httpd.ready;
 * console.log(`serving on ${httpd.serverName}:${httpd.serverPort}`);
 * await httpd.serveForever();
 */
export class HTTPServer extends TCPServer {
  /** CPython sets `allow_reuse_address` for HTTP servers (Node's listeners always reuse). */
  override allowReuseAddress = true;
  /** The host name the server answers for (the machine's name when bound to all interfaces). */
  serverName = "";
  /** The port bound (the real one when 0 was asked for). */
  serverPort = 0;
  /** The resolved HTTP options (limits, timeouts). */
  declare readonly options: Readonly<HTTPServerOptions>;

  constructor(
    serverAddress: SocketAddress,
    RequestHandlerClass: RequestHandlerClass<Socket>,
    bindAndActivate: boolean | HTTPServerOptions = true,
  ) {
    super(serverAddress, RequestHandlerClass, bindAndActivate);
  }

  /** The HTTP settings resolved from `options` with their defaults. */
  get httpSettings(): Readonly<HTTPSettings> {
    return serverState(this).settings;
  }

  /** Bind and listen, then set `serverName` and `serverPort` (CPython's `server_bind`). */
  override async serverBind(): Promise<void> {
    await super.serverBind();
    const address = this.serverAddress;
    if (typeof address === "string") {
      this.serverName = address;
      return;
    }
    const [host, port] = address;
    // CPython calls socket.getfqdn(host); a DNS round trip is not worth it for a wildcard address.
    this.serverName = host === "" || host === "0.0.0.0" || host === "::" ? hostname() : host;
    this.serverPort = port;
  }

  /**
   * Stop serving gracefully: idle keep-alive connections are closed at once, requests in flight
   * finish (answered with `Connection: close`). Resolves when they are done.
   */
  override async shutdown(): Promise<void> {
    const state = serverState(this);
    state.closing = true;
    for (const connection of idleConnections(state)) connection.closeIdle();
    try {
      await super.shutdown();
    } finally {
      state.closing = false;
    }
  }

  /** Close idle keep-alive connections now (Node's `server.closeIdleConnections()`). */
  closeIdleConnections(): void {
    for (const connection of idleConnections(serverState(this))) connection.closeIdle();
  }
}

/**
 * `HTTPServer` serving each connection concurrently (Python's `ThreadingHTTPServer`; like it,
 * `daemonThreads` is true, so `serverClose()` does not wait for running connections).
 */
export class ThreadingHTTPServer extends ThreadingMixIn(HTTPServer) {
  override daemonThreads = true;
}
