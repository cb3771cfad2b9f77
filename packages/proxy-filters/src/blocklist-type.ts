/**
 * Guessing what a proxied request is for (the resource type of Adblock Plus options `$image`,
 * `$script`, ...): from `Sec-Fetch-Dest`, else from `Accept`, else from the path's extension.
 * @module
 */
import { fieldValue } from "./hop-by-hop.js";
import type { RequestType } from "@ghostery/adblocker";

/** Resource types, named as Adblock Plus options name them. */
export type ResourceType = "document" | "subdocument" | "image" | "script" | "stylesheet" | "font" | "media" | "object" | "xhr" | "ping" | "websocket" | "other";

const BY_DEST: Record<string, ResourceType> = {
  document: "document",
  iframe: "subdocument",
  frame: "subdocument",
  fencedframe: "subdocument",
  image: "image",
  script: "script",
  worker: "script",
  sharedworker: "script",
  serviceworker: "script",
  audioworklet: "script",
  paintworklet: "script",
  style: "stylesheet",
  font: "font",
  audio: "media",
  video: "media",
  track: "media",
  object: "object",
  embed: "object",
  empty: "xhr",
  report: "ping",
};

const BY_EXTENSION: Record<string, ResourceType> = {
  png: "image",
  gif: "image",
  jpg: "image",
  jpeg: "image",
  webp: "image",
  svg: "image",
  avif: "image",
  ico: "image",
  bmp: "image",
  js: "script",
  mjs: "script",
  css: "stylesheet",
  woff: "font",
  woff2: "font",
  ttf: "font",
  otf: "font",
  eot: "font",
  mp4: "media",
  webm: "media",
  mp3: "media",
  ogg: "media",
  html: "document",
  htm: "document",
  swf: "object",
};

/** The engine's name for each of our types. */
export const ENGINE_TYPE: Record<ResourceType, RequestType> = {
  document: "main_frame",
  subdocument: "sub_frame",
  image: "image",
  script: "script",
  stylesheet: "stylesheet",
  font: "font",
  media: "media",
  object: "object",
  xhr: "xmlhttprequest",
  ping: "ping",
  websocket: "websocket",
  other: "other",
};

function fromAccept(accept: string): ResourceType | null {
  const first = accept.split(",")[0].split(";")[0].trim().toLowerCase();
  if (first.startsWith("image/")) return "image";
  if (first === "text/css") return "stylesheet";
  if (first === "text/html" || first === "application/xhtml+xml") return "document";
  if (first === "application/javascript" || first === "text/javascript") return "script";
  if (first.startsWith("font/")) return "font";
  if (first.startsWith("video/") || first.startsWith("audio/")) return "media";
  return null; // */* and the rest say nothing
}

/** The type from the path's extension only (`other` when it has none we know). */
export function typeFromExtension(url: URL): ResourceType {
  // The path's last 1-5 letters or digits after a dot (a scan: no match object per request).
  const path = url.pathname;
  let i = path.length - 1;
  const stop = Math.max(-1, path.length - 7);
  while (i > stop && isAlnum(path.charCodeAt(i))) i--;
  const n = path.length - 1 - i;
  if (n < 1 || n > 5 || i < 0 || path.charCodeAt(i) !== 0x2e) return "other";
  const ext = path.slice(i + 1).toLowerCase();
  return (Object.hasOwn(BY_EXTENSION, ext) ? BY_EXTENSION[ext] : undefined) || "other";
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** The resource type of a request: `Sec-Fetch-Dest`, else `Accept`, else the extension. */
export function guessResourceType(url: URL, headers: ReadonlyArray<readonly [string, string]>): ResourceType {
  const dest = fieldValue(headers, "sec-fetch-dest")?.trim().toLowerCase();
  if (dest !== undefined && Object.hasOwn(BY_DEST, dest)) return BY_DEST[dest];
  const accept = fieldValue(headers, "accept");
  const byAccept = accept === undefined ? null : fromAccept(accept);
  if (byAccept !== null) return byAccept;
  if (url.protocol === "ws:" || url.protocol === "wss:" || fieldValue(headers, "upgrade")?.toLowerCase() === "websocket") return "websocket";
  return typeFromExtension(url);
}

/** The page a request comes from (`Referer`), or undefined. */
export function refererOf(headers: ReadonlyArray<readonly [string, string]>): string | undefined {
  return fieldValue(headers, "referer");
}
