/**
 * The cookie policy: per-site rules (a domain and its subdomains, or a wildcard pattern), a
 * default and a third-party default, compiled once; which rule applies to a host (the most
 * specific); and whether a request is third-party (registrable domains through tldts, with the
 * private section of the Public Suffix List: `a.github.io` and `b.github.io` are two sites).
 * @module
 */
import { isIP } from "node:net";
import { domainToASCII } from "node:url";
import { getDomain } from "tldts";

/**
 * What happens to a site's cookies. allow: both ways untouched; session: `Set-Cookie` kept without
 * `Expires`/`Max-Age`; lifetime: `Max-Age` capped to `maxAge`; send-only: `Cookie` sent, `Set-Cookie`
 * stripped; accept-only: `Set-Cookie` kept, `Cookie` stripped; deny: both stripped.
 */
export type CookieAction = "allow" | "session" | "lifetime" | "send-only" | "accept-only" | "deny";

export const COOKIE_ACTIONS: readonly CookieAction[] = ["allow", "session", "lifetime", "send-only", "accept-only", "deny"];

/** An action with its parameter (`maxAge`, seconds, for "lifetime"). */
export interface CookieVerdict {
  action: CookieAction;
  maxAge?: number;
}

/**
 * A per-site rule. `site` is a domain (`example.com`: it and its subdomains), or a pattern with
 * `*` (`*.example.com`: subdomains only; `ads.*`: hosts whose first label is `ads`; `*` in a label
 * matches within that label, `*` alone matches every host).
 */
export interface CookieRule extends CookieVerdict {
  site: string;
}

/** The policy: `rules` (the most specific matching one wins), `default`, and `thirdPartyDefault` (default: `default`). */
export interface CookiePolicy {
  rules?: readonly CookieRule[];
  default: CookieAction | CookieVerdict;
  thirdPartyDefault?: CookieAction | CookieVerdict;
}

/** The rule that decided, with why. `rule` is the site pattern, "default" or "third-party default". */
export interface CookieDecision extends CookieVerdict {
  rule: string;
  why: string;
}

interface CompiledRule extends CookieVerdict {
  site: string;
  score: number;
  index: number;
  test(host: string): boolean;
}

/** A policy checked and compiled for matching. */
export interface CompiledPolicy {
  source: CookiePolicy;
  rules: CompiledRule[];
  fallback: CookieVerdict;
  thirdParty: CookieVerdict;
}

function verdict(v: CookieAction | CookieVerdict, what: string): CookieVerdict {
  const out = typeof v === "string" ? { action: v } : { action: v.action, maxAge: v.maxAge };
  if (!COOKIE_ACTIONS.includes(out.action)) throw new TypeError(`${what}: unknown cookie action ${JSON.stringify(out.action)}`);
  if (out.action === "lifetime" && !(typeof out.maxAge === "number" && Number.isInteger(out.maxAge) && out.maxAge >= 0)) {
    throw new TypeError(`${what}: "lifetime" needs maxAge, a whole number of seconds >= 0`);
  }
  return out.action === "lifetime" ? out : { action: out.action };
}

function escape(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A site pattern as a host test and a specificity score: more literal labels win; at equal
 * labels a wildcard beats the plain domain (`*.example.com` exists to single out the subdomains
 * that `example.com` also covers).
 */
function compileSite(site: string): { score: number; test(host: string): boolean } {
  const p = normalizeSite(site);
  // An IP address is one host.
  if (isIP(p) !== 0) return { score: 64, test: (h) => h === p };
  if (p === "" || /[\s/:]/.test(p)) throw new TypeError(`cookie rule: bad site ${JSON.stringify(site)}`);
  if (p === "*") return { score: 0, test: () => true };
  const labels = p.split(".");
  // More than two wildcards in one label make the pattern backtrack at length; none is needed.
  if (labels.some((l) => l.split("*").length > 3)) throw new TypeError(`cookie rule: at most two * in a label of ${JSON.stringify(site)}`);
  const literal = labels.filter((l) => !l.includes("*")).length;
  // Parent-domain and wildcard matching never apply to an IP address host (RFC 6265 5.1.3).
  if (!p.includes("*")) return { score: literal * 4 + 1, test: (h) => h === p || (h.endsWith("." + p) && isIP(h) === 0) };
  let source = labels
    .map((l, i) => {
      if (l === "*" && i === 0) return "(?:[^.]+\\.)*[^.]+";
      if (l === "*" && i === labels.length - 1) return "[^.]+(?:\\.[^.]+)*";
      return l.split("*").map(escape).join("[^.]*");
    })
    .join("\\.");
  source = `^${source}$`;
  const re = new RegExp(source);
  return { score: literal * 4 + 2, test: (h) => re.test(h) && isIP(h) === 0 };
}

/** Check and compile a policy; throws a TypeError naming what is wrong. */
export function compilePolicy(policy: CookiePolicy): CompiledPolicy {
  const rules = (policy.rules ?? []).map((r, index) => ({ ...verdict(r, `cookie rule ${JSON.stringify(r.site)}`), site: r.site, index, ...compileSite(r.site) }));
  const fallback = verdict(policy.default, "cookie policy default");
  const thirdParty = policy.thirdPartyDefault === undefined ? fallback : verdict(policy.thirdPartyDefault, "cookie policy thirdPartyDefault");
  return { source: policy, rules, fallback, thirdParty };
}

/**
 * A site pattern as rules are matched: trimmed, lower case, no leading or trailing dots, IPv6
 * brackets removed, non-ASCII labels in their IDNA (punycode) form, as hosts arrive. Two patterns
 * that normalize alike are the same rule.
 */
export function normalizeSite(site: string): string {
  // A host as matched, and no leading dots either (".example.com" is written for the domain).
  const p = normalizeHost(site.trim()).replace(/^\.+/, "");
  if (!/[^\u0020-\u007e]/.test(p)) return p;
  return p
    .split(".")
    .map((label) => (/[^\u0020-\u007e]/.test(label) && !label.includes("*") ? domainToASCII(label) || label : label))
    .join(".");
}

/** The host as matched: lower case, no brackets, no trailing dot. */
export function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.+$/, "");
}

