/**
 * From CPython's `cgi_info` (the CGI directory and the rest of the path) to the script: the
 * deepest existing directory below the CGI directory, the script name, PATH_INFO and the query
 * (CPython's `run_cgi`, issue 21323 for nested directories), and the ISINDEX arguments.
 * @module
 */
import { statSync } from "node:fs";
import { unquote } from "./url-quote.js";

/** Where a request's script is. */
export interface ScriptLocation {
  /** The URL directory holding the script (a CGI directory or one below it). */
  dir: string;
  /** SCRIPT_NAME: `dir/script`. */
  scriptName: string;
  /** The script's file path. */
  scriptFile: string;
  /** PATH_INFO as `isCgi()` decoded it (`""` when none). */
  pathInfo: string;
  /** QUERY_STRING, undecoded. */
  query: string;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Locate the script of `[dir, rest]` with the handler's `translatePath`. `query`, when given, is
 * the request's query as it came (after the target's first `?`): `rest` ends with it, and a `?`
 * before it is part of the path (a decoded `%3F`). Without it, the query starts at `rest`'s first
 * `?`, decoded or not, as in CPython.
 */
export function locateScript(cgiInfo: readonly [string, string], translatePath: (p: string) => string, query?: string): ScriptLocation {
  let [dir, rest] = cgiInfo;
  if (query !== undefined) {
    const suffix = query === "" ? "" : `?${query}`;
    if (suffix !== "" && rest.endsWith(suffix)) rest = rest.slice(0, rest.length - suffix.length);
  }
  const path = `${dir}/${rest}`;
  let i = path.indexOf("/", dir.length + 1);
  while (i >= 0) {
    const nextDir = path.slice(0, i);
    const nextRest = path.slice(i + 1);
    if (!isDirectory(translatePath(nextDir))) break;
    dir = nextDir;
    rest = nextRest;
    i = path.indexOf("/", dir.length + 1);
  }
  if (query === undefined) {
    const q = rest.indexOf("?");
    query = q >= 0 ? rest.slice(q + 1) : "";
    if (q >= 0) rest = rest.slice(0, q);
  }
  const slash = rest.indexOf("/");
  const script = slash >= 0 ? rest.slice(0, slash) : rest;
  const pathInfo = slash >= 0 ? rest.slice(slash) : "";
  const scriptName = `${dir}/${script}`;
  return { dir, scriptName, scriptFile: translatePath(scriptName), pathInfo, query };
}

/**
 * The command-line arguments of an ISINDEX query (RFC 3875 4.4: a query without `=`): each
 * `+`-separated word, percent-decoded. CPython's mode: the whole query with `+` as spaces, as
 * one argument, undecoded.
 */
export function searchArguments(query: string, compat: boolean): string[] {
  if (query === "" || query.includes("=")) return compat && query === "" ? [""] : [];
  if (compat) return [query.replace(/\+/g, " ")];
  return query.split("+").map((w) => unquote(w));
}
