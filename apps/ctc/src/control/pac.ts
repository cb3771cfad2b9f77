/**
 * The proxy auto-config file (`/proxy.pac`): a browser given its URL sends everything through
 * CTC except loopback and plain host names. There is no `DIRECT` fallback: if CTC is down,
 * pages fail rather than silently arrive unfiltered.
 * @module
 */

/** The PAC media type (Netscape's, which every browser knows). */
export const PAC_TYPE = "application/x-ns-proxy-autoconfig";

/** The PAC file for a proxy reachable at `host:port` (an IPv6 host in brackets). */
export function pacFile(host: string, port: number): string {
  const authority = host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
  return `// Proxy auto-config for CTC (Cut The Crap): http://${authority}/
function FindProxyForURL(url, host) {
  if (isPlainHostName(host) || host === "localhost" || shExpMatch(host, "127.*") || host === "::1" || host === "[::1]") {
    return "DIRECT";
  }
  return "PROXY ${authority}";
}
`;
}
