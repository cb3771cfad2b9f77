/**
 * CPython test_httplib OfflineTest: the public names of http.client exist here too.
 */
import { describe, expect, test } from "@jest/globals";
import * as client from "../src/index.js";

describe("OfflineTest", () => {
  // cpython test_httplib: OfflineTest.test_all
  test("all", () => {
    const expected = [
      "BadStatusLine",
      "CannotSendHeader",
      "CannotSendRequest",
      "ImproperConnectionState",
      "IncompleteRead",
      "InvalidURL",
      "NotConnected",
      "RemoteDisconnected",
      "ResponseNotReady",
      "UnimplementedFileMode",
      "UnknownProtocol",
      "UnknownTransferEncoding",
      "HTTPConnection",
      "HTTPResponse",
      "HTTPSConnection",
      "HTTPException",
      "LineTooLong",
      "HTTPMessage",
      "responses",
      "HTTP_PORT",
      "HTTPS_PORT",
      "HTTP",
      "HTTPS",
    ];
    for (const name of expected) expect(client).toHaveProperty(name);
  });

  // cpython test_httplib: OfflineTest.test_responses
  test("responses", () => {
    expect(client.responses[client.HTTPStatus.NOT_FOUND]).toBe("Not Found");
  });

  // cpython test_httplib: OfflineTest.test_client_constants (as HTTPStatus members)
  test("client constants", () => {
    for (const name of ["CONTINUE", "SWITCHING_PROTOCOLS", "PROCESSING", "OK", "CREATED", "NO_CONTENT", "NOT_MODIFIED", "NOT_FOUND", "REQUEST_HEADER_FIELDS_TOO_LARGE", "NETWORK_AUTHENTICATION_REQUIRED"]) {
      expect(typeof (client.HTTPStatus as unknown as Record<string, number>)[name]).toBe("number");
    }
    expect(client.HTTP_PORT).toBe(80);
    expect(client.HTTPS_PORT).toBe(443);
  });
});
