/**
 * The policy file's format (a JSON document a user can write by hand) and its mapping onto
 * proxy-filters' `CookiePolicy`: `{ "alfajor": 1, "default": ..., "thirdPartyDefault": ...,
 * "sites": { "<pattern>": "<action>" | { "action": "lifetime", "maxAge": <seconds> } } }`.
 * Parsing reports errors with the line and column they are at.
 * @module
 */
import { COOKIE_ACTIONS, compilePolicy, normalizeSite, type CookieAction, type CookiePolicy, type CookieRule, type CookieVerdict } from "@stdhttp/proxy-filters";

/** One site's rule as written in the file: an action name, or an action with `maxAge` (seconds, for "lifetime"). */
export type SiteSetting = CookieAction | CookieVerdict;

/** The policy file: format version, defaults, and the rules by site pattern. */
export interface PolicyDocument {
  alfajor: 1;
  default: SiteSetting;
  thirdPartyDefault: SiteSetting;
  sites: Record<string, SiteSetting>;
}

/** The policy a fresh install starts with: first-party cookies last the session, third-party cookies are blocked. */
export const DEFAULT_DOCUMENT: PolicyDocument = Object.freeze({
  alfajor: 1,
  default: "session",
  thirdPartyDefault: "deny",
  sites: Object.freeze({}),
});

/** A policy file that cannot be used: what is wrong and where (1-based line and column). */
export class PolicyFileError extends Error {
  override readonly name = "PolicyFileError";
  readonly code = "ERR_ALFAJOR_POLICY";
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}:${column}: ${reason}`);
  }
}

/** Line and column (1-based) of a character offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split("\n");
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/** The offset of `"key"` (JSON-encoded) in `text`, else 0: where a validation error is reported. */
function keyOffset(text: string, key: string | null): number {
  if (key === null) return 0;
  const i = text.indexOf(JSON.stringify(key));
  return i < 0 ? 0 : i;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A site setting checked; throws a message naming what is wrong. */
function setting(v: unknown, what: string): SiteSetting {
  if (typeof v === "string") {
    if (!COOKIE_ACTIONS.includes(v as CookieAction)) throw new TypeError(`${what}: unknown action ${JSON.stringify(v)} (one of ${COOKIE_ACTIONS.join(", ")})`);
    if (v === "lifetime") throw new TypeError(`${what}: "lifetime" is written { "action": "lifetime", "maxAge": <seconds> }`);
    return v as CookieAction;
  }
  if (!isObject(v)) throw new TypeError(`${what}: expected an action name or { "action": ..., "maxAge": ... }`);
  const extra = Object.keys(v).filter((k) => k !== "action" && k !== "maxAge");
  if (extra.length > 0) throw new TypeError(`${what}: unknown field ${JSON.stringify(extra[0])}`);
  const action = v.action;
  if (typeof action !== "string" || !COOKIE_ACTIONS.includes(action as CookieAction)) {
    throw new TypeError(`${what}: unknown action ${JSON.stringify(action)} (one of ${COOKIE_ACTIONS.join(", ")})`);
  }
  if (action !== "lifetime") return action as CookieAction;
  const maxAge = v.maxAge;
  if (typeof maxAge !== "number" || !Number.isInteger(maxAge) || maxAge < 0) throw new TypeError(`${what}: "maxAge" must be a whole number of seconds >= 0`);
  return { action: "lifetime", maxAge };
}

/**
 * Check a parsed document; throws a TypeError carrying `key`, the member an error message should
 * point at (null: the document as a whole). Used by {@link parsePolicyDocument} and {@link checkDocument}.
 */
function validate(v: unknown): PolicyDocument {
  const fail = (key: string | null, message: string): never => {
    throw Object.assign(new TypeError(message), { key });
  };
  if (!isObject(v)) return fail(null, "the policy must be a JSON object");
  for (const k of Object.keys(v)) {
    if (!["alfajor", "default", "thirdPartyDefault", "sites", "$comment"].includes(k)) fail(k, `unknown field ${JSON.stringify(k)}`);
  }
  if (v.alfajor !== undefined && v.alfajor !== 1) fail("alfajor", `unsupported format version ${JSON.stringify(v.alfajor)} (this Alfajor reads 1)`);
  if (v.default === undefined) fail(null, 'missing "default"');
  const sites = v.sites ?? {};
  if (!isObject(sites)) return fail("sites", '"sites" must be an object: { "<site>": "<action>" }');
  const at = (key: string, f: () => SiteSetting): SiteSetting => {
    try {
      return f();
    } catch (err) {
      return fail(key, (err as Error).message);
    }
  };
  const doc: PolicyDocument = {
    alfajor: 1,
    default: at("default", () => setting(v.default, '"default"')),
    thirdPartyDefault: v.thirdPartyDefault === undefined ? at("default", () => setting(v.default, '"default"')) : at("thirdPartyDefault", () => setting(v.thirdPartyDefault, '"thirdPartyDefault"')),
    // No prototype: a site named "__proto__" is a key like any other, not a setter.
    sites: Object.create(null) as Record<string, SiteSetting>,
  };
  const written = new Map<string, string>();
  for (const [site, s] of Object.entries(sites)) {
    // Stored as rules are matched (case, dots, IDNA), so that "Ads.Test" and the GUI's "ads.test"
    // are one rule, not two where file order decides.
    const key = normalizeSite(site);
    const earlier = written.get(key);
    if (earlier !== undefined) fail(site, `site ${JSON.stringify(site)} is the same as ${JSON.stringify(earlier)}: give it once`);
    written.set(key, site);
    doc.sites[key] = at(site, () => setting(s, `site ${JSON.stringify(site)}`));
    try {
      compilePolicy({ default: "allow", rules: [{ site: key, action: "allow" }] });
    } catch (err) {
      fail(site, (err as Error).message);
    }
  }
  return doc;
}

/** Check a document given as a value (from the API); throws a TypeError naming what is wrong. */
export function checkDocument(v: unknown): PolicyDocument {
  return validate(v);
}

/**
 * Parse the text of a policy file. Throws {@link PolicyFileError} with the line and column of a
 * JSON syntax error, or of the member that is wrong (an unknown action, a bad site pattern).
 */
export function parsePolicyDocument(text: string, file: string): PolicyDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const m = /at position (\d+)/.exec(message);
    const offset = m ? Number(m[1]) : text.length;
    const { line, column } = lineColumn(text, offset);
    throw new PolicyFileError(file, line, column, `not valid JSON: ${message.replace(/ in JSON at position \d+.*$/, "")}`);
  }
  try {
    return validate(value);
  } catch (err) {
    const key = (err as { key?: string | null }).key ?? null;
    const { line, column } = lineColumn(text, keyOffset(text, key));
    throw new PolicyFileError(file, line, column, (err as Error).message);
  }
}

/** The document as file text: stable key order, two-space indent, final newline. */
export function formatPolicyDocument(doc: PolicyDocument): string {
  const sites = Object.create(null) as Record<string, SiteSetting>;
  for (const site of Object.keys(doc.sites).sort()) sites[site] = doc.sites[site];
  return JSON.stringify({ alfajor: 1, default: doc.default, thirdPartyDefault: doc.thirdPartyDefault, sites }, null, 2) + "\n";
}

/** The proxy-filters policy the document describes. */
export function toCookiePolicy(doc: PolicyDocument): CookiePolicy {
  const rules: CookieRule[] = Object.entries(doc.sites).map(([site, s]) => (typeof s === "string" ? { site, action: s } : { site, ...s }));
  return { rules, default: doc.default, thirdPartyDefault: doc.thirdPartyDefault };
}
