/**
 * Ports of CPython 3.13's Lib/test/test_httpservers.py `CGIHTTPServerTestCase` over real
 * sockets, with CPython's own CGI scripts (cgi_file1, cgi_file2, cgi_file4, cgi_file6) run by a
 * real python3. The requests are the bytes CPython's http.client sends (`Host` and
 * `Accept-Encoding: identity`, HTTP/1.1 request line); the server keeps the handler's default
 * `protocolVersion` (HTTP/1.0), as CPython's tests do.
 *
 * Layout, as CPython's setUp: a fresh temp directory (`parent_dir`) served by the handler, with
 * `nocgi.py`, `cgi-bin/{file1,file2,file4,file6}.py`, `cgi-bin/child-dir/file3.py` and
 * `sub/dir/cgi-bin/file5.py`. CPython skips this test case as root (issue #13308); here the tests
 * run as root and the handler runs scripts as `nobody`, so the directories and files are given
 * to nobody (as CPython's setUp did when it ran as root), and the `#!` line names a python3
 * nobody can run (see helpers.ts).
 *
 * Our default mode is RFC 3875 (the script's header block is parsed; status line `200 OK`). The
 * cases whose answer comes from a script are run a second time with `cgiMode: "cpython"`, where
 * the answer is CPython's exactly: `200 Script output follows`, then the script's own lines.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { mkdirSync } from "node:fs";
import nodePath from "node:path";
import { CGIHTTPRequestHandler, urlCollapsePath, type CgiMode } from "../src/index.js";
import { giveToScriptUser, makeTempDir, rawRequest, scriptPython, serveCgi, serverLog, writeScript, type RawResponse, type RunningServer } from "./helpers.js";

// CPython's scripts, formatted as its setUp formats them (`cgi_file1 % self.pythonexe`).

const cgiFile1 = (pythonexe: string): string => `#!${pythonexe}

print("Content-type: text/html")
print()
print("Hello World")
`;

const cgiFile2 = (pythonexe: string): string => `#!${pythonexe}
import os
import sys
import urllib.parse

print("Content-type: text/html")
print()

content_length = int(os.environ["CONTENT_LENGTH"])
query_string = sys.stdin.buffer.read(content_length)
params = {key.decode("utf-8"): val.decode("utf-8")
            for key, val in urllib.parse.parse_qsl(query_string)}

print("%s, %s, %s" % (params["spam"], params["eggs"], params["bacon"]))
`;

const cgiFile4 = (pythonexe: string, variable: string): string => `#!${pythonexe}
import os

print("Content-type: text/html")
print()

print(os.environ["${variable}"])
`;

const cgiFile6 = (pythonexe: string): string => `#!${pythonexe}
import os

print("X-ambv: was here")
print("Content-type: text/html")
print()
print("<pre>")
for k, v in os.environ.items():
    try:
        k.encode('ascii')
        v.encode('ascii')
    except UnicodeEncodeError:
        continue  # see: BPO-44647
    print(f"{k}={v}")
print("</pre>")
`;

/** CPython's `self.linesep` (os.linesep). */
const linesep = "\n";

