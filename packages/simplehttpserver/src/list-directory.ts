/**
 * Reading a directory for its listing: names (undecodable bytes kept), dotfile policy, one
 * `lstat`/`stat` per entry, the sort from the query, and HTML or JSON by `Accept`.
 * @module
 */
import type { Stats } from "node:fs";
import { lstat, readdir, stat } from "node:fs/promises";
import nodePath from "node:path";
import type { HTTPMessage } from "@stdhttp/httplib";
import { HTTPStatus } from "@stdhttp/httplib";
import { parseListingSort, renderListingHtml, renderListingJson, sortEntries, type ListingEntry } from "./listing.js";
import type { DotfilesPolicy } from "./options.js";
import { targetPath, targetQuery } from "./request-path.js";
import type { FileSource } from "./send-file.js";
import { decodeFsBytes, fsEncode, fsEncodeBuffer, unquoteForDisplay } from "./url-path.js";

/** What a listing uses of the handler. */
export interface ListingHandler {
  path: string;
  headers: HTTPMessage;
  dotfiles: DotfilesPolicy;
  sendResponse(code: number, message?: string): void;
  sendHeader(name: string, value: string | number): void;
  endHeaders(): void;
  sendError(code: number, message?: string, explain?: string): void;
  /** Whether the `symlinks` policy lets `path` be served. */
  followable(path: string): boolean;
}

/** Whether the client prefers JSON to HTML (`Accept`, RFC 9110 12.5.1); `*` alone means HTML. */
function prefersJson(accept: string | undefined): boolean {
  if (accept === undefined || !accept.includes("json")) return false;
  let json = 0;
  let html = 0;
  for (const item of accept.split(",")) {
    const [type = "", ...params] = item.split(";").map((s) => s.trim().toLowerCase());
    const qp = params.find((p) => p.startsWith("q="));
    const q = qp === undefined ? 1 : Number(qp.slice(2)) || 0;
    if (type === "application/json") json = Math.max(json, q);
    else if (type === "text/html") html = Math.max(html, q);
  }
  return json > html;
}

/**
 * Answer the listing of directory `path` (the head; the page is returned as the body source), or
 * `404 No permission to list directory` when it cannot be read (as CPython).
 */
export async function listDirectory(h: ListingHandler, path: string): Promise<FileSource | null> {
  let names: Buffer[];
  try {
    names = await readdir(fsEncode(path), { encoding: "buffer" });
  } catch {
    h.sendError(HTTPStatus.NOT_FOUND, "No permission to list directory");
    return null;
  }
  const shown = names.map(decodeFsBytes).filter((name) => h.dotfiles === "allow" || !name.startsWith(".") || name === ".well-known");
  const entries = await Promise.all(shown.map((name) => readEntry(h, path, name)));
  const query = targetQuery(h.path);
  const sort = parseListingSort(query);
  sortEntries(entries, sort);
  const page = { displayPath: unquoteForDisplay(h.path), sort, query, parentHref: targetPath(h.path) === "/" ? null : "../" };
  let body: Buffer;
  let type: string;
  if (prefersJson(h.headers.get("accept"))) {
    body = Buffer.from(renderListingJson(entries, page), "utf8");
    type = "application/json; charset=utf-8";
  } else {
    body = fsEncodeBuffer(renderListingHtml(entries, page));
    type = "text/html; charset=utf-8";
  }
  h.sendResponse(HTTPStatus.OK);
  h.sendHeader("Content-type", type);
  h.sendHeader("Content-Length", body.length);
  h.sendHeader("Vary", "Accept");
  h.endHeaders();
  return { kind: "bytes", chunks: [body] };
}

async function readEntry(h: ListingHandler, dir: string, name: string): Promise<ListingEntry> {
  const full = fsEncode(nodePath.join(dir, name));
  let isSymlink = false;
  let st: Stats | null = null;
  try {
    const l = await lstat(full);
    isSymlink = l.isSymbolicLink();
    // A link the symlinks policy does not follow tells nothing of its target (size, date, kind):
    // it may point outside the root.
    st = isSymlink ? (h.followable(nodePath.join(dir, name)) ? await stat(full).catch(() => null) : null) : l;
  } catch {
    st = null;
  }
  return {
    name,
    isDirectory: st?.isDirectory() ?? false,
    isSymlink,
    size: st !== null && st.isFile() ? st.size : null,
    mtimeMs: st?.mtimeMs ?? null,
  };
}
