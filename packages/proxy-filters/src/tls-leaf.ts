/**
 * Per-host leaf certificates signed by the local CA, for the client side of an inspected tunnel:
 * SubjectAltName = the host (DNS name or IP address), about 30 days of validity backdated an hour
 * (clocks differ), serverAuth only. As mitmproxy does, every leaf of one CA shares one ECDSA P-256
 * key, so a new host costs one signature; ready `tls.SecureContext`s are kept in an LRU.
 * @module
 */
import { createPrivateKey, createPublicKey, generateKeyPair as generateKeyPairCb, X509Certificate, type KeyObject } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import { join } from "node:path";
import { createSecureContext, type SecureContext } from "node:tls";
import { promisify } from "node:util";
import type { LocalCA } from "./tls-ca.js";
import { certificatePem, distinguishedName, extension, hostGeneralName, loadAsn1 } from "./x509-build.js";

const generateKeyPair = promisify(generateKeyPairCb);
const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** Options of {@link LeafCertificates}. */
export interface LeafOptions {
  /** Most hosts whose context is kept (least recently used dropped first). Default 1000. */
  maxHosts?: number;
  /** Days a leaf is valid (after the hour it is backdated). Default 30. */
  validityDays?: number;
  /**
   * A directory keeping the leaves across restarts (`null`, the default: memory only): the shared
   * leaf key (`leaf-key.pem`, 0600) and one `<host>.pem` per host (0644), reused while it is
   * valid for more than a day and signed by this CA. Created 0700 when missing.
   */
  cacheDir?: string | null;
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
  private readonly cacheDir: string | null;

  constructor(
    /** The CA that signs the leaves. */
    readonly ca: LocalCA,
    options: LeafOptions = {},
  ) {
    this.maxHosts = options.maxHosts ?? 1000;
    this.validityMs = (options.validityDays ?? 30) * DAY_MS;
    this.cacheDir = options.cacheDir ?? null;
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

  /** The key every leaf shares: made once per process, or kept in the cache directory. */
  private leafKey(): Promise<{ privateKey: KeyObject; publicKey: KeyObject; privatePem: string }> {
    return (this.key ??= (async () => {
      const stored = this.cacheDir === null ? null : await readKey(join(this.cacheDir, LEAF_KEY_FILE));
      const privateKey = stored ?? (await generateKeyPair("ec", { namedCurve: "P-256" })).privateKey;
      const privatePem = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
      if (this.cacheDir !== null && stored === null) {
        await mkdir(this.cacheDir, { recursive: true, mode: 0o700 });
        await writeAtomically(join(this.cacheDir, LEAF_KEY_FILE), privatePem, 0o600);
      }
      return { privateKey, publicKey: createPublicKey(privateKey), privatePem };
    })());
  }

  /** A cached leaf of `host` still good for more than a day, signed by this CA for this key; else null. */
  private async cached(host: string, publicKey: KeyObject): Promise<{ pem: string; notAfter: Date } | null> {
    if (this.cacheDir === null) return null;
    let pem: string;
    try {
      pem = await readFile(join(this.cacheDir, cacheName(host)), "utf8");
    } catch {
      return null;
    }
    try {
      const cert = new X509Certificate(pem);
      const notAfter = new Date(cert.validTo);
      const fits = isIP(host) !== 0 ? cert.checkIP(host) !== undefined : cert.checkHost(host, { wildcards: false }) !== undefined;
      if (!fits || !cert.verify(this.ca.certificate.publicKey) || !cert.publicKey.equals(publicKey) || notAfter.getTime() - Date.now() <= DAY_MS) return null;
      return { pem, notAfter };
    } catch {
      return null; // unreadable: made anew and overwritten
    }
  }

  private async make(host: string): Promise<Leaf> {
    const x509 = (await loadAsn1()).x509;
    const key = await this.leafKey();
    const hit = await this.cached(host, key.publicKey);
    if (hit !== null) return this.keep(host, hit.pem, key.privatePem, hit.notAfter);
    const now = Date.now();
    const notAfter = new Date(now + this.validityMs);
    const der = this.ca.issue({
      subject: distinguishedName(host),
      publicKey: key.publicKey,
      notBefore: new Date(now - HOUR_MS),
      notAfter,
      extensions: [
        // RFC 5280 4.2.1.6: with a SubjectAltName, clients match it and ignore the CN.
        extension(x509.id_ce_subjectAltName, false, new x509.SubjectAlternativeName([hostGeneralName(host)])),
        extension(x509.id_ce_keyUsage, true, new x509.KeyUsage(x509.KeyUsageFlags.digitalSignature)),
        extension(x509.id_ce_extKeyUsage, false, new x509.ExtendedKeyUsage([x509.id_kp_serverAuth])),
        extension(x509.id_ce_authorityKeyIdentifier, false, new x509.AuthorityKeyIdentifier({ keyIdentifier: new x509.KeyIdentifier(this.ca.keyIdentifier) })),
      ],
    });
    this.issued++;
    const pem = certificatePem(der);
    if (this.cacheDir !== null) await writeAtomically(join(this.cacheDir, cacheName(host)), pem, 0o644);
    return this.keep(host, pem, key.privatePem, notAfter);
  }

  private keep(host: string, pem: string, keyPem: string, notAfter: Date): Leaf {
    // The CA follows the leaf in the chain served: clients that pin the CA key (Chromium's
    // --ignore-certificate-errors-spki-list) look for it among the certificates presented.
    const leaf: Leaf = { host, certificatePem: pem, context: createSecureContext({ key: keyPem, cert: pem + this.ca.certificatePem }), notAfter };
    this.ready.set(host, leaf);
    if (this.ready.size > this.maxHosts) this.ready.delete(this.ready.keys().next().value as string);
    return leaf;
  }
}

const LEAF_KEY_FILE = "leaf-key.pem";

/** A host's cache file name (IPv6 colons are not welcome in every file system). */
function cacheName(host: string): string {
  return `${host.replace(/[^a-z0-9.-]/gi, "_")}.pem`;
}

/** The leaf key kept in `file`; null when there is none yet. A key others may read is refused. */
async function readKey(file: string): Promise<KeyObject | null> {
  let st;
  try {
    st = await stat(file);
  } catch {
    return null;
  }
  if ((st.mode & 0o077) !== 0) throw new Error(`${file} may be read by other users (mode ${(st.mode & 0o777).toString(8)}): chmod 600 it`);
  return createPrivateKey(await readFile(file, "utf8"));
}

/** Write `text` to `file` through a temporary file and a rename (a crash never leaves half a file). */
async function writeAtomically(file: string, text: string, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, text, { mode });
  await rename(tmp, file);
}
