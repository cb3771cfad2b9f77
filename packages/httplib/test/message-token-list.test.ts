/**
 * hasToken / parseTokenList: RFC 9110 5.6.1 list syntax (empty elements, OWS, case-insensitive
 * tokens), with examples and a fast-check property against a reference built from split().
 */
import { describe, expect, test } from "@jest/globals";
import fc from "fast-check";
import { hasToken, parseTokenList } from "../src/index.js";

describe("parseTokenList (RFC 9110 5.6.1)", () => {
  test("elements in order, lower-cased, OWS trimmed", () => {
    expect(parseTokenList("Keep-Alive, Upgrade")).toEqual(["keep-alive", "upgrade"]);
    expect(parseTokenList(["gzip,\tChunked", "x"])).toEqual(["gzip", "chunked", "x"]);
  });

  test("empty elements are ignored (RFC 9110 5.6.1: `, ,` and leading/trailing commas)", () => {
    expect(parseTokenList(",")).toEqual([]);
    expect(parseTokenList(" , ,close,, ")).toEqual(["close"]);
    expect(parseTokenList(["", " "])).toEqual([]);
  });

  test("nothing: undefined, no values", () => {
    expect(parseTokenList(undefined)).toEqual([]);
    expect(parseTokenList([])).toEqual([]);
  });
});

describe("hasToken (RFC 9110 5.6.1, 7.6.1)", () => {
  test("finds a token in any value, any case, with OWS and empty elements", () => {
    expect(hasToken(["foo", " , CLOSE ,"], "close")).toBe(true);
    expect(hasToken("Keep-Alive, Upgrade", "upgrade")).toBe(true);
    expect(hasToken("keep-alive", "Keep-Alive")).toBe(true);
    expect(hasToken("\tclose\t", "close")).toBe(true);
  });

  test("whole elements only", () => {
    expect(hasToken("closed", "close")).toBe(false);
    expect(hasToken("not-close", "close")).toBe(false);
    expect(hasToken("close;x=1", "close")).toBe(false);
    expect(hasToken("clo se", "close")).toBe(false);
  });

  test("nothing: undefined, no values, empty values", () => {
    expect(hasToken(undefined, "close")).toBe(false);
    expect(hasToken([], "close")).toBe(false);
    expect(hasToken(["", ","], "close")).toBe(false);
  });

  test("property: agrees with a split/trim reference and with parseTokenList", () => {
    const tchar = fc.constantFrom(..."!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
    const token = fc.string({ unit: tchar, minLength: 1, maxLength: 8 });
    const ows = fc.string({ unit: fc.constantFrom(" ", "\t"), maxLength: 2 });
    const element = fc.tuple(ows, fc.option(token, { nil: "" }), ows).map(([a, t, b]) => a + t + b);
    const value = fc.array(element, { maxLength: 5 }).map((els) => els.join(","));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 3 }), token, (values, t) => {
        const reference = values
          .flatMap((v) => v.split(","))
          .map((e) => e.replace(/^[ \t]+|[ \t]+$/g, "").toLowerCase())
          .filter((e) => e !== "");
        expect(parseTokenList(values)).toEqual(reference);
        expect(hasToken(values, t)).toBe(reference.includes(t.toLowerCase()));
        for (const e of reference) expect(hasToken(values, e.toUpperCase())).toBe(true);
      }),
    );
  });
});
