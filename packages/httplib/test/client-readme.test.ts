/**
 * The README lists every error class with its code (a class missing from the table fails here),
 * and its handbook example matches the one the legacy test runs.
 */
import { describe, expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import * as lib from "../src/index.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  const errorClasses = Object.entries(lib).filter(
    ([, v]) => typeof v === "function" && (v === lib.HTTPException || (v as { prototype?: unknown }).prototype instanceof lib.HTTPException),
  ) as Array<[string, { code: string }]>;

  test("there are error classes to check", () => {
    expect(errorClasses.length).toBeGreaterThan(25);
  });

  test.each(errorClasses)("error table lists %s with its code", (name, cls) => {
    expect(readme).toContain(`| \`${name}\` |`);
    expect(readme).toContain(`\`${cls.code}\``);
  });

  test("the error table has one row per exported error class, with that class's code", () => {
    const section = readme.slice(readme.indexOf("## Error codes"), readme.indexOf("\n## ", readme.indexOf("## Error codes") + 1));
    const rows = new Map<string, string>();
    for (const m of section.matchAll(/^\| `(\w+)` \| [^|]+ \| `(ERR_[A-Z_]+)` \|/gm)) rows.set(m[1], m[2]);
    for (const [name, cls] of errorClasses) expect([name, rows.get(name)]).toEqual([name, cls.code]);
    expect(new Set(rows.values()).size).toBe(rows.size);
  });

  test("documents the handbook example", () => {
    expect(readme).toContain('h.putRequest("GET", "/index.html");');
    expect(readme).toContain("const [errcode, errmsg, headers] = await h.getReply();");
  });

  test("links the message layer document", () => {
    expect(readme).toContain("(docs/message-layer.md)");
  });
});
