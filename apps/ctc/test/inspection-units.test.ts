// HTTPS inspection settings without sockets: the flags, the config file's "httpsInspection"
// object (flags win), the default CA directory shared with Alfajor, loopback detection for the
// warning, and the origin CA files.
import { describe, expect, test } from "@jest/globals";
import { writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { defaultCaDir, defaultOptions, isLoopback, parseCommandLine, readOriginCAs, resolveOptions, underDomain, UsageError } from "../src/index.js";
import { tempDir } from "./helpers.js";

describe("inspection flags and config", () => {
  test("the flags, repeatable lists lower-cased, wildcard prefixes dropped", () => {
    const line = parseCommandLine(["--https-inspection", "--ca-dir", "/tmp/ca", "--inspect", "Shop.Example", "--no-inspect", "*.bank.example", "--no-inspect=.pay.example", "--origin-ca", "corp.pem"]);
    expect(line).toEqual({
      action: "run",
      config: null,
      flags: { httpsInspection: true, caDir: "/tmp/ca", inspect: ["shop.example"], neverInspect: ["bank.example", "pay.example"], originCa: ["corp.pem"] },
    });
    expect(() => parseCommandLine(["--inspect", "not a host"])).toThrow("--inspect: not a host name: not a host");
    expect(() => parseCommandLine(["--https-inspection=yes"])).toThrow("--https-inspection takes no value");
  });

  test("defaults: off, the shared CA directory under XDG_CONFIG_HOME or ~/.config", () => {
    const d = defaultOptions();
    expect([d.httpsInspection, d.inspect, d.neverInspect, d.originCa]).toEqual([false, [], [], []]);
    expect(defaultCaDir({ XDG_CONFIG_HOME: "/x/conf" })).toBe("/x/conf/stdhttp-proxy/ca");
    expect(defaultCaDir({})).toBe(path.join(homedir(), ".config", "stdhttp-proxy", "ca"));
  });

  test('the config file\'s "httpsInspection" object, paths relative to the file; flags win', () => {
    const tmp = tempDir();
    try {
      const file = path.join(tmp.dir, "ctc.json");
      writeFileSync(file, JSON.stringify({ httpsInspection: { enabled: true, caDir: "ca", inspect: ["a.example"], neverInspect: ["bank.example"], originCa: ["corp.pem"] } }));
      const o = resolveOptions({ neverInspect: ["other.example"] }, file);
      expect([o.httpsInspection, o.caDir, o.inspect, o.neverInspect, o.originCa]).toEqual([true, path.join(tmp.dir, "ca"), ["a.example"], ["other.example"], [path.join(tmp.dir, "corp.pem")]]);
      expect(resolveOptions({ httpsInspection: false }, file).httpsInspection).toBe(false);
      writeFileSync(file, JSON.stringify({ httpsInspection: { enabled: "yes" } }));
      expect(() => resolveOptions({}, file)).toThrow(`${file}: "httpsInspection".enabled: expected true or false`);
      writeFileSync(file, JSON.stringify({ httpsInspection: { caDirectory: "x" } }));
      expect(() => resolveOptions({}, file)).toThrow("unknown setting (known: enabled, caDir, inspect, neverInspect, originCa)");
    } finally {
      tmp.remove();
    }
  });
});

describe("inspection helpers", () => {
  test("loopback addresses (no warning) and others", () => {
    for (const a of ["127.0.0.1", "127.1.2.3", "::1", "localhost"]) expect(isLoopback(a)).toBe(true);
    for (const a of ["0.0.0.0", "::", "192.168.1.10", "example.com"]) expect(isLoopback(a)).toBe(false);
  });

  test("domains cover their subdomains only", () => {
    expect(underDomain("www.bank.example", "bank.example")).toBe(true);
    expect(underDomain("bank.example", "bank.example")).toBe(true);
    expect(underDomain("notbank.example", "bank.example")).toBe(false);
  });

  test("origin CA files: read, or a usage error naming the file", () => {
    const tmp = tempDir();
    try {
      const good = path.join(tmp.dir, "ca.pem");
      const bad = path.join(tmp.dir, "notes.txt");
      writeFileSync(good, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
      writeFileSync(bad, "hello");
      expect(readOriginCAs([good])).toHaveLength(1);
      expect(() => readOriginCAs([bad])).toThrow(`--origin-ca: ${bad} holds no PEM certificate`);
      expect(() => readOriginCAs([path.join(tmp.dir, "none.pem")])).toThrow(UsageError);
    } finally {
      tmp.remove();
    }
  });
});
