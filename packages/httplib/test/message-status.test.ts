import { describe, expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { HTTPStatus, responses, statusInfo } from "../src/message/index.js";

// Generated from CPython 3.13.0: `[[s.value, s.name, s.phrase, s.description] for s in http.HTTPStatus]`.
const fixture = JSON.parse(
  readFileSync(fileURLToPath(new URL("./fixtures/message-httpstatus-cpython313.json", import.meta.url)), "utf8"),
) as { members: [number, string, string, string][]; aliases: Record<string, number>; responses: Record<string, string> };

describe("HTTPStatus", () => {
  // cpython test_httplib: BasicTest.test_simple_httpstatus (same members, values, phrases, descriptions)
  test("matches CPython 3.13 http.HTTPStatus member for member", () => {
    const table = HTTPStatus as Readonly<Record<string, number>>;
    for (const [value, name, phrase, description] of fixture.members) {
      expect(table[name]).toBe(value);
      expect(statusInfo(value)).toMatchObject({ value, name, phrase, description });
    }
    for (const [alias, value] of Object.entries(fixture.aliases)) expect(table[alias]).toBe(value);
    expect(Object.keys(table).length).toBe(fixture.members.length + Object.keys(fixture.aliases).length);
  });

  test("constants are numbers", () => {
    expect(HTTPStatus.NOT_FOUND).toBe(404);
    expect(HTTPStatus.CONTINUE).toBe(100);
    expect(HTTPStatus.CONTENT_TOO_LARGE).toBe(413);
    expect(HTTPStatus.IM_A_TEAPOT).toBe(418);
    expect(statusInfo(303)?.phrase).toBe("See Other");
    expect(statusInfo(304)?.phrase).toBe("Not Modified");
    expect(statusInfo(422)?.phrase).toBe("Unprocessable Content");
  });

  test("unregistered codes have no info", () => {
    expect(statusInfo(299)).toBeUndefined();
    expect(statusInfo(0)).toBeUndefined();
    expect(responses[299]).toBeUndefined();
  });

  // cpython test_httplib: OfflineTest.test_responses
  test("responses maps codes to phrases as http.client.responses", () => {
    expect(responses[HTTPStatus.NOT_FOUND]).toBe("Not Found");
    expect(Object.keys(responses).length).toBe(Object.keys(fixture.responses).length);
    for (const [code, phrase] of Object.entries(fixture.responses)) expect(responses[Number(code)]).toBe(phrase);
  });

  test("the table is frozen", () => {
    expect(Object.isFrozen(HTTPStatus)).toBe(true);
    expect(Object.isFrozen(responses)).toBe(true);
  });
});
