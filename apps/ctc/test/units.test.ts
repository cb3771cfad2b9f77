// The pieces with no socket: the access log format, the control page's guards, the counters,
// the PAC file; and the in-process API (`Ctc.start`) that the demo and other tests may use.
import { describe, expect, jest, test } from "@jest/globals";
import { AccessLog, Ctc, CtcStats, defaultOptions, formatEntry, pacFile, parseCommandLine } from "../src/index.js";
import { clfDate, FLUSH_DELAY_MS, quoteField } from "../src/access-log.js";
import { crossSiteReason, hostName, tokenMatches, trustedHost } from "../src/control/guard.js";
import { lineChunks, PIPE_BUF } from "../src/line-sink.js";
import { allocatorEnv, workerExecArgv } from "../src/cluster/primary.js";
import { hostOf } from "../src/stats.js";
import { curl } from "./helpers.js";

describe("access log", () => {
  test("a huge request line is cut inside its quotes: the status and size stay, the line fits one atomic pipe write", () => {
    const url = `http://site.test/${"a".repeat(6000)}`;
    for (const format of ["common", "combined"] as const) {
      const line = formatEntry(format, { client: "127.0.0.1", requestLine: `GET ${url} HTTP/1.1`, status: 200, size: 5, referer: "\x01".repeat(3000), userAgent: "u".repeat(3000) }, "D");
      expect(Buffer.byteLength(line)).toBeLessThanOrEqual(PIPE_BUF);
      expect(line).toMatch(/\.\.\." 200 5( |\n)/);
      expect(lineChunks(line)).toEqual([Buffer.from(line)]);
    }
    // Never half an escape at the cut.
    const escaped = formatEntry("common", { client: "c", requestLine: "\x01".repeat(2000), status: 400, size: 0 }, "D");
    expect(escaped).toMatch(/^c - - \[D\] "(\\x01)+\.\.\." 400 -\n$/);
  });

  test("Common and Combined Log Format lines; quotes and control bytes escaped", () => {
    const entry = { client: "127.0.0.1", requestLine: 'GET http://a.test/"x" HTTP/1.1', status: 200, size: 0, referer: "http://r.test/", userAgent: "UA\x01" };
    expect(formatEntry("common", entry, "04/Dec/2026:18:00:00 +0000")).toBe('127.0.0.1 - - [04/Dec/2026:18:00:00 +0000] "GET http://a.test/\\"x\\" HTTP/1.1" 200 -\n');
    expect(formatEntry("combined", { ...entry, size: 12 }, "D")).toBe('127.0.0.1 - - [D] "GET http://a.test/\\"x\\" HTTP/1.1" 200 12 "http://r.test/" "UA\\x01"\n');
    expect(quoteField("a\\b")).toBe("a\\\\b");
    expect(clfDate(new Date(2026, 11, 4, 9, 5, 7))).toMatch(/^04\/Dec\/2026:09:05:07 [+-]\d{4}$/);
  });

  test("lines gathered for at most FLUSH_DELAY_MS, then written in one batch; flush() writes at once", () => {
    jest.useFakeTimers();
    try {
      const writes: string[] = [];
      const log = new AccessLog("common", { write: (s) => writes.push(String(s)) });
      log.record({ client: "::1", requestLine: "GET / HTTP/1.1", status: 200, size: 5 });
      jest.advanceTimersByTime(FLUSH_DELAY_MS - 1);
      log.record({ client: "::1", requestLine: "GET /b HTTP/1.1", status: 404, size: 9 });
      expect(writes).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(writes).toHaveLength(1);
      expect(writes[0].split("\n")).toHaveLength(3);
      log.record({ client: "::1", requestLine: "GET /c HTTP/1.1", status: 200, size: 1 });
      log.flush();
      expect(writes).toHaveLength(2);
      jest.advanceTimersByTime(FLUSH_DELAY_MS);
      expect(writes).toHaveLength(2);
    } finally {
      jest.useRealTimers();
    }
  });

  test("a batch handed to the sink keeps its bytes while later lines are gathered", () => {
    const kept: Array<string | Buffer> = [];
    const log = new AccessLog("common", { write: (data) => kept.push(data) });
    log.record({ client: "::1", requestLine: "GET /first HTTP/1.1", status: 200, size: 5 });
    log.flush();
    for (let i = 0; i < 200; i++) log.record({ client: "::1", requestLine: `GET /later-${i} HTTP/1.1`, status: 404, size: 1 });
    log.flush();
    expect(Buffer.isBuffer(kept[0])).toBe(true);
    expect(String(kept[0])).toMatch(/^::1 - - \[[^\]]+\] "GET \/first HTTP\/1\.1" 200 5\n$/);
    expect(String(kept[1]).split("\n")).toHaveLength(201);
  });

  test("non-ASCII in a field is escaped, so a line is ASCII (also a lone surrogate, which encodeURIComponent refuses)", () => {
    expect(quoteField("caf\u00e9 \u20ac \u{1F600} \ud83d")).toBe("caf\\xe9 %E2%82%AC %F0%9F%98%80 %EF%BF%BD");
    const writes: string[] = [];
    const log = new AccessLog("combined", { write: (s) => writes.push(Buffer.isBuffer(s) ? s.toString("latin1") : s) });
    log.record({ client: "::1", requestLine: "GET /\u20ac HTTP/1.1", status: 200, size: 1, userAgent: "\ud800x" });
    log.flush();
    expect(writes[0]).toContain('"GET /%E2%82%AC HTTP/1.1"');
    expect(writes[0]).toContain('"%EF%BF%BDx"');
  });

  test("64 KiB of lines are written without waiting", () => {
    jest.useFakeTimers();
    try {
      const writes: string[] = [];
      const log = new AccessLog("common", { write: (s) => writes.push(String(s)) });
      const requestLine = `GET /${"x".repeat(1000)} HTTP/1.1`;
      for (let i = 0; i < 70; i++) log.record({ client: "::1", requestLine, status: 200, size: 1 });
      expect(writes).toHaveLength(1);
      expect(writes[0].length).toBeGreaterThanOrEqual(64 * 1024);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe("control page guards", () => {
  test("Host names: IP addresses, localhost and ctc.local are trusted; other names could be rebound", () => {
    for (const h of ["127.0.0.1:8080", "[::1]:8080", "localhost:8080", "ctc.local", "CTC.LOCAL.", "192.168.1.5", undefined]) expect(trustedHost(h)).toBe(true);
    for (const h of ["evil.example:8080", "localhost.evil.example", "ctc.local.evil.example"]) expect(trustedHost(h)).toBe(false);
    expect(hostName("[::1]:80")).toBe("::1");
  });

  test("same-origin check: Origin must be the page's, Sec-Fetch-Site same-origin", () => {
    const page = "http://127.0.0.1:8080";
    expect(crossSiteReason({ origin: page, secFetchSite: "same-origin" }, page)).toBeNull();
    expect(crossSiteReason({ origin: undefined, secFetchSite: undefined }, page)).toBeNull();
    expect(crossSiteReason({ origin: "http://evil.example", secFetchSite: undefined }, page)).toContain("evil.example");
    expect(crossSiteReason({ origin: undefined, secFetchSite: "same-site" }, page)).toContain("same-site");
    expect(crossSiteReason({ origin: "null", secFetchSite: undefined }, page)).not.toBeNull();
    expect(tokenMatches("abc", "abc")).toBe(true);
    expect(tokenMatches("abd", "abc")).toBe(false);
    expect(tokenMatches(null, "abc")).toBe(false);
  });
});

describe("counters and PAC", () => {
  test("recent blocks newest first in a ring of 50; hosts counted", () => {
    const s = new CtcStats();
    for (let i = 0; i < 60; i++) s.recordBlock({ url: `http://h${i % 3}.test/${i}`, rule: "r", list: "l", type: "image", client: "127.0.0.1" });
    const recent = s.recent();
    expect(recent).toHaveLength(50);
    expect(recent[0].url).toBe("http://h2.test/59");
    expect(recent[49].url).toBe("http://h1.test/10");
    expect(s.blocked).toBe(60);
    expect(s.topHosts(1)).toEqual([["h0.test", 20]]);
    expect(hostOf("ads.test:443")).toBe("ads.test");
    expect(hostOf("http://[::1]:8080/x")).toBe("[::1]");
  });

  test("PAC: loopback direct, the rest through the proxy (IPv6 in brackets)", () => {
    expect(pacFile("127.0.0.1", 8080)).toContain('return "PROXY 127.0.0.1:8080";');
    expect(pacFile("::1", 8080)).toContain('return "PROXY [::1]:8080";');
  });
});

describe("in-process API", () => {
  test("Ctc.start with parsed options serves the proxy and the control page; close() stops it", async () => {
    const line = parseCommandLine(["--port", "0", "--log", "off", "--no-watch"]);
    if (line.action !== "run") throw new Error("expected run");
    const out: string[] = [];
    const ctc = await Ctc.start({ ...defaultOptions(), ...line.flags }, { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => out.push(s) } });
    try {
      expect(ctc.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const r = await curl("-x", ctc.url, "http://ad.doubleclick.net/a.gif");
      expect(r.headers["content-type"]).toBe("image/gif");
      expect(ctc.stats.blocked).toBe(1);
      ctc.enabled = false;
      expect((await curl(ctc.url)).body.toString()).toContain("Filtering is off");
    } finally {
      await ctc.close();
    }
    expect(out).toEqual([]);
  });
});

describe("lineChunks (the writes of a worker's access log to the shared pipe)", () => {
  test("whole lines, each write at most PIPE_BUF bytes, nothing lost or reordered", () => {
    const lines = Array.from({ length: 500 }, (_, i) => `127.0.0.1 - - [x] "GET http://h${i}.test/${"p".repeat(i % 97)} HTTP/1.1" 200 ${i}\n`);
    const text = lines.join("");
    const chunks = lineChunks(text);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(PIPE_BUF);
      expect(c[c.length - 1]).toBe(0x0a);
    }
    expect(Buffer.concat(chunks).toString()).toBe(text);
    expect(lineChunks("one line\n")).toEqual([Buffer.from("one line\n")]);
    expect(lineChunks("")).toEqual([]);
  });

  test("a single line longer than PIPE_BUF is cut short, alone in its write", () => {
    const long = `${"x".repeat(PIPE_BUF * 2)}\n`;
    const chunks = lineChunks(`a\n${long}b\n`);
    expect(chunks.map((c) => c.length)).toEqual([2, PIPE_BUF, 2]);
    expect(chunks[1].subarray(-4).toString()).toBe("...\n");
  });
});

describe("worker V8 settings", () => {
  test("workers run V8 single-threaded unless the user chose a threading flag", () => {
    expect(workerExecArgv([])).toEqual(["--single-threaded"]);
    expect(workerExecArgv(["--max-old-space-size=512"])).toEqual(["--max-old-space-size=512", "--single-threaded"]);
    for (const own of ["--single-threaded", "--no-single-threaded", "--single-threaded-gc", "--nosingle_threaded_gc"]) expect(workerExecArgv([own])).toEqual([own]);
  });
});

describe("worker allocator settings", () => {
  test("workers keep 64 MiB of freed heap unless the user chose allocator settings", () => {
    const trim = "MALLOC_TRIM_THRESHOLD_";
    expect(allocatorEnv({})).toEqual({ [trim]: "67108864" });
    expect(allocatorEnv({ [trim]: "1000" })).toEqual({});
    expect(allocatorEnv({ GLIBC_TUNABLES: "glibc.malloc.trim_threshold=1000" })).toEqual({});
  });
});
