/**
 * The GUI's JSON API (`/api/...`), with the proxy's state as JSON. GET reads, POST changes (a
 * JSON body); every POST answers with the new state once the change is in force (for the policy:
 * once the file was renamed into place).
 * @module
 */
import { COOKIE_ACTIONS, type CookieAction, normalizeSite } from "@stdhttp/proxy-filters";
import { InspectionSetupError } from "./https-inspection.js";
import { applyCookiefile, formatCookiefile, parseCookiefile } from "./junkbuster.js";
import { checkDocument, formatPolicyDocument, parsePolicyDocument, PolicyFileError, type PolicyDocument, type SiteSetting } from "./policy-document.js";
import type { AlfajorState } from "./state.js";

/** An answer of the API: status, JSON (or text) body, extra fields. */
export interface ApiAnswer {
  status: number;
  body: unknown;
  /** A text body instead of JSON (exports). */
  text?: { contentType: string; filename: string };
}

/** A refusal the user can act on (400). */
class BadRequest extends Error {}

const json = (status: number, body: unknown): ApiAnswer => ({ status, body });

/** The state as the GUI shows it. */
export function stateJson(app: AlfajorState): Record<string, unknown> {
  const e = app.store.error;
  return {
    enabled: app.enabled,
    upstream: app.upstreamDisplay(),
    policy: app.store.document,
    policyFile: app.store.file,
    policyError: e === null ? null : { line: e.line, column: e.column, reason: e.reason, message: e.message },
    counters: app.log.countersObject(),
    /** The counters include every entry up to this id. */
    lastId: app.log.lastId,
    actions: COOKIE_ACTIONS,
    httpsInspection: app.inspection.toJson(),
  };
}

/** A list of host patterns from the API: an array of strings, or one string with one host per line (or comma). */
function hosts(value: unknown, key: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string") return value.split(/[\s,]+/).filter((h) => h !== "");
  if (Array.isArray(value) && value.every((h) => typeof h === "string")) return value;
  throw new BadRequest(`"${key}" must be a list of host names`);
}

function setting(body: Record<string, unknown>): SiteSetting {
  const action = body.action;
  if (typeof action !== "string" || !COOKIE_ACTIONS.includes(action as CookieAction)) throw new BadRequest(`unknown action ${JSON.stringify(action)}`);
  if (action !== "lifetime") return action as CookieAction;
  const maxAge = typeof body.maxAge === "string" ? Number(body.maxAge) : body.maxAge;
  if (typeof maxAge !== "number" || !Number.isInteger(maxAge) || maxAge < 0) throw new BadRequest("maxAge must be a whole number of seconds >= 0");
  return { action: "lifetime", maxAge };
}

function siteName(body: Record<string, unknown>): string {
  // As the policy file stores it (case, dots, IDNA), so that the GUI's rule replaces a hand-written one.
  const site = typeof body.site === "string" ? normalizeSite(body.site) : "";
  if (site === "" || !/^[a-z0-9*.:-]+$/.test(site)) throw new BadRequest(`not a site pattern: ${JSON.stringify(body.site)}`);
  return site;
}

/** GET requests: state and exports. Null when the path is not an API path. */
export function apiGet(app: AlfajorState, url: URL): ApiAnswer | null {
  switch (url.pathname) {
    case "/api/state":
      return json(200, stateJson(app));
    case "/api/log":
      return json(200, { entries: app.log.entries });
    case "/api/export": {
      const format = url.searchParams.get("format") ?? "json";
      if (format === "json") return { status: 200, body: formatPolicyDocument(app.store.document), text: { contentType: "application/json", filename: "alfajor-policy.json" } };
      if (format === "junkbuster") return { status: 200, body: formatCookiefile(app.store.document), text: { contentType: "text/plain; charset=utf-8", filename: "cookiefile" } };
      return json(400, { error: `unknown export format ${JSON.stringify(format)} (json or junkbuster)` });
    }
    default:
      return null;
  }
}

/** POST requests (already past the CSRF and origin checks). Null when the path is not an API path. */
export async function apiPost(app: AlfajorState, url: URL, body: Record<string, unknown>): Promise<ApiAnswer | null> {
  try {
    switch (url.pathname) {
      case "/api/site": {
        const site = siteName(body);
        const s = setting(body);
        await app.store.update((doc) => ({ ...doc, sites: { ...doc.sites, [site]: s } }));
        break;
      }
      case "/api/site/forget": {
        const site = siteName(body);
        await app.store.update((doc) => {
          const sites = { ...doc.sites };
          delete sites[site];
          return { ...doc, sites };
        });
        app.log.forget(site);
        break;
      }
      case "/api/defaults": {
        const first = body.default === undefined ? undefined : setting({ action: body.default, maxAge: body.defaultMaxAge });
        const third = body.thirdPartyDefault === undefined ? undefined : setting({ action: body.thirdPartyDefault, maxAge: body.thirdPartyMaxAge });
        await app.store.update((doc) => ({ ...doc, default: first ?? doc.default, thirdPartyDefault: third ?? doc.thirdPartyDefault }));
        break;
      }
      case "/api/enabled":
        if (typeof body.enabled !== "boolean") throw new BadRequest('"enabled" must be true or false');
        app.setEnabled(body.enabled);
        break;
      case "/api/upstream": {
        const u = body.upstream;
        if (u !== null && typeof u !== "string") throw new BadRequest('"upstream" must be a URL or null');
        try {
          app.setUpstream(u === null || u.trim() === "" ? null : u.trim());
        } catch (err) {
          throw new BadRequest((err as Error).message);
        }
        break;
      }
      case "/api/https-inspection": {
        if (body.enabled !== undefined && typeof body.enabled !== "boolean") throw new BadRequest('"enabled" must be true or false');
        const change = { enabled: body.enabled, inspect: hosts(body.inspect, "inspect"), neverInspect: hosts(body.neverInspect, "neverInspect") };
        try {
          await app.changeInspection(change);
        } catch (err) {
          if (err instanceof InspectionSetupError) return json(500, { error: `HTTPS inspection could not be switched on: ${err.message}` });
          throw err;
        }
        break;
      }
      case "/api/import": {
        const text = typeof body.text === "string" ? body.text : "";
        const mode = body.mode === "replace" ? "replace" : "merge";
        let doc: PolicyDocument;
        let warnings: string[] = [];
        if (body.format === "junkbuster") {
          const imported = parseCookiefile(text);
          warnings = imported.warnings;
          doc = applyCookiefile(app.store.document, imported, mode);
        } else if (body.format === "json") {
          let parsed: PolicyDocument;
          try {
            parsed = parsePolicyDocument(text, "imported policy");
          } catch (err) {
            throw new BadRequest(err instanceof PolicyFileError ? err.message : String(err));
          }
          doc = mode === "replace" ? parsed : { ...app.store.document, sites: { ...app.store.document.sites, ...parsed.sites } };
        } else throw new BadRequest('"format" must be "json" or "junkbuster"');
        checkDocument(doc);
        await app.store.replace(doc);
        return json(200, { ...stateJson(app), warnings });
      }
      default:
        return null;
    }
  } catch (err) {
    if (err instanceof BadRequest || err instanceof TypeError) return json(400, { error: err.message });
    throw err;
  }
  return json(200, stateJson(app));
}
