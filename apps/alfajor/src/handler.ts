/**
 * Alfajor's request handler: proxy-filters' `ProxyRequestHandler` with the GUI served for
 * origin-form requests to the proxy itself and for `http://alfajor.local/` through the proxy
 * (answered here, never forwarded), and the parent proxy read from the running state on every
 * request so the GUI can change it without a restart.
 * @module
 */
import { ProxyRequestHandler, type UpstreamProxy } from "@stdhttp/proxy-filters";
import { GUI_HOST } from "./gui-guard.js";
import { serveGui } from "./gui-serve.js";
import type { AlfajorState } from "./state.js";

/** The running state a handler class is bound to. */
export interface HandlerState extends AlfajorState {
  /** The parent proxy in force (null: direct). */
  readonly upstreamProxy: UpstreamProxy | null;
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

  protected override proxy(): void | Promise<void> {
    const gui = this.alfajor.gui ? guiTarget(this.path) : null;
    if (gui === null) return super.proxy();
    if (!this.admit()) return;
    return serveGui(this, this.alfajor, gui.host, gui.target);
  }
}
