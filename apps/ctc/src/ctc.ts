/**
 * A running CTC: the block lists and the banner cutter composed into a `ProxyRequestHandler`,
 * the server, the counters, the access log, and list reloading (on demand, on SIGHUP through the
 * command, and when a list file changes). The command (`cli.ts`) is a thin shell around
 * {@link Ctc.start}; tests and the demo may start one in-process the same way.
 * @module
 */
import { createRequire } from "node:module";
import { resolve } from "node:path";
import {
  BannerFilter,
  BlockListFilter,
  parseUpstream,
  ThreadingHTTPServer,
  type BannerResourceType,
  type Filter,
  type ResourceType,
} from "@stdhttp/proxy-filters";
import { AccessLog, quoteField, type LogSink } from "./access-log.js";
import { newToken } from "./control/guard.js";
import type { ListStatus } from "./control/page.js";
import type { ControlState } from "./control/serve.js";
import { UsageError } from "./errors.js";
import { ctcHandler, type CtcHandlerClass } from "./handler.js";
import { Inspection, readOriginCAs, type InspectionSettings } from "./inspection.js";
import type { CtcOptions } from "./options.js";
import { CtcStats, type StatsView } from "./stats.js";
import { watchFiles } from "./watch.js";

/** Where a running CTC writes: the access log and notices to stdout, warnings and errors to stderr. */
export interface CtcStreams {
  stdout: LogSink;
  stderr: LogSink;
}

/** How a CTC runs as one of several worker processes (set by the command; defaults: on its own). */
export interface CtcRole {
  /** The control page's form token (the same in every worker, or a form from one is refused by another). */
  token?: string;
  /** Listen on the node:cluster shared socket (a worker) rather than a socket of its own. */
  sharedPort?: boolean;
  /** Print the bad list lines (one worker does, so they are not printed once per worker). */
  warnBadLines?: boolean;
}

/** The rest of the proxy, for a CTC that is one worker of several (see `cluster/worker.ts`). */
export interface ClusterLink {
  /** The merged counters of every worker, this one's included, as they are now. */
  statsView(): Promise<StatsView>;
  /** Tell the other workers; resolves once they all switched. */
  setEnabled(on: boolean): Promise<void>;
  /** Tell the other workers the new HTTPS inspection settings; resolves once they all applied them. */
  setInspection(settings: InspectionSettings): Promise<void>;
}

/** Whether an address to bind is a loopback one (only this machine can reach it). */
export function isLoopback(bind: string): boolean {
  return bind === "localhost" || bind === "::1" || /^127\.\d+\.\d+\.\d+$/.test(bind);
}

/** The loud warning of inspection on a proxy other machines can reach. */
export function exposedInspectionWarning(bind: string): string {
  return (
    `ctc: WARNING: HTTPS inspection is on and the proxy listens on ${bind}, which is not a loopback address:\n` +
    `ctc: WARNING: the HTTPS traffic of every client allowed by --allow is decrypted here, and any of them\n` +
    `ctc: WARNING: that trusts the CA can have its HTTPS traffic read by whoever holds the CA key.\n`
  );
}

/** The notice of a successful reload. */
export function reloadedLine(reason: string, lists: number): string {
  return `ctc: lists reloaded (${reason}): ${lists} list${lists === 1 ? "" : "s"}\n`;
}

/** The error of a failed reload. */
export function reloadFailedLine(reason: string, error: string): string {
  return `ctc: error: reload failed (${reason}), keeping the previous rules: ${error}\n`;
}

/** CTC's name in `Via` (and in loop detection). */
export const PSEUDONYM = "ctc";

/** The version of this package. */
export const VERSION: string = (createRequire(import.meta.url)("../package.json") as { version: string }).version;

const BANNER_TYPES: Record<BannerResourceType, ResourceType> = { image: "image", subdocument: "subdocument", object: "object", link: "document" };