describe("cpython CGIHTTPServerTestCase", () => {
  /** The mode of the server setUp starts (the nested describe switches it to "cpython"). */
  let mode: CgiMode = "rfc3875";
  /** Extra CGI directories for the next setUp (CPython appends to the class's list). */
  let extraCgiDirectories: string[] = [];
  let parent: ReturnType<typeof makeTempDir>;
  let srv: RunningServer;

  // CPython's setUp: the directories and scripts (mode 0755 here, CPython 0777), then the server.
  beforeEach(async () => {
    const pythonexe = scriptPython();
    parent = makeTempDir();
    const parentDir = parent.path;
    const cgiDir = nodePath.join(parentDir, "cgi-bin");
    const cgiChildDir = nodePath.join(cgiDir, "child-dir");
    const subDir1 = nodePath.join(parentDir, "sub");
    const subDir2 = nodePath.join(subDir1, "dir");
    const cgiDirInSubDir = nodePath.join(subDir2, "cgi-bin");
    for (const d of [cgiDir, cgiChildDir, subDir1, subDir2, cgiDirInSubDir]) mkdirSync(d, { mode: 0o755 });
    writeScript(nodePath.join(parentDir, "nocgi.py"), cgiFile1(pythonexe));
    writeScript(nodePath.join(cgiDir, "file1.py"), cgiFile1(pythonexe));
    writeScript(nodePath.join(cgiDir, "file2.py"), cgiFile2(pythonexe));
    writeScript(nodePath.join(cgiChildDir, "file3.py"), cgiFile1(pythonexe));
    writeScript(nodePath.join(cgiDir, "file4.py"), cgiFile4(pythonexe, "QUERY_STRING"));
    writeScript(nodePath.join(cgiDirInSubDir, "file5.py"), cgiFile1(pythonexe));
    writeScript(nodePath.join(cgiDir, "file6.py"), cgiFile6(pythonexe));
    // The directories were made by root: give them (and everything in them) to the scripts' user.
    giveToScriptUser(parentDir);
    const cgiDirectories = [...CGIHTTPRequestHandler.prototype.cgiDirectories, ...extraCgiDirectories];
    serverLog.length = 0;
    srv = await serveCgi(parentDir, { cgiMode: mode, cgiDirectories });
  });

  afterEach(async () => {
    await srv.stop();
    parent.remove();
  });

  /** CPython's `self.request(uri, method, body, headers)` (a new http.client connection each time). */
  function request(uri: string, method = "GET", body?: string, headers: Array<[string, string]> = []): Promise<RawResponse> {
    return rawRequest(srv.port, uri, { method, body, headers });
  }

  /**
   * What CPython checks of a script's answer, `(res.read(), res.getheader('Content-type'),
   * res.status)`, plus the status line's reason phrase of the mode: `OK` (RFC 3875: no Status
   * field, 200) or CPython's `Script output follows`.
   */
  function expectScriptAnswer(res: RawResponse, body: string): void {
    // The server's log rides along on both sides: shown (not compared) when the answer is wrong.
    const context = `server log:\n${serverLog.join("\n")}`;
    expect([res.body.toString("latin1"), res.headers.get("Content-type"), res.status, context]).toEqual([body, "text/html", 200, context]);
    expect(res.reason).toBe(mode === "cpython" ? "Script output follows" : "OK");
  }

  // cpython test_httpservers: test_url_collapse_path
  // CPython's IndexError (`..` above the root) is null here.
  test("test_url_collapse_path", () => {
    // verify tail is the last portion and head is the rest on proper urls
    const testVectors: Array<[string, string | null]> = [
      ["", "//"],
      ["..", null],
      ["/.//..", null],
      ["/", "//"],
      ["//", "//"],
      ["/\\", "//\\"],
      ["/.//", "//"],
      ["cgi-bin/file1.py", "/cgi-bin/file1.py"],
      ["/cgi-bin/file1.py", "/cgi-bin/file1.py"],
      ["a", "//a"],
      ["/a", "//a"],
      ["//a", "//a"],
      ["./a", "//a"],
      ["./C:/", "/C:/"],
      ["/a/b", "/a/b"],
      ["/a/b/", "/a/b/"],
      ["/a/b/.", "/a/b/"],
      ["/a/b/c/..", "/a/b/"],
      ["/a/b/c/../d", "/a/b/d"],
      ["/a/b/c/../d/e/../f", "/a/b/d/f"],
      ["/a/b/c/../d/e/../../f", "/a/b/f"],
      ["/a/b/c/../d/e/.././././..//f", "/a/b/f"],
      ["../a/b/c/../d/e/.././././..//f", null],
      ["/a/b/c/../d/e/../../../f", "/a/f"],
      ["/a/b/c/../d/e/../../../../f", "//f"],
      ["/a/b/c/../d/e/../../../../../f", null],
      ["/a/b/c/../d/e/../../../../f/..", "//"],
      ["/a/b/c/../d/e/../../../../f/../.", "//"],
    ];
    for (const [path, expected] of testVectors) {
      expect({ path, actual: urlCollapsePath(path) }).toEqual({ path, actual: expected });
    }
  });

  // cpython test_httpservers: test_issue19435
  test("test_issue19435", async () => {
    const res = await request("///////////nocgi.py/../cgi-bin/nothere.sh");
    expect(res.status).toBe(404);
  });

  // cpython test_httpservers: test_invaliduri
  test("test_invaliduri", async () => {
    const res = await request("/cgi-bin/invalid");
    expect(res.status).toBe(404);
  });

  /** The cases whose answer comes from a script: run in the default mode and in CPython's. */
  const scriptCases: Array<[string, () => Promise<void>]> = [
    // cpython test_httpservers: test_headers_and_content
    [
      "test_headers_and_content",
      async () => {
        const res = await request("/cgi-bin/file1.py");
        expectScriptAnswer(res, "Hello World" + linesep);
      },
    ],

    // cpython test_httpservers: test_post
    [
      "test_post",
      async () => {
        const params = new URLSearchParams({ spam: "1", eggs: "python", bacon: "123456" }).toString();
        const headers: Array<[string, string]> = [["Content-type", "application/x-www-form-urlencoded"]];
        const res = await request("/cgi-bin/file2.py", "POST", params, headers);
        // CPython checks the body only.
        expect(res.body.toString("latin1")).toBe("1, python, 123456" + linesep);
      },
    ],

    // cpython test_httpservers: test_authorization
    [
      "test_authorization",
      async () => {
        const headers: Array<[string, string]> = [["Authorization", "Basic " + Buffer.from("username:pass").toString("base64")]];
        const res = await request("/cgi-bin/file1.py", "GET", undefined, headers);
        expectScriptAnswer(res, "Hello World" + linesep);
      },
    ],

    // cpython test_httpservers: test_no_leading_slash
    // http://bugs.python.org/issue2254: the request line's target is `cgi-bin/file1.py`.
    // Deliberate difference: the base server refuses a request-target that is neither
    // origin-form nor absolute-form (RFC 9112 3.2) with 400 before any handler runs; CPython
    // collapses it to /cgi-bin/file1.py and runs the script.
    [
      "test_no_leading_slash",
      async () => {
        const res = await request("cgi-bin/file1.py");
        expect(res.status).toBe(400);
      },
    ],

    // cpython test_httpservers: test_os_environ_is_not_altered
    // CPython's EnvironmentVarGuard: the server's environment is restored afterwards.
    [
      "test_os_environ_is_not_altered",
      async () => {
        const saved = process.env.SERVER_SOFTWARE;
        const signature = "Test CGI Server";
        process.env.SERVER_SOFTWARE = signature;
        try {
          const res = await request("/cgi-bin/file1.py");
          expectScriptAnswer(res, "Hello World" + linesep);
          expect(process.env.SERVER_SOFTWARE).toBe(signature);
        } finally {
          if (saved === undefined) delete process.env.SERVER_SOFTWARE;
          else process.env.SERVER_SOFTWARE = saved;
        }
      },
    ],

    // cpython test_httpservers: test_urlquote_decoding_in_cgi_check
    [
      "test_urlquote_decoding_in_cgi_check",
      async () => {
        const res = await request("/cgi-bin%2ffile1.py");
        expectScriptAnswer(res, "Hello World" + linesep);
      },
    ],

    // cpython test_httpservers: test_nested_cgi_path_issue21323
    [
      "test_nested_cgi_path_issue21323",
      async () => {
        const res = await request("/cgi-bin/child-dir/file3.py");
        expectScriptAnswer(res, "Hello World" + linesep);
      },
    ],

    // cpython test_httpservers: test_query_with_multiple_question_mark
    [
      "test_query_with_multiple_question_mark",
      async () => {
        const res = await request("/cgi-bin/file4.py?a=b?c=d");
        expectScriptAnswer(res, "a=b?c=d" + linesep);
      },
    ],

    // cpython test_httpservers: test_query_with_continuous_slashes
    [
      "test_query_with_continuous_slashes",
      async () => {
        const res = await request("/cgi-bin/file4.py?k=aa%2F%2Fbb&//q//p//=//a//b//");
        expectScriptAnswer(res, "k=aa%2F%2Fbb&//q//p//=//a//b//" + linesep);
      },
    ],

    // cpython test_httpservers: test_accept
    // CPython: assertIn(b"HTTP_ACCEPT=<expected>", body); here that line, whole, is in the body.
    [
      "test_accept",
      async () => {
        const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        const tests: Array<[Array<[string, string]>, string]> = [
          [[["Accept", browserAccept]], browserAccept],
          [[], ""],
          // Hack case to get two values for the one header
          [
            [
              ["Accept", "text/html"],
              ["ACCEPT", "text/plain"],
            ],
            "text/html,text/plain",
          ],
        ];
        for (const [headers, expected] of tests) {
          const res = await request("/cgi-bin/file6.py", "GET", undefined, headers);
          expect({ headers, status: res.status }).toEqual({ headers, status: 200 });
          const body = res.body.toString("latin1");
          expect(body).toContain(`HTTP_ACCEPT=${expected}`);
          expect({ headers, lines: body.split(linesep).filter((l) => l.startsWith("HTTP_ACCEPT=")) }).toEqual({ headers, lines: [`HTTP_ACCEPT=${expected}`] });
        }
      },
    ],
  ];

  for (const [name, run] of scriptCases) test(name, run);

  // cpython test_httpservers: test_cgi_path_in_sub_directories
  // CPython appends '/sub/dir/cgi-bin' to the class's cgi_directories; here the server of this
  // block is configured with it.
  describe("with /sub/dir/cgi-bin in cgiDirectories", () => {
    beforeAll(() => {
      extraCgiDirectories = ["/sub/dir/cgi-bin"];
    });
    afterAll(() => {
      extraCgiDirectories = [];
    });

    test("test_cgi_path_in_sub_directories", async () => {
      const res = await request("/sub/dir/cgi-bin/file5.py");
      expectScriptAnswer(res, "Hello World" + linesep);
    });
  });

  describe('cgiMode: "cpython"', () => {
    beforeAll(() => {
      mode = "cpython";
    });
    afterAll(() => {
      mode = "rfc3875";
    });

    for (const [name, run] of scriptCases) test(name, run);

    describe("with /sub/dir/cgi-bin in cgiDirectories", () => {
      beforeAll(() => {
        extraCgiDirectories = ["/sub/dir/cgi-bin"];
      });
      afterAll(() => {
        extraCgiDirectories = [];
      });

      // cpython test_httpservers: test_cgi_path_in_sub_directories
      test("test_cgi_path_in_sub_directories", async () => {
        const res = await request("/sub/dir/cgi-bin/file5.py");
        expectScriptAnswer(res, "Hello World" + linesep);
      });
    });
  });
});
