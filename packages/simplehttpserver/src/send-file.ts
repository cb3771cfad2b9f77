/**
 * Answering one regular file: the precompressed sibling chosen, the bytes from the small-file
 * cache or an open descriptor, validators (`ETag`, `Last-Modified`), preconditions (304/412),
 * `Range`/`If-Range` (206, `multipart/byteranges`, 416), and the head.
 * @module
 */
import { closeSync, fstatSync, openSync, readSync, type Stats } from "node:fs";
import type { HTTPMessage } from "@stdhttp/httplib";
import { HTTPStatus } from "@stdhttp/httplib";
import { evaluatePreconditions, fileEtag, ifRangeMatches, type Validators } from "./conditional.js";
import { acceptedCodings, CODINGS, chooseCoding, type Coding } from "./encoding.js";
import type { FileCache } from "./file-cache.js";
import { multipartFor, parseRange, type ByteRange, type Multipart } from "./range.js";
import { statOrNull } from "./stat.js";
import { fsEncode } from "./url-path.js";

/**
 * What `sendHead()` leaves for `copyFile()`: bytes in memory (a cached file, a listing), or an
 * open file with the byte ranges to send (the whole file as one range) and the multipart framing
 * when there are several. The descriptor is closed by `copyFile()` (or `do_HEAD`).
 */
export type FileSource =
  | { kind: "bytes"; chunks: Array<Buffer | string> }
  | { kind: "file"; fd: number; ranges: ByteRange[]; multipart: Multipart | null };

/** What `sendFile` uses of the handler. */
export interface FileAnswerer {
  command: string | null;
  headers: HTTPMessage;
  precompressed: boolean;
  cacheControl: string | null;
  fileCache: FileCache;
  sendResponse(code: number, message?: string): void;
  sendHeader(name: string, value: string | number): void;
  endHeaders(): void;
  sendError(code: number, message?: string, explain?: string): void;
  dateTimeString(timestamp?: number): string;
  /** Whether the `symlinks` policy lets `path` be served (a sibling may be a link out of the root). */
  followable(path: string): boolean;
}

interface Sibling {
  coding: Coding;
  path: string;
  stat: Stats;
}

/**
 * The precompressed siblings of `path` that the client accepts (q > 0) and that exist as regular
 * files, in preference order. Only accepted codings are looked up: a client that accepts none
 * costs no `stat` (its identity answer is right for every client, so no `Vary` is needed).
 */
function siblingsOf(h: FileAnswerer, path: string, acceptEncoding: string): Sibling[] {
  const out: Sibling[] = [];
  const q = acceptedCodings(acceptEncoding);
  for (const coding of CODINGS) {
    if ((q.get(coding.name) ?? 0) <= 0) continue;
    const p = path + coding.suffix;
    const st = statOrNull(p);
    // The symlink policy holds for a sibling as for the file itself: `style.css.gz` linked to a
    // file outside the root is not served in place of `style.css`.
    if (st !== null && st.isFile() && h.followable(p)) out.push({ coding, path: p, stat: st });
  }
  return out;
}

function readWhole(fd: number, size: number): Buffer {
  const data = Buffer.allocUnsafe(size);
  let off = 0;
  while (off < size) {
    const n = readSync(fd, data, off, size - off, off);
    if (n === 0) break;
    off += n;
  }
  return off === size ? data : data.subarray(0, off);
}

/**
 * Answer the regular file at `path` (`st`: its stat) with type `ctype`. Returns the body source,
 * or `null` when the answer has no body left to send (304, 412, 416, errors).
 */
