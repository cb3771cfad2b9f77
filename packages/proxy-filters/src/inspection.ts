/**
 * The policy of HTTPS inspection: which CONNECT targets are inspected (off unless asked; all or
 * chosen hosts; never the `neverInspect` ones, nor hosts whose clients refused our certificate),
 * and how the origin's certificate is verified (Node's CA store, which includes
 * `NODE_EXTRA_CA_CERTS`, plus `extraCA`).
 * @module
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { checkServerIdentity, createSecureContext, rootCertificates, type ConnectionOptions, type SecureContext } from "node:tls";
import type { LocalCA } from "./tls-ca.js";

/** A CA for origin verification: PEM text or bytes. */
export type CACertificates = string | Buffer | ReadonlyArray<string | Buffer>;

/** The `httpsInspection` option of `ProxyRequestHandler` (null: CONNECT is always a plain tunnel). */
export interface HttpsInspection {
  /** The local CA that signs the certificates shown to clients. */
  ca: LocalCA;
  /** Whether to inspect `host` (lower case, no brackets). Default: every host. */
  inspect?: (host: string) => boolean;
  /** Hosts and domains never inspected (`bank.example` also covers `www.bank.example`). */
  neverInspect?: readonly string[];
  /** CAs trusted for origins besides Node's store (a corporate root; a test CA). */
  extraCA?: CACertificates;
}

/** Where an inspected tunnel leads: the CONNECT authority. */
export interface TunnelTarget {
  host: string;
  port: number;
}

interface InspectionState {
  refused: Set<string>;
  originContext: SecureContext | null;
}

const states = new WeakMap<HttpsInspection, InspectionState>();

function stateOf(inspection: HttpsInspection): InspectionState {
  let state = states.get(inspection);
  if (state === undefined) {
    state = { refused: new Set(), originContext: originContext(inspection.extraCA) };
    states.set(inspection, state);
  }
  return state;
}

/**
 * The context origins are verified with: null (Node's default: its CA store plus
 * `NODE_EXTRA_CA_CERTS`) when there is no `extraCA`. Node's `ca` option replaces the store
 * instead of adding to it, so both are put back in with the extra CAs.
 */
function originContext(extraCA: CACertificates | undefined): SecureContext | null {
  if (extraCA === undefined) return null;
  const extra: Array<string | Buffer> = typeof extraCA === "string" || Buffer.isBuffer(extraCA) ? [extraCA] : [...extraCA];
  const fromEnv = process.env.NODE_EXTRA_CA_CERTS;
  if (fromEnv) {
    try {
      extra.push(readFileSync(fromEnv));
    } catch {
      // Node itself warns at start-up about an unreadable NODE_EXTRA_CA_CERTS.
    }
  }
  return createSecureContext({ ca: [...rootCertificates, ...extra] });
}

/** Whether `host` falls under `domain` (the domain itself or a subdomain; `*.` and `.` prefixes allowed). */
function underDomain(host: string, domain: string): boolean {
  const d = domain.toLowerCase().replace(/^\*?\./, "").replace(/\.$/, "");
  return host === d || host.endsWith(`.${d}`);
}

/** Whether a CONNECT to `host` is to be inspected under `inspection`. */
export function shouldInspect(inspection: HttpsInspection | null, host: string): boolean {
  if (inspection === null) return false;
  const name = host.toLowerCase();
  if (inspection.neverInspect?.some((d) => underDomain(name, d))) return false;
  if (stateOf(inspection).refused.has(name)) return false;
  return inspection.inspect === undefined ? true : inspection.inspect(name);
}

/** Hosts whose client refused our certificate: tunnelled untouched from then on. */
export function refusedHosts(inspection: HttpsInspection): ReadonlySet<string> {
  return stateOf(inspection).refused;
}

/** Remember that a client refused our certificate for `host`. */
export function noteRefused(inspection: HttpsInspection, host: string): void {
  stateOf(inspection).refused.add(host.toLowerCase());
}

/** The TLS options of a connection to the origin `name` (verification on, against that name). */
export function originTls(inspection: HttpsInspection, name: string): { context: SecureContext | null; tls: ConnectionOptions } {
  return {
    context: stateOf(inspection).originContext,
    tls: {
      // SNI is a DNS name only (RFC 6066 3); a hostMap may point the name at another address, so
      // the certificate is checked against the name, not the address connected to.
      servername: isIP(name) === 0 ? name : undefined,
      checkServerIdentity: (_host, cert) => checkServerIdentity(name, cert),
      ALPNProtocols: ["http/1.1"],
      rejectUnauthorized: true,
    },
  };
}
