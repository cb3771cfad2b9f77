// HTTPS inspection through the `ctc` command (issue 20): a local HTTPS origin with a certificate
// from a test CA made by openssl; curl through ctc trusting ctc's CA gets the page without
// banners; without --https-inspection the same request is an untouched tunnel (curl sees the
// origin's certificate); a bad origin certificate gives a 502 page; a client refusing our
// certificate has the host tunnelled next time and listed on the page; /ca.pem serves the
// certificate only; the page's toggle and lists reach every worker; CA directory problems exit 2;
// a non-loopback --bind warns.
import { afterAll, beforeAll, describe, expect, test, jest } from "@jest/globals";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { LocalCA, ProxyRequestHandler, ThreadingHTTPServer } from "@stdhttp/proxy-filters";
import { curl, ids, runCtc, startCtc, tempDir, CtcProcess } from "./helpers.js";
import { issuerSeen, makeTestCerts, startHttpsOrigin, TEST_CA_NAME, type TestCerts } from "./tls-helpers.js";

// Proxies with workers (three Node processes each) start slowly when CI runs every package's
// tests at once on two cores.
jest.setTimeout(120_000);

let tmp: ReturnType<typeof tempDir>;
let certs: TestCerts;
let shop: Awaited<ReturnType<typeof startHttpsOrigin>>;
let bad: Awaited<ReturnType<typeof startHttpsOrigin>>;

beforeAll(async () => {
  tmp = tempDir();
  certs = makeTestCerts(tmp.dir, ["shop.test", "pinned.test"]);
  shop = await startHttpsOrigin(certs.goodKey, certs.goodCert);
  bad = await startHttpsOrigin(certs.badKey, certs.badCert);
});

afterAll(async () => {
  await shop?.close();
  await bad?.close();
  tmp?.remove();
});

/** The flags that send the test names to the local origins. */
function mapFlags(): string[] {
  return [
    "--log", "off",
    "--host-map", `shop.test=127.0.0.1:${shop.port}`,
    "--host-map", `pinned.test=127.0.0.1:${shop.port}`,
    "--host-map", `bad.test=127.0.0.1:${bad.port}`,
    "--connect-ports", `${shop.port},${bad.port}`,
  ];
}

/** GET `url` through `ctc` with curl -v, trusting `caFile` (none: curl's default store). */
function through(ctc: CtcProcess, url: string, caFile?: string) {
  return curl("-v", "-x", ctc.url, ...(caFile === undefined ? [] : ["--cacert", caFile]), url);
}

/** The control page's form token. */
async function tokenOf(ctc: CtcProcess): Promise<string> {
  return /name="token" value="([^"]+)"/.exec((await curl(`${ctc.url}/`)).body.toString())![1];
}

/** POST the inspection form of the page. */
function postInspection(ctc: CtcProcess, form: string, extra: string[] = []) {
  return curl("-X", "POST", "-H", "Content-Type: application/x-www-form-urlencoded", ...extra, "--data-binary", form, `${ctc.url}/inspection`);
}

interface InspectionStatus {
  enabled: boolean;
  inspect: string[];
  neverInspect: string[];
  refused: string[];
  fingerprint: string | null;
}

