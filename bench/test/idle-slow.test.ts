/**
 * The `idle-conns` and `slowloris` workloads: the raw answer check of the idle-connection load
 * (against real node:http servers, right and wrong), and the pure helpers behind their reports.
 */
import { describe, expect, test } from "@jest/globals";
import { existsSync, readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { connect } from "node:net";
import { parseWrkLatency, wrkLatencyArgs } from "../src/drivers/wrk-latency.js";
import { checkAnswer } from "../src/procs/http-answer.js";
import { parseMaxOpenFiles, parseVmRss, perConnection, type MemorySample } from "../src/workloads/idle-conns.js";
import { describeCloses } from "../src/workloads/slowloris.js";
import { answerServer } from "./helpers/answer-server.js";

const serve = answerServer();

/** One GET on a fresh connection, as the idle load sends it; the check's verdict once it is not "incomplete". */
function getAndCheck(port: number, expected: string): Promise<ReturnType<typeof checkAnswer>> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (s: string) => {
      text += s;
      const check = checkAnswer(text, expected);
      if (check.state !== "incomplete") {
        socket.destroy();
        resolve(check);
      }
    });
    socket.on("error", reject);
  });
}

describe("idle-conns answer check (checkAnswer)", () => {
  test("a keep-alive 200 with the exact body passes", async () => {
    const port = await serve((res) => {
      res.writeHead(200, { "Content-Length": 13 });
      res.end("Hello, world!");
    });
    await expect(getAndCheck(port, "Hello, world!")).resolves.toMatchObject({ state: "ok" });
  });

  test("a wrong body, a wrong status, Connection: close and chunked framing fail", async () => {
    const cases: Array<[(res: ServerResponse) => void, RegExp]> = [
      [(res) => res.writeHead(200, { "Content-Length": 13 }).end("Hello, World?"), /body/],
      [(res) => res.writeHead(503, { "Content-Length": 13 }).end("Hello, world!"), /status 503/],
      [(res) => res.writeHead(200, { "Content-Length": 13, Connection: "close" }).end("Hello, world!"), /Connection: close/],
      [(res) => { res.write("Hello, "); res.end("world!"); }, /no Content-Length|Transfer-Encoding/],
    ];
    for (const [answer, reason] of cases) {
      const port = await serve(answer);
      const check = await getAndCheck(port, "Hello, world!");
      expect(check.state).toBe("wrong");
      expect(check.state === "wrong" ? check.reason : "").toMatch(reason);
    }
  });

  test("partial answers are incomplete; bytes past the body are wrong", () => {
    const full = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
    expect(checkAnswer(full.slice(0, 20), "hi")).toEqual({ state: "incomplete" });
    expect(checkAnswer(full.slice(0, -1), "hi")).toEqual({ state: "incomplete" });
    expect(checkAnswer(full, "hi")).toEqual({ state: "ok", length: full.length });
    expect(checkAnswer(`${full}HTTP/1.1`, "hi")).toMatchObject({ state: "wrong" });
    expect(checkAnswer("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi", "hi")).toMatchObject({ state: "wrong" });
  });
});

describe("idle-conns figures", () => {
  test("VmRSS and the fd limit are read from /proc", () => {
    expect(parseVmRss("Name:\tnode\nVmRSS:\t  123456 kB\nVmData:\t1 kB\n")).toBe(123456 * 1024);
    expect(() => parseVmRss("Name:\tnode\n")).toThrow(/VmRSS/);
    expect(parseMaxOpenFiles("Max open files            20000                20000                files     \n")).toBe(20000);
    expect(parseMaxOpenFiles("Max open files            unlimited            unlimited            files\n")).toBe(Infinity);
  });

  test("this process's own /proc files parse", async () => {
    const { readFileSync } = await import("node:fs");
    expect(parseVmRss(readFileSync("/proc/self/status", "utf8"))).toBeGreaterThan(1 << 20);
    expect(parseMaxOpenFiles(readFileSync("/proc/self/limits", "utf8"))).toBeGreaterThan(0);
  });

  test("per-connection growth by kind of memory", () => {
    const mib = 2 ** 20;
    const before: MemorySample = { rss: 60 * mib, heapUsed: 10 * mib, heapTotal: 20 * mib, external: 1 * mib, arrayBuffers: 0, connections: 0 };
    const after: MemorySample = { rss: 140 * mib, heapUsed: 60 * mib, heapTotal: 80 * mib, external: 1 * mib, arrayBuffers: 0, connections: 10240 };
    const per = perConnection(before, after, 10240);
    expect(per.rssKiB).toBeCloseTo(8, 6);
    expect(per.heapUsedKiB).toBeCloseTo(5, 6);
    expect(per.heapTotalKiB).toBeCloseTo(6, 6);
    expect(per.externalKiB).toBe(0);
    expect(per.otherKiB).toBeCloseTo(3, 6);
  });
});

describe("slowloris report", () => {
  test("the paced real client runs wrk with scripts/paced.lua and the pause after --", () => {
    const url = "http://127.0.0.1:1/";
    const args = wrkLatencyArgs({ url, connections: 10, duration: 3, cpu: null, pauseMs: 1 });
    expect(args.slice(0, 6)).toEqual(["-t1", "-c10", "-d3s", "--latency", "--timeout", "10s"]);
    const script = args[args.indexOf("-s") + 1];
    expect(existsSync(script)).toBe(true);
    expect(readFileSync(script, "utf8")).toMatch(/^delay = function\(\)\n {2}return pause\nend/m);
    expect(args.slice(-3)).toEqual([url, "--", "1"]);
    expect(wrkLatencyArgs({ url, connections: 10, duration: 3, cpu: null })).not.toContain("-s");
  });

  test("closes in words", () => {
    expect(describeCloses({ opened: 1000, closedAt: [], answers: {} }, 30)).toBe("none of 1000 closed by the server within 30 s");
    const text = describeCloses({ opened: 4, closedAt: [10.04, 10.1, 10.2, 12], answers: { "HTTP/1.1 408 Request Timeout": 4 } }, 30);
    expect(text).toBe('4 of 4 closed by the server, first at 10.0 s, median 10.2 s, last 12.0 s (answers: "HTTP/1.1 408 Request Timeout" x4)');
  });

  test("wrk's median and p99 are read", () => {
    const out = [
      "Running 5s test @ http://127.0.0.1:1/",
      "  Latency Distribution",
      "     50%  210.00us",
      "     75%  400.00us",
      "     90%    1.10ms",
      "     99%   12.50ms",
      "  50000 requests in 5.00s, 4.00MB read",
      "Requests/sec:  10000.00",
    ].join("\n");
    const m = parseWrkLatency(out);
    expect(m.p50Ms).toBeCloseTo(0.21, 6);
    expect(m.p99Ms).toBeCloseTo(12.5, 6);
    expect(m.opsPerSec).toBe(10000);
  });
});
