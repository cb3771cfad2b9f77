/**
 * `CookieFilter`: the cookie policy as a filter (Privoxy's crunch-incoming-cookies,
 * crunch-outgoing-cookies, session-cookies-only and limit-cookie-lifetime, per site). `Cookie`
 * request fields are kept or removed by the rule of the request host; each `Set-Cookie` is parsed
 * strictly and kept, made a session cookie, capped, or dropped by the rule of its domain. Every
 * decision is reported through `onDecision`, with the cookie value masked.
 * @module
 */
import { fieldValue, nameIs } from "./hop-by-hop.js";
import { stripMetaSetCookie } from "./cookie-meta.js";
import { lifetimeOf, maskValue, parseCookieHeader, parseSetCookie, rewriteAttributes, serializeSetCookie, type CookieAttributes, type SetCookie } from "./cookie-parse.js";
import { compilePolicy, decide, isThirdParty, normalizeHost, type CompiledPolicy, type CookieDecision, type CookiePolicy, type RequestContext } from "./cookie-policy.js";
import type { BodyTransform, Explanation, Filter, FilterRequest, FilterResponse } from "./filter.js";

/** One decision about one cookie, as given to `onDecision`. */
export interface CookieEvent {
  time: Date;
  /** The page's site (registrable domain of the `Referer`, else of the request host). */
  site: string;
  /** The host the cookie belongs to: its `Domain` attribute, else the request host. */
  cookieHost: string;
  name: string;
  /** Masked: the first two characters, then "…". */
  value: string;
  direction: "request" | "response";
  attributes: CookieAttributes;
  action: "kept" | "session" | "capped" | "stripped" | "dropped-invalid";
  /** The site pattern that decided, or "default" / "third-party default" ("invalid" for dropped-invalid). */
  rule: string;
  thirdParty: boolean;
  /** Why a cookie was dropped as invalid. */
  reason?: string;
}

/** Options of {@link CookieFilter}. */
export interface CookieFilterOptions {
  policy: CookiePolicy;
  /** Called with every decision (default: none). */
  onDecision?: (event: CookieEvent) => void;
  /** Where reasons for dropped cookies are logged (default: `console.warn`). */
  log?: (message: string) => void;
  /** Also remove `<meta http-equiv="Set-Cookie">` from HTML bodies (default false). */
  stripMetaSetCookie?: boolean;
  /** The clock, for `Expires` arithmetic (default: `new Date()`). */
  now?: () => Date;
}

/** Whether a request to `host` with these fields is third-party, and its page's site ({@link isThirdParty}). */
function partyOf(host: string, headers: Array<[string, string]>): { thirdParty: boolean; pageSite: string } {
  const context: RequestContext = { origin: fieldValue(headers, "origin"), secFetchMode: fieldValue(headers, "sec-fetch-mode"), secFetchDest: fieldValue(headers, "sec-fetch-dest") };
  return isThirdParty(host, fieldValue(headers, "referer"), fieldValue(headers, "sec-fetch-site"), context);
}

/**
 * The cookie policy as a filter (name "cookies").
 *
 * For the caller: `policy` (read on every exchange; assign a new one to replace it at run time:
 * it is checked and compiled on assignment, and a bad policy throws a TypeError), `explain(url)`.
 * @example
 * const cookies = new CookieFilter({
 *   policy: { default: "session", thirdPartyDefault: "deny", rules: [{ site: "example.com", action: "allow" }] },
 *   onDecision: (e) => console.log(e.action, e.cookieHost, e.name),
 * });
 * const Handler = ProxyRequestHandler.withOptions({ filters: [cookies] });
 */
export class CookieFilter implements Filter {
  readonly name = "cookies";
  onDecision: (event: CookieEvent) => void;
  log: (message: string) => void;
  stripMetaSetCookie: boolean;
  now: () => Date;
  private compiled: CompiledPolicy;

  constructor(options: CookieFilterOptions) {
    this.compiled = compilePolicy(options.policy);
    this.onDecision = options.onDecision ?? (() => {});
    this.log = options.log ?? ((m) => console.warn(m));
    this.stripMetaSetCookie = options.stripMetaSetCookie ?? false;
    this.now = options.now ?? (() => new Date());
  }

  get policy(): CookiePolicy {
    return this.compiled.source;
  }

  set policy(policy: CookiePolicy) {
    this.compiled = compilePolicy(policy);
  }

  /** The rule for cookies of `host`, for a first-party request or (`thirdParty`) a third-party one. */
  decide(host: string, thirdParty = false): CookieDecision {
    return decide(this.compiled, host, thirdParty);
  }

  onRequest(req: FilterRequest): void {
    const fields = req.headers.filter(([k]) => nameIs(k, "cookie"));
    if (fields.length === 0) return;
    const policy = this.compiled;
    const host = normalizeHost(req.url.hostname);
    const { thirdParty, pageSite } = partyOf(host, req.headers);
    const d = decide(policy, host, thirdParty);
    const strip = d.action === "deny" || d.action === "accept-only";
    if (strip) req.headers = req.headers.filter(([k]) => !nameIs(k, "cookie"));
    const time = this.now();
    for (const [, v] of fields) {
      for (const c of parseCookieHeader(v)) {
        this.onDecision({ time, site: pageSite, cookieHost: host, name: c.name, value: maskValue(c.value), direction: "request", attributes: {}, action: strip ? "stripped" : "kept", rule: d.rule, thirdParty });
      }
    }
  }

