// BaseHTTPRequestHandler.withOptions: a subclass configured without writing a class.
import { describe, expect, test } from "@jest/globals";
import { BaseHTTPRequestHandler } from "../src/index.js";

class Hello extends BaseHTTPRequestHandler {
  do_GET(): void {
    this.sendResponse(200);
    this.endHeaders();
  }
}

describe("withOptions", () => {
  test("sets class properties on a new subclass, leaves the class it came from alone, skips undefined", () => {
    const Configured = Hello.withOptions({ protocolVersion: "HTTP/1.1", serverVersion: undefined });
    expect(Object.getPrototypeOf(Configured)).toBe(Hello);
    expect(Configured.prototype.protocolVersion).toBe("HTTP/1.1");
    expect(Configured.prototype.serverVersion).toBe(Hello.prototype.serverVersion);
    expect(Hello.prototype.protocolVersion).toBe("HTTP/1.0");
    expect(Object.hasOwn(Configured.prototype, "serverVersion")).toBe(false);
  });
});
