import { describe, expect, test } from "@jest/globals";
import { HTTPMessage } from "@stdhttp/httplib";
import { endToEnd, HOP_BY_HOP, nameIs, runRequestFilters, type Filter, type FilterRequest } from "../src/index.js";
import { fieldValue } from "../src/hop-by-hop.js";
import { firstAnswer } from "../src/filter.js";
import { PoolRegistry } from "../src/pools.js";

const req: FilterRequest = { method: "GET", url: new URL("http://example.com/"), headers: [], clientAddress: "127.0.0.1" };

describe("firstAnswer (the filters' request and header hooks)", () => {
  test("synchronous filters are answered synchronously: no promise, the first answer wins", () => {
    const filters: Filter[] = [{ name: "none" }, { name: "pass", onRequest: () => undefined }, { name: "a", onRequest: () => ({ status: 403 }) }, { name: "b", onRequest: () => ({ status: 404 }) }];
    const answer = firstAnswer(filters, (f) => f.onRequest?.(req));
    expect(answer).toEqual({ status: 403 });
    expect(firstAnswer([{ name: "pass", onRequest: () => undefined }], (f) => f.onRequest?.(req))).toBeNull();
  });

  test("a promise makes the rest asynchronous, still in order", async () => {
    const called: string[] = [];
    const filters: Filter[] = [
      { name: "sync", onRequest: () => void called.push("sync") },
      { name: "async-pass", onRequest: () => Promise.resolve(void called.push("async-pass")) },
      { name: "sync-answer", onRequest: () => (called.push("sync-answer"), { status: 429 }) },
      { name: "never", onRequest: () => (called.push("never"), { status: 500 }) },
    ];
    const answer = firstAnswer(filters, (f) => f.onRequest?.(req));
    expect(answer).toBeInstanceOf(Promise);
    await expect(answer).resolves.toEqual({ status: 429 });
    expect(called).toEqual(["sync", "async-pass", "sync-answer"]);
  });

  test("a rejected filter promise rejects the whole answer", async () => {
    const filters: Filter[] = [{ name: "broken", onRequest: () => Promise.reject(new Error("list unreadable")) }];
    await expect(runRequestFilters(filters, req)).rejects.toThrow("list unreadable");
  });
});

describe("endToEnd (RFC 9110 7.6.1)", () => {
  test("drops hop-by-hop fields and every field a Connection names, in any case, keeping order and the pairs themselves", () => {
    const keep1: [string, string] = ["Accept", "*/*"];
    const keep2: [string, string] = ["X-Other", "1"];
    const pairs: Array<[string, string]> = [
      ["Connection", "X-Secret, keep-alive"],
      keep1,
      ["x-secret", "a"],
      ["Keep-Alive", "timeout=5"],
      ["CONNECTION", "X-Also"],
      ["Transfer-Encoding", "chunked"],
      ["X-ALSO", "b"],
      ["Proxy-Authorization", "Basic eDp5"],
      keep2,
    ];
    const out = endToEnd(pairs);
    expect(out).toEqual([keep1, keep2]);
    expect(out[0]).toBe(keep1);
  });

  test("takes an HTTPMessage, and drops the extra names asked for", () => {
    const msg = new HTTPMessage([
      ["Host", "a.example"],
      ["Upgrade", "h2c"],
      ["Accept", "text/html"],
    ]);
    expect(endToEnd(msg, new Set(["host"]))).toEqual([["Accept", "text/html"]]);
    expect(endToEnd(msg)).toEqual([
      ["Host", "a.example"],
      ["Accept", "text/html"],
    ]);
  });
});

describe("nameIs and endToEnd's length check", () => {
  test("nameIs: case-insensitive equality with a lower-case name", () => {
    expect(nameIs("Content-Length", "content-length")).toBe(true);
    expect(nameIs("CONTENT-LENGTH", "content-length")).toBe(true);
    expect(nameIs("content-length", "content-length")).toBe(true);
    expect(nameIs("Content-Lengths", "content-length")).toBe(false);
    expect(nameIs("Content-Lengtx", "content-length")).toBe(false);
  });

  test("fieldValue: the first field of that name, in any case; undefined when there is none", () => {
    const pairs: Array<[string, string]> = [
      ["Accept", "a"],
      ["COOKIE", "first"],
      ["cookie", "second"],
    ];
    expect(fieldValue(pairs, "cookie")).toBe("first");
    expect(fieldValue(pairs, "accept")).toBe("a");
    expect(fieldValue(pairs, "referer")).toBeUndefined();
    expect(fieldValue([], "accept")).toBeUndefined();
  });

  test("every hop-by-hop name, and every extra name to drop, is dropped in any case; names of other lengths are kept", () => {
    const pairs: Array<[string, string]> = [...HOP_BY_HOP].flatMap((n): Array<[string, string]> => [
      [n.toUpperCase(), "1"],
      [n, "2"],
    ]);
    pairs.push(["X-A", "k"], ["Max-Forwards", "3"], ["HOST", "h"], ["Content-LENGTH", "5"], ["X-Hostish", "k2"]);
    expect(endToEnd(pairs, new Set(["host", "content-length"]))).toEqual([
      ["X-A", "k"],
      ["Max-Forwards", "3"],
      ["X-Hostish", "k2"],
    ]);
    // The same drop set again (its lengths are remembered), and another one.
    expect(endToEnd([["hOsT", "x"], ["Via", "1.1 a"]], new Set(["host", "content-length"]))).toEqual([["Via", "1.1 a"]]);
    expect(endToEnd([["hOsT", "x"], ["Via", "1.1 a"]], new Set(["via"]))).toEqual([["hOsT", "x"]]);
    // Connection: keep-alive names nothing more to drop; Connection: close drops a field called Close.
    expect(endToEnd([["Connection", "keep-alive"], ["Keep-Alive", "timeout=5"], ["Close", "x"], ["X-Y", "1"]])).toEqual([["Close", "x"], ["X-Y", "1"]]);
    expect(endToEnd([["Connection", "Keep-Alive, close"], ["Close", "x"], ["X-Y", "1"]])).toEqual([["X-Y", "1"]]);
  });
});

describe("PoolRegistry", () => {
  test("the same origin gets the same pool; least recently used origins beyond the bound are closed", () => {
    const pools = new PoolRegistry(4, 2);
    try {
      const a = pools.get("a.example", 80, 30);
      expect(pools.get("a.example", 80, 30)).toBe(a);
      expect(pools.get("a.example", 80, 10)).not.toBe(a); // other limits, other pool
      const b = pools.get("b.example", 80, 30); // a:80:30 is now the least recently used: closed
      expect(pools.get("b.example", 80, 30)).toBe(b);
      const again = pools.get("a.example", 80, 30);
      expect(again).not.toBe(a);
      return expect(a.request({ method: "GET", path: "/" })).rejects.toThrow();
    } finally {
      pools.close();
    }
  });
});
