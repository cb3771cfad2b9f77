/**
 * Validators and conditional requests (RFC 9110 8.8, 13): a strong entity-tag made of the file's
 * size and modification time (as nginx's), and the preconditions evaluated in the order of
 * RFC 9110 13.2.2.
 * @module
 */
import type { HTTPMessage } from "@stdhttp/httplib";
import { parseHttpDate } from "./http-date.js";

/** What a representation is compared with. */
export interface Validators {
  /** Strong entity-tag, quoted (`"5d-18c3a2f01b0"`). */
  etag: string;
  /** Last modification in whole seconds (HTTP dates have no fraction). */
  lastModified: number;
}

/** The strong entity-tag of a file (`variant` tells precompressed siblings apart: `"...-br"`). */
export function fileEtag(size: number, mtimeMs: number, variant = ""): string {
  return `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}${variant === "" ? "" : "-" + variant}"`;
}

/** Split an `If-Match`/`If-None-Match` list into its entity-tags (`*` stays `*`). */
export function parseEtagList(value: string): string[] {
  const tags: string[] = [];
  let i = 0;
  const n = value.length;
  while (i < n) {
    const c = value[i];
    if (c === " " || c === "\t" || c === ",") {
      i++;
      continue;
    }
    if (c === "*") {
      tags.push("*");
      i++;
      continue;
    }
    const weak = value.startsWith("W/", i);
    const q = weak ? i + 2 : i;
    if (value[q] !== '"') {
      // Not an entity-tag: skip to the next comma.
      const comma = value.indexOf(",", i);
      i = comma < 0 ? n : comma + 1;
      continue;
    }
    const end = value.indexOf('"', q + 1);
    if (end < 0) break;
    tags.push(value.slice(i, end + 1));
    i = end + 1;
  }
  return tags;
}

function opaque(tag: string): string {
  return tag.startsWith("W/") ? tag.slice(2) : tag;
}

/** Strong comparison (RFC 9110 8.8.3.2): both strong and identical. */
export function strongMatch(a: string, b: string): boolean {
  return !a.startsWith("W/") && !b.startsWith("W/") && a === b;
}

/** Weak comparison: identical opaque tags, either may be weak. */
export function weakMatch(a: string, b: string): boolean {
  return opaque(a) === opaque(b);
}

/** The outcome of the preconditions: go on, `304 Not Modified` or `412 Precondition Failed`. */
export type Precondition = "proceed" | 304 | 412;

/** Every field line of `name` joined as one list value (RFC 9110 5.3), `undefined` when absent. */
export function listField(headers: HTTPMessage, name: string): string | undefined {
  const all = headers.getAll(name);
  return all.length === 0 ? undefined : all.length === 1 ? all[0] : all.join(", ");
}

/**
 * Evaluate `If-Match`, `If-Unmodified-Since`, `If-None-Match`, `If-Modified-Since` for an
 * existing representation, in RFC 9110 13.2.2's order. `If-Modified-Since` is read as CPython
 * does (only when `If-None-Match` is absent, only for GET and HEAD, ill-formed dates ignored).
 */
export function evaluatePreconditions(headers: HTTPMessage, method: string, v: Validators): Precondition {
  const ifMatch = listField(headers, "if-match");
  if (ifMatch !== undefined) {
    const tags = parseEtagList(ifMatch);
    if (!tags.some((t) => t === "*" || strongMatch(t, v.etag))) return 412;
  } else {
    const ius = headers.get("if-unmodified-since");
    if (ius !== undefined) {
      const date = parseHttpDate(ius);
      if (date !== null && v.lastModified > date) return 412;
    }
  }
  const safe = method === "GET" || method === "HEAD";
  const ifNoneMatch = listField(headers, "if-none-match");
  if (ifNoneMatch !== undefined) {
    const tags = parseEtagList(ifNoneMatch);
    // `*` is honoured for unsafe methods (PUT's create-only); for GET/HEAD it only turns
    // If-Modified-Since off, as in CPython (test_browser_cache_with_If_None_Match_header).
    if (tags.some((t) => (t === "*" ? !safe : weakMatch(t, v.etag)))) return safe ? 304 : 412;
    return "proceed";
  }
  if (safe) {
    const ims = headers.get("if-modified-since");
    if (ims !== undefined) {
      const date = parseHttpDate(ims);
      if (date !== null && v.lastModified <= date) return 304;
    }
  }
  return "proceed";
}

/**
 * `If-Range` (RFC 9110 13.1.5): whether the Range applies. An entity-tag must match strongly; a
 * date must equal the Last-Modified exactly. Anything else: send the whole representation.
 */
export function ifRangeMatches(value: string, v: Validators): boolean {
  const t = value.trim();
  if (t.startsWith('"') || t.startsWith("W/")) return strongMatch(t, v.etag);
  const date = parseHttpDate(t);
  return date !== null && date === v.lastModified;
}
