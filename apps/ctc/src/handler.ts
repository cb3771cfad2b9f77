/**
 * CTC's request handler: `ProxyRequestHandler` with the control page (for requests to the proxy
 * itself and for `http://ctc.local/` through it), the request counter and the access log. The
 * per-request additions are one prefix test, one counter and one log line.
 * @module
 */
import { ProxyRequestHandler, type HTTPServer, type ProxyOptions } from "@stdhttp/proxy-filters";
import type { AccessLog } from "./access-log.js";
import { serveControl, type ControlState } from "./control/serve.js";

/** Absolute-form requests for the control page through the proxy. */
// `ctc.local.` (a trailing dot) is the same name (RFC 1034 3.1), and must not go out to DNS.
const CONTROL_URL = /^http:\/\/ctc\.local\.?(?::80)?(?=[/?]|$)/i;

/** What the handler needs of the running proxy. */
export interface HandlerContext {
  control: ControlState;
  log: AccessLog | null;
}

/** A handler class of a running CTC. */
export type CtcHandlerClass = typeof ProxyRequestHandler<HTTPServer>;

/** The handler class of one running CTC, from the proxy options and its context. */
export function ctcHandler(options: ProxyOptions, ctx: HandlerContext): CtcHandlerClass {
  const { control, log } = ctx;
  const stats = control.stats;
  const Base = ProxyRequestHandler.withOptions(options);
  return class CtcHandler extends Base {
    /** `http://ctc.local/...` is answered here (never forwarded, even with filtering off). */
    protected override proxy(): void | Promise<void> {
      const path = this.path;
      // charCodeAt(7): the first letter of the host, `c` or `C`; most requests stop here.
      if ((path.charCodeAt(7) | 0x20) === 0x63 && CONTROL_URL.test(path)) {
        if (!this.admit()) return;
        const rest = path.replace(CONTROL_URL, "");
        return serveControl(this, control, rest.startsWith("/") ? rest : `/${rest}`, true);
      }
      return super.proxy();
    }

    override serveLocal(): void | Promise<void> {
      return serveControl(this, control, this.path, false);
    }

    /** The access log replaces the base class's per-response stderr line. */
    override logRequest(): void {}

    override logAccess(status: number, size: number): void {
      stats.countRequest();
      if (log === null) return;
      const combined = log.format === "combined";
      log.record({
        client: this.clientIp,
        requestLine: this.requestLine,
        status,
        size,
        referer: combined ? this.headers?.get("referer") : undefined,
        userAgent: combined ? this.headers?.get("user-agent") : undefined,
      });
    }
  };
}
