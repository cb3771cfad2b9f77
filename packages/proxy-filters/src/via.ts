/**
 * `Via` (RFC 9110 7.6.3): the entry this proxy adds to each message it forwards, and loop
 * detection by finding that entry in a request that came back.
 * @module
 */
import { nameIs } from "./hop-by-hop.js";

/** The last entry made, kept: a proxy makes the same one for nearly every message. */
let lastHop = { version: "", pseudonym: "", hop: "" };

/** The `Via` entry of this proxy for a message of `version` ("HTTP/1.1" or "1.1" give "1.1 pseudonym"). */
export function viaHop(version: string, pseudonym: string): string {
  if (version !== lastHop.version || pseudonym !== lastHop.pseudonym) lastHop = { version, pseudonym, hop: `${version.replace(/^HTTP\//, "")} ${pseudonym}` };
  return lastHop.hop;
}

/** Whether our pseudonym already appears in `Via` (the request went round: RFC 9110 7.6.3). */
export function looped(via: string[], pseudonym: string): boolean {
  if (via.length === 0) return false;
  const me = pseudonym.toLowerCase();
  return via.some((v) => v.split(",").some((hop) => hop.trim().split(/\s+/)[1]?.toLowerCase() === me));
}

/**
 * Add this proxy's entry to the `Via` of `headers`: at the end of the last `Via` field (the list
 * of several fields is read in order, RFC 9110 5.3), or as a new field.
 */
export function appendVia(headers: Array<[string, string]>, version: string, pseudonym: string): void {
  const hop = viaHop(version, pseudonym);
  let i = headers.length - 1;
  while (i >= 0 && !nameIs(headers[i][0], "via")) i--;
  if (i >= 0) headers[i] = [headers[i][0], `${headers[i][1]}, ${hop}`];
  else headers.push(["Via", hop]);
}
