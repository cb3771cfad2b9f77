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

/**
 * `pairs` without hop-by-hop fields and without the fields their `Connection` names (and without
 * the fields named in `drop`, lower case, when given). The pairs kept are the same objects.
 */
export function endToEnd(pairs: Iterable<readonly [string, string]>, drop: ReadonlySet<string> | null = null): Array<[string, string]> {
  const all = (Array.isArray(pairs) ? pairs : [...pairs]) as ReadonlyArray<[string, string]>;
  let named: Set<string> | null = null;
  for (const [k, v] of all) {
    if (k.length !== 10 || k.toLowerCase() !== "connection") continue;
    named ??= new Set();
    for (const token of parseTokenList(v)) named.add(token); // tokens come lower-cased
  }
  const kept: Array<[string, string]> = [];
  for (const pair of all) {
    const lower = pair[0].toLowerCase();
    if (HOP_BY_HOP.has(lower) || (named !== null && named.has(lower)) || (drop !== null && drop.has(lower))) continue;
    kept.push(pair);
  }
  return kept;
}
