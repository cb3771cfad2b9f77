/**
 * @stdhttp/cgihttpserver: Python's `CGIHTTPServer` / `http.server.CGIHTTPRequestHandler` for
 * Node.js, correct and safe: RFC 3875 CGI on top of the static-file server, and the
 * `cgihttpserver` command. The servers are re-exported: one import is enough.
 *
 * @example
 * import { CGIHTTPRequestHandler, ThreadingHTTPServer } from "@stdhttp/cgihttpserver";
 * const Handler = CGIHTTPRequestHandler.withOptions({ directory: "site" });
 * await using httpd = new ThreadingHTTPServer(["127.0.0.1", 8000], Handler);
 * await httpd.serveForever();
 * @module
 */
export { CGIHTTPRequestHandler, type CGIOptions, type CgiMode, type CgiLauncher } from "./handler.js";
export { HTTPServer, ThreadingHTTPServer, HTTPSServer, ThreadingHTTPSServer, SimpleHTTPRequestHandler } from "@stdhttp/simplehttpserver";
export { urlCollapsePath } from "./url-collapse.js";
export { cgiEnvironment, compatEnvironment, type CgiRequest } from "./environment.js";
export { parseCgiHead, MalformedOutput, type CgiResponse } from "./output.js";
