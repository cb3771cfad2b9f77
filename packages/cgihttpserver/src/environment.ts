/**
 * The CGI environment (RFC 3875 4.1), built from an allow-list: the meta-variables of the
 * request, `HTTP_*` for its header fields, and `PATH` (so that `#!/usr/bin/env` scripts start).
 * Nothing else of the server's environment reaches a script. CPython's variable set, for
 * scripts written against its handler, is `compatEnvironment`.
 * @module
 */
import type { HTTPMessage } from "@stdhttp/httplib";

/** What the environment is made of: the request, as the handler saw it, and the script found. */
export interface CgiRequest {
  method: string;
  /** The request-target as received (for REQUEST_URI). */
  target: string;
  /** The version of the request (`HTTP/1.1`). */
  requestVersion: string;
  /** The version the server answers with (CPython puts this in SERVER_PROTOCOL). */
  protocolVersion: string;
  headers: HTTPMessage;
  clientAddress: [string, number] | string;
  serverName: string;
  serverPort: number;
  serverSoftware: string;
  https: boolean;
  documentRoot: string;
  scriptName: string;
  scriptFile: string;
  /** Decoded PATH_INFO (`""` when none). */
  pathInfo: string;
  /** PATH_TRANSLATED, or `null` when there is no PATH_INFO. */
  pathTranslated: string | null;
  /** The query, undecoded, without `?`. */
  query: string;
  /** The body's length when known (CONTENT_LENGTH), `null` when there is no body. */
  contentLength: number | null;
  /** Whether `Authorization` is passed as HTTP_AUTHORIZATION (off by default). */
  passAuthorization: boolean;
}

/** Server variables a script may need to start, taken from the server's environment when set. */
const INHERITED = ["PATH", "TZ", "LANG", "LC_ALL", "SYSTEMROOT"];

const NOT_PASSED = new Set(["content-type", "content-length", "transfer-encoding", "te", "trailer", "connection", "keep-alive", "upgrade", "proxy-connection", "proxy-authorization"]);

/** AUTH_TYPE and REMOTE_USER as CPython derives them from `Authorization` (not verified by us). */
function authVariables(headers: HTTPMessage): Record<string, string> {
  const auth = headers.get("authorization");
  if (auth === undefined) return {};
  const parts = auth.trim().split(/\s+/);
  if (parts.length !== 2) return {};
  const out: Record<string, string> = { AUTH_TYPE: parts[0] };
  if (parts[0].toLowerCase() === "basic" && /^[A-Za-z0-9+/]*={0,2}$/.test(parts[1])) {
    const decoded = Buffer.from(parts[1], "base64").toString("latin1");
     
    const user = /^[\x20-\x7e]*$/.test(decoded) ? decoded.split(":") : [];
    if (user.length === 2) out.REMOTE_USER = user[0]!;
  }
  return out;
}

/** The name of a header's variable (`HTTP_ACCEPT_LANGUAGE`), or null for fields not passed. */
function headerVariable(name: string, passAuthorization: boolean): string | null {
  const lower = name.toLowerCase();
  // httpoxy: a `Proxy:` field would become HTTP_PROXY, which HTTP clients read as their proxy.
  if (lower === "proxy") return null;
  if (lower === "authorization" && !passAuthorization) return null;
  // RFC 3875 4.1.18: these have their own variables (or carry credentials), and hop-by-hop
  // fields describe the connection to us, not the request the script sees (its body arrives
  // de-chunked on stdin).
  if (NOT_PASSED.has(lower)) return null;
  // `X_Foo` and `X-Foo` would both be HTTP_X_FOO: fields with `_` are dropped (as nginx and Apache).
  if (name.includes("_")) return null;
  return "HTTP_" + name.toUpperCase().replace(/-/g, "_");
}

function remoteAddress(address: CgiRequest["clientAddress"]): [string, string] {
  return typeof address === "string" ? [address, ""] : [address[0], String(address[1])];
}

