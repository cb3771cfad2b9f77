/**
 * Hop-by-hop fields (RFC 9110 7.6.1): they describe one connection, so a proxy removes them, and
 * every field named in `Connection`, before forwarding a message.
 *
 * > Intermediaries MUST parse a received Connection header field before a message is forwarded
 * > and, for each connection-option in this field, remove any header or trailer field(s) from the
 * > message with the same name as the connection-option, and then remove the Connection header
 * > field itself (or replace it with the intermediary's own control options for the forwarded
 * > message). (RFC 9110 7.6.1)
 * @module
 */
import { parseTokenList } from "@stdhttp/httplib";

/** Always hop-by-hop, named or not (RFC 9110 7.6.1, RFC 9112 7, and the legacy Proxy-Connection). */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** `pairs` without hop-by-hop fields and without the fields their `Connection` names. */
export function endToEnd(pairs: Iterable<readonly [string, string]>): Array<[string, string]> {
  const all = [...pairs];
  const named = new Set(parseTokenList(all.filter(([k]) => k.toLowerCase() === "connection").map(([, v]) => v)).map((t) => t.toLowerCase()));
  return all.filter(([k]) => {
    const lower = k.toLowerCase();
    return !HOP_BY_HOP.has(lower) && !named.has(lower);
  }) as Array<[string, string]>;
}
