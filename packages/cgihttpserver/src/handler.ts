/**
 * `CGIHTTPRequestHandler`: CPython's CGI handler (`cgiDirectories`, `isCgi`, `isExecutable`,
 * `isPython`, `runCgi`), correct and safe: RFC 3875 environment from an allow-list, the script's
 * header block parsed (RFC 3875 6), output streamed, a time limit on the whole process group, and
 * never a script run as root. Finding the script is in `script.ts`, the environment in
 * `environment.ts`, starting it in `spawn-script.ts`, its output in `output.ts` and
 * `respond.ts`.
 * @module
 */
import { realpathSync, statSync } from "node:fs";
import nodePath from "node:path";
import type { BaseHTTPRequestHandler, HTTPServer } from "@stdhttp/basehttpserver";
import { HTTPStatus } from "@stdhttp/httplib";
import { SimpleHTTPRequestHandler, type FileSource, type SimpleHTTPOptions } from "@stdhttp/simplehttpserver";
import { cgiEnvironment, compatEnvironment, type CgiRequest } from "./environment.js";
import { relayOutput } from "./respond.js";
import { locateScript, searchArguments } from "./script.js";
import { CgiHelperUnavailable, startWithHelper } from "./script-helper.js";
import { lookupUser, spawnScript } from "./spawn-script.js";
import { urlCollapsePath } from "./url-collapse.js";
import { unquote } from "./url-quote.js";

/** `"rfc3875"` (default): the standard, safe behaviour. `"cpython"`: CPython's, for scripts written against it. */
export type CgiMode = "rfc3875" | "cpython";

/**
 * How scripts are started. `"auto"` (default): by the helper where one is available, else spawn
 * (also when the helper cannot start). `"helper"`: by a small long-lived process that starts them
 * (Linux with Python 3.8+, whose `os.posix_spawn` copies no memory, else Perl, which forks): the
 * server keeps serving while scripts start, and each start costs less. `"spawn"`:
 * `child_process.spawn` from the server, which forks the whole Node process and blocks its event
 * loop for several ms per script.
 */
export type CgiLauncher = "auto" | "helper" | "spawn";

/** Options of {@link CGIHTTPRequestHandler.withOptions}: SimpleHTTPRequestHandler's plus the CGI class properties. */
export interface CGIOptions extends SimpleHTTPOptions {
  cgiDirectories?: readonly string[];
  cgiInterpreters?: Readonly<Record<string, readonly string[]>>;
  cgiTimeout?: number | null;
  cgiMode?: CgiMode;
  passAuthorization?: boolean;
  cgiUser?: string;
  cgiLauncher?: CgiLauncher;
}

/** Local redirects followed for one request before giving up (a script redirecting to itself). */
const MAX_LOCAL_REDIRECTS = 10;

/**
 * Static files and CGI scripts (Python's `CGIHTTPRequestHandler`). A path under one of
 * `cgiDirectories` runs a script; everything else is served by `SimpleHTTPRequestHandler`. POST
 * is accepted for scripts only (501 otherwise).
 *
 * May be overridden: `isCgi()`, `isExecutable()`, `isPython()`, `runCgi()`, and the steps of
 * `SimpleHTTPRequestHandler`. Class properties: `cgiDirectories` (`["/cgi-bin", "/htbin"]`),
 * `cgiInterpreters` (`{}`; e.g. `{ ".py": ["python3"], ".pl": ["perl"] }` runs such scripts
 * through the interpreter, executable or not), `cgiTimeout` (30 s: then the script's whole
 * process group is killed), `cgiMode` (`"rfc3875"`), `passAuthorization` (false: the
 * `Authorization` field is not given to scripts), `cgiUser` (`"nobody"`: whom scripts run as
 * when the server runs as root), `cgiLauncher` (`"auto"`; see {@link CgiLauncher}).
 *
 * @example
 * const Handler = CGIHTTPRequestHandler.withOptions({ directory: "site" });  // site/cgi-bin/*
 * await using httpd = new ThreadingHTTPServer(["127.0.0.1", 8000], Handler);
 * await httpd.serveForever();
 */
