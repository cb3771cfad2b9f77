/** The echo workload's cases (issue 14: a 16 KiB line case beside 64 bytes and 64 KiB). */
import { describe, expect, test } from "@jest/globals";
import { selectCases, WORKLOADS } from "../src/registry.js";

describe("echo workload", () => {
  test("has the 64-byte, 16 KiB and 64 KiB line cases, each against node:net", () => {
    const cases = selectCases(WORKLOADS, ["echo"]);
    expect(cases.map((c) => c.id)).toEqual(["echo-64b", "echo-16k", "echo-64k"]);
    for (const c of cases) {
      expect(c.contenders.map((x) => x.name)).toEqual(["@stdhttp ThreadingTCPServer", "node:net"]);
      expect(c.targets["node:net"]).toBe(0.9);
    }
    expect(cases.find((c) => c.id === "echo-16k")?.unit).toBe("rt/s");
  });
});