/** The RFC 3875 environment of a request. */
export function cgiEnvironment(r: CgiRequest, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of INHERITED) {
    const v = base[k];
    if (v !== undefined) env[k] = v;
  }
  if (env.PATH === undefined) env.PATH = "/usr/local/bin:/usr/bin:/bin";
  // Header fields first: the meta-variables below must win over anything a client sends.
  for (const [name, value] of r.headers) {
    const key = headerVariable(name, r.passAuthorization);
    if (key === null) continue;
    // RFC 3875 4.1.18: repeated fields become one value with the same meaning (RFC 9110 5.3).
    env[key] = key in env ? `${env[key]}${key === "HTTP_COOKIE" ? "; " : ","}${value}` : value;
  }
  const [remoteAddr, remotePort] = remoteAddress(r.clientAddress);
  Object.assign(env, {
    GATEWAY_INTERFACE: "CGI/1.1",
    SERVER_SOFTWARE: r.serverSoftware,
    SERVER_NAME: r.serverName,
    SERVER_PORT: String(r.serverPort),
    SERVER_PROTOCOL: r.requestVersion,
    REQUEST_METHOD: r.method,
    REQUEST_URI: r.target,
    SCRIPT_NAME: r.scriptName,
    SCRIPT_FILENAME: r.scriptFile,
    PATH_INFO: r.pathInfo,
    QUERY_STRING: r.query,
    REMOTE_ADDR: remoteAddr,
    REMOTE_HOST: remoteAddr,
    DOCUMENT_ROOT: r.documentRoot,
    // Set empty when absent, as CPython does (scripts written for it read them unconditionally).
    HTTP_ACCEPT: env.HTTP_ACCEPT ?? "",
    HTTP_USER_AGENT: env.HTTP_USER_AGENT ?? "",
    HTTP_COOKIE: env.HTTP_COOKIE ?? "",
    HTTP_REFERER: env.HTTP_REFERER ?? "",
  });
  if (remotePort !== "") env.REMOTE_PORT = remotePort;
  if (r.pathTranslated !== null) env.PATH_TRANSLATED = r.pathTranslated;
  if (r.https) env.HTTPS = "on";
  Object.assign(env, authVariables(r.headers));
  env.CONTENT_TYPE = r.headers.get("content-type") ?? "";
  env.CONTENT_LENGTH = r.contentLength === null ? "" : String(r.contentLength);
  return env;
}

/**
 * CPython's environment (`CGIHTTPRequestHandler.run_cgi`): the server's whole environment plus
 * its variables (SERVER_PROTOCOL is the server's version; only Accept, User-Agent, Cookie and
 * Referer are passed as HTTP_*).
 */
export function compatEnvironment(r: CgiRequest, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  const [remoteAddr] = remoteAddress(r.clientAddress);
  Object.assign(env, {
    SERVER_SOFTWARE: r.serverSoftware,
    SERVER_NAME: r.serverName,
    GATEWAY_INTERFACE: "CGI/1.1",
    SERVER_PROTOCOL: r.protocolVersion,
    SERVER_PORT: String(r.serverPort),
    REQUEST_METHOD: r.method,
    PATH_INFO: r.pathInfo,
    PATH_TRANSLATED: r.pathTranslated ?? r.documentRoot,
    SCRIPT_NAME: r.scriptName,
    QUERY_STRING: r.query,
    REMOTE_ADDR: remoteAddr,
  });
  Object.assign(env, authVariables(r.headers));
  env.CONTENT_TYPE = r.headers.get("content-type") ?? r.headers.getContentType();
  const length = r.headers.get("content-length");
  if (length) env.CONTENT_LENGTH = length;
  const referer = r.headers.get("referer");
  if (referer) env.HTTP_REFERER = referer;
  env.HTTP_ACCEPT = r.headers.getAll("accept").join(",");
  const ua = r.headers.get("user-agent");
  if (ua) env.HTTP_USER_AGENT = ua;
  const cookie = r.headers.getAll("cookie").filter((c) => c !== "").join(", ");
  if (cookie) env.HTTP_COOKIE = cookie;
  for (const k of ["QUERY_STRING", "REMOTE_HOST", "CONTENT_LENGTH", "HTTP_USER_AGENT", "HTTP_COOKIE", "HTTP_REFERER"]) env[k] ??= "";
  return env;
}
