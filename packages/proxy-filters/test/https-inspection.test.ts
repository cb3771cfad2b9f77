// HTTPS inspection end to end on loopback: an HTTPS origin (node:https, certificates from a
// separate test CA made with openssl), the proxy with `httpsInspection` in between, and curl,
// Python's urllib and node:tls clients that trust only our CA.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFile } from "node:child_process";
import { createPrivateKey, generateKeyPairSync, X509Certificate } from "node:crypto";
import { promises as fs, readFileSync } from "node:fs";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { promisify } from "node:util";
import {
  BannerFilter,
  BlockListFilter,
  CookieFilter,
  LocalCA,
  PoolRegistry,
  ProxyRequestHandler,
  ThreadingHTTPServer,
  parseUpstream,
  refusedHosts,
  type HttpsInspection,
  type ProxyOptions,
} from "../src/index.js";
import { BaseHTTPRequestHandler, HTTPSServer } from "@stdhttp/basehttpserver";
import { certificatePem, distinguishedName, extension, hostGeneralName, issuerOf, loadAsn1, signCertificate } from "../src/x509-build.js";
import { SubjectAlternativeName, id_ce_subjectAltName } from "@peculiar/asn1-x509";

const execFileP = promisify(execFile);

/** Run a command; resolves with its exit code and output (a failing exit is an outcome, not an error). */
async function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileP(cmd, args, { maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

const PAGE = `<!DOCTYPE html><html><head><title>Shop</title></head><body><h1>Welcome to the shop</h1>
<img src="/ads/leaderboard.gif" width="728" height="90" alt="ad"><p>Our offers</p></body></html>
`;

/** 3 MiB + 11 bytes of a pattern with a prime period: a block sent twice or out of order shows. */
const BIG = Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 11 }, (_, i) => (i * 7 + 3) % 251));

let root: string;
let testCaPem: string;
let origin: https.Server;
let originPort: number;
let ourCa: LocalCA;
const originSaw: Array<{ host: string | undefined; url: string; headers: Record<string, string | string[] | undefined> }> = [];
const running: Array<() => Promise<void>> = [];

