/**
 * Ports of CPython 3.13's Lib/test/test_httpservers.py cases for `SimpleHTTPRequestHandler`
 * (SimpleHTTPServerTestCase over real sockets, SimpleHTTPRequestHandlerTestCase on a handler
 * built without a socket). The requests are the bytes CPython's http.client sends (`Host` and
 * `Accept-Encoding: identity`, HTTP/1.1 request line); the server keeps the handler's default
 * `protocolVersion` (HTTP/1.0), as CPython's tests do.
 *
 * Layout, as CPython's setUp: the server serves a directory (CPython: `tempfile.gettempdir()`,
 * the process's cwd; here a private temp directory, so other files in /tmp play no part), and
 * each test gets a fresh `tempdir` inside it holding `test`; URLs start with `/<tempdir name>`.
 */
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import nodePath from "node:path";
import { SimpleHTTPRequestHandler } from "../src/index.js";
import { makeTempDir, rawRequest, serveDirectory, type RawResponse, type RunningServer } from "./helpers.js";

/** Status and reason phrase as CPython's server sends them. */
const OK: [number, string] = [200, "OK"];
const MOVED_PERMANENTLY: [number, string] = [301, "Moved Permanently"];
const NOT_MODIFIED: [number, string] = [304, "Not Modified"];
/** `send_error(HTTPStatus.NOT_FOUND, "File not found")`: the message is the reason phrase. */
const NOT_FOUND: [number, string] = [404, "File not found"];
/** `send_error(HTTPStatus.NOT_FOUND, "No permission to list directory")`. */
const NOT_FOUND_NO_PERMISSION: [number, string] = [404, "No permission to list directory"];
/** `send_error(HTTPStatus.NOT_IMPLEMENTED, "Unsupported method (%r)" % command)`. */
const notImplemented = (command: string): [number, string] => [501, `Unsupported method ('${command}')`];

