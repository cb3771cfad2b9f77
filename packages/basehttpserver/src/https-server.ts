/**
 * `HTTPSServer` and `ThreadingHTTPSServer` (CPython 3.14+): the HTTP servers with TLS on every
 * accepted connection, from PEM files or a ready `SecureContext`, with ALPN.
 * @module
 */
import { readFileSync } from "node:fs";
import type { Socket } from "node:net";
import type { SecureContext } from "node:tls";
import { ThreadingMixIn, type RequestHandlerClass, type SocketAddress } from "@stdhttp/socketserver";
import type { HTTPServerOptions } from "./options.js";
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
}

/** `HTTPSServer` serving each connection concurrently (Python's `ThreadingHTTPSServer`). */
export class ThreadingHTTPSServer extends ThreadingMixIn(HTTPSServer) {
  override daemonThreads = true;
}
