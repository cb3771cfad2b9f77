/**
 * Per-host leaf certificates signed by the local CA, for the client side of an inspected tunnel:
 * SubjectAltName = the host (DNS name or IP address), about 30 days of validity backdated an hour
 * (clocks differ), serverAuth only. As mitmproxy does, every leaf of one CA shares one ECDSA P-256
 * key, so a new host costs one signature; ready `tls.SecureContext`s are kept in an LRU.
 * @module
 */
import { generateKeyPair as generateKeyPairCb, type KeyObject } from "node:crypto";
import { createSecureContext, type SecureContext } from "node:tls";
import { promisify } from "node:util";
import {
  AuthorityKeyIdentifier,
  ExtendedKeyUsage,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  SubjectAlternativeName,
  id_ce_authorityKeyIdentifier,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_kp_serverAuth,
} from "@peculiar/asn1-x509";
import type { LocalCA } from "./tls-ca.js";
import { certificatePem, distinguishedName, extension, hostGeneralName } from "./x509-build.js";

const generateKeyPair = promisify(generateKeyPairCb);
const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** Options of {@link LeafCertificates}. */
export interface LeafOptions {
  /** Most hosts whose context is kept (least recently used dropped first). Default 1000. */
  maxHosts?: number;
  /** Days a leaf is valid (after the hour it is backdated). Default 30. */
  validityDays?: number;
}

/** A leaf made for a host: its certificate (PEM) and the context serving it. */
export interface Leaf {
  host: string;
  certificatePem: string;
  context: SecureContext;
  notAfter: Date;
}

/**
 * Leaf certificates of one CA, made on demand. For the caller: `leafFor(host)`, `contextFor(host)`,
 * `issued` (how many certificates were signed), `size`.
 */
export class LeafCertificates {
  /** How many certificates were signed so far (concurrent first requests for a host make one). */
  issued = 0;
  private key: Promise<{ privateKey: KeyObject; publicKey: KeyObject; privatePem: string }> | null = null;
  private readonly ready = new Map<string, Leaf>();
  private readonly pending = new Map<string, Promise<Leaf>>();
  private readonly maxHosts: number;
  private readonly validityMs: number;

  constructor(
    /** The CA that signs the leaves. */
    readonly ca: LocalCA,
    options: LeafOptions = {},
  ) {
    this.maxHosts = options.maxHosts ?? 1000;
    this.validityMs = (options.validityDays ?? 30) * DAY_MS;
  }

  /** Number of hosts with a ready leaf. */
  get size(): number {
    return this.ready.size;
  }

  /** The TLS context serving `host`'s leaf (made on first use). */
  async contextFor(host: string): Promise<SecureContext> {
    return (await this.leafFor(host)).context;
  }

  /** The leaf of `host` (lower-cased; made on first use, renewed a day before it expires). */
  leafFor(host: string): Promise<Leaf> {
    const name = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
    const leaf = this.ready.get(name);
    if (leaf !== undefined && leaf.notAfter.getTime() - Date.now() > DAY_MS) {
      this.ready.delete(name);
      this.ready.set(name, leaf);
      return Promise.resolve(leaf);
    }
    let making = this.pending.get(name);
    if (making === undefined) {
      making = this.make(name).finally(() => this.pending.delete(name));
      this.pending.set(name, making);
    }
    return making;
  }

  private async make(host: string): Promise<Leaf> {
    const key = await (this.key ??= generateKeyPair("ec", { namedCurve: "P-256" }).then(({ privateKey, publicKey }) => ({
      privateKey,
      publicKey,
      privatePem: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    })));
    const now = Date.now();
    const notAfter = new Date(now + this.validityMs);
    const der = this.ca.issue({
      subject: distinguishedName(host),
      publicKey: key.publicKey,
      notBefore: new Date(now - HOUR_MS),
      notAfter,
      extensions: [
        // RFC 5280 4.2.1.6: with a SubjectAltName, clients match it and ignore the CN.
        extension(id_ce_subjectAltName, false, new SubjectAlternativeName([hostGeneralName(host)])),
        extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.digitalSignature)),
        extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([id_kp_serverAuth])),
        extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(this.ca.keyIdentifier) })),
      ],
    });
    this.issued++;
    const pem = certificatePem(der);
    // The CA follows the leaf in the chain served: clients that pin the CA key (Chromium's
    // --ignore-certificate-errors-spki-list) look for it among the certificates presented.
    const leaf: Leaf = { host, certificatePem: pem, context: createSecureContext({ key: key.privatePem, cert: pem + this.ca.certificatePem }), notAfter };
    this.ready.set(host, leaf);
    if (this.ready.size > this.maxHosts) this.ready.delete(this.ready.keys().next().value as string);
    return leaf;
  }
}
