/**
 * The proxy tunnel of {@link HTTPConnection.setTunnel}: `CONNECT host:port` on a fresh socket,
 * then the proxy's answer (RFC 9110 9.3.6); like CPython only 200 opens the tunnel.
 * @module
 */
import type { HTTPMessage } from "../message/index.js";
import { asciiHost } from "./checks.js";
import { TunnelError } from "./errors.js";
import { readHead, type ResolvedLimits } from "./read-head.js";
import type { Wire } from "./wire.js";

/** `[v6]` for an IPv6 literal (it contains a colon), the host itself otherwise; a `%zone` is dropped. */
export function wrapIPv6(host: string): string {
  if (!host.includes(":")) return host;
  const pct = host.indexOf("%");
  return `[${pct === -1 ? host : host.slice(0, pct)}]`;
}

/** What {@link openTunnel} needs to know. */
export interface TunnelSpec {
  host: string;
  port: number;
  headers: Array<[string, string]>;
  versionString: string;
}

/**
 * Sends `CONNECT host:port` (with the tunnel headers) and reads the proxy's answer.
 * Resolves to the answer's header fields when the status is 200; throws `TunnelError` otherwise,
 * or the head parser's / socket's error. The socket then carries the tunnelled bytes.
 */
export async function openTunnel(
  wire: Wire,
  spec: TunnelSpec,
  lim: ResolvedLimits,
  debug: ((line: string) => void) | null,
): Promise<HTTPMessage> {
  let head = `CONNECT ${wrapIPv6(asciiHost(spec.host))}:${spec.port} ${spec.versionString}\r\n`;
  for (const [name, value] of spec.headers) head += `${name}: ${value}\r\n`;
  head += "\r\n";
  if (debug !== null) debug(`send: ${JSON.stringify(head)}`);
  wire.socket.write(head, "latin1");
  const res = await readHead(wire, lim);
  if (debug !== null) {
    debug(`reply: ${JSON.stringify(res.rawStatusLine.toString("latin1"))}`);
    for (const [name, value] of res.headers) debug(`header: ${name}: ${value}`);
  }
  if (res.status !== 200) throw new TunnelError(res.status, res.reason.trim());
  return res.headers;
}
