/**
 * Who may talk to the GUI. Every request: the `Host` must be one the GUI is served at (an IP
 * address, `localhost` or `alfajor.local`), so that a web page whose own name was re-pointed at
 * the proxy (DNS rebinding) cannot read the page and its token. State-changing requests (POST
 * only) also need the per-process CSRF token in `X-Alfajor-Token` (a custom field a cross-site
 * form cannot send, and that makes a cross-origin `fetch` preflight, which we never approve) and
 * must come from the GUI's own origin: `Origin` equal to it when present, `Sec-Fetch-Site`
 * same-origin (or none, a typed address) when present.
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";

/** The name the GUI is served at through the proxy. */
export const GUI_HOST = "alfajor.local";

/** What the guard reads of a request. */
export interface GuardedRequest {
  /** `Host` of the request (the authority of an absolute-form target). */
  host: string | undefined;
  origin: string | undefined;
  secFetchSite: string | undefined;
  token: string | undefined;
}

/** The host name of a `Host` value (no port, no brackets), lower case. */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(1, h.indexOf("]") < 0 ? undefined : h.indexOf("]"));
  return h.replace(/:\d*$/, "");
}

/** Whether the GUI may be served for this `Host`: an IP literal, `localhost`, or {@link GUI_HOST}. */
export function guiHostAllowed(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = hostName(host);
  return isIP(name) !== 0 || name === "localhost" || name === GUI_HOST;
}

/** The origin the GUI has for a request with this `Host` (`http://host[:port]`). */
export function guiOrigin(host: string): string {
  return `http://${host.trim().toLowerCase()}`;
}

/** Why a state-changing request is refused, or null when it may proceed. */
export function refuseStateChange(req: GuardedRequest, token: string): string | null {
  const foreign = foreignOrigin(req.host, req.origin, req.secFetchSite);
  if (foreign !== null) return foreign;
  if (req.token === undefined) return "missing CSRF token (X-Alfajor-Token)";
  const got = Buffer.from(req.token);
  const want = Buffer.from(token);
  if (got.length !== want.length || !timingSafeEqual(got, want)) return "wrong CSRF token";
  return null;
}

/** What a read of the GUI's API is judged by. */
export interface GuardedRead {
  host: string | undefined;
  origin: string | undefined;
  secFetchSite: string | undefined;
  referer: string | undefined;
}

/**
 * Why a read of the GUI's API (the live log above all) is refused, or null: a request another
 * site's page made (`Sec-Fetch-Site` other than same-origin or none, a foreign `Origin`, or a
 * `Referer` from another origin). Such a page cannot read the answers (no CORS headers are ever
 * sent), but it could hold the live log's few connections open (`<img src=.../api/events>`) and
 * lock the GUI out of it.
 */
export function refuseCrossSiteRead(req: GuardedRead): string | null {
  const foreign = foreignOrigin(req.host, req.origin, req.secFetchSite);
  if (foreign !== null || req.host === undefined) return foreign;
  const own = guiOrigin(req.host);
  if (req.referer !== undefined) {
    let from: string;
    try {
      from = new URL(req.referer).origin.toLowerCase();
    } catch {
      return "malformed Referer";
    }
    if (from !== own) return `request from a page of ${from}`;
  }
  return null;
}

/** Why a request is not the GUI's own (no Host, another `Origin`, a cross-site `Sec-Fetch-Site`), or null. */
function foreignOrigin(host: string | undefined, origin: string | undefined, secFetchSite: string | undefined): string | null {
  if (host === undefined) return "no Host";
  if (origin !== undefined && origin.toLowerCase() !== guiOrigin(host)) return `cross-origin request from ${origin}`;
  const site = secFetchSite?.toLowerCase();
  if (site !== undefined && site !== "same-origin" && site !== "none") return `cross-site request (Sec-Fetch-Site: ${site})`;
  return null;
}
