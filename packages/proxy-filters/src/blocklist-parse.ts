/**
 * Reading block lists: the format of each list (hosts file, plain domain list, Adblock Plus /
 * EasyList) detected from its lines, every line turned into `@ghostery/adblocker` filters, bad
 * lines reported with list name and line number, and the origin (list, line) of every rule kept
 * for explanations and block pages.
 *
 * Hosts and domain entries become `||domain^` network filters in the same engine as the ABP
 * rules: one matcher, so `@@` exceptions, `$important` and CONNECT decisions work the same for
 * every format, and `||domain^` blocks the domain and its subdomains exactly as the lists mean.
 * @module
 */
import { isIP } from "node:net";
import { domainToASCII } from "node:url";
import { CosmeticFilter, detectFilterType, NetworkFilter } from "@ghostery/adblocker";

/** A list's format. */
export type ListFormat = "hosts" | "domains" | "abp";

/** One block list: a name (for reports) and its text; `format` is detected when not given. */
export interface BlockListSource {
  name: string;
  text: string;
  format?: ListFormat;
}

/** Where a rule came from. `text` is the line as written (a hosts line, a domain, an ABP rule). */
export interface RuleOrigin {
  list: string;
  line: number;
  text: string;
}

/** Called for each line that is skipped as bad (line numbers start at 1). */
export type BadLineHandler = (list: string, line: number, text: string, reason: string) => void;

/** The filters of a set of lists, ready for the engine. */
export interface ParsedLists {
  networkFilters: NetworkFilter[];
  cosmeticFilters: CosmeticFilter[];
  /** Origin of each rule, by the engine filter's raw text (first list wins on duplicates). */
  origins: Map<string, RuleOrigin>;
  formats: Map<string, ListFormat>;
}

// @ghostery/adblocker's FilterType is a const enum (not usable under isolatedModules): its values.
const NOT_SUPPORTED = 0;
const NETWORK = 1;
const COSMETIC = 2;
const NOT_SUPPORTED_ADGUARD = 102;

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
/** Host names of a stock hosts file, not blocking entries. */
const LOCAL_NAMES = new Set([
  "localhost",
  "localhost.localdomain",
  "local",
  "broadcasthost",
  "ip6-localhost",
  "ip6-loopback",
  "ip6-localnet",
  "ip6-mcastprefix",
  "ip6-allnodes",
  "ip6-allrouters",
  "ip6-allhosts",
  "0.0.0.0",
]);

/** A host name in ASCII (punycode) lower case without trailing dot, or null when it is not one. */
export function normaliseDomain(name: string): string | null {
  let d = name.trim().replace(/\.+$/, "");
  if (d.startsWith("*.")) d = d.slice(2);
  else if (d.startsWith(".")) d = d.slice(1);
  if (d === "" || d.length > 253) return null;
  const ascii = /^[\x21-\x7e]+$/.test(d) ? d.toLowerCase() : domainToASCII(d);
  if (ascii === "" || ascii.length > 253) return null;
  return ascii.split(".").every((l) => LABEL.test(l)) ? ascii : null;
}

function stripHashComment(line: string): string {
  const i = line.indexOf("#");
  return (i < 0 ? line : line.slice(0, i)).trim();
}

/**
 * The format of a list, from its header and the first 200 lines that are not comments: hosts when
 * address + name lines are the most common, a domain list when single domains are, Adblock Plus
 * otherwise (and always with an `[Adblock Plus ...]` header).
 */
export function detectFormat(text: string): ListFormat {
  let hosts = 0;
  let domains = 0;
  let other = 0;
  let seen = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") continue;
    if (seen === 0 && /^\[(adblock|ublock|adguard)/i.test(line)) return "abp";
    if (line.startsWith("!") || line.startsWith("#")) continue;
    if (++seen > 200) break;
    const tokens = stripHashComment(line).split(/\s+/);
    if (tokens.length >= 2 && isIP(tokens[0]) !== 0) hosts++;
    else if (tokens.length === 1 && normaliseDomain(tokens[0]) !== null && !/[|^$@/]/.test(tokens[0])) domains++;
    else other++;
  }
  if (hosts > 0 && hosts >= domains && hosts >= other) return "hosts";
  if (domains > 0 && domains > other) return "domains";
  return "abp";
}

