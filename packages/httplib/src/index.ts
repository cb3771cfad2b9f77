/**
 * @stdhttp/httplib: Python's http.client for Node.js, plus the HTTP/1.1 message layer
 * (HTTPStatus, HTTPMessage, strict RFC 9112 head parser, body framing, chunked codec)
 * that @stdhttp/basehttpserver and the proxies reuse.
 * @module
 */
export * from "./errors.js";
export * from "./message/index.js";
export * from "./client/index.js";
