/**
 * The local certificate authority of HTTPS inspection: an ECDSA P-256 key and a self-signed CA
 * certificate, made on first use in a directory of the user's (`ca.pem`, `ca-key.pem` readable
 * by the user only) and reused afterwards. The key stays inside this object: no property or
 * method returns it, and the leaves it signs are made here.
 * @module
 */
import { createHash, createPrivateKey, generateKeyPair as generateKeyPairCb, X509Certificate, type KeyObject } from "node:crypto";
import { promises as fs } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { LeafCertificates } from "./tls-leaf.js";
import { certificatePem, distinguishedName, extension, issuerOf, keyIdentifier, loadAsn1, signCertificate, type CertificateSpec } from "./x509-build.js";

const generateKeyPair = promisify(generateKeyPairCb);

/** The CA certificate's file in the CA directory (0644). */
export const CA_CERT_FILE = "ca.pem";
/** The CA key's file in the CA directory (0600; refused when group or others may read it). */
export const CA_KEY_FILE = "ca-key.pem";

const TEN_YEARS_MS = 10 * 365.25 * 24 * 3600 * 1000;

/** Raised when the CA directory holds an unusable CA (an exposed key, a missing or broken file). */
export class LocalCAError extends Error {
  override readonly name = "LocalCAError";
  constructor(
    message: string,
    /** `ERR_CA_KEY_EXPOSED`, `ERR_CA_INCOMPLETE` or `ERR_CA_INVALID`. */
    readonly code: "ERR_CA_KEY_EXPOSED" | "ERR_CA_INCOMPLETE" | "ERR_CA_INVALID",
  ) {
    super(message);
  }
}

/** Options of {@link LocalCA.loadOrCreate}. */
export interface LocalCAOptions {
  /** Common name of a new CA. Default `"stdhttp proxy CA (<host name>)"`. */
  commonName?: string;
  /**
   * Keep the leaf certificates on disk too, in `<dir>/leaves/` (see `LeafOptions.cacheDir`), so
   * that a restart does not make them anew. Default false: memory only.
   */
  leafCache?: boolean;
}

/**
 * A local certificate authority (what Privoxy's `ca-directory` and mitmproxy's `~/.mitmproxy`
 * hold). For the caller: `LocalCA.loadOrCreate(dir)`, `certificatePem`, `certificatePath`,
 * `fingerprint`, `spkiHash`, `leaves` (its {@link LeafCertificates}), {@link trustInstructions}.
 * The private key is never exposed.
 */
export class LocalCA {
  readonly #key: KeyObject;
  readonly #der: Buffer;
  /** The certificate's subject and key identifier, parsed once (every leaf needs them). */
  #issuer: ReturnType<typeof issuerOf> | null = null;
  #leaves: LeafCertificates | null = null;

  private constructor(
    /** The directory holding `ca.pem` and `ca-key.pem`. */
    readonly dir: string,
    key: KeyObject,
    /** The CA certificate. */
    readonly certificate: X509Certificate,
  ) {
    this.#key = key;
    this.#der = certificate.raw;
  }

  /**
   * The CA in `dir`: loaded when `ca-key.pem` exists there, else generated (the directory is
   * created with mode 0700, the key written 0600, the certificate 0644). Rejects with
   * {@link LocalCAError} when the key is readable by group or others, or the files do not match.
   * @example const ca = await LocalCA.loadOrCreate(join(homedir(), ".config/ctc/ca"));
   */
  static async loadOrCreate(dir: string, options: LocalCAOptions = {}): Promise<LocalCA> {
    // The CA issues certificates (`issue()`, synchronous) from now on: the schemas must be there.
    const x509 = (await loadAsn1()).x509;
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const existing = await LocalCA.load(dir);
    if (existing !== null) return existing.#configured(options);
    const { privateKey, publicKey } = await generateKeyPair("ec", { namedCurve: "P-256" });
    const name = distinguishedName(options.commonName ?? `stdhttp proxy CA (${hostname()})`, "stdhttp");
    const now = Date.now();
    const spec: CertificateSpec = {
      subject: name,
      issuer: name,
      publicKey,
      signingKey: privateKey,
      notBefore: new Date(now - 3600 * 1000),
      notAfter: new Date(now + TEN_YEARS_MS),
      extensions: [
        // RFC 5280 4.2.1.9: a CA that signs end-entity certificates only (pathlen 0), critical.
        extension(x509.id_ce_basicConstraints, true, new x509.BasicConstraints({ cA: true, pathLenConstraint: 0 })),
        extension(x509.id_ce_keyUsage, true, new x509.KeyUsage(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign)),
        extension(x509.id_ce_subjectKeyIdentifier, false, new x509.SubjectKeyIdentifier(keyIdentifier(publicKey))),
      ],
    };
    const pem = certificatePem(signCertificate(spec));
    const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    const suffix = `${process.pid}-${Date.now()}`;
    const keyTmp = join(dir, `.${CA_KEY_FILE}.${suffix}`);
    const certTmp = join(dir, `.${CA_CERT_FILE}.${suffix}`);
    await fs.writeFile(keyTmp, keyPem, { mode: 0o600, flag: "wx" });
    await fs.writeFile(certTmp, pem, { mode: 0o644, flag: "wx" });
    await fs.chmod(certTmp, 0o644); // whatever the umask: the certificate is public
    try {
      // link() never replaces a file: of two processes creating the CA at once, one places its
      // certificate and then its key; the other finds the certificate there and loads that pair.
      await fs.link(certTmp, join(dir, CA_CERT_FILE));
      await fs.link(keyTmp, join(dir, CA_KEY_FILE));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
      const other = await LocalCA.load(dir);
      if (other !== null) return other;
      throw new LocalCAError(`${dir} has ${CA_CERT_FILE} but no ${CA_KEY_FILE}: remove ${CA_CERT_FILE} to make a new CA`, "ERR_CA_INCOMPLETE");
    } finally {
      await Promise.all([fs.rm(keyTmp, { force: true }), fs.rm(certTmp, { force: true })]);
    }
    return new LocalCA(dir, privateKey, new X509Certificate(pem)).#configured(options);
  }

