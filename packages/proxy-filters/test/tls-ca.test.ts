// The local CA and its leaves: files and modes, reuse, a refused exposed key, and the
// certificates' fields as openssl and node:crypto read them.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { promisify } from "node:util";
import { LeafCertificates, LocalCA, LocalCAError, trustInstructions } from "../src/index.js";

const run = promisify(execFile);
let root: string;

beforeAll(async () => {
  root = await fs.mkdtemp(join(tmpdir(), "proxy-ca-"));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe("LocalCA", () => {
  test("made on first use: dir 0700, key 0600, cert 0644, a valid CA certificate", async () => {
    const dir = join(root, "first", "ca");
    const ca = await LocalCA.loadOrCreate(dir);
    expect((await fs.stat(dir)).mode & 0o777).toBe(0o700);
    expect((await fs.stat(join(dir, "ca-key.pem"))).mode & 0o777).toBe(0o600);
    expect((await fs.stat(join(dir, "ca.pem"))).mode & 0o777).toBe(0o644);
    expect((await fs.readdir(dir)).sort()).toEqual(["ca-key.pem", "ca.pem"]);
    expect(await fs.readFile(ca.certificatePath, "utf8")).toBe(ca.certificatePem);
    const { stdout } = await run("openssl", ["x509", "-in", ca.certificatePath, "-noout", "-text"]);
    expect(stdout).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    expect(stdout).toMatch(/ASN1 OID: prime256v1/);
    expect(stdout).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(stdout).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(stdout).toMatch(/X509v3 Subject Key Identifier/);
    expect(stdout).toMatch(/Subject: O = stdhttp, CN = stdhttp proxy CA \(/);
    // Self-signed and valid as a root.
    const verify = await run("openssl", ["verify", "-CAfile", ca.certificatePath, ca.certificatePath]);
    expect(verify.stdout).toMatch(/: OK/);
    const x = new X509Certificate(ca.certificatePem);
    const years = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / (365.25 * 24 * 3600 * 1000);
    expect(years).toBeGreaterThan(9.9);
    expect(years).toBeLessThan(10.1);
    const fp = await run("openssl", ["x509", "-in", ca.certificatePath, "-noout", "-fingerprint", "-sha256"]);
    expect(fp.stdout.trim().split("=")[1]).toBe(ca.fingerprint);
    expect(trustInstructions(ca)).toContain(`--cacert ${ca.certificatePath}`);
    expect(trustInstructions(ca)).not.toContain("PRIVATE KEY");
  });

  test("reused on a second load", async () => {
    const dir = join(root, "reuse");
    const a = await LocalCA.loadOrCreate(dir);
    const b = await LocalCA.loadOrCreate(dir);
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(b.certificatePem).toBe(a.certificatePem);
  });

  test("concurrent creations in one directory end with one CA", async () => {
    const dir = join(root, "race");
    const cas = await Promise.all([LocalCA.loadOrCreate(dir), LocalCA.loadOrCreate(dir), LocalCA.loadOrCreate(dir)]);
    const onDisk = await LocalCA.loadOrCreate(dir);
    for (const ca of cas) expect(ca.fingerprint).toBe(onDisk.fingerprint);
  });

  test("a key readable by group or others is refused", async () => {
    const dir = join(root, "exposed");
    await LocalCA.loadOrCreate(dir);
    await fs.chmod(join(dir, "ca-key.pem"), 0o644);
    await expect(LocalCA.loadOrCreate(dir)).rejects.toThrow(/readable by other users \(mode 644\).*chmod 600/);
    await expect(LocalCA.loadOrCreate(dir)).rejects.toBeInstanceOf(LocalCAError);
    await fs.chmod(join(dir, "ca-key.pem"), 0o640);
    await expect(LocalCA.loadOrCreate(dir)).rejects.toMatchObject({ code: "ERR_CA_KEY_EXPOSED" });
  });

  test("no property or string form of the CA holds its key", async () => {
    const ca = await LocalCA.loadOrCreate(join(root, "secret"));
    const key = await fs.readFile(join(root, "secret", "ca-key.pem"), "utf8");
    const body = key.split("\n")[1];
    const exposed = JSON.stringify(ca) + Object.values(ca).map(String).join() + ca.certificatePem + trustInstructions(ca);
    expect(exposed).not.toContain(body);
    expect(exposed).not.toContain("PRIVATE KEY");
  });
});

describe("LeafCertificates", () => {
  test("a leaf for a DNS name: SAN, EKU serverAuth, ~30 days backdated 1 h, verifies against the CA", async () => {
    const ca = await LocalCA.loadOrCreate(join(root, "leaf"));
    const leaves = new LeafCertificates(ca);
    const leaf = await leaves.leafFor("Shop.Test");
    const file = join(root, "leaf", "shop.pem");
    await fs.writeFile(file, leaf.certificatePem);
    const verify = await run("openssl", ["verify", "-CAfile", ca.certificatePath, "-purpose", "sslserver", file]);
    expect(verify.stdout).toMatch(/: OK/);
    const { stdout } = await run("openssl", ["x509", "-in", file, "-noout", "-text"]);
    expect(stdout).toMatch(/X509v3 Subject Alternative Name:\s+DNS:shop\.test\n/);
    expect(stdout).toMatch(/X509v3 Extended Key Usage:\s+TLS Web Server Authentication\n/);
    expect(stdout).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
    expect(stdout).toMatch(/X509v3 Authority Key Identifier/);
    expect(stdout).toMatch(/Subject: CN = shop\.test/);
    const x = new X509Certificate(leaf.certificatePem);
    expect(x.checkIssued(ca.certificate)).toBe(true);
    expect(x.verify(ca.certificate.publicKey)).toBe(true);
    expect(x.checkHost("shop.test")).toBe("shop.test");
    expect(x.checkHost("other.test")).toBeUndefined();
    const from = Date.parse(x.validFrom);
    const to = Date.parse(x.validTo);
    expect(Date.now() - from).toBeGreaterThan(55 * 60 * 1000);
    expect(Date.now() - from).toBeLessThan(65 * 60 * 1000);
    expect((to - Date.now()) / 86400000).toBeGreaterThan(29.9);
    expect((to - Date.now()) / 86400000).toBeLessThan(30.1);
  });

  test("the chain served is the leaf then the CA (clients pinning the CA key find it)", async () => {
    const ca = await LocalCA.loadOrCreate(join(root, "chain-ca"));
    // eslint-disable-next-line @typescript-eslint/naming-convention -- node:tls option name
    const server = tls.createServer({ SNICallback: (name, cb) => void ca.leaves.contextFor(name).then((c) => cb(null, c), cb) }, (s) => s.end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as { port: number }).port;
      const chain = await new Promise<tls.DetailedPeerCertificate>((resolve, reject) => {
        // Nothing trusted here: the issuer seen can only come from what the server sent.
        const c = tls.connect({ host: "127.0.0.1", port, servername: "chain.test", rejectUnauthorized: false }, () => {
          resolve(c.getPeerCertificate(true));
          c.end();
        });
        c.on("error", reject);
      });
      expect(chain.subjectaltname).toBe("DNS:chain.test");
      expect(chain.issuerCertificate.fingerprint256).toBe(ca.fingerprint);
    } finally {
      server.close();
    }
  });

  test("a leaf for an IP address has an IP SAN", async () => {
    const ca = await LocalCA.loadOrCreate(join(root, "leaf"));
    const leaves = new LeafCertificates(ca);
    const v4 = new X509Certificate((await leaves.leafFor("127.0.0.1")).certificatePem);
    expect(v4.subjectAltName).toBe("IP Address:127.0.0.1");
    expect(v4.checkIP("127.0.0.1")).toBe("127.0.0.1");
    const v6 = new X509Certificate((await leaves.leafFor("[::1]")).certificatePem);
    expect(v6.checkIP("::1")).toBe("::1");
  });

  test("concurrent first requests for one host make one certificate; every leaf shares one key", async () => {
    const ca = await LocalCA.loadOrCreate(join(root, "leaf"));
    const leaves = new LeafCertificates(ca);
    const all = await Promise.all(Array.from({ length: 100 }, () => leaves.leafFor("busy.test")));
    expect(leaves.issued).toBe(1);
    expect(new Set(all.map((l) => l.certificatePem)).size).toBe(1);
    const other = await leaves.leafFor("other.test");
    expect(leaves.issued).toBe(2);
    const a = new X509Certificate(all[0].certificatePem);
    const b = new X509Certificate(other.certificatePem);
    expect(a.publicKey.export({ type: "spki", format: "der" })).toEqual(b.publicKey.export({ type: "spki", format: "der" }));
    expect(a.serialNumber).not.toBe(b.serialNumber);
  });

  test("leafCache: leaves and their key survive a restart (no new signature); a stale or foreign leaf is made anew", async () => {
    const dir = join(root, "cached-ca");
    const first = await LocalCA.loadOrCreate(dir, { leafCache: true });
    const a = await first.leaves.leafFor("shop.test");
    const v6 = await first.leaves.leafFor("[::1]");
    expect(first.leaves.issued).toBe(2);
    expect((await fs.stat(join(dir, "leaves"))).mode & 0o777).toBe(0o700);
    expect((await fs.stat(join(dir, "leaves", "leaf-key.pem"))).mode & 0o777).toBe(0o600);
    // A restart: same files, nothing signed.
    const second = await LocalCA.loadOrCreate(dir, { leafCache: true });
    const b = await second.leaves.leafFor("shop.test");
    expect((await second.leaves.leafFor("::1")).certificatePem).toBe(v6.certificatePem);
    expect(second.leaves.issued).toBe(0);
    expect(b.certificatePem).toBe(a.certificatePem);
    // A file that is not a valid leaf of this CA for the host is replaced.
    await fs.writeFile(join(dir, "leaves", "shop.test.pem"), v6.certificatePem);
    const third = await LocalCA.loadOrCreate(dir, { leafCache: true });
    const c = await third.leaves.leafFor("shop.test");
    expect(third.leaves.issued).toBe(1);
    expect(new X509Certificate(c.certificatePem).subjectAltName).toBe("DNS:shop.test");
    // Without the option, memory only.
    const plain = await LocalCA.loadOrCreate(dir);
    await plain.leaves.leafFor("shop.test");
    expect(plain.leaves.issued).toBe(1);
  });

  test("the LRU keeps at most maxHosts contexts", async () => {
    const ca = await LocalCA.loadOrCreate(join(root, "leaf"));
    const leaves = new LeafCertificates(ca, { maxHosts: 3 });
    for (const h of ["a.test", "b.test", "c.test", "d.test"]) await leaves.contextFor(h);
    expect(leaves.size).toBe(3);
    await leaves.contextFor("b.test");
    expect(leaves.issued).toBe(4);
    await leaves.contextFor("a.test");
    expect(leaves.issued).toBe(5);
  });
});
