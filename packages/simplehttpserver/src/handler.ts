/**
 * `SimpleHTTPRequestHandler`: CPython's static-file handler (`do_GET`, `do_HEAD`, `sendHead`,
 * `listDirectory`, `translatePath`, `copyFile`, `guessType`) with what users of the npm static
 * servers expect on top: validators and conditional requests, byte ranges, precompressed
 * siblings, CORS, extra headers, an SPA fallback, dotfile and symlink policies, and uploads.
 * Serving one file (`sendFile`) lives in `send-file.ts`, reading a directory for its listing in
 * `list-directory.ts`, uploads in `upload.ts`, the options' types in `options.ts`.
 * @module
 */
import { closeSync, realpathSync, type Stats } from "node:fs";
import nodePath from "node:path";
import type { Writable } from "node:stream";
import { BaseHTTPRequestHandler, type HTTPServer } from "@stdhttp/basehttpserver";
import { HTTPStatus } from "@stdhttp/httplib";
import { copyRange } from "./copy.js";
import { listDirectory } from "./list-directory.js";
import { DEFAULT_CONTENT_TYPE, DEFAULT_EXTENSIONS_MAP, extensionOf, lookupExtension } from "./mime.js";
import type { FileCache } from "./file-cache.js";
import { DEFAULT_FILE_CACHE, type DotfilesPolicy, type SimpleHTTPOptions, type SymlinkPolicy } from "./options.js";
import { pathWords, targetPath, unsafeSegment } from "./request-path.js";
import { sendFile, type FileSource } from "./send-file.js";
import { realRoot, statOrNull } from "./stat.js";
import { receiveUpload } from "./upload.js";
import { decodeFsBytes, fsEncode } from "./url-path.js";

export type { DotfilesPolicy, SimpleHTTPOptions, SymlinkPolicy } from "./options.js";

/**
 * Static files and directory listings from `directory` (Python's `SimpleHTTPRequestHandler`).
 * GET and HEAD are served; other methods get 501 (PUT when `allowUpload`, OPTIONS preflights when
 * `corsOrigin` is set).
 *
 * May be overridden (CPython's steps, in CPython's order): `do_GET()`, `do_HEAD()`, `sendHead()`,
 * `listDirectory()`, `translatePath()`, `copyFile()`, `guessType()`; and `pathRefusal()`,
 * `sendFile()` (one file, with validators, ranges and precompressed siblings).
 *
 * Class properties (override with a field, or use {@link SimpleHTTPRequestHandler.withOptions}):
 * `directory` (default: the current directory), `indexPages` (`index.html`, `index.htm`),
 * `extensionsMap` (CPython's: `.gz`, `.Z`, `.bz2`, `.xz` as files), `defaultContentType`
 * (`application/octet-stream`), `extraHeaders`, `cacheControl`, `corsOrigin`, `spaFallback`,
 * `directoryListing` (true), `dotfiles` (`"ignore"`), `symlinks` (`"inside"`), `precompressed`
 * (true), `allowUpload` (false), `fileCache`, `serverVersion` (`"SimpleHTTP/0.6"`).
 *
 * @example
 * const Handler = SimpleHTTPRequestHandler.withOptions({ directory: "public" });
 * await using httpd = new ThreadingHTTPServer(["127.0.0.1", 8000], Handler);
 * await httpd.serveForever();
 */
export class SimpleHTTPRequestHandler<TServer = HTTPServer> extends BaseHTTPRequestHandler<TServer> {
  /** Directory served (`null`: the current directory when the request is served). */
  declare directory: string | null;
  /** Files served for a directory, first found wins (CPython's `index_pages`). */
  declare indexPages: readonly string[];
  /** Extension -> type, consulted before the MIME database (exact extension, then lower case). */
  declare extensionsMap: Readonly<Record<string, string>>;
  /** Type of files whose type cannot be guessed. */
  declare defaultContentType: string;
  /** Headers added to every answer (the command's `-H NAME VALUE`). */
  declare extraHeaders: ReadonlyArray<readonly [string, string]>;
  /** `Cache-Control` of file answers (`null`: none). */
  declare cacheControl: string | null;
  /** `Access-Control-Allow-Origin` of every answer, and OPTIONS preflights answered (`null`: no CORS). */
  declare corsOrigin: string | null;
  /** A file (relative to `directory`, e.g. `"index.html"`) served for paths that do not exist and look like pages. */
  declare spaFallback: string | null;
  /** Whether a directory without an index page is listed (else 404). */
  declare directoryListing: boolean;
  /** What happens to paths with a segment starting with `.` (except `.well-known`). */
  declare dotfiles: DotfilesPolicy;
  /** Which symbolic links are followed. */
  declare symlinks: SymlinkPolicy;
  /** Whether `file.br`, `file.zst`, `file.gz` siblings are served to clients that accept them. */
  declare precompressed: boolean;
  /** Whether PUT stores files (atomically: a partial upload never replaces a file). */
  declare allowUpload: boolean;
  /** The small-file cache (shared by default; `new FileCache(0, 0)` turns it off). */
  declare fileCache: FileCache;