/**
 * A running CTC proxy.
 *
 * For the caller: `await Ctc.start(options)` (listening and serving), then `url`, `address`,
 * `stats`, `enabled` (the on/off switch of the control page), `reload()`, `close()`.
 *
 * @example
 * const ctc = await Ctc.start({ ...defaultOptions(), port: 0, log: "off" });
 * console.log(ctc.url); // http://127.0.0.1:40123/
 * await ctc.close();
 */
export class Ctc implements ControlState {
  /** The package version (shown on the control page). */
  readonly version = VERSION;
  /** The control page's form token, random per running proxy. */
  readonly token: string;
  /** The other workers, when this CTC is one of several processes; null when alone. */
  cluster: ClusterLink | null = null;
  /** Requests, blocks, cuts, recent blocks. */
  readonly stats: CtcStats;
  /** The settings it runs with (block list paths made absolute). */
  readonly options: CtcOptions;
  /** The block list filter (decide, explain, reload). */
  readonly blocklist: BlockListFilter;
  /** The server, listening once `start()` resolved. */
  readonly server: ThreadingHTTPServer;
  /** HTTPS inspection: the CA, the host lists, the refused hosts. */
  readonly inspection: Inspection;
  /** When the lists were last loaded (ms since the epoch). */
  loadedAt = Date.now();
  /** The last reload's error (the previous rules stay in force), or null. */
  reloadError: string | null = null;
  private readonly filters: readonly Filter[];
  private readonly handler: CtcHandlerClass;
  private readonly log: AccessLog | null;
  private readonly io: CtcStreams;
  private readonly reporter: ListReporter;
  private serving: Promise<void> = Promise.resolve();
  private stopWatching: () => void = () => {};
  private reloading: Promise<boolean> = Promise.resolve(true);
  private on = true;

  private constructor(options: CtcOptions, blocklist: BlockListFilter, reporter: ListReporter, io: CtcStreams, role: CtcRole, inspection: Inspection) {
    this.options = options;
    this.inspection = inspection;
    this.token = role.token ?? newToken();
    this.blocklist = blocklist;
    this.reporter = reporter;
    this.stats = reporter.stats;
    this.io = io;
    this.log = options.log === "off" ? null : new AccessLog(options.log, io.stdout);
    const banners = new BannerFilter({
      sizes: options.bannersBySize ? undefined : [],
      isBlocked: (url, type, pageUrl) => {
        const d = blocklist.decide(url, { type: BANNER_TYPES[type], sourceUrl: pageUrl.href });
        if (d.blocked) this.stats.recordCut(url.href, d.rule ?? "?", d.list ?? "?", type);
        return d.blocked;
      },
      onCut: (cut) => {
        if (cut.reason !== "blocked") this.stats.countSizeCut();
      },
    });
    this.filters = Object.freeze([blocklist, banners]);
    this.handler = ctcHandler(
      {
        filters: this.filters,
        allowedClients: options.allow,
        connectPorts: options.connectPorts,
        upstream: options.upstream === null ? null : parseUpstream(options.upstream),
        pseudonym: PSEUDONYM,
        hostMap: options.hostMap,
        httpsInspection: inspection.handlerOption(),
      },
      { control: this, log: this.log },
    );
    // The Server header of our own answers; answers relayed from origins keep theirs.
    this.handler.prototype.serverVersion = `ctc/${VERSION}`;
    this.server = new ThreadingHTTPServer([options.bind, options.port], this.handler, {
      // Request bodies are streamed upstream, never held: no size limit (the server's 10 MiB
      // default would refuse big uploads), and no deadline for the whole request (a long upload
      // is not a slow client; idleTimeout still drops a stalled one).
      maxBodySize: null,
      requestTimeout: null,
    });
    // A cluster worker accepts on the port the primary shares with every worker.
    this.server.shareClusterHandle = role.sharedPort === true;
  }

