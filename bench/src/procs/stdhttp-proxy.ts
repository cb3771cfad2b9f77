/**
 * Our forward proxy for the `proxy` workload: @stdhttp/proxy-filters' `ProxyRequestHandler` with
 * every filter on (a `BlockListFilter` over {@link AD_HOSTS}, a `BannerFilter` asking the block list
 * about URLs in pages, a `CookieFilter` allowing every cookie), HTTP/1.1 (the handler's default),
 * request log silenced, on the package's `ThreadingHTTPServer`. Imported lazily by the child, so
 * the peers run when the package is missing or broken (ours then says `no result`).
 * @module
 */
import { serveOnLoopback } from "./listen.js";

/**
 * A sample block list: 50 ad and tracker hosts (a plain domain list, each entry `||host^`). None
 * of them is the origin (127.0.0.1); the `proxy-html` page links images on some of them.
 */
export const AD_HOSTS: readonly string[] = [
  "doubleclick.net", "googlesyndication.com", "googleadservices.com", "adservice.google.com", "adnxs.com",
  "advertising.com", "adform.net", "adsrvr.org", "criteo.com", "criteo.net",
  "taboola.com", "outbrain.com", "pubmatic.com", "rubiconproject.com", "openx.net",
  "casalemedia.com", "smartadserver.com", "yieldmo.com", "media.net", "amazon-adsystem.com",
  "scorecardresearch.com", "quantserve.com", "moatads.com", "serving-sys.com", "adroll.com",
  "bidswitch.net", "contextweb.com", "districtm.io", "indexww.com", "lijit.com",
  "sharethrough.com", "spotxchange.com", "teads.tv", "tribalfusion.com", "turn.com",
  "zedo.com", "33across.com", "adcolony.com", "admob.com", "adsafeprotected.com",
  "adtechus.com", "bluekai.com", "exelator.com", "krxd.net", "mathtag.com",
  "mookie1.com", "rlcdn.com", "sitescout.com", "tapad.com", "ads.example",
];

/** Start our proxy on an ephemeral 127.0.0.1 port; resolves with the port. */
export async function startStdhttpProxy(): Promise<number> {
  const pf = await import("@stdhttp/proxy-filters");
  const blockList = new pf.BlockListFilter([{ name: "bench-ad-hosts", text: AD_HOSTS.join("\n"), format: "domains" }]);
  if (blockList.badLines.length > 0) throw new Error(`block list: ${blockList.badLines.length} bad lines (first: ${blockList.badLines[0].reason})`);
  const banners = new pf.BannerFilter({ isBlocked: (url, type) => blockList.decide(url, { type: type === "link" ? "document" : type }).blocked });
  const cookies = new pf.CookieFilter({ policy: { default: "allow" }, log: () => {} });
  class Quiet extends pf.ProxyRequestHandler {
    override logMessage(): void {}
  }
  const Handler = Quiet.withOptions({ filters: [blockList, banners, cookies] });
  const server = new pf.ThreadingHTTPServer(["127.0.0.1", 0], Handler);
  return serveOnLoopback(server);
}
