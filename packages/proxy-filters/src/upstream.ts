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
  // The URL parser drops a default port (":80" of http), so the port is read from the text: a
  // written ":80" is 80, no port at all is Squid's 3128.
  const written = /^http:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/]*)(?::(\d*))?(?:\/|$)/i.exec(url.trim());
  const port = u.port !== "" ? Number(u.port) : written?.[1] !== undefined && written[1] !== "" ? Number(written[1]) : 3128;
  if (port < 1 || port > 65535) throw new RangeError(`not a port: ${port} in ${url}`);
  let user: string;
  let pass: string;
  try {
    user = decodeURIComponent(u.username);
    pass = decodeURIComponent(u.password);
  } catch {
    throw new RangeError(`a malformed %-escape in the credentials of ${url}`);
  }
  return { host, port, authorization: user === "" && pass === "" ? null : `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}` };
}