/** Poll: run `refresh`, then `check`, until true (fails after `timeoutMs` with `what`). */
async function eventually(check: () => boolean, what: string, timeoutMs: number, refresh: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await refresh();
    if (check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function inspectionStatus(ctc: CtcProcess): Promise<InspectionStatus> {
  return (JSON.parse((await curl(`${ctc.url}/status.json`)).body.toString()) as { httpsInspection: InspectionStatus }).httpsInspection;
}

describe("ctc --https-inspection", () => {
  let ctc: CtcProcess;
  let caDir: string;
  let ourCa: string;

  beforeAll(async () => {
    caDir = path.join(tmp.dir, "ca-on");
    ourCa = path.join(caDir, "ca.pem");
    ctc = await startCtc("--workers", "1", "--https-inspection", "--ca-dir", caDir, "--origin-ca", certs.caPem, ...mapFlags());
    await ctc.waitFor(/SHA-256 fingerprint/);
  });

  afterAll(async () => {
    await ctc?.stop();
  });

  test("prints where the CA is and how to trust it; makes the CA with a private key", () => {
    expect(ctc.stdout).toMatch(/^ctc: proxy on http:\/\/127\.0\.0\.1:\d+\/\n/);
    expect(ctc.stdout).toContain(`HTTPS inspection uses a local certificate authority: ${ourCa}`);
    expect(ctc.stdout).toContain("Firefox");
    expect(ctc.stdout).toContain(`curl --cacert ${ourCa} -x ${ctc.url} https://`);
    expect(ctc.stdout).toContain(`Download: ${ctc.url}/ca.pem`);
    expect(ctc.stderr).not.toContain("WARNING");
    expect(readFileSync(ourCa, "utf8")).toContain("BEGIN CERTIFICATE");
    expect(statSync(path.join(caDir, "ca-key.pem")).mode & 0o077).toBe(0);
  });

  test("curl trusting our CA gets the HTTPS page without its banners, cookie intact, certificate from our CA", async () => {
    const r = await through(ctc, `https://shop.test:${shop.port}/`, ourCa);
    expect(r.exitCode).toBe(0);
    expect(r.status).toBe(200);
    expect(issuerSeen(r.stderr)).toMatch(/stdhttp proxy CA/);
    const html = r.body.toString();
    expect(ids(html)).toEqual(["headline", "photo", "story"]);
    expect(r.headers["set-cookie"]).toBe("session=abc123; Path=/; Secure; HttpOnly");
  });

  test("an origin whose certificate fails verification gets a 502 page that says why", async () => {
    const r = await through(ctc, `https://bad.test:${bad.port}/`, ourCa);
    expect(r.status).toBe(502);
    expect(r.body.toString()).toMatch(/certificate|SELF_SIGNED/i);
    expect(r.body.toString()).not.toContain("Test Shop");
  });

  test("a client refusing our certificate: the host is tunnelled next time, and listed on the page", async () => {
    const refused = await through(ctc, `https://pinned.test:${shop.port}/`);
    expect(refused.exitCode).toBe(60); // curl: peer certificate cannot be authenticated
    // The proxy notes the refusal when the client's alert arrives, which may be after curl exits.
    let refusedNow: string[] = [];
    await eventually(() => refusedNow.includes("pinned.test"), "pinned.test in the refused hosts", 10000, async () => {
      refusedNow = (await inspectionStatus(ctc)).refused;
    });
    expect(refusedNow).toEqual(["pinned.test"]);
    const page = (await curl(`${ctc.url}/`)).body.toString();
    expect(page).toMatch(/Hosts whose client refused our certificate[\s\S]*<code>pinned\.test<\/code>/);
    // Now an untouched tunnel: the origin's own certificate, the page as the origin sent it.
    const tunnelled = await through(ctc, `https://pinned.test:${shop.port}/`, certs.caPem);
    expect(tunnelled.status).toBe(200);
    expect(issuerSeen(tunnelled.stderr)).toContain(TEST_CA_NAME);
    expect(ids(tunnelled.body.toString())).toEqual(["headline", "leaderboard", "photo", "rectangle", "story"]);
    // Other hosts are still inspected.
    expect(issuerSeen((await through(ctc, `https://shop.test:${shop.port}/`, ourCa)).stderr)).toMatch(/stdhttp proxy CA/);
  });

  test("/ca.pem serves the CA certificate only, on the proxy and at http://ctc.local/ca.pem", async () => {
    const direct = await curl(`${ctc.url}/ca.pem`);
    expect(direct.status).toBe(200);
    expect(direct.headers["content-type"]).toBe("application/x-x509-ca-cert");
    expect(direct.body.toString()).toBe(readFileSync(ourCa, "utf8"));
    expect(direct.body.toString()).not.toContain("PRIVATE KEY");
    const viaProxy = await curl("-x", ctc.url, "http://ctc.local/ca.pem");
    expect(viaProxy.status).toBe(200);
    expect(viaProxy.body.toString()).toBe(direct.body.toString());
    expect(viaProxy.body.toString()).not.toContain("PRIVATE KEY");
    // The key is reachable under no name.
    for (const p of ["/ca-key.pem", "/ca.key", "/ca.pem/../ca-key.pem"]) expect((await curl(`${ctc.url}${p}`)).body.toString()).not.toContain("PRIVATE KEY");
  });

  test("the page shows the panel: toggle, lists, the CA's fingerprint and the download link", async () => {
    const page = (await curl(`${ctc.url}/`)).body.toString();
    const fingerprint = (await inspectionStatus(ctc)).fingerprint!;
    expect(page).toContain("HTTPS inspection is on");
    expect(page).toContain('action="/inspection"');
    expect(page).toContain("Turn HTTPS inspection off");
    expect(page).toContain(fingerprint);
    expect(page).toContain('href="/ca.pem"');
    expect(page).toContain('name="neverInspect"');
  });
});

describe("ctc without --https-inspection", () => {
  test("HTTPS is an untouched tunnel (the origin's certificate); no CA is made until inspection is switched on", async () => {
    const caDir = path.join(tmp.dir, "ca-off");
    const ctc = await startCtc("--workers", "1", "--ca-dir", caDir, "--origin-ca", certs.caPem, ...mapFlags());
    try {
      const r = await through(ctc, `https://shop.test:${shop.port}/`, certs.caPem);
      expect(r.status).toBe(200);
      expect(issuerSeen(r.stderr)).toContain(TEST_CA_NAME);
      expect(ids(r.body.toString())).toEqual(["headline", "leaderboard", "photo", "rectangle", "story"]);
      expect(ctc.stdout).not.toContain("certificate authority");
      expect(existsSync(caDir)).toBe(false);
      expect((await curl(`${ctc.url}/ca.pem`)).status).toBe(404);
      expect((await curl(`${ctc.url}/`)).body.toString()).toContain("HTTPS inspection is off");
    } finally {
      await ctc.stop();
    }
  });
});

describe("chained to an inspecting parent proxy sharing the CA", () => {
  test("ctc --https-inspection --origin-ca <ca-dir>/ca.pem --upstream <parent>: the parent decrypts too, the page arrives cut", async () => {
    const caDir = path.join(tmp.dir, "ca-shared");
    const ourCa = path.join(caDir, "ca.pem");
    // The parent, as Alfajor would be: inspecting with a leaf of the same CA, trusting the test origin's CA.
    const seen: string[] = [];
    const Base = ProxyRequestHandler.withOptions({
      pseudonym: "parent",
      connectPorts: [shop.port],
      hostMap: { "shop.test": `127.0.0.1:${shop.port}` },
      httpsInspection: { ca: await LocalCA.loadOrCreate(caDir), extraCA: readFileSync(certs.caPem, "utf8") },
    });
    class Parent extends Base {
      override do_GET(): void | Promise<void> {
        seen.push(`${this.tunnel === null ? "plain" : `inside ${this.tunnel.host}`} ${this.path}`);
        return super.do_GET();
      }
      override logRequest(): void {}
    }
    const parent = new ThreadingHTTPServer(["127.0.0.1", 0], Parent);
    await parent.ready;
    const serving = parent.serveForever();
    try {
      const [, parentPort] = parent.serverAddress as [string, number];
      const child = await startCtc("--workers", "1", "--https-inspection", "--ca-dir", caDir, "--origin-ca", ourCa, "--upstream", `http://127.0.0.1:${parentPort}`,
        "--log", "off", "--connect-ports", String(shop.port));
      try {
        const r = await through(child, `https://shop.test:${shop.port}/`, ourCa);
        expect(r.status).toBe(200);
        expect(issuerSeen(r.stderr)).toMatch(/stdhttp proxy CA/);
        expect(ids(r.body.toString())).toEqual(["headline", "photo", "story"]);
        expect(seen).toEqual(["inside shop.test /"]);
      } finally {
        await child.stop();
      }
    } finally {
      await parent.shutdown();
      await serving;
      await parent.serverClose();
    }
  });
});

describe("the page's inspection toggle and lists with --workers 2", () => {
  test("reach every worker; a cross-site post is refused", async () => {
    const caDir = path.join(tmp.dir, "ca-workers");
    const ourCa = path.join(caDir, "ca.pem");
    const ctc = await startCtc("--workers", "2", "--ca-dir", caDir, "--origin-ca", certs.caPem, ...mapFlags());
    try {
      const token = await tokenOf(ctc);
      const issuers = async (ca: string): Promise<string[]> => {
        // Separate connections: the kernel spreads them over the workers.
        const all = await Promise.all(Array.from({ length: 8 }, () => through(ctc, `https://shop.test:${shop.port}/`, ca)));
        return all.map((r) => `${r.status} ${issuerSeen(r.stderr) ?? "none"} ${ids(r.body.toString()).length}`);
      };
      expect(new Set(await issuers(certs.caPem))).toEqual(new Set([`200 CN=${TEST_CA_NAME} 5`]));

      const cross = await postInspection(ctc, `token=${token}&enabled=on`, ["-H", "Origin: http://evil.test"]);
      expect(cross.status).toBe(403);
      expect((await inspectionStatus(ctc)).enabled).toBe(false);

      const on = await postInspection(ctc, `token=${token}&enabled=on`);
      expect(on.status).toBe(303);
      expect(on.headers.location).toBe("/?changed=inspection-on#https");
      expect(existsSync(ourCa)).toBe(true);
      const inspected = await issuers(ourCa);
      expect(inspected).toHaveLength(8);
      for (const line of inspected) expect(line).toMatch(/^200 .*stdhttp proxy CA.* 3$/);

      // The never list, edited on the page, applies in every worker too.
      const lists = await postInspection(ctc, `token=${token}&inspect=&neverInspect=${encodeURIComponent("example.org\nshop.test")}`);
      expect(lists.status).toBe(303);
      expect((await inspectionStatus(ctc)).neverInspect).toEqual(["example.org", "shop.test"]);
      expect(new Set(await issuers(certs.caPem))).toEqual(new Set([`200 CN=${TEST_CA_NAME} 5`]));
      await postInspection(ctc, `token=${token}&neverInspect=`);
      for (const line of await issuers(ourCa)) expect(line).toMatch(/stdhttp proxy CA.* 3$/);

      const off = await postInspection(ctc, `token=${token}&enabled=off`);
      expect(off.status).toBe(303);
      expect(new Set(await issuers(certs.caPem))).toEqual(new Set([`200 CN=${TEST_CA_NAME} 5`]));
    } finally {
      await ctc.stop();
    }
  });
});

describe("CA directory problems and the exposure warning", () => {
  test("a CA key readable by others: exit 2 with a clear message (one worker and several)", async () => {
    const caDir = path.join(tmp.dir, "ca-exposed");
    mkdirSync(caDir, { recursive: true });
    // Make a CA, then expose its key.
    const first = await startCtc("--workers", "1", "--https-inspection", "--ca-dir", caDir, "--log", "off");
    await first.stop();
    chmodSync(path.join(caDir, "ca-key.pem"), 0o644);
    for (const workers of ["1", "2"]) {
      const r = await runCtc("--port", "0", "--workers", workers, "--https-inspection", "--ca-dir", caDir);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain("ctc: error: --ca-dir: unusable CA directory:");
      expect(r.stderr).toContain("readable by other users");
      expect(r.stderr).toContain("chmod 600");
    }
  });

  test("a CA directory that is a file, an unreadable origin CA: exit 2", async () => {
    const file = path.join(tmp.dir, "not-a-dir");
    writeFileSync(file, "x");
    const r = await runCtc("--port", "0", "--workers", "1", "--https-inspection", "--ca-dir", file);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`--ca-dir: unusable CA directory: ${file}: exists and is not a directory`);
    const o = await runCtc("--port", "0", "--workers", "1", "--origin-ca", path.join(tmp.dir, "missing.pem"));
    expect(o.status).toBe(2);
    expect(o.stderr).toContain("--origin-ca: cannot read");
  });

  test("a non-loopback --bind with inspection on warns loudly on stderr", async () => {
    const caDir = path.join(tmp.dir, "ca-exposed-bind");
    const ctc = new CtcProcess(["--port", "0", "--workers", "1", "--bind", "0.0.0.0", "--allow", "127.0.0.1/32", "--https-inspection", "--ca-dir", caDir, "--log", "off"]);
    try {
      await ctc.waitFor(/WARNING: HTTPS inspection is on and the proxy listens on 0\.0\.0\.0/, "stderr");
      expect(ctc.stderr).toContain("decrypted");
    } finally {
      await ctc.stop();
    }
    const plain = new CtcProcess(["--port", "0", "--workers", "1", "--bind", "0.0.0.0", "--allow", "127.0.0.1/32", "--log", "off"]);
    try {
      await plain.waitFor(/^ctc: proxy on/);
      expect(plain.stderr).not.toContain("WARNING");
    } finally {
      await plain.stop();
    }
  });
});
