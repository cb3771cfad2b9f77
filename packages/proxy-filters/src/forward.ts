/**
 * Forwarding one absolute-form request (RFC 9110 7.6, RFC 9112 3.2.2): loop detection through
 * `Via`, `Max-Forwards` for TRACE and OPTIONS, the filters, hop-by-hop fields removed and `Via`
 * added both ways, the request body streamed up and the response body streamed down with
 * backpressure (through the filters' transforms), the upstream transfer stopped when the client
 * goes away, and failures answered 502/504 with what failed.
 * @module
 */
import type { Socket } from "node:net";
import type { HTTPSocketWriter, IncomingBody } from "@stdhttp/basehttpserver";
import { BodyTooLarge, encodeChunk, HTTPSConnection, HTTPStatus, IncompleteRead, type HTTPMessage, type HTTPResponse, type PoolRequest } from "@stdhttp/httplib";
import { SocketTimeout } from "@stdhttp/socketserver";
import { checkedAnswer } from "./answer-checks.js";
import { canonicalUrl } from "./canonical-url.js";
import { originTls, type HttpsInspection, type TunnelTarget } from "./inspection.js";
import { bodyTransform, endedPieces, firstAnswer, pushedPieces, type Filter, type FilterAnswer, type FilterRequest } from "./filter.js";
import { endToEnd } from "./hop-by-hop.js";
import { mapHost } from "./host-map.js";
import { upstreamFailure } from "./pages.js";
import type { PoolRegistry } from "./pools.js";
import type { UpstreamProxy } from "./upstream.js";

/** What forwarding uses of the handler. */
export interface ProxyExchange {
  /** The client's connection (watched for the client leaving while the origin thinks). */
  connection: Socket;
  path: string;
  command: string | null;
  requestVersion: string;
  headers: HTTPMessage;
  body: IncomingBody;
  wfile: HTTPSocketWriter;
  closeConnection: boolean;
  readonly clientIp: string;
  filters: readonly Filter[];
  pseudonym: string;
  upstreamTimeout: number;
  pools: PoolRegistry;
  hostMap: Readonly<Record<string, string>>;
  /** The inspected tunnel this connection is inside (its requests go to `https://` that host), or null. */
  tunnel: TunnelTarget | null;
  httpsInspection: HttpsInspection | null;
  upstreamFor(url: URL): UpstreamProxy | null;
  sendResponse(code: number, message?: string): void;
  sendResponseOnly(code: number, message?: string): void;
  logRequest(code?: number | string, size?: number | string): void;
  sendHeader(name: string, value: string | number): void;
  endHeaders(): void;
  sendError(code: number, message?: string, explain?: string): void;
  logError(format: string, ...args: unknown[]): void;
}

const LAST_CHUNK = Buffer.from("0\r\n\r\n", "latin1");
/**
 * Replaced in a forwarded request: Host by the target's authority (RFC 9112 3.2.2), Content-Length
 * by the one length it was parsed to (a list such as `5, 5` is not passed on, RFC 9110 8.6).
 */
const REPLACED_IN_REQUEST = new Set(["host", "content-length"]);
/** Bodies up to this size with a known length are relayed with one read, not through the async iterator. */
const ONE_READ_LIMIT = 64 * 1024;

