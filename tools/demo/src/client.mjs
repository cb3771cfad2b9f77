/**
 * The HTTP client of the check mode: one GET, directly or through a proxy (absolute-form
 * request-target, RFC 9112 3.2.2), on a fresh connection, the whole body read.
 * @module
 */
import http from "node:http";

/** Seconds one request may take. */
const REQUEST_TIMEOUT = 20;

/**
 * @typedef {object} Answer
 * @property {number} status
 * @property {import("node:http").IncomingHttpHeaders} headers
 * @property {string[]} setCookies the Set-Cookie fields, in order
 * @property {Buffer} body
 * @property {string} text the body as UTF-8
 */

/**
 * GETs `url`: through the proxy on 127.0.0.1:`proxyPort` when given, else from the server named
 * by `url` (as `http://127.0.0.1:PORT/...`).
 * @param {string} url
 * @param {{ proxyPort?: number, headers?: Record<string, string> }} [options]
 * @returns {Promise<Answer>}
 */
export function get(url, { proxyPort, headers = {} } = {}) {
  const target = new URL(url);
  const viaProxy = proxyPort !== undefined;
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: viaProxy ? "127.0.0.1" : target.hostname,
        port: viaProxy ? proxyPort : target.port,
        path: viaProxy ? target.href : target.pathname + target.search,
        method: "GET",
        agent: false,
        headers: { Host: target.host, Connection: "close", ...headers },
        timeout: REQUEST_TIMEOUT * 1000,
      },
      (response) => {
        /** @type {Buffer[]} */
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.once("error", reject);
        response.once("end", () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            setCookies: response.headers["set-cookie"] ?? [],
            body,
            text: body.toString("utf8"),
          });
        });
      },
    );
    request.once("timeout", () => request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT} s`)));
    request.once("error", reject);
    request.end();
  });
}
