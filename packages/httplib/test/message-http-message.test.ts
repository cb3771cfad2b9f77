import { describe, expect, test } from "@jest/globals";
import { HTTPMessage } from "../src/message/index.js";

describe("HTTPMessage", () => {
  test("case-insensitive, multi-valued, order-preserving", () => {
    const m = new HTTPMessage([["Host", "a"], ["Set-Cookie", "x=1"], ["Accept", "*/*"], ["set-cookie", "y=2"]]);
    expect(m.size).toBe(4);
    expect(m.get("HOST")).toBe("a");
    expect(m.get("set-COOKIE")).toBe("x=1");
    expect(m.getAll("Set-Cookie")).toEqual(["x=1", "y=2"]);
    expect(m.has("accept")).toBe(true);
    expect(m.has("nope")).toBe(false);
    expect(m.keys()).toEqual(["Host", "Set-Cookie", "Accept", "set-cookie"]);
    expect(m.values()).toEqual(["a", "x=1", "*/*", "y=2"]);
    expect([...m]).toEqual(m.rawPairs());
    expect([...m.entries()][3]).toEqual(["set-cookie", "y=2"]);
  });

  // cpython test_httplib: HTTPResponseTest.test_getting_nonexistent_header_*
  test("get with and without fallback", () => {
    const m = new HTTPMessage();
    expect(m.get("No-Such-Header")).toBeUndefined();
    expect(m.get("No-Such-Header", "default-value")).toBe("default-value");
    expect(m.getAll("No-Such-Header")).toEqual([]);
    m.add("Empty", "");
    expect(m.get("empty", "fallback")).toBe("");
  });

  test("set replaces every field in place of the first; add appends", () => {
    const m = new HTTPMessage([["A", "1"], ["B", "2"], ["a", "3"], ["C", "4"]]);
    m.set("A", "x");
    expect(m.rawPairs()).toEqual([["A", "x"], ["B", "2"], ["C", "4"]]);
    m.set("D", "5").add("b", "6");
    expect(m.rawPairs()).toEqual([["A", "x"], ["B", "2"], ["C", "4"], ["D", "5"], ["b", "6"]]);
  });

  test("delete removes all fields of a name", () => {
    const m = new HTTPMessage([["A", "1"], ["B", "2"], ["a", "3"]]);
    expect(m.delete("a")).toBe(true);
    expect(m.delete("a")).toBe(false);
    expect(m.rawPairs()).toEqual([["B", "2"]]);
    expect(m.size).toBe(1);
  });

  test("rawPairs returns a copy", () => {
    const m = new HTTPMessage([["A", "1"]]);
    m.rawPairs()[0][1] = "changed";
    expect(m.get("a")).toBe("1");
  });

  test("toString gives CRLF lines in wire order", () => {
    const m = new HTTPMessage([["Host", "a"], ["X-Y", "b c"]]);
    expect(m.toString()).toBe("Host: a\r\nX-Y: b c\r\n");
    expect(new HTTPMessage().toString()).toBe("");
  });

  // As email.message.Message.get_content_type() / get_content_charset().
  test.each([
    [undefined, "text/plain", undefined],
    ["text/html", "text/html", undefined],
    ["Text/HTML; Charset=UTF-8", "text/html", "utf-8"],
    ['application/json; charset="ISO-8859-1"', "application/json", "iso-8859-1"],
    ["text/html; foo=bar; charset=utf-8", "text/html", "utf-8"],
    ['text/html; foo="a;b"; charset=koi8-r', "text/html", "koi8-r"],
    ["text/html; foo; charset=utf-8", "text/html", "utf-8"],
    ["garbage", "text/plain", undefined],
    ["a/b/c", "text/plain", undefined],
    ["text/", "text/plain", undefined],
  ])("Content-Type %p -> %p, charset %p", (value, type, charset) => {
    const m = new HTTPMessage();
    if (value !== undefined) m.add("Content-Type", value);
    expect(m.getContentType()).toBe(type);
    expect(m.getContentCharset()).toBe(charset);
    expect(m.getContentCharset("fallback")).toBe(charset ?? "fallback");
  });
});

describe("count", () => {
  test("counts the fields of a name, case-insensitively, as getAll().length", () => {
    const m = new HTTPMessage([
      ["Host", "a"],
      ["X", "1"],
      ["host", "b"],
    ]);
    expect(m.count("HOST")).toBe(2);
    expect(m.count("x")).toBe(1);
    expect(m.count("missing")).toBe(0);
    expect(m.count("host")).toBe(m.getAll("host").length);
  });
});
