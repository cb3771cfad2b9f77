/**
 * PUT uploads (off by default): the body is written to a temporary file next to the target and
 * renamed over it only once complete (rename(2) is atomic), so a partial or failed upload never
 * replaces or truncates a file, and readers see the old bytes or the new, never a mix.
 * @module
 */
import { randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import nodePath from "node:path";
import type { IncomingBody } from "@stdhttp/basehttpserver";
import type { HTTPMessage } from "@stdhttp/httplib";
import { HTTPStatus } from "@stdhttp/httplib";
import { evaluatePreconditions, fileEtag, listField } from "./conditional.js";
import { statOrNull } from "./stat.js";
import { fsEncode, quote } from "./url-path.js";

/** What an upload uses of the handler. */
export interface UploadTarget {
  path: string;
  command: string | null;
  headers: HTTPMessage;
  body: IncomingBody;
  translatePath(path: string): string;
  pathRefusal(path: string): number;
  followable(path: string): boolean;
  sendResponse(code: number, message?: string): void;
  sendHeader(name: string, value: string | number): void;
  endHeaders(): void;
  sendError(code: number, message?: string, explain?: string): void;
}

/** Store the request body at the request path; answers 201 (created) or 204 (replaced). */
export async function receiveUpload(h: UploadTarget): Promise<void> {
  const refused = h.pathRefusal(h.path);
  if (refused !== 0) return h.sendError(refused);
  // RFC 9110 14.5: a partial PUT is not something we can apply.
  if (h.headers.has("content-range")) return h.sendError(HTTPStatus.BAD_REQUEST, "Content-Range is not supported with PUT");
  const target = h.translatePath(h.path);
  if (target.endsWith("/")) return h.sendError(HTTPStatus.METHOD_NOT_ALLOWED, "Cannot PUT a directory");
  const existing = statOrNull(target);
  if (existing !== null && !existing.isFile()) return h.sendError(HTTPStatus.CONFLICT, "Not a regular file");
  const dir = nodePath.dirname(target);
  const parent = statOrNull(dir);
  if (parent === null || !parent.isDirectory()) return h.sendError(HTTPStatus.CONFLICT, "Parent directory does not exist");
  if (!h.followable(dir) || (existing !== null && !h.followable(target))) return h.sendError(HTTPStatus.FORBIDDEN, "Symbolic link not followed");
  if (existing !== null) {
    const v = { etag: fileEtag(existing.size, existing.mtimeMs), lastModified: Math.floor(existing.mtimeMs / 1000) };
    if (evaluatePreconditions(h.headers, "PUT", v) !== "proceed") return h.sendError(HTTPStatus.PRECONDITION_FAILED);
  } else if (listField(h.headers, "if-match") !== undefined) {
    return h.sendError(HTTPStatus.PRECONDITION_FAILED);
  }

  const tmp = nodePath.join(dir, `.${nodePath.basename(target)}.upload-${randomBytes(6).toString("hex")}`);
  const file = await open(fsEncode(tmp), "wx", 0o644);
  let stored = false;
  try {
    for await (const chunk of h.body) await file.write(chunk);
    await file.sync();
    await file.close();
    await rename(fsEncode(tmp), fsEncode(target));
    stored = true;
  } finally {
    if (!stored) {
      await file.close().catch(() => undefined);
      await unlink(fsEncode(tmp)).catch(() => undefined);
    }
  }
  h.sendResponse(existing === null ? HTTPStatus.CREATED : HTTPStatus.NO_CONTENT);
  if (existing === null) h.sendHeader("Location", quote(h.path.split("?")[0].replace(/^[/\\]+/, "/"), "/%"));
  h.sendHeader("Content-Length", 0);
  h.endHeaders();
}
