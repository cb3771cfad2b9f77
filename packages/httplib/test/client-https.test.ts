/**
 * HTTPSConnection against a local node:https server with a self-signed certificate made by
 * openssl (CPython HTTPSTest, local parts), and proxy tunnels (CPython TunnelTests).
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as tls from "node:tls";
import { HTTPConnection, HTTPConnectionPool, HTTPSConnection, ImproperConnectionState, TunnelError } from "../src/index.js";
import { connectProxy } from "./helpers/proxy.js";
import { nodeServer, type TestServer } from "./helpers/servers.js";
import { selfSigned, type SelfSigned } from "./helpers/tls.js";

let cert: SelfSigned;
let server: https.Server;
let port: number;
const sniSeen: Array<string | false> = [];

beforeAll(async () => {
  cert = selfSigned();
  server = https.createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    sniSeen.push((req.socket as tls.TLSSocket & { servername: string | false }).servername);
    res.end(`secure ${req.url} host=${req.headers.host}`);
  });
  server.listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("HTTPSTest", () => {
  // cpython test_httplib: HTTPSTest.test_attributes
  test("attributes", () => {
    const h = new HTTPSConnection("localhost", port, { timeout: 30 });
    expect(h.timeout).toBe(30);
    expect(h.defaultPort).toBe(443);
  });

  // cpython test_httplib: HTTPSTest.test_local_unknown_cert
  test("local unknown cert: verification fails by default", async () => {
    const h = new HTTPSConnection("localhost", port);
    try {
      const err = await h.request("GET", "/").catch((e: unknown) => e);
      expect(["DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"]).toContain((err as { code?: string }).code);
    } finally {
      h.close();
    }
  });

  // cpython test_httplib: HTTPSTest.test_local_good_hostname
  test("local good hostname with { ca }, SNI sent", async () => {
    const h = new HTTPSConnection("localhost", port, { tls: { ca: cert.cert } });
    try {
      await h.request("GET", "/nonexistent");
      const resp = await h.getResponse();
      expect(resp.status).toBe(200);
      expect((await resp.read()).toString()).toBe(`secure /nonexistent host=localhost:${port}`);
      expect(sniSeen.at(-1)).toBe("localhost");
      expect(h.tlsSocket?.authorized).toBe(true);
      // keep-alive over TLS
      await h.request("GET", "/again");
      expect((await (await h.getResponse()).read()).toString()).toContain("/again");
    } finally {
      h.close();
    }
  });

  test("a SecureContext as CPython's context argument", async () => {
    const h = new HTTPSConnection("127.0.0.1", port, { context: tls.createSecureContext({ ca: cert.cert }) });
    try {
      await h.request("GET", "/ctx");
      expect((await h.getResponse()).status).toBe(200);
    } finally {
      h.close();
    }
  });

  // cpython test_httplib: HTTPSTest.test_local_bad_hostname
  test("local bad hostname", async () => {
    const h = new HTTPSConnection("localhost", port, { tls: { ca: cert.cert, servername: "fakehostname" } });
    try {
      const err = await h.request("GET", "/").catch((e: unknown) => e);
      expect((err as { code?: string }).code).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
    } finally {
      h.close();
    }
    // ... unless verification is turned off
    const h2 = new HTTPSConnection("localhost", port, { tls: { rejectUnauthorized: false, servername: "fakehostname" } });
    try {
      await h2.request("GET", "/");
      expect((await h2.getResponse()).status).toBe(200);
    } finally {
      h2.close();
    }
  });

  test("HTTPS pool", async () => {
    const pool = new HTTPConnectionPool("localhost", port, { https: true, connections: 2, tls: { ca: cert.cert } });
    try {
      const bodies = await Promise.all([1, 2, 3, 4].map(async (i) => (await (await pool.request({ path: `/p${i}` })).read()).toString()));
      expect(bodies).toEqual([1, 2, 3, 4].map((i) => `secure /p${i} host=localhost:${port}`));
    } finally {
      pool.close();
    }
  });

  // cpython test_httplib: HTTPSTest.test_host_port
  test("host port", () => {
    for (const [hp, h, p] of [
      ["[fe80::207:e9ff:fe9b]:8000", "fe80::207:e9ff:fe9b", 8000],
      ["www.python.org:443", "www.python.org", 443],
      ["www.python.org:", "www.python.org", 443],
      ["www.python.org", "www.python.org", 443],
      ["[fe80::207:e9ff:fe9b]", "fe80::207:e9ff:fe9b", 443],
      ["[fe80::207:e9ff:fe9b]:", "fe80::207:e9ff:fe9b", 443],
    ] as Array<[string, string, number]>) {
      const c = new HTTPSConnection(hp);
      expect(c.host).toBe(h);
      expect(c.port).toBe(p);
    }
  });
});

describe("TunnelTests", () => {
  let target: TestServer;
  beforeAll(async () => {
    target = await nodeServer((req, res) => res.end(`${req.method} ${req.url} host=${req.headers.host}`));
  });
  afterAll(async () => {
    await target.close();
  });

  // cpython test_httplib: TunnelTests.test_set_tunnel_host_port_headers_add_host_missing, test_connect_put_request
  test("CONNECT with Host added, then the request through the tunnel", async () => {
    const proxy = await connectProxy(target.port);
    const conn = new HTTPConnection("127.0.0.1", proxy.port);
    try {
      conn.setTunnel("destination.com", 8888, { "User-Agent": "Mozilla/5.0 (compatible, MSIE 11)" });
      await conn.request("PUT", "/", "");
      const resp = await conn.getResponse();
      expect((await resp.read()).toString()).toBe("PUT / host=destination.com:8888");
      expect(proxy.heads[0]).toBe("CONNECT destination.com:8888 HTTP/1.1\r\nHost: destination.com:8888\r\nUser-Agent: Mozilla/5.0 (compatible, MSIE 11)\r\n\r\n");
      // cpython test_httplib: TunnelTests.test_proxy_response_headers
      expect(conn.getProxyResponseHeaders()?.get("X-Dummy")).toBe("1");
    } finally {
      conn.close();
      await proxy.close();
    }
  });

  // cpython test_httplib: TunnelTests.test_set_tunnel_host_port_headers_set_host_different, test_connect_put_request_ipv6_port
  test("explicit Host kept; IPv6 tunnel target", async () => {
    const proxy = await connectProxy(target.port);
    try {
      const conn = new HTTPConnection("127.0.0.1", proxy.port);
      conn.setTunnel("destination.com", 8888, { Host: "example.com:4200" });
      await conn.request("GET", "/");
      await (await conn.getResponse()).read();
      expect(proxy.heads[0]).toBe("CONNECT destination.com:8888 HTTP/1.1\r\nHost: example.com:4200\r\n\r\n");
      conn.close();
      const v6 = new HTTPConnection("127.0.0.1", proxy.port);
      v6.setTunnel("[1:2:3::4]:1234");
      await v6.request("PUT", "/", "");
      expect((await (await v6.getResponse()).read()).toString()).toBe("PUT / host=[1:2:3::4]:1234");
      expect(proxy.heads[1].startsWith("CONNECT [1:2:3::4]:1234 HTTP/1.1\r\nHost: [1:2:3::4]:1234\r\n")).toBe(true);
      v6.close();
    } finally {
      await proxy.close();
    }
  });

  // cpython test_httplib: TunnelTests.test_disallow_set_tunnel_after_connect
  test("disallow setTunnel after connect", async () => {
    const conn = new HTTPConnection("127.0.0.1", target.port);
    try {
      await conn.connect();
      expect(() => conn.setTunnel("destination.com")).toThrow(ImproperConnectionState);
    } finally {
      conn.close();
    }
  });

  // cpython test_httplib: TunnelTests.test_no_proxy_response_headers
  test("no proxy response headers without a tunnel", async () => {
    const conn = new HTTPConnection("127.0.0.1", target.port);
    try {
      await conn.request("PUT", "/", "");
      await (await conn.getResponse()).read();
      expect(conn.getProxyResponseHeaders()).toBeNull();
    } finally {
      conn.close();
    }
  });

  // cpython test_httplib: TunnelTests.test_tunnel_leak (refused tunnel: error, socket closed)
  test("refused tunnel gives TunnelError and closes the socket", async () => {
    const proxy = await connectProxy(target.port, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n");
    const conn = new HTTPConnection("127.0.0.1", proxy.port);
    try {
      conn.setTunnel("destination.com");
      const err = await conn.request("GET", "/").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TunnelError);
      expect((err as TunnelError).status).toBe(407);
      expect((err as TunnelError).message).toBe("Tunnel connection failed: 407 Proxy Authentication Required");
      expect(conn.sock).toBeNull();
    } finally {
      conn.close();
      await proxy.close();
    }
  });

  // cpython test_httplib: TunnelTests.test_tunnel_debuglog
  test("tunnel debuglog", async () => {
    const proxy = await connectProxy(target.port);
    const lines: string[] = [];
    const conn = new HTTPConnection("127.0.0.1", proxy.port, { debugWriter: (l) => lines.push(l) });
    try {
      conn.setDebugLevel(1);
      conn.setTunnel("destination.com");
      await conn.request("PUT", "/", "");
      await (await conn.getResponse()).read();
      expect(lines).toContain("header: X-Dummy: 1");
    } finally {
      conn.close();
      await proxy.close();
    }
  });

  test("HTTPS through a tunnel verifies the tunnel host", async () => {
    const proxy = await connectProxy(port);
    const conn = new HTTPSConnection("127.0.0.1", proxy.port, { tls: { ca: cert.cert } });
    try {
      conn.setTunnel("localhost", port);
      await conn.request("GET", "/tunnelled");
      const resp = await conn.getResponse();
      expect((await resp.read()).toString()).toBe(`secure /tunnelled host=localhost:${port}`);
      expect(sniSeen.at(-1)).toBe("localhost");
    } finally {
      conn.close();
      await proxy.close();
    }
  });
});