  onResponseHeaders(req: FilterRequest, res: FilterResponse): void {
    if (!res.headers.some(([k]) => nameIs(k, "set-cookie"))) return;
    const policy = this.compiled;
    const host = normalizeHost(req.url.hostname);
    const { thirdParty, pageSite } = partyOf(host, req.headers);
    const time = this.now();
    const out: Array<[string, string]> = [];
    for (const [k, v] of res.headers) {
      if (!nameIs(k, "set-cookie")) {
        out.push([k, v]);
        continue;
      }
      const parsed = parseSetCookie(v, { requestHost: host });
      const base = { time, site: pageSite, direction: "response" as const, thirdParty };
      if (!parsed.ok) {
        this.log(`cookies: dropped an invalid Set-Cookie from ${host} (${parsed.reason})`);
        this.onDecision({ ...base, cookieHost: host, name: parsed.name, value: maskValue(parsed.value), attributes: {}, action: "dropped-invalid", rule: "invalid", reason: parsed.reason });
        continue;
      }
      const cookie = parsed.cookie;
      const cookieHost = cookie.attributes.domain ?? host;
      // A cookie for a parent Domain is judged by the stricter of that Domain's rule and the rule
      // of the host setting it: a host the user denied cannot plant cookies for its whole domain.
      const d = cookieHost === host ? decide(policy, host, thirdParty) : stricter(decide(policy, cookieHost, thirdParty), decide(policy, host, thirdParty));
      const [action, result] = this.apply(d, cookie, time);
      if (result !== null) out.push([k, result === cookie ? v : serializeSetCookie(result)]);
      const attributes = (result ?? cookie).attributes;
      this.onDecision({ ...base, cookieHost, name: cookie.name, value: maskValue(cookie.value), attributes, action, rule: d.rule });
    }
    res.headers = out;
  }

  /** What `d` does to one cookie: the event action and the cookie to send (the same one: unchanged; null: removed). */
  private apply(d: CookieDecision, cookie: SetCookie, now: Date): [CookieEvent["action"], SetCookie | null] {
    switch (d.action) {
      case "allow":
      case "accept-only":
        return ["kept", cookie];
      case "send-only":
      case "deny":
        return ["stripped", null];
      case "session": {
        const life = lifetimeOf(cookie, now);
        // Already a session cookie, or a deletion (which must still delete): left as is.
        if (life === null || life <= 0) return ["kept", cookie];
        return ["session", rewriteAttributes(cookie, ["expires", "max-age"])];
      }
      case "lifetime": {
        const max = d.maxAge ?? 0;
        const life = lifetimeOf(cookie, now);
        if (life === null || life <= max) return ["kept", cookie];
        const expires = new Date(now.getTime() + max * 1000).toUTCString();
        const add = [{ name: "Max-Age", value: String(max) }];
        if (cookie.attributes.expires !== undefined) add.push({ name: "Expires", value: expires });
        return ["capped", rewriteAttributes(cookie, ["expires", "max-age"], add)];
      }
    }
  }

  /** With `stripMetaSetCookie`, a transform that removes `<meta http-equiv="Set-Cookie">` from HTML. */
  onResponseBody(req: FilterRequest, res: FilterResponse): BodyTransform | null {
    if (!this.stripMetaSetCookie) return null;
    const type = fieldValue(res.headers, "content-type") ?? "";
    if (!/^\s*(text\/html|application\/xhtml\+xml)\b/i.test(type)) return null;
    const encoding = fieldValue(res.headers, "content-encoding");
    if (encoding !== undefined && encoding.trim().toLowerCase() !== "identity") {
      this.log(`cookies: ${req.url.href} is ${encoding}-encoded: <meta http-equiv="Set-Cookie"> not stripped`);
      return null;
    }
    const host = normalizeHost(req.url.hostname);
    const { thirdParty, pageSite } = partyOf(host, req.headers);
    return stripMetaSetCookie((content) => {
      const c = parseSetCookie(content);
      const name = c.ok ? c.cookie.name : c.name;
      const value = c.ok ? c.cookie.value : c.value;
      this.onDecision({ time: this.now(), site: pageSite, cookieHost: host, name, value: maskValue(value), direction: "response", attributes: c.ok ? c.cookie.attributes : {}, action: "stripped", rule: "stripMetaSetCookie", thirdParty });
    });
  }

  /** The rule for cookies of `url`'s host and why, first-party; and the third-party default when no site rule matches. */
  explain(url: URL): Explanation[] {
    const host = normalizeHost(url.hostname);
    const first = decide(this.compiled, host, false);
    const show = (d: CookieDecision): string => (d.action === "lifetime" ? `lifetime (max ${d.maxAge} s)` : d.action);
    const out: Explanation[] = [{ filter: this.name, rule: first.rule, action: `${show(first)}: ${first.why}` }];
    if (first.rule === "default") {
      const third = decide(this.compiled, host, true);
      out.push({ filter: this.name, rule: third.rule, action: `${show(third)}: when requested from another site` });
    }
    return out;
  }
}

/** How much a decision keeps of a cookie being set (less is stricter). */
const KEEPS: Readonly<Record<CookieDecision["action"], number>> = { allow: 3, "accept-only": 3, lifetime: 2, session: 1, "send-only": 0, deny: 0 };

/** Of two decisions for a cookie being set, the one that keeps less of it (the shorter lifetime of two caps); `a` when they are alike. */
function stricter(a: CookieDecision, b: CookieDecision): CookieDecision {
  if (KEEPS[b.action] < KEEPS[a.action]) return b;
  if (KEEPS[b.action] === KEEPS[a.action] && b.action === "lifetime" && a.action === "lifetime" && (b.maxAge ?? 0) < (a.maxAge ?? 0)) return b;
  return a;
}
