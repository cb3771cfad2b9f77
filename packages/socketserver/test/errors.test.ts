/** Every error class is exported with a stable code, a name, and a line in the README (fastify's habit). */
import { describe, expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
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
});
