/**
 * Protection of the control page against other web sites. A page at `evil.example` must not be
 * able to switch filtering off, neither by posting a form to the proxy (cross-site request
 * forgery) nor by pointing its own name at 127.0.0.1 (DNS rebinding), after which the browser
 * would treat the control page as evil.example's own and let its scripts read the form token.
 *
 * - GET never changes anything; the toggle is a POST.
 * - The POST must carry the per-process token from the page's form (compared in constant time).
 * - Its `Origin` must be the control page's own, and `Sec-Fetch-Site`, when sent, `same-origin`
 *   (Fetch Metadata; a browser sends one or both on a cross-site POST, RFC 6454 7.3).
 * - Requests to the proxy itself are served only under a `Host` that cannot be rebound: an IP
 *   address, `localhost` or `ctc.local`.
 * @module
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";

/** The host name under which the control page is reached through the proxy. */
export const CONTROL_HOST = "ctc.local";

/** A new random token for the toggle form (one per running proxy). */
export function newToken(): string {
  return randomBytes(18).toString("base64url");
}

/** Whether two tokens are equal, in constant time. */
export function tokenMatches(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The host name of a `Host` value (`[::1]:8080` -> `::1`, `Example.COM.:80` -> `example.com`). */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(1, h.indexOf("]") < 0 ? undefined : h.indexOf("]"));
  const colon = h.lastIndexOf(":");
  return (colon < 0 ? h : h.slice(0, colon)).replace(/\.$/, "");
}

/**
 * Whether a `Host` of a request to the proxy itself is one a page cannot rebind to us: an IP
 * address, `localhost` or the control host. (A missing Host, as HTTP/1.0 clients send, is fine.)
 */
export function trustedHost(host: string | undefined): boolean {
  if (host === undefined || host === "") return true;
  const name = hostName(host);
  return isIP(name) !== 0 || name === "localhost" || name === CONTROL_HOST;
}

/** The request fields the same-origin check looks at. */
export interface OriginFields {
  origin: string | undefined;
  secFetchSite: string | undefined;
}

/**
 * Why a state-changing request does not come from the control page itself, or null when it does.
 * `pageOrigin` is the origin the page was served under (`http://127.0.0.1:8080`, `http://ctc.local`).
 */
export function crossSiteReason(fields: OriginFields, pageOrigin: string): string | null {
  const site = fields.secFetchSite?.trim().toLowerCase();
  if (site !== undefined && site !== "same-origin") return `the request came from another site (Sec-Fetch-Site: ${site})`;
  const origin = fields.origin?.trim().toLowerCase();
  if (origin !== undefined && origin !== pageOrigin.toLowerCase()) return `the request came from another origin (${origin})`;
  return null;
}
