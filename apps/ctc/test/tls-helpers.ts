// Shared by the HTTPS inspection tests: a test CA and origin certificates made by openssl, HTTPS
// origins (node:https) on 127.0.0.1 port 0 serving a shop page with IAB-size banners and a
// Set-Cookie, and the SPKI hash Chromium's --ignore-certificate-errors-spki-list takes.
import { execFileSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import net, { type AddressInfo } from "node:net";
import tls from "node:tls";
import path from "node:path";

/** The names of the test CA and of the origin certificates it signs. */
export const TEST_CA_NAME = "Test Origin CA";

function openssl(dir: string, ...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

/** Files made in `dir`: the test CA (`test-ca.pem`), a good origin certificate for `names`, a self-signed one for `bad.test`. */
export interface TestCerts {
  caPem: string;
  goodKey: string;
  goodCert: string;
  badKey: string;
  badCert: string;
}

/**
 * Make with openssl, in `dir`: a test CA, an origin certificate it signs for `names` (SAN DNS
 * names), and a self-signed certificate for `bad.test` (no CA vouches for it).
 */
export function makeTestCerts(dir: string, names: readonly string[]): TestCerts {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl(dir, "req", "-x509", ...ec, "-keyout", "test-ca.key", "-out", "test-ca.pem", "-days", "2", "-subj", `/CN=${TEST_CA_NAME}`,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  openssl(dir, "req", ...ec, "-keyout", "good.key", "-out", "good.csr", "-subj", `/CN=${names[0]}`);
  writeFileSync(path.join(dir, "good.ext"), `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  openssl(dir, "x509", "-req", "-in", "good.csr", "-CA", "test-ca.pem", "-CAkey", "test-ca.key", "-CAcreateserial", "-out", "good.pem", "-days", "2", "-extfile", "good.ext");
  openssl(dir, "req", "-x509", ...ec, "-keyout", "bad.key", "-out", "bad.pem", "-days", "2", "-subj", "/CN=bad.test", "-addext", "subjectAltName=DNS:bad.test");
  const read = (f: string): string => readFileSync(path.join(dir, f), "utf8");
  return { caPem: path.join(dir, "test-ca.pem"), goodKey: read("good.key"), goodCert: read("good.pem"), badKey: read("bad.key"), badCert: read("bad.pem") };
}

/** The shop page: two IAB-size banners (728x90 image, 300x250 iframe), a photo, text. */
export const SHOP_PAGE = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body>
<h1 id="headline">The Test Shop</h1>
<img id="leaderboard" src="/ads/leaderboard.png" width="728" height="90" alt="Advertisement">
<img id="photo" src="/photo.svg" width="320" height="200" alt="Our product">
<iframe id="rectangle" src="/ads/rectangle.html" width="300" height="250" title="Advertisement"></iframe>
<p id="story">Everything must go.</p>
</body></html>
`;

const PHOTO = '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200"><rect width="320" height="200" fill="#4a7"/></svg>';

/** An HTTPS origin on 127.0.0.1, port 0: `/` is the shop page (with a Set-Cookie), `/photo.svg` an image, anything else a short text. */
export async function startHttpsOrigin(key: string, cert: string): Promise<{ port: number; server: Server; close(): Promise<void> }> {
  const server = createServer({ key, cert }, (req, res) => {
    if (req.url === "/") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Set-Cookie": "session=abc123; Path=/; Secure; HttpOnly", "Content-Length": Buffer.byteLength(SHOP_PAGE) }).end(SHOP_PAGE);
    } else if (req.url === "/photo.svg") {
      res.writeHead(200, { "Content-Type": "image/svg+xml", "Content-Length": PHOTO.length }).end(PHOTO);
    } else res.writeHead(200, { "Content-Type": "text/plain" }).end(`origin: ${req.url ?? ""}\n`);
  });
  // A client that aborts its handshake (curl refusing our certificate never reaches here) is not an error of the test.
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Base64 SHA-256 of a certificate's SubjectPublicKeyInfo (what Chromium's --ignore-certificate-errors-spki-list takes). */
export function spkiHash(pemFile: string): string {
  const spki = new X509Certificate(readFileSync(pemFile)).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("base64");
}

/** The issuer curl -v reports for the server certificate it saw (`issuer: CN=...`), or null. */
export function issuerSeen(curlStderr: string): string | null {
  const m = /^\* +issuer: (.*)$/m.exec(curlStderr);
  return m === null ? null : m[1];
}

/**
 * Base64 SHA-256 of the SubjectPublicKeyInfo of the certificate a proxy on 127.0.0.1:`proxyPort`
 * shows for `host:port` inside a CONNECT (a full handshake, then a close).
 */
export function leafSpkiHash(proxyPort: number, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const raw = net.connect(proxyPort, "127.0.0.1");
    raw.on("error", reject);
    let head = "";
    const onData = (d: Buffer): void => {
      head += d.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      raw.off("data", onData);
      if (!head.startsWith("HTTP/1.1 200")) return reject(new Error(`CONNECT refused: ${head}`));
      const secure = tls.connect({ socket: raw, servername: host, rejectUnauthorized: false }, () => {
        const spki = secure.getPeerX509Certificate()!.publicKey.export({ type: "spki", format: "der" });
        secure.end();
        resolve(createHash("sha256").update(spki).digest("base64"));
      });
      secure.on("error", reject);
    };
    raw.on("data", onData);
    raw.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`);
  });
}
