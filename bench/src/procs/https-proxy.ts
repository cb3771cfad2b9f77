/**
 * Child process: our forward proxy in the `proxy-https` workload, @stdhttp/proxy-filters'
 * `ProxyRequestHandler` with the block list and banner filters (as CTC runs them) on the package's
 * `ThreadingHTTPServer`, request log silenced; with `inspect`, HTTPS inspection on (a local CA in
 * `caDir`, origins verified against `originCa`), else CONNECT is a plain tunnel. Sends
 * `{ type: "ready", port, caPem }`.
 *
 * Config (argv[2], JSON): {@link HttpsProxyConfig}.
 * @module
 */
import { AD_HOSTS } from "./ad-hosts.js";
import { exitWithParent, fail, readConfig, send } from "./ipc.js";

/** What the parent asks of this child. */
export interface HttpsProxyConfig {
  inspect: boolean;
  caDir: string;
  /** PEM of the origin's CA. */
  originCa: string;
  /** Ports CONNECT may reach (the origin's). */
  connectPorts: number[];
}

async function main(): Promise<void> {
  exitWithParent();
  const cfg = readConfig<HttpsProxyConfig>();
  const pf = await import("@stdhttp/proxy-filters");
  const blockList = new pf.BlockListFilter([{ name: "bench-ad-hosts", text: AD_HOSTS.join("\n"), format: "domains" }]);
  const banners = new pf.BannerFilter({ isBlocked: (url, type, page) => blockList.decide(url, { type: type === "link" ? "document" : type, sourceUrl: page.href }).blocked });
  const ca = cfg.inspect ? await pf.LocalCA.loadOrCreate(cfg.caDir) : null;
  class Quiet extends pf.ProxyRequestHandler {
    override logMessage(): void {}
  }
  const Handler = Quiet.withOptions({
    filters: [blockList, banners],
    connectPorts: cfg.connectPorts,
    httpsInspection: ca === null ? null : { ca, extraCA: cfg.originCa },
  });
  const server = new pf.ThreadingHTTPServer(["127.0.0.1", 0], Handler, { maxBodySize: null, requestTimeout: null });
  await server.ready;
  void server.serveForever();
  await send({ type: "ready", port: (server.serverAddress as [string, number])[1], caPem: ca?.certificatePem ?? null });
}

void main().catch(fail);
