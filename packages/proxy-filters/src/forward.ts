/**
 * Forwarding one absolute-form request (RFC 9110 7.6, RFC 9112 3.2.2): loop detection through
 * `Via`, `Max-Forwards` for TRACE and OPTIONS, the filters, hop-by-hop fields removed and `Via`
 * added both ways, the request body streamed up and the response body streamed down with
 * backpressure (through the filters' transforms), the upstream transfer stopped when the client
 * goes away, and failures answered 502/504 with what failed. The answer's relay is `relay.ts`, the
 * watch over the client's connection `client-watch.ts`, its request body `client-body.ts`.
 * @module
 */
import { HTTPSConnection, HTTPStatus, type HTTPConnectionPool, type HTTPResponse, type PoolRequest } from "@stdhttp/httplib";
import { checkedAnswer } from "./answer-checks.js";
import { canonicalUrl } from "./canonical-url.js";
import { ClientBodyFailed, fromClient, refuseClientBody } from "./client-body.js";
import { watchClient } from "./client-watch.js";
import { sendAnswer, type ProxyExchange } from "./exchange.js";
import { firstAnswer, type FilterRequest } from "./filter.js";
import { endToEnd, nameIs } from "./hop-by-hop.js";
import { mapHost } from "./host-map.js";
import { originTls, type TunnelTarget } from "./inspection.js";
import { upstreamFailure } from "./pages.js";
import { relayResponse } from "./relay.js";
import { appendVia, looped } from "./via.js";
import type { UpstreamProxy } from "./upstream.js";

/**
 * Replaced in a forwarded request: Host by the target's authority (RFC 9112 3.2.2), Content-Length
 * by the one length it was parsed to (a list such as `5, 5` is not passed on, RFC 9110 8.6).
 */
const REPLACED_IN_REQUEST = new Set(["host", "content-length"]);
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
  if (!https) return pooled(upstream ? h.pools.get(upstream.host, upstream.port, timeout) : h.pools.get(...mapHost(h.hostMap, name, port), timeout));
  if (h.httpsInspection === null) throw new Error("https:// forwarding needs httpsInspection");
  const secure = { name, ...originTls(h.httpsInspection, name) };
  if (upstream === null) return pooled(h.pools.get(...mapHost(h.hostMap, name, port), timeout, secure));
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

/** How requests reach a pool's origin: one object per pool, not two closures per request. */
type Sender = ReturnType<typeof sender>;
const poolSenders = new WeakMap<HTTPConnectionPool, Sender>();
const noop = (): void => undefined;

function pooled(pool: HTTPConnectionPool): Sender {
  let s = poolSenders.get(pool);
  if (s === undefined) {
    s = { send: (req) => pool.request(req), done: noop };
    poolSenders.set(pool, s);
  }
  return s;
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
      headers = headers.map(([k, v]) => (nameIs(k, "max-forwards") ? [k, String(n - 1)] : [k, v]));
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
  // Never in a TRACE (RFC 9110 9.3.8: no credentials in a request whose answer echoes it): a
  // parent that reflects it would hand its password to any client of this proxy. Such a parent
  // answers 407 instead.
  if (viaParentInForm && upstream.authorization && method !== "TRACE") outHeaders.push(["Proxy-Authorization", upstream.authorization]);
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

