/**
 * A running Alfajor: the policy store, proxy-filters' `CookieFilter` behind the on/off switch,
 * the cookie log, the parent proxy setting, HTTPS inspection, and the proxy server with the GUI
 * handler. The CLI
 * starts one; tests and the demo may start one in-process with {@link Alfajor.start}.
 * @module
 */
import { randomBytes } from "node:crypto";
import { CookieFilter, parseUpstream, PoolRegistry, ThreadingHTTPServer, type UpstreamProxy } from "@stdhttp/proxy-filters";
import { CookieLog } from "./cookie-log.js";
import { stateJson } from "./gui-api.js";
import { AlfajorHandler, type HandlerState } from "./handler.js";
import { exposedWarning, InspectionControl } from "./https-inspection.js";
import type { AlfajorOptions } from "./options.js";
import { toCookiePolicy } from "./policy-document.js";
import { PolicyStore } from "./policy-store.js";
import { SwitchableFilter } from "./switchable-filter.js";

/** Extra settings for an in-process start. */
export interface StartOptions {
  /** Where messages go (policy reloads, invalid files); default: stderr. */
  log?: (line: string) => void;
  /** Most GUI live logs open at once (default 8). */
  maxSubscribers?: number;
  /** Write the proxy's access log to stderr (default false). */
  accessLog?: boolean;
}

/** The URL form of a bound address (`http://127.0.0.1:8081/`, `http://[::1]:8081/`). */
export function addressUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}/`;
}

/**
 * A running Alfajor.
 *
 * For the caller: `await Alfajor.start(options)`, `proxyUrl`, `port`, `store`, `log`, `cookies`,
 * `enabled` / `setEnabled()`, `upstreamDisplay()` / `setUpstream()`, `inspection` /
 * `changeInspection()`, `close()` (also `await using`).
 */
export class Alfajor implements HandlerState {
  readonly csrfToken = randomBytes(24).toString("base64url");
  readonly log: CookieLog;
  readonly cookies: CookieFilter;
  readonly toggle: SwitchableFilter;
  readonly server: ThreadingHTTPServer;
  readonly gui: boolean;
  readonly inspection: InspectionControl;
  upstreamProxy: UpstreamProxy | null = null;
  private upstreamUrl: string | null = null;
  private readonly pools = new PoolRegistry();
  private readonly handlerClass: typeof AlfajorHandler;
  private serving: Promise<void> = Promise.resolve();
  private closing: Promise<void> | null = null;

  private constructor(
    readonly options: AlfajorOptions,
    readonly store: PolicyStore,
    log: CookieLog,
    inspection: InspectionControl,
    private readonly say: (line: string) => void,
    accessLog: boolean,
  ) {
    this.log = log;
    this.inspection = inspection;
    this.gui = options.gui;
    this.cookies = new CookieFilter({ policy: toCookiePolicy(store.document), onDecision: (e) => log.record(e), log: say });
    this.toggle = new SwitchableFilter(this.cookies);
    this.setUpstream(options.upstream);
    const Handler = AlfajorHandler.forState(this).withOptions({
      filters: [this.toggle],
      allowedClients: options.allow,
      hostMap: options.hostMap,
      pools: this.pools,
    });
    if (!accessLog) Handler.prototype.logMessage = () => {};
    this.handlerClass = Handler;
    this.server = new ThreadingHTTPServer([options.bind, options.port], Handler);
  }

  /**
   * Open the policy file, load the CA when inspection starts on, bind and start serving. Rejects
   * with the bind error, a `PolicyFileError`, or an `InspectionSetupError` (CA directory, origin CAs).
   */
  static async start(options: AlfajorOptions, extra: StartOptions = {}): Promise<Alfajor> {
    const say = extra.log ?? ((line: string) => process.stderr.write(line + "\n"));
    const inspection = await InspectionControl.open(options.httpsInspection, options.bind);
    const log = new CookieLog({ maxSubscribers: extra.maxSubscribers });
    let app: Alfajor | null = null;
    const store = await PolicyStore.open(options.policyFile, {
      onChange: (doc, origin) => {
        if (app === null) return;
        app.cookies.policy = toCookiePolicy(doc);
        if (origin === "file") say(`alfajor: reloaded ${store.file}`);
        app.broadcastState();
      },
      onError: (err) => {
        if (err !== null) say(`alfajor: ${err.message} (the last good policy stays in force)`);
        app?.broadcastState();
      },
    });
    try {
      app = new Alfajor(options, store, log, inspection, say, extra.accessLog ?? false);
      await app.server.ready;
    } catch (err) {
      await store.close();
      await app?.server.serverClose();
      throw err;
    }
    // Our name in Via, per instance: two Alfajors chained must not take each other for a loop.
    Object.assign(app.handlerClass.prototype, { pseudonym: `alfajor-${app.port}` });
    app.serving = app.server.serveForever();
    return app;
  }

  /** The port bound. */
  get port(): number {
    return this.server.serverPort;
  }

  /** `http://<bind>:<port>/`: the proxy's address, and the GUI's. */
  get proxyUrl(): string {
    return addressUrl(this.options.bind, this.port);
  }

  /** Whether cookies are filtered. */
  get enabled(): boolean {
    return this.toggle.enabled;
  }

  /** Switch filtering on or off. */
  setEnabled(enabled: boolean): void {
    this.toggle.enabled = enabled;
    this.broadcastState();
  }

  /** The parent proxy URL with its password masked, or null. */
  upstreamDisplay(): string | null {
    if (this.upstreamUrl === null) return null;
    const u = new URL(this.upstreamUrl);
    if (u.password !== "") u.password = "***";
    return u.href;
  }

  /** Set the parent proxy (null: connect directly). Throws RangeError for a bad URL. */
  setUpstream(url: string | null): void {
    this.upstreamProxy = url === null ? null : parseUpstream(url);
    this.upstreamUrl = url;
    this.broadcastState();
  }

  /**
   * Change HTTPS inspection: the lists (runtime only), then the switch (loading or creating the CA
   * the first time; rejects with `InspectionSetupError` when the CA directory cannot be used).
   */
  async changeInspection(change: { enabled?: boolean; inspect?: readonly string[]; neverInspect?: readonly string[] }): Promise<void> {
    // Lists first: switching on then applies the new lists from the first CONNECT.
    if (change.inspect !== undefined || change.neverInspect !== undefined) this.inspection.setLists(change);
    if (change.enabled !== undefined && change.enabled !== this.inspection.enabled) {
      await this.inspection.setEnabled(change.enabled);
      if (change.enabled && this.inspection.exposed) this.say(exposedWarning(this.options.bind));
      this.say(`alfajor: HTTPS inspection ${change.enabled ? `on (CA ${this.inspection.ca?.certificatePath})` : "off: CONNECTs are plain tunnels"}`);
    }
    this.broadcastState();
  }

  /** A client refused our certificate for `host`: say so on stderr and in the GUI. */
  noteRefused(host: string): void {
    this.say(`alfajor: HTTPS inspection: the client refused our certificate for ${host}; tunnelling it untouched from now on`);
    this.broadcastState();
  }

  /** Tell every open GUI the new state. */
  broadcastState(): void {
    this.log.broadcast("state", stateJson(this));
  }

  /** Stop: close the live logs, stop serving, close upstream connections, stop watching the file. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.log.closeAll();
      await this.server.shutdown();
      await this.serving;
      await this.server.serverClose();
      this.pools.close();
      await this.store.close();
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