describe("cpython SimpleHTTPServerTestCase", () => {
  const data = Buffer.from("We are the knights who say Ni!");
  let root: ReturnType<typeof makeTempDir>;
  let srv: RunningServer;
  let tempdir: string;
  let tempdirName: string;
  let baseUrl: string;
  /** The mtime of `test` in whole seconds (CPython's `last_modif_datetime`, microseconds dropped). */
  let lastModifSeconds: number;
  /** `email.utils.formatdate(mtime, usegmt=True)`. */
  let lastModifHeader: string;

  beforeEach(async () => {
    root = makeTempDir();
    srv = await serveDirectory(root.path);
    tempdir = mkdtempSync(nodePath.join(root.path, "tmp"));
    tempdirName = nodePath.basename(tempdir);
    baseUrl = "/" + tempdirName;
    const tempname = nodePath.join(tempdir, "test");
    writeFileSync(tempname, data);
    lastModifSeconds = Math.floor(statSync(tempname).mtimeMs / 1000);
    lastModifHeader = formatdate(lastModifSeconds);
  });

  afterEach(async () => {
    await srv.stop();
    root.remove();
  });

  /** CPython's `self.request(uri, method, body, headers)` (a new http.client connection each time). */
  function request(uri: string, method = "GET", headers: Array<[string, string]> = []): Promise<RawResponse> {
    return rawRequest(srv.port, uri, { method, headers });
  }

  /**
   * CPython's `check_status_and_reason`: the status and reason phrase, the body when `expected`
   * is given (and not empty: CPython checks `if data:`), an HTTP/1.0 answer without a persistent
   * connection (`Connection` absent or `close`), nothing sent after the body, the connection closed.
   */
  function checkStatusAndReason(response: RawResponse, [status, reason]: [number, string], expected?: Buffer): Buffer {
    expect(response.status).toBe(status);
    expect(response.reason).toBe(reason);
    if (expected !== undefined && expected.length > 0) expect(response.body.toString("latin1")).toBe(expected.toString("latin1"));
    expect(response.version).toBe("HTTP/1.0");
    expect(response.headers.get("Connection") ?? "close").toBe("close");
    expect(response.rest.toString("latin1")).toBe("");
    expect(response.closed).toBe(true);
    return response.body;
  }

  // cpython test_httpservers: test_undecodable_filename
  // os_helper.TESTFN_UNDECODABLE on a UTF-8 file system is b'@test_<pid>_tmp\xe7w\xf0'; the name
  // is made with a Buffer path. Also run with a lone 0xFF byte (the next candidate os_helper
  // tries). Listing: the raw bytes in the text, `quote(name, errors="surrogatepass")` in the link
  // (0xE7 -> U+DCE7 -> %ED%B3%A7, 0xFF -> %ED%B3%BF); requesting that link serves the file.
  // (Skipped by CPython on Apple platforms and Windows only.)
  test("test_undecodable_filename", async () => {
    const ascii = `@test_${process.pid}_tmp`;
    const cases: Array<{ undecodable: Buffer; quoted: string }> = [
      { undecodable: Buffer.concat([Buffer.from(ascii), Buffer.from([0xe7, 0x77, 0xf0])]), quoted: `%40test_${process.pid}_tmp%ED%B3%A7w%ED%B3%B0.txt` },
      { undecodable: Buffer.concat([Buffer.from(ascii), Buffer.from([0xff])]), quoted: `%40test_${process.pid}_tmp%ED%B3%BF.txt` },
    ];
    for (const { undecodable, quoted } of cases) {
      const filename = Buffer.concat([undecodable, Buffer.from(".txt")]);
      writeFileSync(Buffer.concat([Buffer.from(tempdir + "/"), filename]), undecodable);
      const response = await request(baseUrl + "/");
      const body = checkStatusAndReason(response, OK);
      expect(body.includes(Buffer.from(`href="${quoted}"`, "latin1"))).toBe(true);
      // html.escape leaves '@', letters and the raw bytes alone.
      expect(body.includes(Buffer.concat([Buffer.from(">"), filename, Buffer.from("<")]))).toBe(true);
      const file = await request(baseUrl + "/" + quoted);
      checkStatusAndReason(file, OK, undecodable);
    }
  });

  // cpython test_httpservers: test_undecodable_parameter
  test("test_undecodable_parameter", async () => {
    // sanity check using a valid parameter
    let response = (await request(baseUrl + "/?x=123")).body;
    expect(response.toString("latin1")).toContain(`listing for ${baseUrl}/?x=123`);
    // now the bogus encoding: CPython's fallback unquote(errors="replace") shows U+FFFD (UTF-8 EF BF BD)
    response = (await request(baseUrl + "/?x=%bb")).body;
    expect(response.toString("latin1")).toContain(`listing for ${baseUrl}/?x=\xef\xbf\xbd`);
  });

  // cpython test_httpservers: test_get_dir_redirect_location_domain_injection_bug (gh-87389)
  test("test_get_dir_redirect_location_domain_injection_bug", async () => {
    mkdirSync(nodePath.join(tempdir, "existing_directory"));
    const url = `/python.org/..%2f..%2f..%2f..%2f..%2f../%0a%0d/../${tempdirName}/existing_directory`;
    const expectedLocation = `${url}/`; // /python.org.../ single slash single prefix, trailing slash
    // Canonicalizes to <root>/<tempdir name>/existing_directory, which exists and is a directory.
    let response = await request(url);
    checkStatusAndReason(response, MOVED_PERMANENTLY);
    expect(response.headers.get("Location")).toBe(expectedLocation); // non-attack failed!

    // //python.org... multi-slash prefix, no trailing slash
    const attackUrl = `/${url}`;
    response = await request(attackUrl);
    checkStatusAndReason(response, MOVED_PERMANENTLY);
    let location = response.headers.get("Location") ?? "";
    expect(location.startsWith("//")).toBe(false);
    expect(location).toBe(expectedLocation);

    // ///python.org... triple-slash prefix, no trailing slash
    const attack3Url = `//${url}`;
    response = await request(attack3Url);
    checkStatusAndReason(response, MOVED_PERMANENTLY);
    expect(response.headers.get("Location")).toBe(expectedLocation);

    // A full URI as request-target: the scheme and host make it through into the Location.
    const attackSchemeNetloc2slashUrl = `https://pypi.org/${url}`;
    response = await request(attackSchemeNetloc2slashUrl);
    checkStatusAndReason(response, MOVED_PERMANENTLY);
    location = response.headers.get("Location") ?? "";
    expect(location).toMatch(/^https:\/\/pypi\.org\//);
  });

  // cpython test_httpservers: test_get
  test("test_get", async () => {
    // constructs the path relative to the root directory of the HTTPServer
    let response = await request(baseUrl + "/test");
    checkStatusAndReason(response, OK, data);
    // check for trailing "/" which should return 404. See Issue17324
    response = await request(baseUrl + "/test/");
    checkStatusAndReason(response, NOT_FOUND);
    response = await request(baseUrl + "/");
    checkStatusAndReason(response, OK);
    response = await request(baseUrl);
    checkStatusAndReason(response, MOVED_PERMANENTLY);
    expect(response.headers.get("Content-Length")).toBe("0");
    response = await request(baseUrl + "/?hi=2");
    checkStatusAndReason(response, OK);
    response = await request(baseUrl + "?hi=1");
    checkStatusAndReason(response, MOVED_PERMANENTLY);
    expect(response.headers.get("Location")).toBe(baseUrl + "/?hi=1");
    response = await request("/ThisDoesNotExist");
    checkStatusAndReason(response, NOT_FOUND);
    response = await request("/ThisDoesNotExist/");
    checkStatusAndReason(response, NOT_FOUND);
    // an index.html that is a directory is no index page: the directory is listed
    mkdirSync(nodePath.join(tempdir, "spam", "index.html"), { recursive: true });
    response = await request(baseUrl + "/spam/");
    checkStatusAndReason(response, OK);

    const index = Buffer.from("Dummy index file\r\n");
    writeFileSync(nodePath.join(tempdir, "index.html"), index);
    response = await request(baseUrl + "/");
    checkStatusAndReason(response, OK, index);

    // chmod() doesn't work as expected on Windows, and filesystem permissions are ignored by
    // root on Unix (as CPython, this part runs only when not root).
    if (process.platform !== "win32" && process.geteuid?.() !== 0) {
      chmodSync(tempdir, 0);
      try {
        response = await request(baseUrl + "/");
        checkStatusAndReason(response, NOT_FOUND_NO_PERMISSION);
      } finally {
        chmodSync(tempdir, 0o755);
      }
    }
  });

  // cpython test_httpservers: test_head
  test("test_head", async () => {
    const response = await request(baseUrl + "/test", "HEAD");
    checkStatusAndReason(response, OK);
    expect(response.headers.get("content-length")).toBe(String(data.length));
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
  });

  // cpython test_httpservers: test_browser_cache
  test("test_browser_cache", async () => {
    // If-Modified-Since set to the date of last modification: 304, not 200
    let response = await request(baseUrl + "/test", "GET", [["If-Modified-Since", lastModifHeader]]);
    checkStatusAndReason(response, NOT_MODIFIED);

    // one hour after last modification: must return 304
    response = await request(baseUrl + "/test", "GET", [["If-Modified-Since", formatdate(lastModifSeconds + 3600)]]);
    checkStatusAndReason(response, NOT_MODIFIED);
  });

  // cpython test_httpservers: test_browser_cache_file_changed
  test("test_browser_cache_file_changed", async () => {
    // with If-Modified-Since earlier than Last-Modified (365 days before), must return 200
    const response = await request(baseUrl + "/test", "GET", [["If-Modified-Since", formatdate(lastModifSeconds - 365 * 86400)]]);
    checkStatusAndReason(response, OK);
  });

  // cpython test_httpservers: test_browser_cache_with_If_None_Match_header
  test("test_browser_cache_with_If_None_Match_header", async () => {
    // if If-None-Match header is present, ignore If-Modified-Since
    const response = await request(baseUrl + "/test", "GET", [
      ["If-Modified-Since", lastModifHeader],
      ["If-None-Match", "*"],
    ]);
    checkStatusAndReason(response, OK);
  });

  // cpython test_httpservers: test_invalid_requests
  test("test_invalid_requests", async () => {
    let response = await request("/", "FOO");
    checkStatusAndReason(response, notImplemented("FOO"));
    // requests must be case sensitive, so this should fail too
    response = await request("/", "custom");
    checkStatusAndReason(response, notImplemented("custom"));
    response = await request("/", "GETs");
    checkStatusAndReason(response, notImplemented("GETs"));
  });

  // cpython test_httpservers: test_last_modified
  test("test_last_modified", async () => {
    // the Last-Modified header is the file's modification time, rounded to the second
    const response = await request(baseUrl + "/test");
    checkStatusAndReason(response, OK, data);
    expect(response.headers.get("Last-modified")).toBe(lastModifHeader);
  });

  // cpython test_httpservers: test_path_without_leading_slash
  // Deliberate difference: a request-target that is neither origin-form nor absolute-form is
  // refused by the base server (RFC 9112 3.2; basehttpserver's conformance rules), where CPython
  // serves it (and then checks the file, its 404 with a trailing slash, and the redirect keeping
  // the relative form: `Location: tmpXXX/?hi=1`).
  test("test_path_without_leading_slash", async () => {
    const refused = await request(tempdirName + "/test");
    expect(refused.status).toBe(400);
  });

  // cpython test_httpservers: test_html_escape_filename
  test("test_html_escape_filename", async () => {
    const filename = "<test&>.txt";
    writeFileSync(nodePath.join(tempdir, filename), "");
    const response = await request(baseUrl + "/");
    const body = checkStatusAndReason(response, OK);
    // response.headers.get_content_charset()
    const enc = /;\s*charset="?([^";]+)"?/i.exec(response.headers.get("Content-Type") ?? "")?.[1];
    expect(enc).toBeDefined();
    const htmlText = ">&lt;test&amp;&gt;.txt<"; // '>%s<' % html.escape(filename, quote=False)
    expect(body.includes(Buffer.from(htmlText, enc as BufferEncoding))).toBe(true);
  });
});