  /**
   * Load the lists, start listening and serving. Rejects with a `UsageError` when a list cannot
   * be read, and with the bind error when the address cannot be used.
   */
  static async start(options: CtcOptions, io: CtcStreams = process, role: CtcRole = {}): Promise<Ctc> {
    const paths = options.blocklists.map((p) => resolve(p));
    const reporter = new ListReporter(io, role.warnBadLines ?? true);
    let blocklist: BlockListFilter;
    try {
      blocklist = await BlockListFilter.fromFiles(paths, {
        imageBlocker: options.imageBlocker,
        onBadLine: (list, line, text, reason) => reporter.badLine(list, line, text, reason),
        onBlock: (event) => reporter.stats.recordBlock(event),
      });
    } catch (err) {
      throw new UsageError(`--blocklist: cannot read ${describeReadError(err)}`);
    }
    const inspection = new Inspection(
      { enabled: options.httpsInspection, inspect: options.inspect, neverInspect: options.neverInspect },
      resolve(options.caDir),
      readOriginCAs(options.originCa),
    );
    if (options.httpsInspection) await inspection.ensureCA();
    const ctc = new Ctc({ ...options, blocklists: paths }, blocklist, reporter, io, role, inspection);
    try {
      await ctc.server.ready;
    } catch (err) {
      await ctc.server.serverClose();
      throw err;
    }
    ctc.serving = ctc.server.serveForever();
    if (options.watch) {
      ctc.stopWatching = watchFiles(
        paths,
        () => void ctc.reload("a list file changed"),
        (path, err) => io.stderr.write(`ctc: warning: cannot watch ${path} for changes: ${err.message}\n`),
      );
    }
    return ctc;
  }

  /** `[host, port]` the proxy listens on (the real port when 0 was asked for). */
  get address(): [string, number] {
    return this.server.serverAddress as [string, number];
  }

  /** `http://host:port/`, the proxy's address (and its control page). */
  get url(): string {
    const [host, port] = this.address;
    return `http://${host.includes(":") ? `[${host}]` : host}:${port}/`;
  }

  /** Turn filtering on or off here and, when this is one worker of several, in every worker. */
  async setEnabled(on: boolean): Promise<void> {
    this.enabled = on;
    await this.cluster?.setEnabled(on);
  }

  /**
   * New HTTPS inspection settings, here and, when this is one worker of several, in every worker.
   * Switching on loads (or creates) the CA first; rejects with a `UsageError` when the CA
   * directory is unusable, and nothing changes then.
   */
  async setInspection(settings: InspectionSettings): Promise<void> {
    const wasOn = this.inspection.current.enabled;
    await this.applyInspection(settings);
    if (settings.enabled && !wasOn && !isLoopback(this.options.bind)) this.io.stderr.write(exposedInspectionWarning(this.options.bind));
    await this.cluster?.setInspection(this.inspection.current);
  }

  /** Apply new inspection settings in this process only (a worker, told by the primary). */
  async applyInspection(settings: InspectionSettings): Promise<void> {
    await this.inspection.apply(settings);
    // A prototype property, as `filters`: the next CONNECT reads it.
    (this.handler.prototype as { httpsInspection: unknown }).httpsInspection = this.inspection.handlerOption();
  }

  /** The counters the control page shows: this process's, or the whole proxy's when it is one worker of several. */
  statsView(): StatsView | Promise<StatsView> {
    return this.cluster === null ? this.stats : this.cluster.statsView();
  }

  /** Whether filtering is on. Off, requests pass unfiltered (the control page still answers). */
  get enabled(): boolean {
    return this.on;
  }

  set enabled(value: boolean) {
    this.on = value;
    // A prototype property: every request reads it, so the switch costs nothing per request.
    (this.handler.prototype as { filters: readonly Filter[] }).filters = value ? this.filters : Object.freeze([]);
  }