export class CGIHTTPRequestHandler<TServer = HTTPServer> extends SimpleHTTPRequestHandler<TServer> {
  /** URL directories whose files are scripts. */
  declare cgiDirectories: readonly string[];
  /** Extension (lower case, with its dot) -> command that runs such scripts. */
  declare cgiInterpreters: Readonly<Record<string, readonly string[]>>;
  /** Seconds a script may run (`null`: no limit). */
  declare cgiTimeout: number | null;
  /** Standard behaviour, or CPython's. */
  declare cgiMode: CgiMode;
  /** Whether `Authorization` is passed to scripts as HTTP_AUTHORIZATION. */
  declare passAuthorization: boolean;
  /** The user scripts run as when the server runs as root. */
  declare cgiUser: string;
  /** How scripts are started. */
  declare cgiLauncher: CgiLauncher;

  /** `[directory, rest]` of the last path `isCgi()` accepted (CPython's `cgi_info`). */
  cgiInfo: [string, string] | null = null;
  private localRedirects = 0;

  /** A subclass with these options as its class properties. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any server type: subclasses narrow TServer.
  static override withOptions<T extends new (...args: any[]) => BaseHTTPRequestHandler<any>>(this: T, options: CGIOptions): T {
    return SimpleHTTPRequestHandler.withOptions.call(this, options) as T;
  }

  /**
   * PUT (with `allowUpload`) stores files, but never into a CGI directory: an uploaded file there
   * would be a script anyone can run (403).
   */
  override do_PUT(): void | Promise<void> {
    if (this.allowUpload && this.isCgi()) {
      return this.sendError(HTTPStatus.FORBIDDEN, "Uploads into a CGI directory are refused");
    }
    return super.do_PUT();
  }

  /** POST runs a script; anything else is 501 (CPython: "Can only POST to CGI scripts"). */
  do_POST(): void | Promise<void> {
    if (this.refuseUncollapsible()) return;
    if (this.isCgi()) return this.runCgi();
    this.sendError(HTTPStatus.NOT_IMPLEMENTED, "Can only POST to CGI scripts");
  }

  /** A script for paths under `cgiDirectories`, else the static file. */
  override sendHead(): FileSource | null | Promise<FileSource | null> {
    if (this.refuseUncollapsible()) return null;
    if (this.isCgi()) return this.runCgi().then(() => null);
    return super.sendHead();
  }

  /**
   * Whether the path names a script: its collapsed form (CPython's `_url_collapse_path`: decoded,
   * `.`/`..` resolved) starts with one of `cgiDirectories` followed by `/`. Sets `cgiInfo`.
   */
  isCgi(): boolean {
    const collapsed = urlCollapsePath(this.path);
    if (collapsed === null) return false;
    let sep = collapsed.indexOf("/", 1);
    while (sep > 0 && !this.cgiDirectories.includes(collapsed.slice(0, sep))) sep = collapsed.indexOf("/", sep + 1);
    if (sep > 0) {
      this.cgiInfo = [collapsed.slice(0, sep), collapsed.slice(sep + 1)];
      return true;
    }
    return false;
  }

  /** Whether `path` is executable (any execute bit, as CPython's `executable()`). */
  isExecutable(path: string): boolean {
    try {
      return (statSync(path).mode & 0o111) !== 0;
    } catch {
      return false;
    }
  }

  /** Whether `path` is a Python script (`.py`, `.pyw`). */
  isPython(path: string): boolean {
    const ext = nodePath.extname(path).toLowerCase();
    return ext === ".py" || ext === ".pyw";
  }

