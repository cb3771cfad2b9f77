/**
 * CPython's `_url_collapse_path`: the request path percent-decoded, `.` and empty segments
 * dropped, `..` resolved (RFC 3986 5.2.4), the query kept. Used to decide whether a request
 * names a CGI script, before anything touches the file system.
 * @module
 */
import { unquote } from "./url-quote.js";

/**
 * The collapsed path (always starting with `/`), or `null` when `..` segments climb above the
 * root (CPython raises IndexError there; such a request is refused).
 */
export function urlCollapsePath(path: string): string | null {
  const q = path.indexOf("?");
  const query = q >= 0 ? path.slice(q + 1) : "";
  const parts = unquote(q >= 0 ? path.slice(0, q) : path).split("/");
  const head: string[] = [];
  for (const part of parts.slice(0, -1)) {
    if (part === "..") {
      if (head.length === 0) return null;
      head.pop();
    } else if (part !== "" && part !== ".") head.push(part);
  }
  let tail = parts.length > 0 ? parts[parts.length - 1] : "";
  if (tail === "..") {
    if (head.length === 0) return null;
    head.pop();
    tail = "";
  } else if (tail === ".") tail = "";
  if (query !== "") tail = `${tail}?${query}`;
  return `/${head.join("/")}/${tail}`;
}
