import { describe, expect, it } from "@jest/globals";
import { childOptions } from "../src/child.js";
import type { RunOptions } from "../src/types.js";

const base = { cpuProfDir: null, pin: false } as unknown as RunOptions;

describe("childOptions (--pin layout)", () => {
  it("leaves every child to the OS when not pinned", () => {
    for (const role of ["server", "load", "fixture"] as const) expect(childOptions(base, role).cpu).toBeNull();
  });

  it("gives the server under test CPU 0 to itself: load generators and fixtures (a proxy's origin) share CPU 1", () => {
    const pinned = { ...base, pin: true };
    expect(childOptions(pinned, "server").cpu).toBe(0);
    expect(childOptions(pinned, "load").cpu).toBe(1);
    expect(childOptions(pinned, "fixture").cpu).toBe(1);
  });
});
