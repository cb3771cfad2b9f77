/** Every error class is exported with a stable code, a name, and a line in the README (fastify's habit). */
import { describe, expect, test } from "@jest/globals";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as api from "../src/index.js";

const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "README.md"), "utf8");

const samples: api.SocketServerError[] = [
  new api.SocketTimeout(1),
  new api.LineTooLong(10),
  new api.IncompleteReadError(Buffer.from("ab"), 5),
  new api.ConnectionClosed(),
  new api.ServerStateError("x"),
  new api.UnixDatagramUnavailable(),
  new api.WorkerExited("x"),
  new api.NoWorkerScript(),
  new api.InvalidReplyAddress("x"),
];

describe("errors", () => {
  test("every exported error class is covered by this test", () => {
    const exported = Object.entries(api)
      .filter(([, v]) => typeof v === "function" && v.prototype instanceof api.SocketServerError)
      .map(([k]) => k)
      .sort();
    expect(samples.map((e) => e.name).sort()).toEqual(exported);
  });

  test.each(samples.map((e) => [e.name, e] as const))("%s has a stable code listed in the README", (name, err) => {
    expect(err).toBeInstanceOf(api.SocketServerError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe(name);
    expect(err.code).toMatch(/^ERR_[A-Z_]+$/);
    expect(readme).toContain(`| \`${name}\` | \`${err.code}\` |`);
  });

  // fastify's habit: a new error class whose code is not in the README's table fails here, whatever it extends.
  const errorClasses: Array<[string, { code?: unknown }]> = Object.entries(api as Record<string, unknown>)
    .filter(([, v]) => typeof v === "function" && v.prototype instanceof Error && v !== api.SocketServerError)
    .map(([name, v]) => [name, v as { code?: unknown }]);

  test.each(errorClasses)("exported %s has a static code listed in the README's error table", (name, cls) => {
    expect(cls.code).toMatch(/^ERR_[A-Z_]+$/);
    expect(readme).toContain(`| \`${name}\` | \`${String(cls.code)}\` |`);
  });

  test("each sampled error's code is its class's static code", () => {
    for (const err of samples) expect(err.code).toBe((err.constructor as unknown as { code: string }).code);
  });

  test("NotBuffered is a RangeError with a code (skip() past the buffer)", () => {
    const err = new api.NotBuffered(5, 4);
    expect(err).toBeInstanceOf(RangeError);
    expect(err).toMatchObject({ name: "NotBuffered", code: "ERR_NOT_BUFFERED" });
  });

  test("every error the source throws or rejects with is an exported class with a code", () => {
    const src = join(dirname(fileURLToPath(import.meta.url)), "..", "src");
    const thrown = new Set<string>();
    for (const file of readdirSync(src).filter((f) => f.endsWith(".ts"))) {
      const text = readFileSync(join(src, file), "utf8");
      for (const m of text.matchAll(/(?:throw|reject|fail|done|settle\([^,]+,)\s*\(?\s*new ([A-Z]\w*)\(/g)) thrown.add(m[1]);
    }
    expect(thrown.size).toBeGreaterThan(5);
    const exported = new Set(errorClasses.map(([name]) => name));
    expect([...thrown].filter((name) => !exported.has(name))).toEqual([]);
  });
});
