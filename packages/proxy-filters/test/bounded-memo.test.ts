// BoundedMemo: the two-key memo behind the block list's decisions and the banner cutter's URLs.
import { describe, expect, test } from "@jest/globals";
import { BoundedMemo } from "../src/bounded-memo.js";

describe("BoundedMemo", () => {
  test("values under two keys; a value set again replaces the old one and is counted once", () => {
    const m = new BoundedMemo<number | null>(10);
    m.set("a", "x", 1);
    m.set("a", "y", null);
    m.set("b", "x", 3);
    expect([m.get("a", "x"), m.get("a", "y"), m.get("b", "x"), m.get("b", "y"), m.get("c", "x")]).toEqual([1, null, 3, undefined, undefined]);
    m.set("a", "x", 4);
    expect(m.get("a", "x")).toBe(4);
    expect(m.size).toBe(3);
  });

  test("never more than the limit; the first keys remembered longest are forgotten first, with all their values", () => {
    const m = new BoundedMemo<string>(5);
    for (const [first, second] of [["p", "1"], ["p", "2"], ["q", "1"], ["r", "1"], ["r", "2"]]) m.set(first, second, `${first}${second}`);
    expect(m.size).toBe(5);
    m.set("s", "1", "s1");
    // "p" went whole (two values): four left.
    expect([m.get("p", "1"), m.get("p", "2"), m.get("q", "1"), m.get("s", "1")]).toEqual([undefined, undefined, "q1", "s1"]);
    expect(m.size).toBe(4);
    // One first key with ever new second keys (a URL asked for from ever new pages) is bounded too.
    for (let i = 0; i < 100; i++) m.set("t", String(i), "t");
    expect(m.size).toBeLessThanOrEqual(5);
    let held = 0;
    for (let i = 0; i < 100; i++) if (m.get("t", String(i)) !== undefined) held++;
    expect(held).toBe(m.size);
  });
});
