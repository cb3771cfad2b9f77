// Helpers for the HTTPS inspection tests: a test CA and a leaf for the origin's names made by
// openssl, an HTTPS origin (node:https) that sets first- and third-party cookies and records the
// Cookie field it receives, and curl / Python urllib clients for https:// through a proxy.
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { run } from "./helpers.js";

/** A CA made for a test, and a certificate it signed for the origin's names. */
export interface TestPki {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** Make a test CA and a server certificate for `names` in `dir`, with openssl. */
export async function makeTestPki(dir: string, names: string[]): Promise<TestPki> {
  const f = (name: string): string => path.join(dir, name);
  await run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f("test-ca.key"), "-out", f("test-ca.pem"),
    "-days", "2", "-subj", "/CN=alfajor test origin CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  await run("openssl", ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f("origin.key"), "-out", f("origin.csr"), "-subj", `/CN=${names[0]}`]);
  await writeFile(f("origin.ext"), `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  await run("openssl", ["x509", "-req", "-in", f("origin.csr"), "-CA", f("test-ca.pem"), "-CAkey", f("test-ca.key"), "-CAcreateserial", "-out", f("origin.pem"), "-days", "2", "-extfile", f("origin.ext")]);
  return { caFile: f("test-ca.pem"), certFile: f("origin.pem"), keyFile: f("origin.key") };
}

/** What the HTTPS origin received. */
export interface HttpsOrigin {
  port: number;
  /** Host, path and `Cookie` field of every request, in order. */
  received: Array<{ host: string; path: string; cookie: string | undefined }>;
  close(): Promise<void>;
}

/** 300x250 and 728x90: IAB sizes the banner cutter knows. */
const PAGE = (cookie: string | undefined): string => `<!DOCTYPE html><html><head><title>Shop</title></head><body>
<h1>Shop</h1>
<p id="cookie">${cookie ?? "(no cookie)"}</p>
<img id="banner-top" alt="ad" width="728" height="90" src="https://ads.test/banner.svg?s=728x90">
<img id="banner-side" alt="ad" width="300" height="250" src="https://ads.test/banner.svg?s=300x250">
<img id="logo" alt="logo" width="120" height="40" src="/logo.svg">
<img id="widget" alt="partner" width="64" height="64" src="https://widgets.test/widget.svg?c=track%3Du-4417%3B%20Max-Age%3D31536000%3B%20Secure%3B%20SameSite%3DNone">
</body></html>`;

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="#c33"/></svg>';

/**
 * An HTTPS origin on 127.0.0.1 with `pki`'s certificate: `/set?c=<Set-Cookie>...` answers with
 * those fields; `/page` sets `visit` (Max-Age 3600) and shows IAB-size banners from `ads.test` and
 * a widget image from `widgets.test` that sets a third-party cookie; `*.svg` paths are images
 * (setting the `c` cookies too); every path records its Cookie field.
 */
export async function startHttpsOrigin(pki: TestPki): Promise<HttpsOrigin> {
  const received: HttpsOrigin["received"] = [];
  const server: Server = createServer({ cert: await readFile(pki.certFile), key: await readFile(pki.keyFile) }, (req, res) => {
    const url = new URL(req.url ?? "/", "https://origin");
    received.push({ host: (req.headers.host ?? "").replace(/:\d+$/, ""), path: url.pathname, cookie: req.headers.cookie });
    if (url.pathname === "/page") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Set-Cookie": ["visit=1; Max-Age=3600; Path=/; Secure"] });
      res.end(PAGE(req.headers.cookie));
      return;
    }
    const cookies = url.searchParams.getAll("c");
    if (url.pathname.endsWith(".svg")) {
      res.writeHead(200, { "Content-Type": "image/svg+xml", ...(cookies.length > 0 ? { "Set-Cookie": cookies } : {}) });
      res.end(SVG);
      return;
    }
    res.writeHead(200, { "Content-Type": "text/plain", ...(cookies.length > 0 ? { "Set-Cookie": cookies } : {}) });
    res.end(`cookie: ${req.headers.cookie ?? "(none)"}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An https:// GET with curl through `proxy`, trusting `cacert`; the origin's head (not the CONNECT's) and body. */
export async function curlHttps(proxy: string, url: string, cacert: string, extra: string[] = []): Promise<{ status: number; setCookies: string[]; body: string }> {
  const out = await run("curl", ["-sS", "-i", "--noproxy", "", "--suppress-connect-headers", "--http1.1", "--cacert", cacert, "-x", proxy, ...extra, url]);
  const split = out.indexOf("\r\n\r\n");
  const head = out.slice(0, split).split("\r\n");
  return {
    status: Number(/^HTTP\/[\d.]+ (\d{3})/.exec(head[0])?.[1]),
    setCookies: head.filter((l) => /^set-cookie:/i.test(l)).map((l) => l.replace(/^set-cookie:\s*/i, "")),
    body: out.slice(split + 4),
  };
}

const PYTHON_HTTPS_GET = `
import json, ssl, sys, urllib.request
proxy, url, cafile, headers = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
context = ssl.create_default_context(cafile=cafile)
opener = urllib.request.build_opener(urllib.request.ProxyHandler({"https": proxy}), urllib.request.HTTPSHandler(context=context))
with opener.open(urllib.request.Request(url, headers=headers), timeout=20) as r:
    print(json.dumps({"status": r.status, "setCookies": r.headers.get_all("Set-Cookie") or [], "body": r.read().decode()}))
`;

/** An https:// GET with Python's urllib through `proxy`, trusting `cafile`. */
export async function pythonHttps(proxy: string, url: string, cafile: string, headers: Record<string, string> = {}): Promise<{ status: number; setCookies: string[]; body: string }> {
  const out = await run("python3", ["-c", PYTHON_HTTPS_GET, proxy, url, cafile, JSON.stringify(headers)]);
  return JSON.parse(out) as { status: number; setCookies: string[]; body: string };
}