  /**
   * A subclass with these options as its class properties (CPython passes `directory=` through
   * `functools.partial`).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any server type: subclasses narrow TServer.
  static override withOptions<T extends new (...args: any[]) => BaseHTTPRequestHandler<any>>(this: T, options: SimpleHTTPOptions): T {
    // A relative directory is resolved once, against the directory current now.
    const resolved = typeof options.directory === "string" ? { ...options, directory: nodePath.resolve(options.directory) } : options;
    return BaseHTTPRequestHandler.withOptions.call(this, resolved) as T;
  }

  /** The directory served, absolute. */
  get rootDirectory(): string {
    const d = this.directory;
    return d === null ? process.cwd() : nodePath.isAbsolute(d) ? d : nodePath.resolve(d);
  }

  /** Serve a GET request: the head from `sendHead()`, then the body with `copyFile()`. */
  do_GET(): void | Promise<void> {
    const source = this.sendHead();
    if (source instanceof Promise) return source.then((s) => (s === null ? undefined : this.copyFile(s)));
    if (source !== null) return this.copyFile(source);
  }

  /** Serve a HEAD request: `sendHead()` only. */
  do_HEAD(): void | Promise<void> {
    const source = this.sendHead();
    if (source instanceof Promise) return source.then((s) => closeSource(s));
    closeSource(source);
  }

  /** PUT stores the body as the file (when `allowUpload`; 501 otherwise, as CPython). */
  do_PUT(): void | Promise<void> {
    if (!this.allowUpload) return this.sendError(HTTPStatus.NOT_IMPLEMENTED, "Unsupported method ('PUT')");
    return receiveUpload(this);
  }

  /** CORS preflight (when `corsOrigin` is set; 501 otherwise, as CPython). */
  do_OPTIONS(): void {
    if (this.corsOrigin === null) return this.sendError(HTTPStatus.NOT_IMPLEMENTED, "Unsupported method ('OPTIONS')");
    this.sendResponse(HTTPStatus.NO_CONTENT);
    this.sendHeader("Allow", this.allowUpload ? "GET, HEAD, PUT, OPTIONS" : "GET, HEAD, OPTIONS");
    if (this.headers.has("access-control-request-method")) {
      this.sendHeader("Access-Control-Allow-Methods", this.allowUpload ? "GET, HEAD, PUT" : "GET, HEAD");
      const wanted = this.headers.get("access-control-request-headers");
      if (wanted !== undefined) this.sendHeader("Access-Control-Allow-Headers", wanted);
      this.sendHeader("Access-Control-Max-Age", 86400);
    }
    this.sendHeader("Content-Length", 0);
    this.endHeaders();
  }

  /** Adds `extraHeaders` and the CORS headers to every final answer. */
  override endHeaders(): void {
    if (this.status >= 200) {
      if (this.corsOrigin !== null) {
        this.sendHeader("Access-Control-Allow-Origin", this.corsOrigin);
        if (this.corsOrigin !== "*") this.sendHeader("Vary", "Origin");
        this.sendHeader("Access-Control-Expose-Headers", "Content-Length, Content-Range, ETag, Accept-Ranges, Last-Modified");
      }
      for (const [name, value] of this.extraHeaders) this.sendHeader(name, value);
    }
    super.endHeaders();
  }