  /** `..` climbing above the root: refused (a path CPython fails on must not fall through to static serving). */
  private refuseUncollapsible(): boolean {
    if (urlCollapsePath(this.path) !== null) return false;
    this.sendError(HTTPStatus.NOT_FOUND, "File not found");
    return true;
  }

  /**
   * Run the script `isCgi()` found and answer with its output. 404 when there is no such script,
   * 403 when it is not a regular file, not executable (and has no interpreter), or leaves its
   * CGI directory; 502 for malformed output; 504 when the time limit killed it before it
   * answered.
   */
  async runCgi(): Promise<void> {
    // RFC 3875 mode: the query is what follows the target's first "?" as sent; a "%3F" in the
    // path stays in the path. CPython's mode splits at the first "?" after decoding, as CPython.
    const mark = this.path.indexOf("?");
    const rawQuery = this.cgiMode === "cpython" ? undefined : mark >= 0 ? this.path.slice(mark + 1) : "";
    const found = locateScript(this.cgiInfo!, (p) => this.translateDecoded(p), rawQuery);
    const { scriptName, scriptFile } = found;
    let st;
    try {
      st = statSync(scriptFile);
    } catch {
      return this.sendError(HTTPStatus.NOT_FOUND, `No such CGI script (${JSON.stringify(scriptName)})`);
    }
    if (!st.isFile()) return this.sendError(HTTPStatus.FORBIDDEN, `CGI script is not a plain file (${JSON.stringify(scriptName)})`);
    if (!this.insideCgiDirectory(scriptFile, this.cgiInfo![0])) return this.sendError(HTTPStatus.FORBIDDEN, "CGI script outside its directory");
    const interpreter = this.cgiInterpreters[nodePath.extname(scriptFile).toLowerCase()];
    if (interpreter === undefined && !this.isExecutable(scriptFile)) {
      return this.sendError(HTTPStatus.FORBIDDEN, `CGI script is not executable (${JSON.stringify(scriptName)})`);
    }

    // A local redirect is a GET without a body, whatever the first request was (the first script
    // read its body), as Apache's mod_cgi does it.
    const redirected = this.localRedirects > 0;
    // A chunked body is read first: RFC 3875 4.1.2 wants CONTENT_LENGTH (bounded by maxBodySize).
    let body: Buffer | null = redirected ? Buffer.alloc(0) : null;
    let contentLength: number | null = null;
    if (!redirected && this.body.kind === "chunked") {
      body = await this.readBody();
      contentLength = body.length;
    } else if (!redirected && this.body.kind === "length") contentLength = this.body.remaining;

    const compat = this.cgiMode === "cpython";
    // CPython decodes PATH_INFO a second time (the path was decoded once to find the script).
    const pathInfo = compat ? unquote(found.pathInfo) : found.pathInfo;
    const server = this.server as unknown as { serverName: string; serverPort: number };
    const request: CgiRequest = {
      method: this.command!,
      target: this.path,
      requestVersion: this.requestVersion,
      protocolVersion: this.protocolVersion,
      headers: this.headers,
      clientAddress: this.clientAddress,
      serverName: server.serverName,
      serverPort: server.serverPort,
      serverSoftware: this.versionString(),
      https: (this.connection as { encrypted?: boolean }).encrypted === true,
      documentRoot: this.rootDirectory,
      scriptName,
      scriptFile,
      pathInfo,
      // CPython's mode translates its twice-decoded PATH_INFO as CPython does; ours the once-decoded one.
      pathTranslated: pathInfo === "" ? null : compat ? this.translatePath(pathInfo) : this.translateDecoded(pathInfo),
      query: found.query,
      contentLength,
      passAuthorization: this.passAuthorization,
    };
    const env = compat ? compatEnvironment(request) : cgiEnvironment(request);
    if (redirected) env.CONTENT_TYPE = "";
    const args = searchArguments(found.query, compat);
    // No NUL can reach an argument or the environment of a process (exec would refuse or cut it).
    if (args.some((a) => a.includes("\0")) || Object.values(env).some((v) => v.includes("\0"))) {
      return this.sendError(HTTPStatus.BAD_REQUEST, "NUL byte in the CGI request (PATH_INFO or query)");
    }
    const command = interpreter !== undefined ? interpreter[0] : scriptFile;
    const commandArgs = interpreter !== undefined ? [...interpreter.slice(1), scriptFile, ...args] : args;

    // RFC 3875 9 and the CPython handbook: scripts never run as root.
    let user: { uid: number; gid: number } | undefined;
    if (process.getuid?.() === 0) {
      const u = lookupUser(this.cgiUser);
      if (u === null || u.uid === 0) return this.sendError(HTTPStatus.INTERNAL_SERVER_ERROR, "Cannot run CGI scripts as root");
      user = u;
    }

    let script;
    try {
      const req = { command, args: commandArgs, env, cwd: compat ? process.cwd() : nodePath.dirname(scriptFile), timeout: this.cgiTimeout, ...user };
      const hasInput = !redirected && (body !== null || this.body.kind !== "none");
      if (this.cgiLauncher === "spawn") script = spawnScript(req);
      else {
        try {
          script = await startWithHelper(req, hasInput);
        } catch (err) {
          // "auto": no helper here, or one that cannot start (or just exited), is no reason to fail the request.
          if (this.cgiLauncher !== "auto" || !(err instanceof CgiHelperUnavailable)) throw err;
          script = spawnScript(req);
        }
      }
    } catch (err) {
      this.logError("CGI script could not be started: %s", (err as Error).message);
      return this.sendError(HTTPStatus.INTERNAL_SERVER_ERROR, "CGI script could not be started");
    }
    const redirect = await relayOutput(this, script, body, compat, nodePath.basename(scriptFile).startsWith("nph-"));
    if (redirect !== null) return this.followLocalRedirect(redirect);
  }

