/** `Via` (RFC 9110 7.6.3): this proxy's entry, where it goes, and loop detection. */
import { describe, expect, test } from "@jest/globals";
import { appendVia, looped, viaHop } from "../src/via.js";

describe("Via", () => {
  test("the entry: the protocol version without its name, then the pseudonym", () => {
    expect(viaHop("HTTP/1.1", "p")).toBe("1.1 p");
    expect(viaHop("HTTP/1.0", "p")).toBe("1.0 p");
    expect(viaHop("1.1", "q")).toBe("1.1 q");
    expect(viaHop("HTTP/1.1", "p")).toBe("1.1 p");
  });

  test("appended to the last Via field (several fields are one list, in order), else a new field", () => {
    const two: Array<[string, string]> = [
      ["Via", "1.1 a"],
      ["Accept", "*/*"],
      ["VIA", "1.0 b"],
    ];
    appendVia(two, "HTTP/1.1", "me");
    expect(two).toEqual([
      ["Via", "1.1 a"],
      ["Accept", "*/*"],
      ["VIA", "1.0 b, 1.1 me"],
    ]);
    const none: Array<[string, string]> = [["Accept", "*/*"]];
    appendVia(none, "HTTP/1.0", "me");
    expect(none).toEqual([
      ["Accept", "*/*"],
      ["Via", "1.0 me"],
    ]);
  });

  test("a loop is our pseudonym as the received-by of any entry, in any case", () => {
    expect(looped([], "me")).toBe(false);
    expect(looped(["1.1 a, 1.1 ME"], "me")).toBe(true);
    expect(looped(["1.1 a", "HTTP/1.1 me (comment)"], "me")).toBe(true);
    expect(looped(["1.1 mea, 1.1 a"], "me")).toBe(false);
  });
});