/** Parse lists into engine filters; bad lines go to `onBadLine`. */
export function parseLists(sources: readonly BlockListSource[], onBadLine: BadLineHandler, loadCosmeticFilters = false): ParsedLists {
  const out: ParsedLists = { networkFilters: [], cosmeticFilters: [], origins: new Map(), formats: new Map() };
  for (const src of sources) {
    const format = src.format ?? detectFormat(src.text);
    out.formats.set(src.name, format);
    const lines = src.text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === "") continue;
      const bad = (reason: string): void => onBadLine(src.name, i + 1, line, reason);
      if (format === "abp") parseAbpLine(line, i + 1, src.name, out, bad, loadCosmeticFilters);
      else if (format === "hosts") parseHostsLine(line, i + 1, src.name, out, bad);
      else parseDomainLine(line, i + 1, src.name, out, bad);
    }
  }
  return out;
}

function addDomain(domain: string, origin: RuleOrigin, out: ParsedLists): void {
  const rule = `||${domain}^`;
  if (out.origins.has(rule)) return;
  const f = NetworkFilter.parse(rule, true);
  if (f === null) return;
  out.origins.set(rule, origin);
  out.networkFilters.push(f);
}

function parseHostsLine(line: string, n: number, list: string, out: ParsedLists, bad: (r: string) => void): void {
  if (line.startsWith("#") || line.startsWith("!")) return;
  const tokens = stripHashComment(line).split(/\s+/);
  if (tokens.length === 1 && tokens[0] === "") return;
  if (isIP(tokens[0]) === 0 && isIP(tokens[0].replace(/%.*$/, "")) === 0) return bad("expected an address followed by host names");
  if (tokens.length < 2) return bad("an address without host names");
  for (const name of tokens.slice(1)) {
    if (LOCAL_NAMES.has(name.toLowerCase())) continue;
    const d = normaliseDomain(name);
    if (d === null || isIP(d) !== 0) bad(`not a host name: ${name}`);
    else addDomain(d, { list, line: n, text: line }, out);
  }
}

function parseDomainLine(line: string, n: number, list: string, out: ParsedLists, bad: (r: string) => void): void {
  if (line.startsWith("#") || line.startsWith("!")) return;
  const entry = stripHashComment(line);
  if (entry === "") return;
  if (/\s/.test(entry)) return bad("more than one word on a line of a domain list");
  const d = normaliseDomain(entry);
  if (d === null || isIP(d) !== 0) return bad("not a domain name");
  addDomain(d, { list, line: n, text: line }, out);
}

function parseAbpLine(line: string, n: number, list: string, out: ParsedLists, bad: (r: string) => void, cosmetic: boolean): void {
  if (line.startsWith("[") && line.endsWith("]")) return; // [Adblock Plus 2.0]
  const type = detectFilterType(line, { extendedNonSupportedTypes: true }) as number;
  if (type === NETWORK) {
    const pattern = line.startsWith("/") && line.lastIndexOf("/") > 0 ? "" : line.split("$")[0];
    if (/\s/.test(pattern)) return bad("white space in a URL pattern");
    const f = NetworkFilter.parse(line, true);
    if (f === null) return bad("not a valid network filter (unknown option or bad syntax)");
    if (!out.origins.has(line)) {
      out.origins.set(line, { list, line: n, text: line });
      out.networkFilters.push(f);
    }
  } else if (type === COSMETIC) {
    if (!cosmetic) return; // valid, but a proxy without cosmetic filtering does not use it
    const f = CosmeticFilter.parse(line, true);
    if (f === null) return bad("not a valid cosmetic filter");
    out.cosmeticFilters.push(f);
  } else if (type === NOT_SUPPORTED_ADGUARD) {
    bad("AdGuard-only syntax is not supported");
  } else if (type === NOT_SUPPORTED) {
    bad("unsupported filter syntax");
  }
  // NOT_SUPPORTED_EMPTY, NOT_SUPPORTED_COMMENT: nothing to say.
}