/** Parse an absolute-form target (`http://host[:port]/path`); null when it is not one we forward. */
export function targetUrl(path: string): URL | null {
  if (!/^http:\/\//i.test(path)) return null;
  return checkedUrl(path);
}

/** `url` parsed and canonicalised, or null when it is malformed or its host is no host name. */
function checkedUrl(href: string): URL | null {
  try {
    // Filters see the canonical URL (host case, trailing dots, default port, percent-encoding of
    // unreserved characters: RFC 3986 6.2.2), the form rules are matched against.
    const url = canonicalUrl(new URL(href));
    // RFC 1035 2.3.4: a name over 253 characters or with a label over 63 is no host; refuse it
    // here (400) rather than hand it to the resolver (EINVAL, answered 502 as if upstream failed).
    const host = url.hostname;
    if (host === "" || host.length > 253) return null;
    for (let start = 0; start <= host.length; ) {
      let dot = host.indexOf(".", start);
      if (dot === -1) dot = host.length;
      if (dot - start > 63) return null;
      start = dot + 1;
    }
    return url;
  } catch {
    return null;
  }
}

/**
 * Whether the client is still there, per connection. A FIN or a failure while a request waits
 * for its origin, or while its answer is relayed, means the client gave up (as nginx and Privoxy
 * read it): the upstream request is abandoned, its connection dropped.
 * One watcher per connection (not per request): listeners and an AbortController per request
 * cost more than the forwarding of a small answer.
 */
interface ClientWatch {
  controller: AbortController;
  /** True while a request of this connection waits for its origin's answer. */
  waiting: boolean;
  /** The answer being relayed to this connection, closed if the client leaves meanwhile. */
  relaying: HTTPResponse | null;
  /** The client left while an answer was being relayed. */
  leftDuringRelay: boolean;
}

const clientWatches = new WeakMap<Socket, ClientWatch>();

function watchClient(socket: Socket): ClientWatch {
  let watch = clientWatches.get(socket);
  if (watch !== undefined && !watch.controller.signal.aborted) return watch;
  const w: ClientWatch = { controller: new AbortController(), waiting: false, relaying: null, leftDuringRelay: false };
  if (socket.readableEnded || socket.destroyed) w.controller.abort(new Error("the client went away"));
  else {
    const gone = (): void => {
      if (w.waiting) w.controller.abort(new Error("the client went away"));
      // While an answer is relayed, an origin that stalls would otherwise hold its pooled
      // connection until the body timeout (as nginx's proxy_ignore_client_abort off, it is dropped).
      const res = w.relaying;
      if (res !== null) {
        w.leftDuringRelay = true;
        w.relaying = null;
        res.close();
      }
    };
    socket.on("end", gone);
    socket.once("close", () => {
      socket.off("end", gone);
      gone();
    });
  }
  clientWatches.set(socket, w);
  watch = w;
  return watch;
}

/** Answer with a filter's answer. */
export function sendAnswer(h: ProxyExchange, a: FilterAnswer): void {
  const body = a.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(a.body) ? a.body : Buffer.from(a.body, "utf8");
  h.sendResponse(a.status, a.reason);
  for (const [k, v] of a.headers ?? []) if (k.toLowerCase() !== "content-length") h.sendHeader(k, v);
  h.sendHeader("Content-Length", body.length);
  h.endHeaders();
  if (h.command !== "HEAD" && body.length > 0) h.wfile.write(body);
}

/** Whether our pseudonym already appears in `Via` (the request went round: RFC 9110 7.6.3). */
function looped(via: string[], pseudonym: string): boolean {
  const me = pseudonym.toLowerCase();
  return via.some((v) => v.split(",").some((hop) => hop.trim().split(/\s+/)[1]?.toLowerCase() === me));
}

/** The `https://` URL of a request inside an inspected tunnel; null after a 400. */
function tunnelUrl(h: ProxyExchange, tunnel: TunnelTarget): URL | null {
  const authority = `${tunnel.host.includes(":") ? `[${tunnel.host}]` : tunnel.host}:${tunnel.port}`.toLowerCase();
  if (/^https:\/\//i.test(h.path)) {
    // RFC 9112 3.2.2: absolute-form is accepted too; inside the tunnel it must name the tunnel's origin.
    const url = checkedUrl(h.path);
    if (url !== null && `${url.hostname}:${url.port === "" ? 443 : url.port}` === authority) return url;
    h.sendError(HTTPStatus.BAD_REQUEST, `The request must be for the CONNECT target ${authority}`);
    return null;
  }
  if (!h.path.startsWith("/")) {
    h.sendError(HTTPStatus.BAD_REQUEST, "Inside an inspected tunnel only origin-form requests (/path) are served");
    return null;
  }
  // The client reached this host through CONNECT: a Host naming another authority would make the
  // filters judge one site while the request goes to another (RFC 9110 7.2), so it is refused.
  const host = h.headers.get("host")?.trim().toLowerCase().replace(/\.(?=:\d+$|$)/, "") ?? "";
  const hostAuthority = /:\d+$/.test(host) ? host : `${host}:443`;
  if (hostAuthority !== authority) {
    h.sendError(HTTPStatus.BAD_REQUEST, `Host must name the CONNECT target ${authority}`);
    return null;
  }
  const url = checkedUrl(`https://${authority}${h.path}`);
  if (url === null) h.sendError(HTTPStatus.BAD_REQUEST, "Malformed request target");
  return url;
}

/** The URL a request is forwarded to: absolute-form `http://`, or origin-form inside an inspected tunnel. Null after a 400. */
function requestUrl(h: ProxyExchange): URL | null {
  if (h.tunnel !== null) return tunnelUrl(h, h.tunnel);
  const url = targetUrl(h.path);
  if (url !== null) return url;
  // Say which: an http:// URL that does not parse (bad host, unclosed "[") is not a scheme problem.
  if (/^http:\/\//i.test(h.path)) h.sendError(HTTPStatus.BAD_REQUEST, "Malformed URL or host name");
  else h.sendError(HTTPStatus.BAD_REQUEST, "Only http:// URLs are forwarded (use CONNECT for https)");
  return null;
}

/**
 * How a request reaches its origin: a pooled connection (plain or TLS, to the origin or, for
 * plain http, to the parent proxy), or for https through a parent proxy one TLS connection inside
 * the parent's CONNECT tunnel (httplib's pools do not tunnel), closed once the answer is relayed.
 */
function sender(h: ProxyExchange, url: URL, upstream: UpstreamProxy | null): { send(req: PoolRequest): Promise<HTTPResponse>; done(): void } {
  const hostname = url.hostname;
  const name = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  const https = url.protocol === "https:";
  const port = url.port === "" ? (https ? 443 : 80) : Number(url.port);
  const timeout = h.upstreamTimeout;
  if (!https) {
    const pool = upstream ? h.pools.get(upstream.host, upstream.port, timeout) : h.pools.get(...mapHost(h.hostMap, name, port), timeout);
    return { send: (req) => pool.request(req), done: () => undefined };
  }
  if (h.httpsInspection === null) throw new Error("https:// forwarding needs httpsInspection");
  const secure = { name, ...originTls(h.httpsInspection, name) };
  if (upstream === null) {
    const pool = h.pools.get(...mapHost(h.hostMap, name, port), timeout, secure);
    return { send: (req) => pool.request(req), done: () => undefined };
  }
  const conn = new HTTPSConnection(upstream.host, upstream.port, { context: secure.context, tls: secure.tls, connectTimeout: timeout, headersTimeout: timeout, bodyTimeout: timeout });
  conn.setTunnel(name, port, upstream.authorization ? { "Proxy-Authorization": upstream.authorization } : undefined);
  return {
    async send(req) {
      await conn.request(req.method ?? "GET", req.path ?? "/", req.body, req.headers, { signal: req.signal ?? null });
      return conn.getResponse();
    },
    done: () => conn.close(),
  };
}

/** Forward the handler's request and relay the answer. */
export async function forwardRequest(h: ProxyExchange): Promise<void> {
  const method = h.command!;
  const url = requestUrl(h);
  if (url === null) return;
  if (looped(h.headers.getAll("via"), h.pseudonym)) return h.sendError(HTTPStatus.LOOP_DETECTED, "Request loop: it came back through this proxy");

  let headers = endToEnd(h.headers, REPLACED_IN_REQUEST);
  if (h.body.kind === "length" && h.body.length !== null) headers.push(["Content-Length", String(h.body.length)]);
  // RFC 9110 7.6.2: Max-Forwards on TRACE and OPTIONS; 0 means we are the recipient.
  if (method === "TRACE" || method === "OPTIONS") {
    const mf = h.headers.get("max-forwards");
    if (mf !== undefined && /^\d+$/.test(mf.trim())) {
      const n = Number(mf.trim());
      if (n === 0) return answerMaxForwards(h, method);
      headers = headers.map(([k, v]) => (k.toLowerCase() === "max-forwards" ? [k, String(n - 1)] : [k, v]));
    }
  }
  const req: FilterRequest = { method, url, headers, clientAddress: h.clientIp };
  const filtered = firstAnswer(h.filters, (f) => f.onRequest?.(req));
  const early = filtered instanceof Promise ? await filtered : filtered;
  if (early) return sendAnswer(h, early);

  const upstream = h.upstreamFor(req.url);
  // An https request goes through the parent inside a CONNECT tunnel: origin-form, and the
  // parent's credentials go in that CONNECT, never to the origin.
  const viaParentInForm = upstream !== null && req.url.protocol === "http:";
  const outHeaders: Array<[string, string]> = [["Host", req.url.host], ...req.headers];
  appendVia(outHeaders, h.requestVersion, h.pseudonym);
  if (viaParentInForm && upstream.authorization) outHeaders.push(["Proxy-Authorization", upstream.authorization]);
  const body = h.body.kind === "none" ? undefined : fromClient(h.body);
  const watch = watchClient(h.connection);
  const signal = watch.controller.signal;

  let res: HTTPResponse;
  let declaredLength: number | null;
  let route: ReturnType<typeof sender> | null = null;
  watch.waiting = true;
  try {
    route = sender(h, req.url, upstream);
    res = await route.send({ method, path: viaParentInForm ? req.url.href : req.url.pathname + req.url.search, headers: outHeaders, body, signal });
    declaredLength = checkedAnswer(res);
  } catch (err) {
    route?.done();
    if (err instanceof ClientBodyFailed) return refuseClientBody(h, err.cause);
    if (signal.aborted) {
      // Nobody to answer: the upstream request was abandoned (its connection closed), as nginx
      // (499) and Privoxy do when the client closes while the origin is still thinking.
      h.closeConnection = true;
      h.logError("client went away before %s answered; upstream request abandoned", req.url.origin);
      return;
    }
    const [status, reason, explain] = upstreamFailure(err, req.url.origin);
    h.logError("forwarding %s %s failed: %s", method, req.url.href, (err as Error).message ?? String(err));
    // sendError's page ends the explanation with its own full stop.
    return h.sendError(status, reason, explain.replace(/\.$/, ""));
  } finally {
    watch.waiting = false;
  }
  watch.relaying = res;
  watch.leftDuringRelay = false;
  try {
    await relayResponse(h, req, res, declaredLength, watch);
  } finally {
    watch.relaying = null;
    // Not read to the end (client gone, filter answered, error): the upstream connection is dropped.
    if (!res.isClosed()) res.close();
    route.done();
  }
}

/** An error of the client's request body (not the origin's fault), as the upstream send reports it. */
class ClientBodyFailed extends Error {
  constructor(override readonly cause: unknown) {
    super((cause as Error)?.message ?? String(cause));
  }
}

/** The client's request body as sent upstream; its read errors are marked as the client's. */
async function* fromClient(body: AsyncIterable<Buffer>): AsyncGenerator<Buffer, void, undefined> {
  try {
    for await (const chunk of body) yield chunk;
  } catch (err) {
    throw new ClientBodyFailed(err);
  }
}

/**
 * The request body could not be read: the client's fault, answered as such (the origin got an
 * incomplete request and its connection is dropped): 413 past the size limit, 408 when the body
 * did not come in time, 400 for bad framing (RFC 9112 7.1), nothing when the client went away.
 */
function refuseClientBody(h: ProxyExchange, err: unknown): void {
  h.closeConnection = true;
  const message = (err as Error)?.message ?? String(err);
  if (err instanceof IncompleteRead) {
    h.logError("client closed the connection inside its request body; upstream request abandoned");
    return;
  }
  h.logError("reading the request body failed: %s", message);
  if (err instanceof BodyTooLarge) return h.sendError(HTTPStatus.CONTENT_TOO_LARGE, "Request body too large", message);
  if (err instanceof SocketTimeout) return h.sendError(HTTPStatus.REQUEST_TIMEOUT, "Request body timed out", message);
  h.sendError(HTTPStatus.BAD_REQUEST, "Malformed request body", message);
}



function appendVia(headers: Array<[string, string]>, version: string, pseudonym: string): void {
  const hop = `${version.replace(/^HTTP\//, "")} ${pseudonym}`;
  const i = headers.findIndex(([k]) => k.toLowerCase() === "via");
  if (i >= 0) headers[i] = [headers[i][0], `${headers[i][1]}, ${hop}`];
  else headers.push(["Via", hop]);
}

function answerMaxForwards(h: ProxyExchange, method: string): void {
  if (method === "OPTIONS") {
    h.sendResponse(HTTPStatus.OK);
    h.sendHeader("Allow", "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, TRACE, CONNECT");
    h.sendHeader("Content-Length", 0);
    h.endHeaders();
    return;
  }
  // TRACE: the request message as received, minus fields that may carry credentials (RFC 9110 9.3.8).
  const lines = [`TRACE ${h.path} ${h.requestVersion}`];
  for (const [k, v] of h.headers) if (!/^(authorization|proxy-authorization|cookie)$/i.test(k)) lines.push(`${k}: ${v}`);
  sendAnswer(h, { status: 200, headers: [["Content-Type", "message/http"]], body: lines.join("\r\n") + "\r\n\r\n" });
}

/** The upstream answer to the client, through the response filters and body transforms. */
async function relayResponse(h: ProxyExchange, req: FilterRequest, res: HTTPResponse, declaredLength: number | null, watch: ClientWatch): Promise<void> {
  const response = { status: res.status, reason: res.reason, headers: endToEnd(res.getHeaders()) };
  const filtered = firstAnswer(h.filters, (f) => f.onResponseHeaders?.(req, response));
  const answered = filtered instanceof Promise ? await filtered : filtered;
  if (answered) return sendAnswer(h, answered);
  const noBody = h.command === "HEAD" || response.status === 204 || response.status === 304 || response.status < 200;
  const transform = noBody ? null : bodyTransform(h.filters, req, response);
  // Content-Length is sent as the one length it was parsed to (a list such as `5, 5` is not passed
  // on, RFC 9110 8.6), never with a body a transform changes, never in 1xx and 204 (RFC 9110 8.6).
  const headers: Array<[string, string]> = [];
  let hasDate = false;
  for (const pair of response.headers) {
    const lower = pair[0].toLowerCase();
    if (lower === "content-length") continue;
    if (lower === "date") hasDate = true;
    headers.push(pair);
  }
  const lengthSent = declaredLength !== null && transform === null && response.status >= 200 && response.status !== 204 && response.headers.some(([k]) => k.toLowerCase() === "content-length");
  const hasLength = lengthSent;
  const chunked = !noBody && !hasLength && h.requestVersion >= "HTTP/1.1";
  // The origin's Server and Date are end-to-end: relayed as they are (a Date is added only when
  // the origin sent none, RFC 9110 6.6.1), not replaced by ours.
  h.logRequest(response.status);
  h.sendResponseOnly(response.status, response.reason);
  if (!hasDate) h.sendHeader("Date", new Date().toUTCString());
  for (const [k, v] of headers) h.sendHeader(k, v);
  if (lengthSent) h.sendHeader("Content-Length", declaredLength);
  const via = `${res.version === 10 ? "1.0" : "1.1"} ${h.pseudonym}`;
  h.sendHeader("Via", via);
  if (chunked) h.sendHeader("Transfer-Encoding", "chunked");
  h.endHeaders();
  if (noBody) return;
  const send = async (data: Buffer | null): Promise<void> => {
    if (data === null || data.length === 0) return;
    h.wfile.write(chunked ? encodeChunk(data) : data);
    await h.wfile.flush();
  };
  try {
    const length = res.length;
    if (transform === null && length !== null && length <= ONE_READ_LIMIT) await send(await res.read());
    else if (transform === null) for await (const chunk of res as AsyncIterable<Buffer>) await send(chunk);
    else {
      // Piece by piece: a transform's output (a decoded page) may be far larger than its input.
      for await (const chunk of res as AsyncIterable<Buffer>) for (const piece of pushedPieces(transform, chunk)) await send(piece);
      for (const piece of endedPieces(transform)) await send(piece);
    }
  } catch (err) {
    // Upstream cut the body short (or the client left): the client must not see it as complete.
    h.closeConnection = true;
    if (watch.leftDuringRelay) h.logError("client went away while %s was relayed; upstream transfer stopped", req.url.href);
    else h.logError("relaying %s: %s", req.url.href, (err as Error).message ?? String(err));
    return;
  }
  if (watch.leftDuringRelay) {
    h.closeConnection = true;
    h.logError("client went away while %s was relayed; upstream transfer stopped", req.url.href);
    return;
  }
  if (chunked) h.wfile.write(LAST_CHUNK);
}
