/**
 * `HTTPSServer` and `ThreadingHTTPSServer` (CPython 3.14+): the HTTP servers with TLS on every
 * accepted connection, from PEM files or a ready `SecureContext`, with ALPN.
 * @module
 */
import { readFileSync } from "node:fs";
import type { Socket } from "node:net";
import type { SecureContext } from "node:tls";
import { ThreadingMixIn, type RequestHandlerClass, type SocketAddress } from "@stdhttp/socketserver";
import { addConnection, removeConnection } from "./keep-alive.js";
import { HTTP_DEFAULTS, serverState, type HTTPServerOptions, type IdleConnection } from "./options.js";
import { firstBytes, isPlainHttp, PLAIN_HTTP_ANSWER } from "./plain-http.js";
import { HTTPServer } from "./server.js";

/** Options of {@link HTTPSServer}: the HTTP options plus CPython's TLS arguments. */
export interface HTTPSServerOptions extends HTTPServerOptions {
  /** PEM file with the certificate chain (and the key, when `keyfile` is not given). */
  certfile?: string;
  /** PEM file with the private key. Default: read it from `certfile`. */
  keyfile?: string;
  /** Passphrase of an encrypted private key. */
  password?: string;
  /** ALPN protocols offered, in order of preference. Default `["http/1.1"]`. */
  alpnProtocols?: string[] | null;
  /** A ready TLS context instead of the files (CPython's `context`); ALPN is then the context's business. */
  context?: SecureContext | null;
}

/** Turn CPython's TLS arguments into socketserver's `tls` option. */
function withTls(options: HTTPSServerOptions): HTTPServerOptions {
  const { certfile, keyfile, password, alpnProtocols, context, ...rest } = options;
  if (rest.tls) return rest;
  if (context) return { ...rest, tls: context };
  if (!certfile) throw new TypeError("HTTPSServer needs certfile (or context, or the tls option)");
  const cert = readFileSync(certfile);
  const key = keyfile ? readFileSync(keyfile) : cert;
  return { ...rest, tls: { cert, key, passphrase: password, ALPNProtocols: alpnProtocols ?? ["http/1.1"] } };
}

/**
 * `HTTPServer` over TLS (Python 3.14's `http.server.HTTPSServer`).
 *
 * @example
 * await using httpd = new HTTPSServer(["127.0.0.1", 8443], Handler, { certfile: "cert.pem", keyfile: "key.pem" });
 * await httpd.serveForever();
 */
export class HTTPSServer extends HTTPServer {
  constructor(serverAddress: SocketAddress, RequestHandlerClass: RequestHandlerClass<Socket>, options: HTTPSServerOptions) {
    super(serverAddress, RequestHandlerClass, withTls(options));
  }

  /**
   * Look at the connection's first bytes before the TLS handshake: a plain HTTP request gets
   * {@link HTTPSServer.refusePlainHttp} (as nginx answers it) instead of a silent close. While it
   * waits for them the connection counts as idle: a shutdown closes it at once.
   */
  override finishRequest(request: Socket, clientAddress: SocketAddress): Promise<void> {
    const timeout = this.options.headerTimeout === undefined ? HTTP_DEFAULTS.headerTimeout : this.options.headerTimeout;
    const state = serverState(this);
    const waiting: IdleConnection = { awaitingRequest: true, keepAliveSweep: -1, closeIdle: () => request.destroy(), expireIdle: () => request.destroy() };
    addConnection(state, waiting);
    // Promise reactions, not an async frame: nothing of this stays alive while the handler serves.
    return firstBytes(request, timeout).then((first) => {
      removeConnection(state, waiting);
      if (first === null) return;
      if (isPlainHttp(first)) return this.refusePlainHttp(request, clientAddress);
      // The TLS socket reads what was already taken off the connection first.
      request.unshift(first);
      return super.finishRequest(request, clientAddress);
    });
  }

  /**
   * Answer a plain HTTP request sent to this HTTPS port: `400` in plain text, then close (the
   * connection ends when this returns). May be overridden; the default also writes a log line
   * to stderr, in the handlers' format.
   */
  refusePlainHttp(request: Socket, clientAddress: SocketAddress): void {
    const host = typeof clientAddress === "string" ? clientAddress : clientAddress[0];
    process.stderr.write(`${host} - - code 400, message The plain HTTP request was sent to HTTPS port\n`);
    if (!request.destroyed) request.write(PLAIN_HTTP_ANSWER);
  }
}

/** `HTTPSServer` serving each connection concurrently (Python's `ThreadingHTTPSServer`). */
export class ThreadingHTTPSServer extends ThreadingMixIn(HTTPSServer) {
  override daemonThreads = true;
}