  /** The lists of the last load, with their format and the number of bad lines skipped. */
  listStatus(): ListStatus[] {
    const formats = this.blocklist.formats;
    return this.options.blocklists.map((path) => ({ path, format: formats.get(path) ?? null, badLines: this.reporter.badLines.get(path) ?? 0 }));
  }

  /**
   * Re-read the list files. On success the new rules apply to the next request; on failure (a
   * file gone or unreadable) the old rules stay and the error is reported. Resolves with whether
   * the reload succeeded. Reloads run one at a time.
   */
  async reload(reason = "reload requested"): Promise<boolean> {
    const error = await this.reloadLists();
    if (error === null) this.io.stdout.write(reloadedLine(reason, this.options.blocklists.length));
    else this.io.stderr.write(reloadFailedLine(reason, error));
    return error === null;
  }

  /**
   * `reload()` without the notice (the command's primary prints one for all its workers).
   * Resolves with the error, or null on success.
   */
  reloadLists(): Promise<string | null> {
    const next = this.reloading.then(async () => {
      const previous = this.reporter.badLines;
      this.reporter.badLines = new Map();
      try {
        await this.blocklist.reloadFiles();
      } catch (err) {
        this.reporter.badLines = previous;
        this.reloadError = `cannot read ${describeReadError(err)}`;
        return this.reloadError;
      }
      this.loadedAt = Date.now();
      this.reloadError = null;
      return null;
    });
    this.reloading = next.then(() => true);
    return next;
  }

  /**
   * Stop watching, close the server, give the requests in progress up to `graceSeconds` (5) to
   * finish, and flush the log. Connections still open then (CONNECT tunnels and kept-alive
   * connections a browser holds for minutes) are left to the process's exit.
   */
  async close(graceSeconds = 5): Promise<void> {
    this.stopWatching();
    const closing = (async () => {
      await this.server.shutdown();
      await this.serving;
      await this.server.serverClose();
    })();
    closing.catch(() => undefined); // settled after the grace period, if at all: nobody waits then
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([closing, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceSeconds * 1000)))]);
    clearTimeout(timer);
    this.flushLog();
  }

  /** Write the access log lines gathered so far now (otherwise within `FLUSH_DELAY_MS`). */
  flushLog(): void {
    this.log?.flush();
  }
}

/** Bad lines of one list printed per load at most; the rest are counted. */
const MAX_WARNINGS = 20;

/** Counts and reports the bad lines of each load; holds the counters the block events go to. */
class ListReporter {
  readonly stats = new CtcStats();
  badLines = new Map<string, number>();
  private readonly io: CtcStreams;
  private readonly warn: boolean;

  constructor(io: CtcStreams, warn: boolean) {
    this.io = io;
    this.warn = warn;
  }

  badLine(list: string, line: number, text: string, reason: string): void {
    const count = (this.badLines.get(list) ?? 0) + 1;
    this.badLines.set(list, count);
    if (!this.warn) return;
    // The line is quoted as the access log quotes (a list may hold control bytes: no escape
    // sequence reaches the operator's terminal), and at most MAX_WARNINGS are printed per list
    // and load (a list of thousands of bad lines would flood stderr at every reload).
    if (count <= MAX_WARNINGS) this.io.stderr.write(`ctc: warning: ${list}:${line}: ${reason}; line skipped: ${quoteField(text.length > 200 ? `${text.slice(0, 200)}...` : text)}\n`);
    else if (count === MAX_WARNINGS + 1) this.io.stderr.write(`ctc: warning: ${list}: more bad lines, counted but not printed (the control page gives the count)\n`);
  }
}

/** `PATH: CODE` of a file read error. */
function describeReadError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  // readListFile's errors already say `PATH: what` (a FIFO, a directory, ENOENT...).
  if (e.path !== undefined && e.message.startsWith(`${e.path}: `)) return e.message;
  return `${e.path ?? "a list"}: ${e.code ?? e.message}`;
}
