/**
 * The `static` workload: its cases and targets are registered, its check before timing passes a
 * real static server (sirv, in this process, on the workload's own directory) and rejects servers
 * answering wrong bytes, a wrong length, a wrong status or closing keep-alive connections; and the
 * pure helpers of the 1 GiB RSS case. No timings.
 */
import { afterAll, afterEach, describe, expect, test } from "@jest/globals";
import { readFileSync, rmSync } from "node:fs";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import sirv from "sirv";
import { parseHead } from "../src/procs/drain-load.js";
import { selectCases, WORKLOADS } from "../src/registry.js";
import { BIG_BYTES, checkStaticServer, parseVmHwm, processCpuUs, SMALL_BYTES, staticDir } from "../src/workloads/static.js";

const servers: Server[] = [];

// The workload removes its directory when bench exits; under jest the test removes it.
afterAll(() => rmSync(staticDir(), { recursive: true, force: true }));

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** A node:http server on 127.0.0.1 port 0 with `listener`; resolves with its base URL. */
async function serve(listener: RequestListener): Promise<string> {
  const s = createServer(listener);
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

/** A correct static server, except that `patch` may change the bytes, status or headers of one answer. */
function files(patch: (path: string, body: Buffer) => { status?: number; body?: Buffer; close?: boolean } = () => ({})): RequestListener {
  return (req, res) => {
    const body = req.url === "/small.bin" ? SMALL_BYTES : req.url === "/big.bin" ? BIG_BYTES : null;
    if (body === null) {
      res.writeHead(404).end();
      return;
    }
    const p = patch(req.url!, body);
    const out = p.body ?? body;
    res.writeHead(p.status ?? 200, { "Content-Length": out.length, ...(p.close ? { Connection: "close" } : {}) });
    res.end(out);
  };
}

describe("static workload", () => {
  test("is registered with its three cases, five contenders and the targets against sirv", () => {
    const cases = selectCases(WORKLOADS, ["static"]);
    expect(cases.map((c) => c.id)).toEqual(["static-1k", "static-1m", "static-1g-rss"]);
    const [k1, m1, rss] = cases;
    const names = ["@stdhttp SimpleHTTPRequestHandler", "sirv", "http-server", "CPython http.server", "nginx"];
    expect(k1.contenders.map((c) => c.name)).toEqual(names);
    expect(m1.contenders.map((c) => c.name)).toEqual(names);
    expect(rss.contenders.map((c) => c.name)).toEqual(names.slice(0, 3));
    for (const c of cases) expect(c.contenders.filter((x) => x.isUs).map((x) => x.name)).toEqual([names[0]]);
    expect(k1.targets).toEqual({ sirv: 2 });
    expect(m1.targets).toEqual({ sirv: 1.5 });
    expect(m1.unit).toBe("MB/s");
    expect(selectCases(WORKLOADS, ["static-1g-rss"]).map((c) => c.id)).toEqual(["static-1g-rss"]);
  });

  test("the served directory holds small.bin (1 KiB) and big.bin (1 MiB) with the bytes the check expects", () => {
    const dir = staticDir();
    expect(readFileSync(join(dir, "small.bin")).equals(SMALL_BYTES)).toBe(true);
    expect(readFileSync(join(dir, "big.bin")).equals(BIG_BYTES)).toBe(true);
    expect([SMALL_BYTES.length, BIG_BYTES.length]).toEqual([1024, 1 << 20]);
  });

  test("the check passes sirv serving the workload's directory", async () => {
    const serveDir = sirv(staticDir(), { dev: false, etag: true });
    await expect(checkStaticServer(await serve((req, res) => serveDir(req, res)))).resolves.toBeUndefined();
  });

  test("the check rejects a server answering small.bin with other bytes of the right length", async () => {
    const base = await serve(
      files((path, body) => {
        if (path !== "/small.bin") return {};
        const wrong = Buffer.from(body);
        wrong[517] ^= 1;
        return { body: wrong };
      }),
    );
    await expect(checkStaticServer(base)).rejects.toThrow(/check failed: GET \/small\.bin .*other bytes .*byte 517/);
  });

  test("the check rejects a wrong big.bin (short, or one byte changed), a wrong status and a closed keep-alive connection", async () => {
    const short = await serve(files((path, body) => (path === "/big.bin" ? { body: body.subarray(1) } : {})));
    await expect(checkStaticServer(short)).rejects.toThrow(/GET \/big\.bin answered 1048575 bytes, expected 1048576/);

    const flipped = await serve(files((path, body) => (path === "/big.bin" ? { body: Buffer.concat([body.subarray(0, -1), Buffer.from([0])]) } : {})));
    await expect(checkStaticServer(flipped)).rejects.toThrow(/GET \/big\.bin .*other bytes/);

    const notFound = await serve(files(() => ({ status: 404 })));
    await expect(checkStaticServer(notFound)).rejects.toThrow(/GET \/small\.bin answered 404/);

    const closing = await serve(files(() => ({ close: true })));
    await expect(checkStaticServer(closing)).rejects.toThrow(/keep-alive/);
  });

  test("the download load reads the body length from a 200 head and rejects anything else", () => {
    expect(parseHead("HTTP/1.1 200 OK\r\ncontent-length: 1073741824\r\nETag: x\r\n\r\n")).toBe(2 ** 30);
    expect(() => parseHead("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n")).toThrow(/status 404/);
    expect(() => parseHead("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")).toThrow(/Transfer-Encoding/);
    expect(() => parseHead("HTTP/1.1 200 OK\r\n\r\n")).toThrow(/no Content-Length/);
    expect(() => parseHead("SSH-2.0-OpenSSH\r\n\r\n")).toThrow(/not an HTTP/);
  });

  test("peak RSS and CPU time come from /proc", () => {
    expect(parseVmHwm("Name:\tnode\nVmPeak:\t  999 kB\nVmHWM:\t  102400 kB\nVmRSS:\t 2048 kB\n")).toBe(100 * 1024 * 1024);
    expect(() => parseVmHwm("VmRSS:\t1 kB\n")).toThrow(/VmHWM/);
    expect(parseVmHwm(readFileSync("/proc/self/status", "utf8"))).toBeGreaterThan(1e6);
    expect(processCpuUs(process.pid)).toBeGreaterThan(0);
  });
});