export function sendFile(h: FileAnswerer, path: string, st: Stats, ctype: string): FileSource | null {
  const command = h.command;
  let served = path;
  let stat = st;
  let coding: Coding | null = null;
  let vary = false;
  const acceptEncoding = h.precompressed && (command === "GET" || command === "HEAD") ? h.headers.get("accept-encoding") : undefined;
  if (acceptEncoding !== undefined) {
    const siblings = siblingsOf(h, path, acceptEncoding);
    if (siblings.length > 0) {
      vary = true;
      coding = chooseCoding(acceptEncoding, siblings.map((s) => s.coding));
      const chosen = coding === null ? undefined : siblings.find((s) => s.coding === coding);
      if (chosen !== undefined) {
        served = chosen.path;
        stat = chosen.stat;
      }
    }
  }

  const cache = h.fileCache;
  let data: Buffer | undefined = cache.get(served, stat);
  let fd = -1;
  if (data === undefined) {
    try {
      fd = openSync(fsEncode(served), "r");
      stat = fstatSync(fd);
    } catch {
      if (fd >= 0) closeSync(fd);
      h.sendError(HTTPStatus.NOT_FOUND, "File not found");
      return null;
    }
    if (!stat.isFile()) {
      closeSync(fd);
      h.sendError(HTTPStatus.NOT_FOUND, "File not found");
      return null;
    }
    if (cache.accepts(stat.size)) {
      try {
        data = readWhole(fd, stat.size);
      } finally {
        closeSync(fd);
        fd = -1;
      }
      if (data.length === stat.size) cache.set(served, stat, data);
    }
  }
  const size = data === undefined ? stat.size : data.length;
  const v: Validators = { etag: fileEtag(size, stat.mtimeMs, coding?.name), lastModified: Math.floor(stat.mtimeMs / 1000) };
  const close = (): null => {
    if (fd >= 0) closeSync(fd);
    return null;
  };

  const pre = evaluatePreconditions(h.headers, command ?? "GET", v);
  if (pre === 304) {
    h.sendResponse(HTTPStatus.NOT_MODIFIED);
    validatorHeaders(h, v, vary);
    h.endHeaders();
    return close();
  }
  if (pre === 412) {
    h.sendError(HTTPStatus.PRECONDITION_FAILED);
    return close();
  }

  // RFC 9110 14.2: Range is defined for GET only; If-Range decides whether it applies.
  let ranges: ByteRange[] | null = null;
  const rangeField = command === "GET" ? h.headers.get("range") : undefined;
  if (rangeField !== undefined) {
    const ifRange = h.headers.get("if-range");
    const parsed = ifRange === undefined || ifRangeMatches(ifRange, v) ? parseRange(rangeField, size) : null;
    if (parsed === "unsatisfiable") {
      h.sendResponse(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
      h.sendHeader("Content-Range", `bytes */${size}`);
      h.sendHeader("Content-Length", 0);
      validatorHeaders(h, v, vary);
      h.endHeaders();
      return close();
    }
    ranges = parsed;
  }

  const multipart = ranges !== null && ranges.length > 1 ? multipartFor(ranges, ctype, size) : null;
  h.sendResponse(ranges === null ? HTTPStatus.OK : HTTPStatus.PARTIAL_CONTENT);
  h.sendHeader("Content-type", multipart === null ? ctype : multipart.contentType);
  h.sendHeader("Content-Length", multipart !== null ? multipart.length : ranges !== null ? ranges[0].end - ranges[0].start + 1 : size);
  h.sendHeader("Last-Modified", h.dateTimeString(stat.mtimeMs / 1000));
  if (ranges !== null && multipart === null) h.sendHeader("Content-Range", `bytes ${ranges[0].start}-${ranges[0].end}/${size}`);
  if (coding !== null) h.sendHeader("Content-Encoding", coding.name);
  h.sendHeader("Accept-Ranges", "bytes");
  validatorHeaders(h, v, vary, false);
  h.endHeaders();

  if (data !== undefined) {
    if (ranges === null) return { kind: "bytes", chunks: [data] };
    if (multipart === null) return { kind: "bytes", chunks: [data.subarray(ranges[0].start, ranges[0].end + 1)] };
    const chunks: Array<Buffer | string> = [];
    ranges.forEach((r, i) => chunks.push(multipart.partHeads[i], data.subarray(r.start, r.end + 1)));
    chunks.push(multipart.tail);
    return { kind: "bytes", chunks };
  }
  return { kind: "file", fd, ranges: ranges ?? [{ start: 0, end: size - 1 }], multipart };
}

/** `ETag`, `Cache-Control` and `Vary` (and `Last-Modified` for 304/416) of a file answer. */
function validatorHeaders(h: FileAnswerer, v: Validators, vary: boolean, lastModified = true): void {
  if (lastModified) h.sendHeader("Last-Modified", h.dateTimeString(v.lastModified));
  h.sendHeader("ETag", v.etag);
  if (h.cacheControl !== null) h.sendHeader("Cache-Control", h.cacheControl);
  if (vary) h.sendHeader("Vary", "Accept-Encoding");
}
