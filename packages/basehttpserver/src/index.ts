/**
 * @stdhttp/basehttpserver: Python's http.server core for Node.js. `HTTPServer`,
 * `ThreadingHTTPServer`, `HTTPSServer`, `ThreadingHTTPSServer` and `BaseHTTPRequestHandler`,
 * async, strict (RFC 9112) and fast (byte-level head parsing, one write per small response).
 *
 * @example
 * import { BaseHTTPRequestHandler, ThreadingHTTPServer } from "@stdhttp/basehttpserver";
 * class Hello extends BaseHTTPRequestHandler {
 *   override protocolVersion = "HTTP/1.1";
 *   do_GET() {
 *     this.sendResponse(200);
 *     this.sendHeader("Content-Length", 6);
 *     this.endHeaders();
 *     this.wfile.write("hello\n");
 *   }
 * }
 * await using server = new ThreadingHTTPServer(["127.0.0.1", 8000], Hello);
 * await server.serveForever();
 * @module
 */
export { BaseHTTPRequestHandler } from "./handler.js";
export { HTTPResponder, RESPONSES, VERSION } from "./responder.js";
export { HTTPRequestReader } from "./request-reader.js";
export { HTTPConnectionLoop } from "./connection-loop.js";
export { HTTPServer, ThreadingHTTPServer } from "./server.js";
export { HTTPSServer, ThreadingHTTPSServer, type HTTPSServerOptions } from "./https-server.js";
export { IncomingBody, type IncomingBodyKind } from "./incoming-body.js";
export { HTTPSocketReader, HTTPSocketWriter, type WaitPhase } from "./io.js";
export { HTTP_DEFAULTS, type HTTPServerOptions, type AccessLogEntry, type HTTPSettings } from "./options.js";
export { DEFAULT_ERROR_MESSAGE, DEFAULT_ERROR_CONTENT_TYPE } from "./format.js";
