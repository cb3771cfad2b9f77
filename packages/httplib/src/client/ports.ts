/**
 * Well-known ports (CPython `http.client.HTTP_PORT`, `HTTPS_PORT`).
 * @module
 */

/** 80. */
export const HTTP_PORT = 80;
/** 443. */
export const HTTPS_PORT = 443;
