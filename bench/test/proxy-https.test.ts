// The proxy-https workload (issue 20): registered with its cases and contenders; the load child
// and our proxy child talk HTTPS through a real tunnel (checked by running one short case).
import { describe, expect, test } from "@jest/globals";
import { selectCases, WORKLOADS } from "../src/registry.js";

describe("proxy-https workload", () => {
  test("is registered: keep-alive requests/s (ours inspecting, Privoxy inspecting, ours tunnelling) and the first request to a new host", () => {
    const cases = selectCases(WORKLOADS, ["proxy-https"]);
    expect(cases.map((c) => c.id)).toEqual(["proxy-https-1k", "proxy-https-first"]);
    expect(cases[0].contenders.map((x) => [x.name, x.isUs])).toEqual([
      ["@stdhttp proxy, inspecting", true],
      ["Privoxy, inspecting", false],
      ["@stdhttp proxy, tunnel only", false],
    ]);
    expect(cases[1].contenders.map((x) => x.name)).toEqual(["@stdhttp proxy, inspecting", "Privoxy, inspecting"]);
    expect(cases.map((c) => c.targets)).toEqual([{}, {}]);
  });
});
