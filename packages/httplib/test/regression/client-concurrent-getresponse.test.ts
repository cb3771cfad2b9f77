/**
 * Regression: with pipelining, two getResponse() calls made back to back (before the first head
 * arrived) both parsed the same socket buffer, so the second saw the first's body as its status
 * line ("r0HTTP/1.1 200 OK"). getResponse() now waits until the previous head is parsed and its
 * body read.
 */
import { expect, test } from "@jest/globals";
import { HTTPConnection } from "../../src/index.js";
import { rawServer } from "../helpers/servers.js";

test("back-to-back getResponse() calls are served in order", async () => {
  const server = await rawServer((socket, _all, index) => {
    if (index === 1) socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nr0HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nr1");
  });
  const conn = new HTTPConnection("127.0.0.1", server.port, { pipelining: 2 });
  try {
    await conn.request("GET", "/0");
    await conn.request("GET", "/1");
    const [a, b] = [conn.getResponse(), conn.getResponse()];
    expect((await (await a).read()).toString()).toBe("r0");
    expect((await (await b).read()).toString()).toBe("r1");
  } finally {
    conn.close();
    await server.close();
  }
});
