/**
 * What a blocked request gets instead (Privoxy's `handle-as-image` and `set-image-blocker`):
 * a replacement image for images, an empty script or style sheet, an empty frame, and for the
 * rest a 403 page that says which list and rule blocked it.
 * @module
 */
import type { FilterAnswer } from "./filter.js";
import type { ResourceType } from "./blocklist-type.js";

/** The replacement for blocked images: a 1x1 transparent GIF, or a small visible checkered SVG. */
export type ImageBlocker = "blank" | "pattern";

/** A 1x1 transparent GIF (43 bytes). */
export const BLANK_GIF = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");

/** A 16x16 grey-and-white checkerboard tile that shows where something was blocked. */
export const PATTERN_SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16">' +
    '<rect width="16" height="16" fill="#fff"/><path d="M0 0h8v8H0zM8 8h8v8H8z" fill="#999"/></svg>',
);

const NO_STORE: [string, string] = ["Cache-Control", "no-store"];

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The name a block page shows for a list: a file's base name, not its path (the page is served to
 * any site whose request was blocked, and the path says where the user keeps things).
 */
function listName(list: string): string {
  const slash = Math.max(list.lastIndexOf("/"), list.lastIndexOf("\\"));
  return slash >= 0 ? list.slice(slash + 1) : list;
}

/** The block page (403) of a document or any request that is not an image, script, style or frame. */
export function blockPage(url: string, rule: string, list: string): FilterAnswer {
  const body =
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Request blocked</title></head><body>\n` +
    `<h1>Request blocked</h1>\n<p>The request for <code>${escapeHtml(url)}</code> was blocked by the rule ` +
    `<code>${escapeHtml(rule)}</code> of the list <code>${escapeHtml(listName(list))}</code>.</p>\n</body></html>\n`;
  return { status: 403, reason: "Forbidden", headers: [["Content-Type", "text/html; charset=utf-8"], NO_STORE], body };
}

/** The answer to a blocked request of type `type`. */
export function blockedAnswer(type: ResourceType, imageBlocker: ImageBlocker, url: string, rule: string, list: string): FilterAnswer {
  switch (type) {
    case "image":
      return imageBlocker === "pattern"
        ? { status: 200, headers: [["Content-Type", "image/svg+xml"], NO_STORE], body: PATTERN_SVG }
        : { status: 200, headers: [["Content-Type", "image/gif"], NO_STORE], body: BLANK_GIF };
    case "script":
      return { status: 200, headers: [["Content-Type", "application/javascript; charset=utf-8"], NO_STORE], body: "" };
    case "stylesheet":
      return { status: 200, headers: [["Content-Type", "text/css; charset=utf-8"], NO_STORE], body: "" };
    case "subdocument":
      return { status: 200, headers: [["Content-Type", "text/html; charset=utf-8"], NO_STORE], body: "" };
    default:
      return blockPage(url, rule, list);
  }
}
