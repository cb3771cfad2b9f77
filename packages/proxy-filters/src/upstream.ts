/**
 * A parent proxy to chain to (`http://user:pass@host:3128`): its address and the
 * `Proxy-Authorization` it needs.
 * @module
 */

/** A parent HTTP proxy. */
export interface UpstreamProxy {
  host: string;
  port: number;
  /** `Basic ...` when the URL has credentials, else null. */
  authorization: string | null;
}

/** Parse `http://[user[:pass]@]host[:port]` (port default 3128 as Squid's, or 80 when written). Throws RangeError. */
export function parseUpstream(url: string): UpstreamProxy {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RangeError(`not a proxy URL: ${url}`);
  }
  if (u.protocol !== "http:") throw new RangeError(`only http:// parent proxies are supported: ${url}`);
  if (u.pathname !== "/" || u.search !== "" || u.hash !== "") throw new RangeError(`a proxy URL has no path: ${url}`);
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = u.port === "" ? 3128 : Number(u.port);
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  return { host, port, authorization: user === "" && pass === "" ? null : `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}` };
}