/** The registrable domain (site) of a host; the host itself for IP addresses, `localhost` and public suffixes. */
export function siteOf(host: string): string {
  const h = normalizeHost(host);
  return getDomain(h, { allowPrivateDomains: true }) ?? h;
}

/** More of a request than `Referer` and `Sec-Fetch-Site`, for {@link isThirdParty}. */
export interface RequestContext {
  /** `Origin` (sent by fetches and form posts, also when the Referer is withheld). */
  origin?: string;
  /** `Sec-Fetch-Mode` (`navigate` for a navigation). */
  secFetchMode?: string;
  /** `Sec-Fetch-Dest` (`document` for a top-level page). */
  secFetchDest?: string;
}

/**
 * Whether a request to `host` is third-party: a top-level navigation (`Sec-Fetch-Mode: navigate`,
 * `Sec-Fetch-Dest: document`) never is (the site navigated to becomes the page, as browsers treat
 * it: RFC 6265bis 5.2); else the site of the `Referer`, else of the `Origin`, else
 * `Sec-Fetch-Site: cross-site`, compared by registrable domain. The proxy sees the request's
 * initiator, not the top-level page: a tracker's iframe asking for its own resources looks
 * first-party.
 */
export function isThirdParty(host: string, referer: string | undefined, secFetchSite: string | undefined, context: RequestContext = {}): { thirdParty: boolean; pageSite: string } {
  const own = siteOf(host);
  if (context.secFetchMode?.trim().toLowerCase() === "navigate" && context.secFetchDest?.trim().toLowerCase() === "document") return { thirdParty: false, pageSite: own };
  for (const from of [referer, context.origin]) {
    if (from === undefined || from.trim() === "null") continue;
    try {
      const page = siteOf(new URL(from).hostname);
      if (page !== "") return { thirdParty: page !== own, pageSite: page };
    } catch {
      // an unparseable Referer or Origin says nothing: the next clue decides
    }
  }
  return { thirdParty: secFetchSite?.trim().toLowerCase() === "cross-site", pageSite: own };
}

/** The rule for cookies of `host`: the most specific matching site rule, else the (third-party) default. */
export function decide(policy: CompiledPolicy, host: string, thirdParty: boolean): CookieDecision {
  const h = normalizeHost(host);
  const matching = policy.rules.filter((r) => r.test(h));
  if (matching.length > 0) {
    const best = matching.reduce((a, b) => (b.score > a.score ? b : a));
    const others = matching.length > 1 ? `, the most specific of ${matching.length} matching rules` : "";
    const out: CookieDecision = { action: best.action, rule: best.site, why: `${JSON.stringify(best.site)} matches ${h}${others}` };
    if (best.maxAge !== undefined) out.maxAge = best.maxAge;
    return out;
  }
  const v = thirdParty ? policy.thirdParty : policy.fallback;
  const out: CookieDecision = {
    action: v.action,
    rule: thirdParty ? "third-party default" : "default",
    why: `no site rule matches ${h}${thirdParty ? "; the request is third-party" : ""}`,
  };
  if (v.maxAge !== undefined) out.maxAge = v.maxAge;
  return out;
}
