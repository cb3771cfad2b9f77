/**
 * The 2002 API: httplib's `HTTP` class as the Python handbook uses it, against a local Python
 * http.server (never the internet), and its `[-1, line, null]` answer to a bad status line.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { HTTP, HTTPS } from "../src/index.js";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PY_ECHO_SERVER, pythonHttpServer, pythonServer, rawServer, type TestServer } from "./helpers/servers.js";

describe("HTTP (httplib 2.7 compatibility class)", () => {
  let py: TestServer;
  beforeAll(async () => {
    py = await pythonServer(PY_ECHO_SERVER);
  });
  afterAll(async () => {
    await py.close();
  });

  // The handbook example, rewritten:
  //   h = httplib.HTTP('www.python.org'); h.putrequest('GET', '/index.html')
  //   h.putheader('Accept', 'text/html'); h.putheader('Accept', 'text/plain'); h.endheaders()
  //   errcode, errmsg, headers = h.getreply(); f = h.getfile(); data = f.read(); f.close()
  test("handbook example", async () => {
    const h = new HTTP(`127.0.0.1:${py.port}`);
    h.putRequest("GET", "/index.html");
    h.putHeader("Accept", "text/html");
    h.putHeader("Accept", "text/plain");
    await h.endHeaders();
    const [errcode, errmsg, headers] = await h.getReply();
    expect(errcode).toBe(200); // Should be 200
    expect(errmsg).toBe("OK");
    expect(headers!.get("content-type")).toBe("text/plain");
    const f = h.getFile()!;
    const data = await f.read(); // Get the raw HTML
    f.close();
    expect(data.toString()).toBe("<html><body>Hello from Python</body></html>\n");
    h.close();
  });

  test("handbook example against `python3 -m http.server`", async () => {
    const dir = await mkdtemp(join(tmpdir(), "httplib-www-"));
    const html = "<html><head><title>Python</title></head><body>Welcome</body></html>\n";
    await writeFile(join(dir, "index.html"), html);
    const www = await pythonHttpServer(dir);
    try {
      const h = new HTTP(`127.0.0.1:${www.port}`);
      h.putRequest("GET", "/index.html");
      h.putHeader("Accept", "text/html");
      h.putHeader("Accept", "text/plain");
      await h.endHeaders();
      const [errcode, errmsg, headers] = await h.getReply();
      expect(errcode).toBe(200);
      expect(errmsg).toBe("OK");
      expect(headers!.get("content-type")).toBe("text/html");
      const f = h.getFile()!;
      const data = await f.read();
      f.close();
      expect(data.toString()).toBe(html);
      h.close();
    } finally {
      await www.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("sends HTTP/1.0 and both Accept values", async () => {
    const h = new HTTP(`127.0.0.1:${py.port}`);
    h.putRequest("GET", "/echo");
    h.putHeader("Accept", "text/html", "text/plain");
    await h.endHeaders();
    const [code] = await h.getReply();
    expect(code).toBe(200);
    // The Python handler echoes "METHOD PATH ACCEPT"; http.server answers HTTP/1.0 with HTTP/1.1
    // framing, so the body is delimited by Content-Length.
    expect((await h.getFile()!.read()).toString()).toBe("GET /echo text/html, text/plain");
    h.close();
  });

  test("connect(host, port) and port 0 meaning the default", async () => {
    const h = new HTTP("", 0);
    expect(h.conn.port).toBe(80);
    await h.connect("127.0.0.1", py.port);
    expect(h.conn.sock).not.toBeNull();
    h.putRequest("GET", "/x");
    await h.endHeaders();
    const [code] = await h.getReply();
    expect(code).toBe(200);
    h.close();
    expect(h.getFile()).toBeNull();
  });

  test("getReply on a bad status line: [-1, line, null] and the raw bytes as file", async () => {
    const server = await rawServer("NOT HTTP AT ALL\r\n\r\nrest");
    try {
      const h = new HTTP("127.0.0.1", server.port);
      h.putRequest("GET", "/");
      await h.endHeaders();
      const [code, line, headers] = await h.getReply();
      expect(code).toBe(-1);
      expect(line).toBe("NOT HTTP AT ALL");
      expect(headers).toBeNull();
      expect(h.headers).toBeNull();
      expect((await h.getFile()!.read()).toString()).toBe("NOT HTTP AT ALL\r\n\r\nrest");
      h.close();
    } finally {
      await server.close();
    }
  });

  test("HTTPS class builds an HTTPSConnection on port 443", () => {
    const h = new HTTPS("example.com");
    expect(h.conn.port).toBe(443);
    expect(h.conn.constructor.name).toBe("HTTPSConnection");
    h.close();
  });
});