  /**
   * Common code of GET and HEAD: answers the head (or an error or redirect) and returns what the
   * body is to be made of, or `null` when there is nothing more to send. A directory without a
   * trailing slash is redirected (301, query kept), a directory with an index page serves it,
   * one without is listed. Synchronous for files (so a cached file is answered in one write);
   * a promise for listings.
   */
  sendHead(): FileSource | null | Promise<FileSource | null> {
    const refused = this.pathRefusal(this.path);
    if (refused !== 0) {
      this.sendError(refused, refused === 404 ? "File not found" : undefined);
      return null;
    }
    let path = this.translatePath(this.path);
    let st = statOrNull(path);
    if (st === null) return this.sendMissing();
    if (st.isDirectory()) {
      const urlPath = targetPath(this.path);
      if (!urlPath.endsWith("/")) {
        this.redirectToDirectory(urlPath);
        return null;
      }
      let index: Stats | null = null;
      for (const name of this.indexPages) {
        const candidate = nodePath.join(path, name);
        index = statOrNull(candidate);
        if (index !== null && index.isFile()) {
          path = candidate;
          st = index;
          break;
        }
        index = null;
      }
      if (index === null) {
        if (!this.followable(path)) return this.refuseSymlink();
        if (!this.directoryListing) {
          this.sendError(HTTPStatus.NOT_FOUND, "File not found");
          return null;
        }
        return this.listDirectory(path);
      }
    }
    const ctype = this.guessType(path);
    // CPython Issue17324: a trailing slash on a file is not found.
    if (path.endsWith("/") || !st.isFile()) {
      this.sendError(HTTPStatus.NOT_FOUND, "File not found");
      return null;
    }
    if (!this.followable(path)) return this.refuseSymlink();
    return this.sendFile(path, st, ctype);
  }

  /** Answer one regular file (validators, conditions, ranges, precompressed siblings). May be overridden. */
  sendFile(path: string, st: Stats, ctype: string): FileSource | null {
    return sendFile(this, path, st, ctype);
  }

  /**
   * A directory's listing (absent an index page): HTML as CPython's (entries sorted by name,
   * `/` after directories, `@` after symlinks) with sizes and dates, sortable with
   * `?sort=name|size|date&order=asc|desc`; JSON when the client's `Accept` prefers it.
   */
  listDirectory(path: string): Promise<FileSource | null> {
    return listDirectory(this, path);
  }

  /**
   * Translate a `/`-separated URL path to a file path under `directory` (CPython's algorithm:
   * query and fragment dropped, percent-decoded, `.` and `..` resolved without leaving the root,
   * a trailing slash kept). Bytes that are not UTF-8 are kept as surrogate escapes.
   */
  translatePath(path: string): string {
    const kept: string[] = [];
    for (const word of pathWords(path)) {
      // Components that mean something special to the file system are ignored (as CPython).
      if (!word.includes(nodePath.sep) && !word.includes("/")) kept.push(word);
    }
    // One join for the whole path: a join per word re-normalises the growing path each time,
    // quadratic in the number of segments (a 64 KiB `a/a/a/...` held the event loop 12 s).
    let result = kept.length === 0 ? this.rootDirectory : nodePath.join(this.rootDirectory, kept.join(nodePath.sep));
    if (targetPath(path).trimEnd().endsWith("/")) result += "/";
    return result;
  }

  /**
   * Why a request path may not be served: `0` when it may; `404` for a path that can never name a
   * file under the root (NUL, backslash, drive letter), or a dotfile under the `"ignore"` policy;
   * `403` for a dotfile under `"deny"`. `.well-known` (RFC 8615) is never a dotfile.
   */
  pathRefusal(path: string): number {
    for (const word of pathWords(path)) {
      if (unsafeSegment(word)) return HTTPStatus.NOT_FOUND;
      if (word.charCodeAt(0) === 0x2e && word !== ".well-known" && this.dotfiles !== "allow") {
        return this.dotfiles === "deny" ? HTTPStatus.FORBIDDEN : HTTPStatus.NOT_FOUND;
      }
    }
    return 0;
  }

  /**
   * Send the body `sendHead()` prepared. Bytes in memory go out in one write (with the head);
   * a file is streamed with backpressure and its descriptor closed as soon as the copy ends or
   * fails (a client that disconnects releases it at once).
   */
  copyFile(source: FileSource): void | Promise<void> {
    if (source.kind === "bytes") {
      const chunks = source.chunks;
      if (chunks.length === 1) this.wfile.write(chunks[0]);
      else this.wfile.writeMany(chunks);
      return;
    }
    return this.copyFileRanges(source);
  }

  private async copyFileRanges(source: Extract<FileSource, { kind: "file" }>): Promise<void> {
    const socket = this.connection as unknown as Writable;
    try {
      const mp = source.multipart;
      for (let i = 0; i < source.ranges.length; i++) {
        const r = source.ranges[i];
        if (mp !== null) this.wfile.write(mp.partHeads[i]);
        await copyRange(source.fd, r.start, r.end, this.wfile, socket);
      }
      if (mp !== null) this.wfile.write(mp.tail);
    } catch (err) {
      // A body cut short cannot be completed on this connection.
      this.closeConnection = true;
      throw err;
    } finally {
      closeSync(source.fd);
    }
  }