/** A handler made without a socket (CPython's SocketlessRequestHandler): for `translatePath`. */
function socketless(Handler: new (request: never, clientAddress: [string, number], server: never) => SimpleHTTPRequestHandler<unknown>): SimpleHTTPRequestHandler<unknown> {
  return new Handler(undefined as never, ["127.0.0.1", 0], undefined as never);
}

describe("cpython SimpleHTTPRequestHandlerTestCase", () => {
  // Test url parsing. CPython's handler_2 keeps `directory='foo'` relative and expects
  // os.path.join('foo', 'filename'); `withOptions` resolves a relative directory against the cwd
  // once (documented: `rootDirectory` is absolute), so the expected path is the same file's
  // absolute name. handler_3's `pathlib.PurePath('bar')` has no TypeScript counterpart: it is a
  // subclass that overrides `directory` with a field, the other way of configuring the class.
  class BarHandler extends SimpleHTTPRequestHandler {
    override directory = "bar";
  }
  const handlers = (): Array<[SimpleHTTPRequestHandler<unknown>, string]> => [
    [socketless(SimpleHTTPRequestHandler), nodePath.join(process.cwd(), "filename")],
    [socketless(SimpleHTTPRequestHandler.withOptions({ directory: "foo" })), nodePath.resolve("foo", "filename")],
    [socketless(BarHandler), nodePath.resolve("bar", "filename")],
  ];

  // cpython test_httpservers: test_query_arguments
  test("test_query_arguments", () => {
    for (const [handler, translated] of handlers()) {
      expect(handler.translatePath("/filename")).toBe(translated);
      expect(handler.translatePath("/filename?foo=bar")).toBe(translated);
      expect(handler.translatePath("/filename?a=b&spam=eggs#zot")).toBe(translated);
    }
  });

  // cpython test_httpservers: test_start_with_double_slash
  test("test_start_with_double_slash", () => {
    for (const [handler, translated] of handlers()) {
      expect(handler.translatePath("//filename")).toBe(translated);
      expect(handler.translatePath("//filename?foo=bar")).toBe(translated);
    }
  });

  // cpython test_httpservers: test_windows_colon
  // CPython swaps `os.path` for `ntpath`, under which translate_path drops the components with a
  // drive or a backslash and lands on <directory>/filename. Our translatePath uses the platform's
  // path module (no swapping it here); the platform-independent guard is `pathRefusal`, which
  // `sendHead` consults first: every such path is refused (404), so it can never name a file
  // anywhere, and the translated path never leaves the directory.
  test("test_windows_colon", () => {
    const paths = ["c:c:c:foo/filename", "\\c:../filename", "c:\\c:..\\foo/filename", "c:c:foo\\c:c:bar/filename"];
    for (const [handler, translated] of handlers()) {
      const dir = nodePath.dirname(translated);
      for (const path of paths) {
        expect(handler.pathRefusal(path)).toBe(404);
        const result = handler.translatePath(path);
        expect(result.startsWith(dir + nodePath.sep)).toBe(true);
        expect(nodePath.relative(dir, result).split(nodePath.sep)).not.toContain("..");
      }
    }
  });
});

// Not ported: MiscTestCase.test_all (checks Python's `__all__`, which ESM exports replace and
// tsc checks); ScriptTestCase (the `http.server` command line, `test()`: the command is
// src/cli.ts, tested with it); CGIHTTPServerTestCase (packages/cgihttpserver);
// BaseHTTPRequestHandlerTestCase uses a SimpleHTTPRequestHandler subclass only as a socketless
// stand-in whose do_GET replaces ours: it tests the base handler (packages/basehttpserver).

/** `email.utils.formatdate(seconds, usegmt=True)`: `Wed, 01 May 2024 12:34:56 GMT`. */
function formatdate(seconds: number): string {
  return new Date(seconds * 1000).toUTCString();
}
