/**
 * `ProxyRequestHandler`: a forward proxy on BaseHTTPRequestHandler. Absolute-form requests are
 * forwarded (`forward.ts`), CONNECT opens a tunnel (`tunnel.ts`), origin-form requests to the
 * proxy itself go to `serveLocal()`. Access control and proxy authentication come first
 * (`access.ts`); the filters (`filter.ts`) run on every exchange.
 * @module
 */
import type { BlockList, Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { BaseHTTPRequestHandler, type HTTPServer } from "@stdhttp/basehttpserver";
import { HTTPStatus } from "@stdhttp/httplib";
import type { SocketAddress } from "@stdhttp/socketserver";
import { basicAuthMatches, clientAllowed, clientList, LOOPBACK } from "./access.js";
import type { Filter } from "./filter.js";
import { forwardRequest } from "./forward.js";
import { shouldInspect, type HttpsInspection, type TunnelTarget } from "./inspection.js";
import { interceptTunnel } from "./intercept.js";
import { PoolRegistry } from "./pools.js";
import { connectTarget, openTunnel } from "./tunnel.js";
import type { UpstreamProxy } from "./upstream.js";

/** Options of {@link ProxyRequestHandler.withOptions}: each sets the class property of the same name. */
export interface ProxyOptions {
  filters?: readonly Filter[];
  allowedClients?: readonly string[];
  connectPorts?: readonly number[];
  upstream?: UpstreamProxy | null;
  proxyCredentials?: { user: string; password: string } | null;
  pseudonym?: string;
  upstreamTimeout?: number;
  pools?: PoolRegistry;
  hostMap?: Readonly<Record<string, string>>;
  httpsInspection?: HttpsInspection | null;
}

/** Pools shared by every handler class that does not set its own. */
export const DEFAULT_POOLS = new PoolRegistry();

const clientLists = new WeakMap<readonly string[], BlockList>();

/**
 * A forward proxy (Privoxy's role) as a request handler. Serves absolute-form requests of every
 * common method by forwarding them (pooled keep-alive upstream connections, bodies streamed both
 * ways with backpressure, hop-by-hop fields removed, `Via` added, `Max-Forwards` honoured for
 * TRACE and OPTIONS, loops answered 508), CONNECT to allowed ports by tunnelling, and origin-form
 * requests with `serveLocal()`.
 *
 * May be overridden: `serveLocal()` (status pages, GUIs; default: a short page), `upstreamFor(url)`
 * (the parent proxy of a request; default: `upstream`). Class properties: `filters` (`[]`),
 * `allowedClients` (loopback), `connectPorts` (`[443]`), `upstream` (`null`), `proxyCredentials`
 * (`null`: no proxy authentication), `pseudonym` (`"stdhttp-proxy"`, in `Via`), `upstreamTimeout`
 * (30 s), `pools`, `hostMap` (`{}`: names are resolved; see `mapHost()`: where to connect
 * for a name, used only when no parent proxy is in between), `httpsInspection` (`null`: CONNECT
 * is a plain tunnel; see {@link HttpsInspection}).
 *
 * For subclasses: `tunnel` (the inspected tunnel a handler serves, else null),
 * `serveTunnelConnection()`.
 */
export class ProxyRequestHandler<TServer = HTTPServer> extends BaseHTTPRequestHandler<TServer> {
  declare filters: readonly Filter[];
  declare allowedClients: readonly string[];
  declare connectPorts: readonly number[];
  declare upstream: UpstreamProxy | null;
  declare proxyCredentials: { user: string; password: string } | null;
  declare pseudonym: string;
  declare upstreamTimeout: number;
  declare pools: PoolRegistry;
  declare hostMap: Readonly<Record<string, string>>;
  declare httpsInspection: HttpsInspection | null;
  /** Inside an inspected tunnel: its CONNECT target (requests are `https://` to it); else null. */
  tunnel: TunnelTarget | null = null;
  /** The `allowedClients` the client was checked against, and the answer. */
  private admittedFor: readonly string[] | null = null;
  private clientOk = false;

  /** A subclass with these options as its class properties. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any server type: subclasses narrow TServer.
  static override withOptions<T extends new (...args: any[]) => BaseHTTPRequestHandler<any>>(this: T, options: ProxyOptions): T {
    return BaseHTTPRequestHandler.withOptions.call(this, options) as T;
  }

  /** The parent proxy for `url` (default: `upstream`). May be overridden to choose per request. */
  upstreamFor(_url: URL): UpstreamProxy | null {
    return this.upstream;
  }

  /** Origin-form requests to the proxy itself (status pages, a GUI). Default: a short page saying this is a proxy. */
  serveLocal(): void | Promise<void> {
    const body = Buffer.from(`<!DOCTYPE html><title>${this.pseudonym}</title><p>This is a forward proxy: set it as your browser's HTTP proxy.</p>\n`);
    this.sendResponse(HTTPStatus.OK);
    this.sendHeader("Content-Type", "text/html; charset=utf-8");
    this.sendHeader("Content-Length", body.length);
    this.endHeaders();
    if (this.command !== "HEAD") this.wfile.write(body);
  }

  /** The client's IP address. */
  get clientIp(): string {
    const a = this.clientAddress as unknown;
    return Array.isArray(a) ? String(a[0]) : String(a);
  }

  /** Access control and proxy authentication: false once a refusal was answered. */
  protected admit(): boolean {
    // One handler serves one connection: its client (and so the answer) does not change between
    // requests, unless allowedClients itself is changed.
    if (this.admittedFor !== this.allowedClients) {
      let list = clientLists.get(this.allowedClients);
      if (list === undefined) {
        list = clientList(this.allowedClients);
        clientLists.set(this.allowedClients, list);
      }
      this.clientOk = clientAllowed(list, this.clientIp);
      this.admittedFor = this.allowedClients;
    }
    if (!this.clientOk) {
      this.sendError(HTTPStatus.FORBIDDEN, "Client not allowed to use this proxy");
      return false;
    }
    const cred = this.proxyCredentials;
    // Inside an inspected tunnel the client authenticated with its CONNECT; browsers send no
    // Proxy-Authorization in requests they believe go to the origin.
    if (cred !== null && this.tunnel === null && !basicAuthMatches(this.headers.get("proxy-authorization"), cred.user, cred.password)) {
      this.sendResponse(HTTPStatus.PROXY_AUTHENTICATION_REQUIRED);
      this.sendHeader("Proxy-Authenticate", `Basic realm="${this.pseudonym}", charset="UTF-8"`);
      this.sendHeader("Content-Length", 0);
      this.sendHeader("Connection", "close");
      this.endHeaders();
      return false;
    }
    return true;
  }

  /**
   * Every method but CONNECT: forwarded when absolute-form (or inside an inspected tunnel),
   * `serveLocal()` when origin-form.
   */
  protected proxy(): void | Promise<void> {
    if (!this.admit()) return;
    if (this.path.startsWith("/") && this.tunnel === null) return this.serveLocal();
    return forwardRequest(this);
  }

  do_GET(): void | Promise<void> {
    return this.proxy();
  }
  do_HEAD(): void | Promise<void> {
    return this.proxy();
  }
  do_POST(): void | Promise<void> {
    return this.proxy();
  }
  do_PUT(): void | Promise<void> {
    return this.proxy();
  }
  do_DELETE(): void | Promise<void> {
    return this.proxy();
  }
  do_PATCH(): void | Promise<void> {
    return this.proxy();
  }
  do_OPTIONS(): void | Promise<void> {
    return this.proxy();
  }
  do_TRACE(): void | Promise<void> {
    return this.proxy();
  }

  /**
   * A tunnel to `host:port` (ports in `connectPorts` only), directly or through the parent proxy;
   * inspected instead when `httpsInspection` says so.
   */
  async do_CONNECT(): Promise<void> {
    if (!this.admit()) return;
    if (this.tunnel !== null) return this.sendError(HTTPStatus.METHOD_NOT_ALLOWED, "CONNECT inside an inspected tunnel");
    const target = await connectTarget(this);
    if (target === null) return;
    const inspection = this.httpsInspection;
    if (inspection !== null && shouldInspect(inspection, target.host)) return interceptTunnel(this, inspection, target);
    return openTunnel(this, target);
  }

  /**
   * Serve the decrypted side of an inspected tunnel: a handler of this same class on `socket`,
   * through its whole lifecycle (`setup()`, `handle()`, `finish()`), with `tunnel` set, so that
   * each request inside runs the same access checks, filters and forwarding as plain HTTP.
   */
  async serveTunnelConnection(socket: TLSSocket, target: TunnelTarget): Promise<void> {
    const Handler = this.constructor as new (request: Socket, clientAddress: SocketAddress, server: TServer) => ProxyRequestHandler<TServer>;
    const inner = new Handler(socket, this.clientAddress, this.server);
    inner.tunnel = target;
    inner.setup();
    try {
      await inner.handle();
    } finally {
      await inner.finish();
    }
  }
}

Object.assign(ProxyRequestHandler.prototype, {
  protocolVersion: "HTTP/1.1",
  serverVersion: "stdhttp-proxy/0.1",
  filters: Object.freeze([]),
  allowedClients: LOOPBACK,
  connectPorts: Object.freeze([443]),
  upstream: null,
  proxyCredentials: null,
  pseudonym: "stdhttp-proxy",
  upstreamTimeout: 30,
  pools: DEFAULT_POOLS,
  hostMap: Object.freeze({}),
  httpsInspection: null,
});