  /**
   * The Content-Type of a file: `extensionsMap` (exact extension, then lower case), then the
   * MIME database (`mime-db`, text types with `charset=utf-8`), then `defaultContentType`.
   */
  guessType(path: string): string {
    const ext = extensionOf(path);
    const map = this.extensionsMap;
    const exact = map[ext];
    if (exact !== undefined) return exact;
    const lower = ext.toLowerCase();
    const mapped = map[lower];
    if (mapped !== undefined) return mapped;
    return lookupExtension(lower) ?? this.defaultContentType;
  }

  /** Whether following symbolic links to `path` is allowed by the `symlinks` policy. */
  followable(path: string): boolean {
    const policy = this.symlinks;
    if (policy === "follow") return true;
    const root = realRoot(this.rootDirectory);
    let real: string;
    try {
      real = decodeFsBytes(realpathSync.native(fsEncode(path), { encoding: "buffer" }));
    } catch {
      return false;
    }
    if (policy === "inside") return real === root || real.startsWith(root.endsWith(nodePath.sep) ? root : root + nodePath.sep);
    // "deny": the real path must be the lexical one (no link anywhere below the root).
    const lexical = nodePath.join(root, nodePath.relative(this.rootDirectory, path));
    return real === lexical.replace(/\/+$/, "") || real === lexical;
  }

  private refuseSymlink(): null {
    this.sendError(HTTPStatus.FORBIDDEN, "Symbolic link not followed");
    return null;
  }

  /** 301 to the directory with a trailing slash, query kept, never to another host. */
  private redirectToDirectory(urlPath: string): void {
    const target = this.path;
    const q = target.indexOf("?");
    const query = q >= 0 ? target.slice(q) : "";
    // An absolute-form target keeps its scheme and authority (the request's own host), as
    // CPython's urlunsplit does; a relative Location starting with `//` or `/\` would name
    // another host, so its leading slashes collapse to one (gh-87389 for the path side).
    const authority = ABSOLUTE_PREFIX.exec(target);
    const location = authority !== null ? authority[0] + urlPath + "/" + query : urlPath.replace(/^[/\\]+/, "/") + "/" + query;
    this.sendResponse(HTTPStatus.MOVED_PERMANENTLY);
    this.sendHeader("Location", location);
    this.sendHeader("Content-Length", "0");
    this.endHeaders();
  }

  /** Nothing at the path: the SPA fallback for page-like GET/HEAD requests, else 404. */
  private sendMissing(): FileSource | null {
    const fallback = this.spaFallback;
    if (fallback !== null && (this.command === "GET" || this.command === "HEAD") && looksLikePage(targetPath(this.path), this.headers.get("accept"))) {
      const path = nodePath.join(this.rootDirectory, fallback);
      const st = statOrNull(path);
      if (st !== null && st.isFile() && this.followable(path)) return this.sendFile(path, st, this.guessType(path));
    }
    this.sendError(HTTPStatus.NOT_FOUND, "File not found");
    return null;
  }
}

/** `scheme://authority` at the start of an absolute-form request-target. */
const ABSOLUTE_PREFIX = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

/** A path asking for a page (no extension, or an `Accept` naming HTML) rather than an asset. */
function looksLikePage(urlPath: string, accept: string | undefined): boolean {
  if (accept !== undefined && accept.includes("text/html")) return true;
  return extensionOf(urlPath) === "";
}

function closeSource(source: FileSource | null): void {
  if (source !== null && source.kind === "file") closeSync(source.fd);
}

Object.assign(SimpleHTTPRequestHandler.prototype, {
  directory: null,
  indexPages: Object.freeze(["index.html", "index.htm"]),
  extensionsMap: DEFAULT_EXTENSIONS_MAP,
  defaultContentType: DEFAULT_CONTENT_TYPE,
  extraHeaders: Object.freeze([]),
  cacheControl: null,
  corsOrigin: null,
  spaFallback: null,
  directoryListing: true,
  dotfiles: "ignore",
  symlinks: "inside",
  precompressed: true,
  allowUpload: false,
  fileCache: DEFAULT_FILE_CACHE,
  serverVersion: "SimpleHTTP/0.6",
});