/** A certificate for `name` signed by the test CA, with openssl (a second implementation checks ours). */
async function opensslLeaf(name: string): Promise<{ key: string; cert: string }> {
  const base = join(root, name);
  await run("openssl", ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${base}.key`, "-out", `${base}.csr`, "-subj", `/CN=${name}`]);
  await fs.writeFile(`${base}.ext`, `subjectAltName=DNS:${name}\nextendedKeyUsage=serverAuth\n`);
  const made = await run("openssl", ["x509", "-req", "-in", `${base}.csr`, "-CA", join(root, "test-ca.pem"), "-CAkey", join(root, "test-ca.key"), "-CAcreateserial", "-out", `${base}.pem`, "-days", "3", "-extfile", `${base}.ext`]);
  if (made.code !== 0) throw new Error(made.stderr);
  return { key: await fs.readFile(`${base}.key`, "utf8"), cert: await fs.readFile(`${base}.pem`, "utf8") };
}

beforeAll(async () => {
  root = await fs.mkdtemp(join(tmpdir(), "proxy-https-"));
  const ca = await run("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(root, "test-ca.key"), "-out", join(root, "test-ca.pem"),
    "-days", "3", "-subj", "/CN=stdhttp test origin CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
  ]);
  if (ca.code !== 0) throw new Error(ca.stderr);
  testCaPem = await fs.readFile(join(root, "test-ca.pem"), "utf8");
  const shop = await opensslLeaf("shop.test");
  const other = await opensslLeaf("other.test");
  const bank = await opensslLeaf("bank.test");
  const fresh = await opensslLeaf("fresh.test");
  // A self-signed certificate (nobody vouches for it) and an expired one from the test CA.
  const selfSigned = await run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(root, "bad.key"), "-out", join(root, "bad.pem"), "-days", "3", "-subj", "/CN=bad.test", "-addext", "subjectAltName=DNS:bad.test"]);
  if (selfSigned.code !== 0) throw new Error(selfSigned.stderr);
  // The certificate helpers need the ASN.1 schemas, which the package loads only for inspection.
  await loadAsn1();
  const expiredKey = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const testCaDer = new X509Certificate(testCaPem).raw;
  const expiredCert = certificatePem(signCertificate({
    subject: distinguishedName("expired.test"),
    issuer: issuerOf(testCaDer).subject,
    publicKey: expiredKey.publicKey,
    signingKey: createPrivateKey(readFileSync(join(root, "test-ca.key"))),
    notBefore: new Date(Date.now() - 10 * 86400000),
    notAfter: new Date(Date.now() - 5 * 86400000),
    extensions: [extension(id_ce_subjectAltName, false, new SubjectAlternativeName([hostGeneralName("expired.test")]))],
  }));
  const contexts: Record<string, tls.SecureContext> = {
    "shop.test": tls.createSecureContext(shop),
    "other.test": tls.createSecureContext(other),
    "bank.test": tls.createSecureContext(bank),
    "fresh.test": tls.createSecureContext(fresh),
    "bad.test": tls.createSecureContext({ key: readFileSync(join(root, "bad.key")), cert: readFileSync(join(root, "bad.pem")) }),
    "expired.test": tls.createSecureContext({ key: expiredKey.privateKey.export({ type: "pkcs8", format: "pem" }), cert: expiredCert }),
    // wrong.test is answered with shop.test's certificate: a host name mismatch.
  };
  const pickContext = (name: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void): void => cb(null, contexts[name] ?? contexts["shop.test"]);
  origin = https.createServer({ ...shop, SNICallback: pickContext }, (req, res) => {
    originSaw.push({ host: req.headers.host, url: req.url!, headers: req.headers });
    if (req.url === "/") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Set-Cookie": ["track=abc; Max-Age=99999; Path=/", "cart=1; Path=/"] });
      res.end(PAGE);
      return;
    }
    if (req.url === "/big") {
      // A Content-Length body no filter changes: relayed through the proxy's reused blocks.
      res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": BIG.length });
      res.end(BIG);
      return;
    }
    if (req.url === "/echo") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ host: req.headers.host, via: req.headers.via ?? null, proxyAuthorization: req.headers["proxy-authorization"] ?? null }));
      return;
    }
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.end(`origin ${req.headers.host} ${req.url}\n`);
  });
  await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
  originPort = (origin.address() as net.AddressInfo).port;
  ourCa = await LocalCA.loadOrCreate(join(root, "our-ca"));
});

afterAll(async () => {
  for (const stop of running.splice(0)) await stop();
  origin.closeAllConnections();
  await new Promise((resolve) => origin.close(resolve));
  await fs.rm(root, { recursive: true, force: true });
});

const logs: string[] = [];

class Quiet extends ProxyRequestHandler {
  override logMessage(format: string, ...args: unknown[]): void {
    logs.push([format, ...args.map(String)].join(" "));
  }
}

const connects: string[] = [];
class RecordingParent extends Quiet {
  override do_CONNECT(): Promise<void> {
    connects.push(this.path);
    return super.do_CONNECT();
  }
}

function hostMap(): Record<string, string> {
  const to = `127.0.0.1:${originPort}`;
  return Object.fromEntries(["shop.test", "other.test", "bank.test", "bad.test", "expired.test", "wrong.test", "fresh.test"].map((n) => [n, to]));
}

function inspection(extra: Partial<HttpsInspection> = {}): HttpsInspection {
  return { ca: ourCa, extraCA: testCaPem, neverInspect: ["bank.test"], ...extra };
}

function filters(): ProxyOptions["filters"] {
  return [
    new BlockListFilter([{ name: "ads", text: "||shop.test^*/ads/\n" }]),
    new CookieFilter({ policy: { rules: [{ site: "shop.test", action: "session" }], default: "allow" }, log: () => undefined }),
    new BannerFilter(),
  ];
}

async function startProxy(options: ProxyOptions, Handler: typeof Quiet = Quiet): Promise<number> {
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], Handler.withOptions({ connectPorts: [originPort], hostMap: hostMap(), pools: new PoolRegistry(), ...options }));
  await server.ready;
  void server.serveForever();
  running.push(async () => {
    await server.shutdown();
    await server.serverClose();
  });
  return (server.serverAddress as [string, number])[1];
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
}

/** A CONNECT through the proxy, then TLS trusting `ca` only; resolves with the raw HTTP answer to `request`. */
function throughTunnel(proxyPort: number, host: string, request: string, ca: string): Promise<{ answer: string; peer: tls.PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const raw = net.connect(proxyPort, "127.0.0.1", () => raw.write(`CONNECT ${host}:${originPort} HTTP/1.1\r\nHost: ${host}:${originPort}\r\n\r\n`));
    raw.once("error", reject);
    let head = "";
    const onData = (c: Buffer): void => {
      head += c.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      raw.off("data", onData);
      if (!head.startsWith("HTTP/1.1 200")) return reject(new Error(head));
      const secure = tls.connect({ socket: raw, servername: host, ca, ALPNProtocols: ["http/1.1"] }, () => {
        const peer = secure.getPeerCertificate();
        secure.write(request);
        let answer = "";
        secure.on("data", (d: Buffer) => (answer += d.toString("utf8")));
        secure.on("end", () => resolve({ answer, peer }));
        secure.on("close", () => resolve({ answer, peer }));
      });
      secure.once("error", reject);
    };
    raw.on("data", onData);
  });
}

describe("HTTPS inspection", () => {
  test("curl --cacert <our CA> gets the HTTPS page through the filters: banner cut, cookie made a session cookie, a path blocked", async () => {
    const port = await startProxy({ filters: filters(), httpsInspection: inspection() });
    const page = await run("curl", ["-sS", "-i", "-x", `http://127.0.0.1:${port}`, "--cacert", ourCa.certificatePath, `https://shop.test:${originPort}/`]);
    expect(page.stderr).toBe("");
    expect(page.code).toBe(0);
    expect(page.stdout).toContain("<h1>Welcome to the shop</h1>");
    expect(page.stdout).toContain("<p>Our offers</p>");
    expect(page.stdout).not.toContain("leaderboard");
    expect(page.stdout).toMatch(/set-cookie: track=abc; Path=\/\r\n/i);
    expect(page.stdout).not.toContain("Max-Age");
    expect(page.stdout).toMatch(/set-cookie: cart=1; Path=\/\r\n/i);
    const blocked = await run("curl", ["-sS", "-H", "Accept: text/html", "-x", `http://127.0.0.1:${port}`, "--cacert", ourCa.certificatePath, "-w", "\n%{http_code}", `https://shop.test:${originPort}/ads/offer`]);
    expect(blocked.stdout).toMatch(/\n403$/);
    expect(blocked.stdout).toContain("||shop.test^*/ads/");
    // A blocked image is answered with a transparent GIF (Privoxy's set-image-blocker).
    const image = await run("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code} %{content_type}", "-x", `http://127.0.0.1:${port}`, "--cacert", ourCa.certificatePath, `https://shop.test:${originPort}/ads/leaderboard.gif`]);
    expect(image.stdout).toBe("200 image/gif");
    expect(originSaw.some((r) => r.url.startsWith("/ads/"))).toBe(false);
  });

  test("the certificate curl sees is ours, for the host; keep-alive inside the tunnel; Via added, Host kept", async () => {
    const port = await startProxy({ filters: filters(), httpsInspection: inspection() });
    const url = `https://shop.test:${originPort}/echo`;
    const r = await run("curl", ["-sS", "-v", "-w", "\n", "-x", `http://127.0.0.1:${port}`, "--cacert", ourCa.certificatePath, url, url]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/issuer: O=stdhttp; CN=stdhttp proxy CA/);
    expect(r.stderr).toMatch(/subject: CN=shop\.test/);
    expect(r.stderr).toMatch(/ALPN: server accepted http\/1\.1/);
    expect(r.stderr).toMatch(/Re-using existing connection/);
    const answers = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { host: string; via: string });
    expect(answers).toHaveLength(2);
    expect(answers[0].host).toBe(`shop.test:${originPort}`);
    expect(answers[0].via).toBe("1.1 stdhttp-proxy");
  });

  test("a 3 MiB download through inspection, to a client that reads slowly, arrives intact", async () => {
    const port = await startProxy({ filters: filters(), httpsInspection: inspection() });
    const out = join(root, "big.out");
    const r = await run("curl", ["-sS", "--limit-rate", "3M", "-o", out, "-w", "%{http_code}", "-x", `http://127.0.0.1:${port}`, "--cacert", ourCa.certificatePath, `https://shop.test:${originPort}/big`]);
    expect(r.stdout).toBe("200");
    expect((await fs.readFile(out)).equals(BIG)).toBe(true);
  });

  test("python3 urllib through the proxy with an SSL context trusting our CA", async () => {
    const port = await startProxy({ filters: filters(), httpsInspection: inspection() });
    const script = [
      "import ssl, sys, urllib.request",
      "ctx = ssl.create_default_context(cafile=sys.argv[2])",
      "opener = urllib.request.build_opener(urllib.request.ProxyHandler({'https': sys.argv[1]}), urllib.request.HTTPSHandler(context=ctx))",
      "r = opener.open(sys.argv[3])",
      "print(r.status)",
      "print(r.headers.get_all('Set-Cookie'))",
      "print(r.read().decode())",
    ].join("\n");
    const r = await run("python3", ["-c", script, `http://127.0.0.1:${port}`, ourCa.certificatePath, `https://shop.test:${originPort}/`]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^200\n/);
    expect(r.stdout).toContain("['track=abc; Path=/', 'cart=1; Path=/']");
    expect(r.stdout).toContain("Welcome to the shop");
    expect(r.stdout).not.toContain("leaderboard");
  });

  test("an origin whose certificate cannot be verified gets a 502 page naming the reason", async () => {
    const port = await startProxy({ httpsInspection: inspection() });
    const fetchPage = (host: string) => run("curl", ["-sS", "-i", "-x", `http://127.0.0.1:${port}`, "--cacert", ourCa.certificatePath, `https://${host}:${originPort}/`]);
    const selfSigned = await fetchPage("bad.test");
    expect(selfSigned.stdout).toMatch(/^HTTP\/1\.1 502 /m);
    expect(selfSigned.stdout).toContain("DEPTH_ZERO_SELF_SIGNED_CERT");
    expect(selfSigned.stdout).toContain("could not be verified");
    const expired = await fetchPage("expired.test");
    expect(expired.stdout).toMatch(/^HTTP\/1\.1 502 /m);
    expect(expired.stdout).toContain("CERT_HAS_EXPIRED");
    const mismatch = await fetchPage("wrong.test");
    expect(mismatch.stdout).toMatch(/^HTTP\/1\.1 502 /m);
    expect(mismatch.stdout).toContain("hostname mismatch");
    // Without the test CA among the extra CAs, the origin's own CA is unknown to the proxy.
    const strict = await startProxy({ httpsInspection: inspection({ extraCA: undefined }) });
    const unknown = await run("curl", ["-sS", "-i", "-x", `http://127.0.0.1:${strict}`, "--cacert", ourCa.certificatePath, `https://shop.test:${originPort}/`]);
    expect(unknown.stdout).toMatch(/^HTTP\/1\.1 502 /m);
    expect(unknown.stdout).toContain("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    expect(originSaw.filter((r) => r.host?.startsWith("bad.test") || r.host?.startsWith("expired.test") || r.host?.startsWith("wrong.test"))).toEqual([]);
  });

  test("a client that refuses our certificate fails the handshake; the host is then tunnelled untouched", async () => {
    const options = inspection();
    const port = await startProxy({ httpsInspection: options });
    const refused = await run("curl", ["-sS", "-x", `http://127.0.0.1:${port}`, `https://other.test:${originPort}/`]);
    expect(refused.code).toBe(60); // CURLE_PEER_FAILED_VERIFICATION
    await waitFor(() => refusedHosts(options).has("other.test"));
    expect([...refusedHosts(options)]).toEqual(["other.test"]);
    expect(logs.some((l) => l.includes("refused our certificate for %s") && l.includes("other.test"))).toBe(true);
    // Now the origin's own certificate comes through (issued by the test CA, not ours).
    const direct = await run("curl", ["-sS", "-v", "-x", `http://127.0.0.1:${port}`, "--cacert", join(root, "test-ca.pem"), `https://other.test:${originPort}/plain`]);
    expect(direct.code).toBe(0);
    expect(direct.stderr).toMatch(/issuer: CN=stdhttp test origin CA/);
    expect(direct.stdout).toBe(`origin other.test:${originPort} /plain\n`);
    // -k as well: whatever curl accepts, the certificate is the origin's.
    const insecure = await run("curl", ["-sS", "-k", "-v", "-x", `http://127.0.0.1:${port}`, `https://other.test:${originPort}/plain`]);
    expect(insecure.stderr).toMatch(/issuer: CN=stdhttp test origin CA/);
  });

  test("a neverInspect host is tunnelled untouched, an inspect() that says no too", async () => {
    const port = await startProxy({ httpsInspection: inspection({ inspect: (host) => host !== "other.test" }) });
    const bank = await run("curl", ["-sS", "-v", "-x", `http://127.0.0.1:${port}`, "--cacert", join(root, "test-ca.pem"), `https://bank.test:${originPort}/plain`]);
    expect(bank.code).toBe(0);
    expect(bank.stderr).toMatch(/issuer: CN=stdhttp test origin CA/);
    const www = await run("curl", ["-sS", "-v", "-x", `http://127.0.0.1:${port}`, "--cacert", join(root, "test-ca.pem"), `https://other.test:${originPort}/plain`]);
    expect(www.code).toBe(0);
    expect(www.stderr).toMatch(/issuer: CN=stdhttp test origin CA/);
  });

  test("node:tls clients trusting only our CA; a hundred concurrent first CONNECTs to a new host make one certificate", async () => {
    const port = await startProxy({ httpsInspection: inspection() });
    const before = ourCa.leaves.issued;
    const request = `GET /plain HTTP/1.1\r\nHost: fresh.test:${originPort}\r\nConnection: close\r\n\r\n`;
    const results = await Promise.all(Array.from({ length: 100 }, () => throughTunnel(port, "fresh.test", request, ourCa.certificatePem)));
    expect(ourCa.leaves.issued - before).toBe(1);
    for (const { answer, peer } of results) {
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      expect(answer).toContain(`origin fresh.test:${originPort} /plain`);
      expect(peer.subject.CN).toBe("fresh.test");
      expect(peer.issuer.CN).toMatch(/^stdhttp proxy CA/);
    }
  });

  test("an origin served by our own HTTPSServer (test CA certificate): the page comes through inspected and cut", async () => {
    const leaf = await opensslLeaf("ours.test");
    await fs.writeFile(join(root, "ours-chain.pem"), leaf.cert + leaf.key);
    class Page extends BaseHTTPRequestHandler {
      override protocolVersion = "HTTP/1.1";
      do_GET(): void {
        const body = Buffer.from(PAGE);
        this.sendResponse(200);
        this.sendHeader("Content-Type", "text/html; charset=utf-8");
        this.sendHeader("Content-Length", body.length);
        this.endHeaders();
        this.wfile.write(body);
      }
      override logMessage(): void {}
    }
    const ours = new HTTPSServer(["127.0.0.1", 0], Page, { certfile: join(root, "ours-chain.pem") });
    await ours.ready;
    void ours.serveForever();
    try {
      const oursPort = (ours.serverAddress as [string, number])[1];
      const port = await startProxy({ httpsInspection: inspection(), filters: filters(), connectPorts: [oursPort], hostMap: { "ours.test": `127.0.0.1:${oursPort}` } });
      const r = await run("curl", ["-sS", "-v", "-x", `http://127.0.0.1:${port}`, "--cacert", ourCa.certificatePath, `https://ours.test:${oursPort}/`]);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/issuer: [^\n]*stdhttp proxy CA/);
      expect(r.stdout).toContain("</html>");
      expect(r.stdout).not.toMatch(/width="728" height="90"/);
    } finally {
      await ours.shutdown();
      await ours.serverClose();
    }
  });

  test("inside a tunnel, a Host other than the CONNECT target is 400 and CONNECT is refused", async () => {
    const port = await startProxy({ httpsInspection: inspection() });
    const wrongHost = await throughTunnel(port, "shop.test", `GET /plain HTTP/1.1\r\nHost: evil.test\r\nConnection: close\r\n\r\n`, ourCa.certificatePem);
    expect(wrongHost.answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(wrongHost.answer).toContain(`Host must name the CONNECT target shop.test:${originPort}`);
    const absolute = await throughTunnel(port, "shop.test", `GET https://shop.test:${originPort}/abs HTTP/1.1\r\nHost: shop.test:${originPort}\r\nConnection: close\r\n\r\n`, ourCa.certificatePem);
    expect(absolute.answer).toContain(`origin shop.test:${originPort} /abs`);
    const elsewhere = await throughTunnel(port, "shop.test", `GET https://evil.test/ HTTP/1.1\r\nHost: evil.test\r\nConnection: close\r\n\r\n`, ourCa.certificatePem);
    expect(elsewhere.answer).toMatch(/^HTTP\/1\.1 400 /);
    const nested = await throughTunnel(port, "shop.test", `CONNECT shop.test:${originPort} HTTP/1.1\r\nHost: shop.test:${originPort}\r\n\r\n`, ourCa.certificatePem);
    expect(nested.answer).toMatch(/^HTTP\/1\.1 405 /);
  });

  test("with proxy authentication, requests inside the tunnel need none, and credentials never reach the origin", async () => {
    const port = await startProxy({ httpsInspection: inspection(), proxyCredentials: { user: "ann", password: "s3cret" } });
    const noAuth = await run("curl", ["-sS", "-x", `http://127.0.0.1:${port}`, "--cacert", ourCa.certificatePath, `https://shop.test:${originPort}/echo`]);
    expect(noAuth.code).not.toBe(0);
    const r = await run("curl", ["-sS", "-x", `http://127.0.0.1:${port}`, "-U", "ann:s3cret", "--cacert", ourCa.certificatePath, `https://shop.test:${originPort}/echo`]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ host: `shop.test:${originPort}`, proxyAuthorization: null });
  });

  test("through a parent proxy, the origin connection goes through the parent's CONNECT", async () => {
    connects.length = 0;
    const parent = await startProxy({}, RecordingParent);
    const port = await startProxy({ filters: filters(), httpsInspection: inspection(), upstream: parseUpstream(`http://127.0.0.1:${parent}`) });
    const r = await run("curl", ["-sS", "-x", `http://127.0.0.1:${port}`, "--cacert", ourCa.certificatePath, `https://shop.test:${originPort}/`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Welcome to the shop");
    expect(r.stdout).not.toContain("leaderboard");
    expect(connects).toEqual([`shop.test:${originPort}`]);
  });

  test("a CONNECT to an IP address gets a certificate for that IP (curl accepts it; the origin's own name check then fails)", async () => {
    const port = await startProxy({ httpsInspection: inspection(), hostMap: {} });
    const r = await run("curl", ["-sS", "-v", "-i", "-x", `http://127.0.0.1:${port}`, "--cacert", ourCa.certificatePath, `https://127.0.0.1:${originPort}/`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/subjectAltName: host "127\.0\.0\.1" matched cert's IP address!/);
    // The origin answers for 127.0.0.1 with shop.test's certificate: not verifiable for that address.
    expect(r.stdout).toMatch(/^HTTP\/1\.1 502 /m);
    expect(r.stdout).toContain("hostname mismatch");
  });

  test("a client that speaks something other than TLS inside an inspected tunnel is spliced to the target untouched", async () => {
    const echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    const echoPort = (echo.address() as net.AddressInfo).port;
    try {
      const port = await startProxy({ httpsInspection: inspection(), connectPorts: [echoPort], hostMap: { "echo.test": `127.0.0.1:${echoPort}` } });
      const answer = await new Promise<string>((resolve, reject) => {
        const raw = net.connect(port, "127.0.0.1", () => raw.write(`CONNECT echo.test:${echoPort} HTTP/1.1\r\nHost: echo.test:${echoPort}\r\n\r\n`));
        let got = "";
        raw.on("data", (c: Buffer) => {
          got += c.toString("latin1");
          if (got.endsWith("\r\n\r\n")) raw.write("ping, not TLS\n");
          if (got.endsWith("ping, not TLS\n")) raw.end();
        });
        raw.on("close", () => resolve(got));
        raw.on("error", reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 200 Connection established\r\n[^]*\r\n\r\nping, not TLS\n$/);
    } finally {
      await new Promise((resolve) => echo.close(resolve));
    }
  });

  test("off by default: CONNECT stays a plain tunnel", async () => {
    const port = await startProxy({});
    const r = await run("curl", ["-sS", "-v", "-x", `http://127.0.0.1:${port}`, "--cacert", join(root, "test-ca.pem"), `https://shop.test:${originPort}/`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/issuer: CN=stdhttp test origin CA/);
    expect(r.stdout).toContain("leaderboard");
  });
});
