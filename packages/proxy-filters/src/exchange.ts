/**
 * What forwarding uses of the proxy's request handler (`ProxyExchange`), and answering a request
 * with a filter's answer.
 * @module
 */
import type { Socket } from "node:net";
import type { HTTPSocketWriter, IncomingBody } from "@stdhttp/basehttpserver";
import type { HTTPMessage } from "@stdhttp/httplib";
import type { Filter, FilterAnswer } from "./filter.js";
import type { HttpsInspection, TunnelTarget } from "./inspection.js";
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

/** Answer with a filter's answer. */
export function sendAnswer(h: ProxyExchange, a: FilterAnswer): void {
  const body = a.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(a.body) ? a.body : Buffer.from(a.body, "utf8");
  h.sendResponse(a.status, a.reason);
  for (const [k, v] of a.headers ?? []) if (k.toLowerCase() !== "content-length") h.sendHeader(k, v);
  h.sendHeader("Content-Length", body.length);
  h.endHeaders();
  if (h.command !== "HEAD" && body.length > 0) h.wfile.write(body);
}
