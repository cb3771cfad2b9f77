// Chaining: `ctc --upstream http://user:pass@host:port` sends plain requests (absolute-form) and
// CONNECT tunnels through the parent proxy with its credentials, and still cuts and blocks. The
// parent is a second proxy of our own (ProxyRequestHandler from @stdhttp/proxy-filters, with
// Basic proxy authentication and a host map to the origin), as Alfajor would be.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { ProxyRequestHandler, ThreadingHTTPServer } from "@stdhttp/proxy-filters";
import { curl, eventually, ids, startCtc, startNewsSite, type CtcProcess } from "./helpers.js";

let site: Awaited<ReturnType<typeof startNewsSite>>;
let parent: ThreadingHTTPServer;
let parentPort: number;
const parentSaw: string[] = [];

beforeAll(async () => {
  site = await startNewsSite();
  class Parent extends ProxyRequestHandler {
    override logMessage(): void {}
    override logAccess(status: number): void {
      parentSaw.push(`${this.requestLine} ${status}`);
    }
  }
  const Handler = Parent.withOptions({
    proxyCredentials: { user: "alice", password: "s3cret" },
    hostMap: { "news.test": `127.0.0.1:${site.port}` },
    connectPorts: [site.port],
    pseudonym: "parent-proxy",
  });
  parent = new ThreadingHTTPServer(["127.0.0.1", 0], Handler);
  await parent.ready;
  parentPort = (parent.serverAddress as [string, number])[1];
  void parent.serveForever();
});

afterAll(async () => {
  await parent?.shutdown();
  await parent?.serverClose();
  await site?.close();
});

describe("ctc --upstream", () => {
  let ctc: CtcProcess;
  beforeAll(async () => {
    ctc = await startCtc("--upstream", `http://alice:s3cret@127.0.0.1:${parentPort}`, "--connect-ports", `443,${site.port}`);
  });
  afterAll(async () => {
    await ctc?.stop();
  });

  test("a page comes through the parent proxy (with its credentials) and is cut", async () => {
    const r = await curl("-x", ctc.url, "http://news.test/news.html");
    expect(r.status).toBe(200);
    const found = ids(r.body.toString());
    expect(found).toContain("story");
    expect(found).not.toContain("leaderboard");
    expect(found).not.toContain("tracker-img");
    expect(r.headers.via).toMatch(/parent-proxy.*ctc|ctc.*parent-proxy/);
    expect(parentSaw).toContain("GET http://news.test/news.html HTTP/1.1 200");
  });

  test("a blocked request never reaches the parent", async () => {
    const before = parentSaw.length;
    const r = await curl("-x", ctc.url, "http://ads.doubleclick.net/banner.gif");
    expect(r.headers["content-type"]).toBe("image/gif");
    expect(parentSaw.length).toBe(before);
  });

  test("CONNECT goes through the parent as a CONNECT with credentials", async () => {
    const r = await curl("-x", ctc.url, "--proxytunnel", `http://news.test:${site.port}/via-tunnel.txt`);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe("origin: /via-tunnel.txt\n");
    // The parent logs a tunnel when it closes.
    await eventually(() => parentSaw.some((l) => l.startsWith(`CONNECT news.test:${site.port} HTTP/1.1 200`)), "the parent's CONNECT");
  });

  test("wrong credentials for the parent: its 407 is passed on, nothing is fetched", async () => {
    const wrong = await startCtc("--upstream", `http://alice:wrong@127.0.0.1:${parentPort}`, "--log", "off");
    try {
      const r = await curl("-x", wrong.url, "http://news.test/secret.txt");
      expect(r.status).toBe(407);
      expect(site.hits).not.toContain(`news.test /secret.txt`);
    } finally {
      await wrong.stop();
    }
  });
});
