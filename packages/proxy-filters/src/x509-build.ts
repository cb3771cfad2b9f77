/**
 * Building and signing X.509 v3 certificates (RFC 5280) with `@peculiar/asn1-x509`'s schemas and
 * node:crypto's ECDSA: the one place that knows the ASN.1 shapes, for the local CA (`tls-ca.ts`)
 * and the per-host leaves (`tls-leaf.ts`).
 * @module
 */
import { createHash, randomBytes, sign, type KeyObject } from "node:crypto";
import { isIP } from "node:net";
import type * as Asn1Schema from "@peculiar/asn1-schema";
import type * as X509 from "@peculiar/asn1-x509";
import type { Extension, GeneralName, Name, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";

/** The ASN.1 libraries, loaded on first use (see {@link loadAsn1}). */
export interface Asn1 {
  schema: typeof Asn1Schema;
  x509: typeof X509;
}

let loaded: Asn1 | null = null;

/**
 * Load the ASN.1 schemas (once). They are ~15 MB of code and heap in every process, needed only
 * for HTTPS inspection: the async entry points that make certificates (`LocalCA.loadOrCreate`,
 * `LeafCertificates`) await this; everything else here requires it done.
 */
export async function loadAsn1(): Promise<Asn1> {
  if (loaded === null) {
    const [schema, x509] = await Promise.all([import("@peculiar/asn1-schema"), import("@peculiar/asn1-x509")]);
    loaded = { schema, x509 };
  }
  return loaded;
}

/** The loaded ASN.1 libraries; throws when {@link loadAsn1} has not completed. */
export function asn1(): Asn1 {
  if (loaded === null) throw new Error("the ASN.1 schemas are not loaded (await loadAsn1() first)");
  return loaded;
}

/** ecdsa-with-SHA256 (RFC 5758 3.2: its parameters field is absent). */
const ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
const OID_COMMON_NAME = "2.5.4.3";
const OID_ORGANIZATION = "2.5.4.10";

/** What goes into one certificate. */
export interface CertificateSpec {
  subject: Name;
  issuer: Name;
  /** The subject's public key. */
  publicKey: KeyObject;
  /** The issuer's private key (the subject's own for a self-signed certificate). */
  signingKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  extensions: Extension[];
}

/** A distinguished name of a common name and, optionally, an organization. */
export function distinguishedName(commonName: string, organization?: string): Name {
  const { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } = asn1().x509;
  const rdn = (type: string, value: string): X509.RelativeDistinguishedName =>
    new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) })]);
  // RFC 5280 appendix A: ub-common-name is 64 characters.
  const rdns = [rdn(OID_COMMON_NAME, commonName.slice(0, 64))];
  if (organization !== undefined) rdns.unshift(rdn(OID_ORGANIZATION, organization.slice(0, 64)));
  return new Name(rdns);
}

/** The SubjectPublicKeyInfo of a key, as the schema object. */
export function publicKeyInfo(key: KeyObject): SubjectPublicKeyInfo {
  const { AsnConvert } = asn1().schema;
  const { SubjectPublicKeyInfo } = asn1().x509;
  return AsnConvert.parse(key.export({ type: "spki", format: "der" }), SubjectPublicKeyInfo);
}

/** A key identifier: SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2, method 1). */
export function keyIdentifier(key: KeyObject): Buffer {
  return createHash("sha1").update(Buffer.from(publicKeyInfo(key).subjectPublicKey)).digest();
}

/** A random positive serial number of 16 bytes (RFC 5280 4.1.2.2: positive, at most 20 octets). */
export function randomSerial(): ArrayBuffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x01;
  return new Uint8Array(serial).buffer;
}

/** An extension whose value is the DER of `value`. */
export function extension(extnID: string, critical: boolean, value: unknown): Extension {
  const { AsnConvert, OctetString } = asn1().schema;
  const { Extension } = asn1().x509;
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** A SubjectAltName entry for a host: an iPAddress for an IP literal, else a dNSName. */
export function hostGeneralName(host: string): GeneralName {
  const { GeneralName } = asn1().x509;
  return isIP(host) === 0 ? new GeneralName({ dNSName: host }) : new GeneralName({ iPAddress: host });
}

/** Build the certificate and sign it with ECDSA P-256 / SHA-256; returns its DER. */
export function signCertificate(spec: CertificateSpec): Buffer {
  const { AsnConvert } = asn1().schema;
  const { AlgorithmIdentifier, Certificate, Extensions, TBSCertificate, Validity, Version } = asn1().x509;
  const signature = new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 });
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: randomSerial(),
    signature,
    issuer: spec.issuer,
    validity: new Validity({ notBefore: spec.notBefore, notAfter: spec.notAfter }),
    subject: spec.subject,
    subjectPublicKeyInfo: publicKeyInfo(spec.publicKey),
    extensions: new Extensions(spec.extensions),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signatureValue = sign("sha256", tbsDer, { key: spec.signingKey, dsaEncoding: "der" });
  const cert = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: signature, signatureValue: new Uint8Array(signatureValue).buffer });
  return Buffer.from(AsnConvert.serialize(cert));
}

/** PEM of a DER certificate. */
export function certificatePem(der: Buffer): string {
  const b64 = der.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** The subject Name and the SubjectKeyIdentifier of a DER certificate (to issue under it). */
export function issuerOf(der: Buffer): { subject: Name; keyId: Buffer | null } {
  const { AsnConvert, OctetString } = asn1().schema;
  const { Certificate } = asn1().x509;
  const cert = AsnConvert.parse(der, Certificate);
  const ski = cert.tbsCertificate.extensions?.find((e) => e.extnID === "2.5.29.14");
  const keyId = ski === undefined ? null : Buffer.from(AsnConvert.parse(ski.extnValue.buffer, OctetString).buffer);
  return { subject: cert.tbsCertificate.subject, keyId };
}
