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
import { HTTPMessage, parseTokenList } from "@stdhttp/httplib";

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
 * Whether the field name `name` is `lower` (given in lower case), case-insensitively (RFC 9110
 * 5.1). Most names are told apart by their length alone, without a lower-cased copy.
 */
export function nameIs(name: string, lower: string): boolean {
  return name.length === lower.length && (name === lower || name.toLowerCase() === lower);
}

/** The value of the first field named `lower` (given in lower case) among `pairs`, if any. */
export function fieldValue(pairs: ReadonlyArray<readonly [string, string]>, lower: string): string | undefined {
  for (const [k, v] of pairs) if (nameIs(k, lower)) return v;
  return undefined;
}

/** The lengths of the {@link HOP_BY_HOP} names: a field of another length is not one of them. */
const HOP_BY_HOP_LENGTHS: ReadonlySet<number> = new Set([...HOP_BY_HOP].map((n) => n.length));
/** The lengths of the names in each `drop` set given to {@link endToEnd}. */
const dropLengths = new WeakMap<ReadonlySet<string>, ReadonlySet<number>>();

/**
 * `pairs` without hop-by-hop fields and without the fields their `Connection` names (and without
 * the fields named in `drop`, lower case, when given). The pairs kept are the same objects.
 */
export function endToEnd(pairs: Iterable<readonly [string, string]>, drop: ReadonlySet<string> | null = null): Array<[string, string]> {
  const all = (Array.isArray(pairs) ? pairs : pairs instanceof HTTPMessage ? pairs.rawPairs() : [...pairs]) as ReadonlyArray<[string, string]>;
  let named: Set<string> | null = null;
  for (const [k, v] of all) {
    if (!nameIs(k, "connection")) continue;
    // Tokens come lower-cased. The usual `keep-alive` is hop-by-hop anyway: only other names make
    // a set, and with it a lower-cased copy of every name to check.
    for (const token of parseTokenList(v)) if (!HOP_BY_HOP.has(token)) (named ??= new Set()).add(token);
  }
  let dropLength: ReadonlySet<number> | null = null;
  if (drop !== null) {
    dropLength = dropLengths.get(drop) ?? null;
    if (dropLength === null) {
      dropLength = new Set([...drop].map((n) => n.length));
      dropLengths.set(drop, dropLength);
    }
  }
  const kept: Array<[string, string]> = [];
  for (const pair of all) {
    const name = pair[0];
    // Only a name of a length that could match is lower-cased (most are not: no copy for them).
    if (named !== null || HOP_BY_HOP_LENGTHS.has(name.length) || (dropLength !== null && dropLength.has(name.length))) {
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower) || (named !== null && named.has(lower)) || (drop !== null && drop.has(lower))) continue;
    }
    kept.push(pair);
  }
  return kept;
}