  /** The CA in `dir`, or null when it has no key file yet. */
  private static async load(dir: string): Promise<LocalCA | null> {
    const keyPath = join(dir, CA_KEY_FILE);
    let mode: number;
    try {
      mode = (await fs.stat(keyPath)).mode;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
    if ((mode & 0o077) !== 0) {
      throw new LocalCAError(
        `${keyPath} is readable by other users (mode ${(mode & 0o777).toString(8)}): the CA key must be private. Run: chmod 600 ${keyPath}`,
        "ERR_CA_KEY_EXPOSED",
      );
    }
    let certPem: Buffer;
    try {
      certPem = await fs.readFile(join(dir, CA_CERT_FILE));
    } catch {
      throw new LocalCAError(`${dir} has ${CA_KEY_FILE} but no readable ${CA_CERT_FILE}: remove the directory to make a new CA`, "ERR_CA_INCOMPLETE");
    }
    try {
      const key = createPrivateKey(await fs.readFile(keyPath));
      const certificate = new X509Certificate(certPem);
      if (!certificate.ca || !certificate.checkPrivateKey(key)) throw new Error("the certificate is not a CA certificate of that key");
      return new LocalCA(dir, key, certificate);
    } catch (err) {
      throw new LocalCAError(`${dir}: not a usable CA (${(err as Error).message})`, "ERR_CA_INVALID");
    }
  }

  /** Apply the options that concern a loaded CA (the leaf cache). */
  #configured(options: LocalCAOptions): this {
    if (options.leafCache === true) this.#leaves = new LeafCertificates(this, { cacheDir: join(this.dir, "leaves") });
    return this;
  }

  /** The per-host leaf certificates this CA signs (one cache per CA, made on first use). */
  get leaves(): LeafCertificates {
    return (this.#leaves ??= new LeafCertificates(this));
  }

  /** Path of the CA certificate (`<dir>/ca.pem`), the file users import. */
  get certificatePath(): string {
    return join(this.dir, CA_CERT_FILE);
  }

  /** The CA certificate in PEM (what a control page serves for download). */
  get certificatePem(): string {
    return certificatePem(this.#der);
  }

  /** SHA-256 fingerprint of the certificate, `AB:CD:...` (as browsers and `openssl x509 -fingerprint -sha256` show it). */
  get fingerprint(): string {
    return this.certificate.fingerprint256;
  }

  /** Base64 SHA-256 of the certificate's SubjectPublicKeyInfo (Chromium's `--ignore-certificate-errors-spki-list`). */
  get spkiHash(): string {
    const spki = this.certificate.publicKey.export({ type: "spki", format: "der" });
    return createHash("sha256").update(spki).digest("base64");
  }

  /**
   * Sign a certificate with the CA key (the issuer, AuthorityKeyIdentifier source and key are
   * this CA's). For `tls-leaf.ts`; returns the DER.
   * @internal
   */
  issue(spec: Omit<CertificateSpec, "issuer" | "signingKey">): Buffer {
    return signCertificate({ ...spec, issuer: this.#parsed().subject, signingKey: this.#key });
  }

  /** This CA's SubjectKeyIdentifier (for the leaves' AuthorityKeyIdentifier). */
  get keyIdentifier(): Buffer {
    return this.#parsed().keyId ?? keyIdentifier(this.certificate.publicKey);
  }

  #parsed(): ReturnType<typeof issuerOf> {
    return (this.#issuer ??= issuerOf(this.#der));
  }
}

/**
 * How to make clients trust `ca`: Chromium, Firefox, curl, Debian's system store and Node, as
 * text for an app to print at start-up.
 */
export function trustInstructions(ca: LocalCA): string {
  const pem = ca.certificatePath;
  return [
    `HTTPS inspection uses a local certificate authority: ${pem}`,
    `  SHA-256 fingerprint: ${ca.fingerprint}`,
    `Clients must trust it, or they refuse the inspected sites (those hosts are then tunnelled untouched):`,
    `  Chromium/Chrome: Settings > Privacy and security > Security > Manage certificates > Authorities > Import ${pem}`,
    `    (on Linux: certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n "stdhttp proxy CA" -i ${pem})`,
    `  Firefox: Settings > Privacy & Security > Certificates > View Certificates > Authorities > Import ${pem},`,
    `    tick "Trust this CA to identify websites"`,
    `  curl: curl --cacert ${pem} -x http://127.0.0.1:PORT https://example.com/`,
    `  Debian/Ubuntu system store: sudo cp ${pem} /usr/local/share/ca-certificates/stdhttp-proxy-ca.crt && sudo update-ca-certificates`,
    `  Node.js: NODE_EXTRA_CA_CERTS=${pem}; Python: SSL_CERT_FILE or ssl.create_default_context(cafile="${pem}")`,
    `Anyone holding ${join(ca.dir, CA_KEY_FILE)} can impersonate any site to these clients: keep it private.`,
  ].join("\n");
}