  /**
   * `translatePath()` of a path `isCgi()` already percent-decoded: decoded once, never twice (a
   * `%252e%252e` in the request is the name `%2e%2e`, not `..`). `%`, `?` and `#` are escaped
   * again so that `translatePath` reads them as the characters they are.
   */
  private translateDecoded(decoded: string): string {
    return this.translatePath(decoded.replace(/[%?#]/g, (c) => encodeURIComponent(c)));
  }

  /**
   * Whether the script's real path stays in the real path of the CGI directory it was found under
   * (one of `cgiDirectories`, not a subdirectory: no `..`, no symlinked file or directory out).
   */
  private insideCgiDirectory(scriptFile: string, cgiDirectory: string): boolean {
    try {
      const base = realpathSync.native(this.translateDecoded(cgiDirectory));
      const real = realpathSync.native(scriptFile);
      return real.startsWith(base.endsWith(nodePath.sep) ? base : base + nodePath.sep);
    } catch {
      return false;
    }
  }

  /** RFC 3875 6.2.2: serve `location` as a GET of this server, in place of the script's answer. */
  private async followLocalRedirect(location: string): Promise<void> {
    if (this.localRedirects >= MAX_LOCAL_REDIRECTS) {
      return this.sendError(HTTPStatus.INTERNAL_SERVER_ERROR, "Too many CGI local redirects");
    }
    this.localRedirects++;
    try {
      this.path = location;
      if (this.command === "HEAD") await this.do_HEAD();
      else {
        this.command = "GET";
        await this.do_GET();
      }
    } finally {
      this.localRedirects--;
    }
  }
}

Object.assign(CGIHTTPRequestHandler.prototype, {
  cgiDirectories: Object.freeze(["/cgi-bin", "/htbin"]),
  cgiInterpreters: Object.freeze({}),
  cgiTimeout: 30,
  cgiMode: "rfc3875",
  passAuthorization: false,
  cgiUser: "nobody",
  cgiLauncher: "auto",
});
