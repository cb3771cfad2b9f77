/**
 * Request canonicalisation before block-list matching, so that spelling tricks do not slip a
 * request past a rule: host in lower case without trailing dots (IDN hosts are already punycode
 * once parsed by `URL`), no default port, percent-encoding normalised (unreserved characters
 * decoded, other escapes in upper-case hex), no fragment.
 * @module
 */

/**
 * The default port of a special scheme (`url.protocol`), or "". Comparisons rather than a keyed
 * object: looking up a property by a string made per request first searches V8's string table.
 */
function defaultPort(protocol: string): string {
  if (protocol === "http:" || protocol === "ws:") return "80";
  if (protocol === "https:" || protocol === "wss:") return "443";
  return "";
}
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * Normalise percent-encoding (RFC 3986 6.2.2.2): `%61` becomes `a`, `%2f` becomes `%2F`; escapes
 * of reserved characters stay escaped (decoding `%2F` or `%3F` would change the meaning).
 */
export function normalisePercentEncoding(s: string): string {
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
  });
}

/**
 * The canonical form of `url` for matching: `url` itself when it is already canonical (the common
 * case, checked without copying), else a new URL (`url` is never changed). Do not mutate the result.
 * @example
 * canonicalUrl(new URL("http://ADS.Example.com.:80/%61d.gif")).href // "http://ads.example.com/ad.gif"
 */
export function canonicalUrl(url: URL): URL {
  // WHATWG URL parsing already drops the default port of special schemes and lower-cases the host.
  if (url.hash === "" && !url.hostname.endsWith(".") && !url.href.includes("%") && (url.port === "" || defaultPort(url.protocol) !== url.port)) return url;
  const out = new URL(url.href);
  if (out.hostname.endsWith(".")) {
    const bare = out.hostname.replace(/\.+$/, "");
    if (bare !== "") out.hostname = bare;
  }
  if (out.port !== "" && defaultPort(out.protocol) === out.port) out.port = "";
  const path = normalisePercentEncoding(out.pathname);
  if (path !== out.pathname) out.pathname = path;
  const search = normalisePercentEncoding(out.search);
  if (search !== out.search) out.search = search;
  out.hash = "";
  return out;
}
