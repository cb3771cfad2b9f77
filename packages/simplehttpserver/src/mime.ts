/**
 * Content types: the handler's `extensionsMap` first (as CPython), then the `mime-db` database
 * (through `mime-types`), then the default. Text types get `; charset=utf-8`.
 * @module
 */
import mimeTypes from "mime-types";

/** CPython's `SimpleHTTPRequestHandler.extensions_map`: archives are files, not encodings. */
export const DEFAULT_EXTENSIONS_MAP: Readonly<Record<string, string>> = Object.freeze({
  ".gz": "application/gzip",
  ".Z": "application/octet-stream",
  ".bz2": "application/x-bzip2",
  ".xz": "application/x-xz",
});

/** `application/octet-stream`, CPython's type for what it cannot guess. */
export const DEFAULT_CONTENT_TYPE = "application/octet-stream";

const cache = new Map<string, string | null>();

/** The extension of the last path segment, with its dot (`""` when none), as `posixpath.splitext`. */
export function extensionOf(path: string): string {
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  if (dot <= slash + 1) return "";
  // A name made only of leading dots (".bashrc" -> no extension) is what splitext does too.
  let i = slash + 1;
  while (i < dot && path.charCodeAt(i) === 0x2e) i++;
  return i === dot ? "" : path.slice(dot);
}

/**
 * The type `mime-db` gives a lowercased extension (with `; charset=utf-8` for text types), or
 * `null`. Cached per extension.
 */
export function lookupExtension(ext: string): string | null {
  let type = cache.get(ext);
  if (type === undefined) {
    const found = ext === "" ? false : mimeTypes.lookup(ext);
    type = found === false ? null : withCharset(found);
    if (cache.size < 1024) cache.set(ext, type);
  }
  return type;
}

/** Add `; charset=utf-8` to a type that `mime-db` marks as UTF-8 text (`text/*`, JSON, JavaScript). */
export function withCharset(type: string): string {
  if (type.includes(";")) return type;
  const charset = mimeTypes.charset(type);
  return charset === false ? type : `${type}; charset=${charset.toLowerCase()}`;
}
