/**
 * The on/off switch: a filter that delegates to another one while enabled and lets everything
 * pass untouched while disabled. The GUI's toggle flips it; requests already in flight keep the
 * setting they started with for their request hook, and see the new one for their response.
 * @module
 */
import type { BodyTransform, Explanation, Filter, FilterAnswer, FilterRequest, FilterResponse } from "@stdhttp/proxy-filters";

/**
 * A filter that runs `inner` only while `enabled` is true.
 * @example
 * const toggle = new SwitchableFilter(new CookieFilter({ policy }));
 * const Handler = ProxyRequestHandler.withOptions({ filters: [toggle] });
 * toggle.enabled = false; // cookies now pass untouched
 */
export class SwitchableFilter implements Filter {
  readonly name: string;
  /** Whether `inner` runs. */
  enabled = true;

  constructor(readonly inner: Filter) {
    this.name = inner.name;
  }

  onRequest(req: FilterRequest): FilterAnswer | void | Promise<FilterAnswer | void> {
    if (this.enabled && this.inner.onRequest) return this.inner.onRequest(req);
  }

  onResponseHeaders(req: FilterRequest, res: FilterResponse): FilterAnswer | void | Promise<FilterAnswer | void> {
    if (this.enabled && this.inner.onResponseHeaders) return this.inner.onResponseHeaders(req, res);
  }

  onResponseBody(req: FilterRequest, res: FilterResponse): BodyTransform | null {
    return this.enabled && this.inner.onResponseBody ? this.inner.onResponseBody(req, res) : null;
  }

  onConnect(host: string, port: number, clientAddress: string): FilterAnswer | void | Promise<FilterAnswer | void> {
    if (this.enabled && this.inner.onConnect) return this.inner.onConnect(host, port, clientAddress);
  }

  explain(url: URL): Explanation[] {
    if (!this.enabled) return [{ filter: this.name, rule: "off", action: "Alfajor is switched off: cookies pass untouched" }];
    return this.inner.explain ? this.inner.explain(url) : [];
  }
}
