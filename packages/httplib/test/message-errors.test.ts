import { describe, expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as errors from "../src/errors.js";
import * as pkg from "../src/index.js";

const doc = readFileSync(fileURLToPath(new URL("../docs/message-layer.md", import.meta.url)), "utf8");

type ErrorClass = (abstract new (...args: never[]) => errors.HTTPException) & { code: string };
const classes = Object.entries(errors as Record<string, unknown>).filter(
  (entry): entry is [string, ErrorClass] => typeof entry[1] === "function",
);

describe("errors.ts", () => {
  test("exports the CPython http.client hierarchy and the parser errors", () => {
    const names = classes.map(([name]) => name).sort();
    expect(names).toEqual(
      [
        "BadRequestLine", "BadStatusLine", "BodyTooLarge", "CannotSendHeader", "CannotSendRequest",
        "ConflictingFraming", "HTTPException", "HeadTooLarge", "ImproperConnectionState", "IncompleteRead",
        "InvalidChunk", "InvalidContentLength", "InvalidHeader", "InvalidMethod", "InvalidURL", "LineTooLong",
        "NotConnected", "RemoteDisconnected", "ResponseNotReady", "TooManyHeaders", "UnimplementedFileMode",
        "UnknownProtocol", "UnknownTransferEncoding",
      ].sort(),
    );
  });

  test("every class has its own ERR_HTTP_ code, listed in docs/message-layer.md", () => {
    const seen = new Set<string>();
    for (const [name, cls] of classes) {
      expect(cls.code).toMatch(/^ERR_HTTP_[A-Z_]+$/);
      expect(seen.has(cls.code)).toBe(false);
      seen.add(cls.code);
      // The doc table row names the class and its code.
      expect(doc).toContain(`| \`${name}\` |`);
      expect(doc).toContain(`\`${cls.code}\``);
    }
  });

  test("name is the class name, code copied to instances, all are HTTPException and Error", () => {
    const samples: errors.HTTPException[] = [
      new errors.HTTPException("x"), new errors.NotConnected(), new errors.InvalidURL("bad port"),
      new errors.UnknownProtocol("HTTP/2.0"), new errors.UnknownTransferEncoding("gzip"),
      new errors.UnimplementedFileMode(), new errors.IncompleteRead(Buffer.from("ab"), 3),
      new errors.ImproperConnectionState(), new errors.CannotSendRequest(), new errors.CannotSendHeader(),
      new errors.ResponseNotReady(), new errors.BadStatusLine("x"), new errors.LineTooLong("header line"),
      new errors.RemoteDisconnected(), new errors.InvalidHeader("bad-name", "a b"), new errors.TooManyHeaders(100),
      new errors.HeadTooLarge(10), new errors.InvalidContentLength("-1"), new errors.ConflictingFraming(),
      new errors.InvalidChunk("size"), new errors.BodyTooLarge(5), new errors.BadRequestLine("GET"),
      new errors.InvalidMethod("G T"),
    ];
    expect(samples.length).toBe(classes.length);
    for (const err of samples) {
      expect(err).toBeInstanceOf(Error);
      expect(err).toBeInstanceOf(errors.HTTPException);
      expect(err.name).toBe(err.constructor.name);
      expect(err.code).toBe((err.constructor as ErrorClass).code);
    }
  });

  test("hierarchy as CPython: ImproperConnectionState family, RemoteDisconnected is a BadStatusLine", () => {
    expect(new errors.CannotSendRequest()).toBeInstanceOf(errors.ImproperConnectionState);
    expect(new errors.CannotSendHeader()).toBeInstanceOf(errors.ImproperConnectionState);
    expect(new errors.ResponseNotReady()).toBeInstanceOf(errors.ImproperConnectionState);
    expect(new errors.RemoteDisconnected()).toBeInstanceOf(errors.BadStatusLine);
    expect(new errors.RemoteDisconnected().message).toBe("Remote end closed connection without response");
  });

  // cpython test_httplib: BasicTest.test_incomplete_read, test_chunked (messages)
  test("IncompleteRead message and fields as CPython", () => {
    const e = new errors.IncompleteRead(Buffer.from("Hello\r\n"), 3);
    expect(e.message).toBe("IncompleteRead(7 bytes read, 3 more expected)");
    expect(e.partial.toString()).toBe("Hello\r\n");
    expect(e.expected).toBe(3);
    expect(new errors.IncompleteRead(Buffer.alloc(55)).message).toBe("IncompleteRead(55 bytes read)");
    expect(new errors.IncompleteRead(Buffer.alloc(0)).expected).toBeNull();
  });

  // cpython test_httplib: BasicTest.test_bad_status_repr
  test("BadStatusLine('') keeps \"''\" as its line", () => {
    expect(new errors.BadStatusLine("").line).toBe("''");
    expect(new errors.BadStatusLine("junk").line).toBe("junk");
  });

  test("LineTooLong carries lineType and limit, message as CPython", () => {
    const e = new errors.LineTooLong("header line");
    expect(e.message).toBe("got more than 65536 bytes when reading header line");
    expect(e.lineType).toBe("header line");
    expect(new errors.LineTooLong("chunk size", 10).limit).toBe(10);
  });

  test("cause is passed through", () => {
    const cause = new Error("socket");
    expect(new errors.NotConnected("x", { cause }).cause).toBe(cause);
  });

  test("the package root re-exports every error class", () => {
    for (const [name, cls] of classes) expect((pkg as Record<string, unknown>)[name]).toBe(cls);
  });
});
