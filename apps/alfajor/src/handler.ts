/**
 * Alfajor's request handler: proxy-filters' `ProxyRequestHandler` with the GUI served for
 * origin-form requests to the proxy itself and for `http://alfajor.local/` through the proxy
 * (answered here, never forwarded), and the parent proxy and HTTPS inspection read from the
 * running state on every request (every CONNECT) so the GUI can change them without a restart.
 * @module
 */
import { ProxyRequestHandler, refusedHosts, type HttpsInspection, type UpstreamProxy } from "@stdhttp/proxy-filters";
import { GUI_HOST } from "./gui-guard.js";
import { serveGui } from "./gui-serve.js";
import type { AlfajorState } from "./state.js";

/** The running state a handler class is bound to. */
export interface HandlerState extends AlfajorState {
  /** The parent proxy in force (null: direct). */
  readonly upstreamProxy: UpstreamProxy | null;
  /** A client refused our certificate for `host`: it is tunnelled untouched from now on. */
  noteRefused(host: string): void;
}

/** The absolute-form target's path and query when its host is the GUI's name, else null. */
function guiTarget(path: string): { host: string; target: string } | null {
  if (!/^http:\/\//i.test(path)) return null;
  let url: URL;
  try {
    url = new URL(path);
  } catch {
    return null;
  }
  if (url.hostname.toLowerCase() !== GUI_HOST) return null;
  return { host: url.host, target: url.pathname + url.search };
}

/**
 * The handler: forwarding and cookie filtering as ProxyRequestHandler does it, plus the GUI.
 * Bound to a running state with {@link AlfajorHandler.forState}.
 */
export class AlfajorHandler extends ProxyRequestHandler {
  declare alfajor: HandlerState;

  /** A handler class bound to `state` (its class property `alfajor`). */
  static forState(state: HandlerState): typeof AlfajorHandler {
    const Bound = class extends AlfajorHandler {};
    Object.assign(Bound.prototype, { alfajor: state });
    return Bound;
  }

  override upstreamFor(_url: URL): UpstreamProxy | null {
    return this.alfajor.upstreamProxy;
  }

  override serveLocal(): void | Promise<void> {
    if (!this.alfajor.gui) return super.serveLocal();
    return serveGui(this, this.alfajor, this.headers.get("host"), this.path);
  }

  /** A CONNECT, inspected when HTTPS inspection is on for its host; a refusal of our certificate is reported. */
  override async do_CONNECT(): Promise<void> {
    const inspection = this.httpsInspection;
    const before = inspection === null ? null : new Set(refusedHosts(inspection));
    await super.do_CONNECT();
    if (inspection === null || before === null) return;
    for (const host of refusedHosts(inspection)) if (!before.has(host)) this.alfajor.noteRefused(host);
  }

  protected override proxy(): void | Promise<void> {
    const gui = this.alfajor.gui ? guiTarget(this.path) : null;
    if (gui === null) return super.proxy();
    if (!this.admit()) return;
    return serveGui(this, this.alfajor, gui.host, gui.target);
  }
}

// `httpsInspection` is read from the running state, not fixed at start: a new CONNECT sees the
// GUI's switch as it is now, and requests inside a tunnel already opened keep being forwarded over
// TLS even if inspection was switched off meanwhile (the object is the same for the process's life).
Object.defineProperty(AlfajorHandler.prototype, "httpsInspection", {
  get(this: AlfajorHandler): HttpsInspection | null {
    return this.tunnel !== null ? this.alfajor.inspection.tunnelInspection() : this.alfajor.inspection.active();
  },
  configurable: true,
});
