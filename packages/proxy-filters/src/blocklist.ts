/**
 * `BlockListFilter`: Privoxy's `block` + `handle-as-image` + `set-image-blocker` over hosts files,
 * plain domain lists and Adblock Plus / EasyList network filters (matched by
 * `@ghostery/adblocker`). Requests are canonicalised (`canonical-url.ts`), typed from
 * `Sec-Fetch-Dest` / `Accept` / the extension (`blocklist-type.ts`), matched with the `Referer`
 * as the page, and answered with a replacement (`blocklist-answers.ts`). CONNECT to a host that a
 * rule blocks whole is refused.
 * @module
 */
import { constants as fsConstants } from "node:fs";
import { open } from "node:fs/promises";
import { FiltersEngine, Request, type NetworkFilter } from "@ghostery/adblocker";
import { blockedAnswer, blockPage, type ImageBlocker } from "./blocklist-answers.js";
import { parseLists, type BadLineHandler, type BlockListSource, type ListFormat, type RuleOrigin } from "./blocklist-parse.js";
import { BoundedMemo } from "./bounded-memo.js";
import { ENGINE_TYPE, guessResourceType, refererOf, typeFromExtension, type ResourceType } from "./blocklist-type.js";
import { canonicalUrl } from "./canonical-url.js";
import type { Explanation, Filter, FilterAnswer, FilterRequest } from "./filter.js";

/** A block, as reported to `onBlock`. `type` is `"connect"` for a refused tunnel. */
export interface BlockEvent {
  url: string;
  rule: string;
  list: string;
  type: ResourceType | "connect";
  client: string;
}

/** Options of {@link BlockListFilter}. */
export interface BlockListOptions {
  /** Replacement for blocked images (default `"blank"`: a 1x1 transparent GIF). */
  imageBlocker?: ImageBlocker;
  /** Also load cosmetic (`##`) rules into the engine (default false: a proxy does not use them). */
  loadCosmeticFilters?: boolean;
  /** Bad lines (default: collected in `badLines`). */
  onBadLine?: BadLineHandler;
  /** Called for each blocked request or tunnel. */
  onBlock?: (event: BlockEvent) => void;
}

/** A skipped line of a list. */
export interface BadLine {
  list: string;
  line: number;
  text: string;
  reason: string;
}

/** What the lists say about one request. `rule`/`list`/`line` name the deciding rule (the exception when one applies). */
export interface BlockDecision {
  blocked: boolean;
  rule: string | null;
  list: string | null;
  line: number | null;
  type: ResourceType;
  /** True when a blocking rule matched but an `@@` exception let the request through. */
  excepted: boolean;
}

/** One rule that matches a URL, as `explain()` lists it. */
export interface BlockListExplanation extends Explanation {
  action: "block" | "exception";
  list: string;
  line: number;
}

/** The matching state, swapped whole on reload. */
interface State {
  engine: FiltersEngine;
  origins: Map<string, RuleOrigin>;
  formats: Map<string, ListFormat>;
  /** Recent decisions (pages repeat their ad and tracker URLs): by URL (`href`), then by type and source host. */
  decisions: BoundedMemo<BlockDecision>;
}

/** Decisions remembered per list load (the URLs decided longest ago forgotten first). */
const DECISION_CACHE = 4096;

const UNKNOWN: RuleOrigin = { list: "?", line: 0, text: "?" };

/**
 * The text of a list file. Only a regular file is read: a FIFO (or a device) would block the
 * read (and the thread pool's thread doing it) until a writer comes, and a directory is no list.
 * Opened non-blocking, so that opening a FIFO does not wait either. Errors carry the path.
 */
export async function readListFile(path: string): Promise<string> {
  const fail = (code: string, message: string): never => {
    const err = new Error(`${path}: ${message}`) as NodeJS.ErrnoException;
    err.code = code;
    err.path = path;
    throw err;
  };
  let handle;
  try {
    handle = await open(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return fail(e.code ?? "EIO", e.code ?? e.message);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) fail(st.isDirectory() ? "EISDIR" : "EINVAL", st.isDirectory() ? "EISDIR (a directory, not a list)" : "not a regular file (a list must be a file)");
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}

/**
 * A filter that blocks what the lists block.
 *
 * For the caller: `new BlockListFilter(sources, options)` or `await BlockListFilter.fromFiles(paths)`;
 * `decide(url, { type, sourceUrl })`, `explain(url)`, `blocksHost(host)`; `reload(sources)` and
 * `reloadFiles()` swap the rules without a restart; `badLines` and `formats` of the last load.
 *
 * @example
 * const blocklist = await BlockListFilter.fromFiles(["/etc/ctc/easylist.txt", "/etc/hosts.block"], { imageBlocker: "pattern" });
 * const Handler = ProxyRequestHandler.withOptions({ filters: [blocklist] });
 */
export class BlockListFilter implements Filter {
  readonly name = "blocklist";
  /** Bad lines of the last load (when no `onBadLine` was given). */
  badLines: BadLine[] = [];
  readonly options: BlockListOptions;
  private state: State;
  private files: string[] = [];
  private fileSources: BlockListSource[] = [];
  private inline: BlockListSource[];
  /** The last source page URL seen and its authority (a page's URLs are decided one after another). */
  private lastSource = "";
  private lastSourceHost = "";

  constructor(sources: readonly BlockListSource[] = [], options: BlockListOptions = {}) {
    this.options = options;
    this.inline = [...sources];
    this.state = this.build(this.inline);
  }

  /** A filter from list files (each named by its path), plus optional in-memory lists. */
  static async fromFiles(paths: readonly string[], options: BlockListOptions = {}, sources: readonly BlockListSource[] = []): Promise<BlockListFilter> {
    const filter = new BlockListFilter([], options);
    filter.files = [...paths];
    filter.inline = [...sources];
    await filter.reloadFiles();
    return filter;
  }

  /** The detected (or given) format of each list of the last load. */
  get formats(): ReadonlyMap<string, ListFormat> {
    return this.state.formats;
  }

  /** Replace the lists; requests keep using the old rules until the new ones are ready. */
  reload(sources: readonly BlockListSource[]): void {
    this.inline = [...sources];
    this.state = this.build([...this.fileSources, ...this.inline]);
  }

  /** Re-read the files given to `fromFiles` (on a read error the old rules stay and the error is thrown). */
  async reloadFiles(): Promise<void> {
    const texts = await Promise.all(this.files.map((p) => readListFile(p)));
    const fileSources = this.files.map((name, i) => ({ name, text: texts[i] }));
    const state = this.build([...fileSources, ...this.inline]);
    this.fileSources = fileSources;
    this.state = state;
  }

  private build(sources: readonly BlockListSource[]): State {
    const bad: BadLine[] = [];
    const onBadLine: BadLineHandler = this.options.onBadLine ?? ((list, line, text, reason) => bad.push({ list, line, text, reason }));
    const parsed = parseLists(sources, onBadLine, this.options.loadCosmeticFilters ?? false);
    const engine = new FiltersEngine({
      networkFilters: parsed.networkFilters,
      cosmeticFilters: parsed.cosmeticFilters,
      // debug keeps each filter's raw text (for its origin); no optimisation so filters are not fused.
      config: { debug: true, enableOptimizations: false, loadCosmeticFilters: this.options.loadCosmeticFilters ?? false },
    });
    this.badLines = bad;
    return { engine, origins: parsed.origins, formats: parsed.formats, decisions: new BoundedMemo(DECISION_CACHE) };
  }

  private origin(f: NetworkFilter, state: State): RuleOrigin {
    return (f.rawLine !== undefined ? state.origins.get(f.rawLine) : undefined) ?? { ...UNKNOWN, text: f.toString() };
  }

  private request(url: URL | string, type: ResourceType, sourceUrl?: string): Request {
    const canon = canonicalUrl(typeof url === "string" ? new URL(url) : url);
    let source: string | undefined;
    if (sourceUrl !== undefined) {
      try {
        source = canonicalUrl(new URL(sourceUrl)).href;
      } catch {
        source = undefined; // an unparsable Referer says nothing about the page
      }
    }
    return Request.fromRawDetails({ url: canon.href, type: ENGINE_TYPE[type], sourceUrl: source });
  }

  /**
   * What the lists say about `url` requested as `type` (default: from the extension) from the page
   * `sourceUrl` (for `$third-party` and `domain=`).
   */
  decide(url: URL | string, opts: { type?: ResourceType; sourceUrl?: string } = {}): BlockDecision {
    const u = typeof url === "string" ? new URL(url) : url;
    const type = opts.type ?? typeFromExtension(u);
    const state = this.state;
    const href = u.href;
    // Rules see the source page only through its host ($third-party, domain=).
    const context = opts.sourceUrl === undefined ? type : `${type} ${this.sourceHost(opts.sourceUrl)}`;
    const cached = state.decisions.get(href, context);
    if (cached !== undefined) return cached;
    const decision = Object.freeze(this.match(u, type, opts.sourceUrl, state));
    state.decisions.set(href, context, decision);
    return decision;
  }

  /** {@link sourceHost}, remembered for the last source URL. */
  private sourceHost(sourceUrl: string): string {
    if (sourceUrl !== this.lastSource) {
      this.lastSourceHost = sourceHost(sourceUrl);
      this.lastSource = sourceUrl;
    }
    return this.lastSourceHost;
  }

  private match(u: URL, type: ResourceType, sourceUrl: string | undefined, state: State): BlockDecision {
    const res = state.engine.match(this.request(u, type, sourceUrl));
    const deciding = res.match ? res.filter : (res.exception ?? res.filter);
    if (deciding === undefined) return { blocked: false, rule: null, list: null, line: null, type, excepted: false };
    const o = this.origin(deciding, state);
    return { blocked: res.match, rule: o.text, list: o.list, line: o.line, type, excepted: !res.match && res.exception !== undefined };
  }

  /** Every rule that matches `url` (as `type`, from `sourceUrl`), blocking rules and exceptions. */
  explain(url: URL, opts: { type?: ResourceType; sourceUrl?: string } = {}): BlockListExplanation[] {
    const state = this.state;
    const type = opts.type ?? typeFromExtension(url);
    const out: BlockListExplanation[] = [];
    for (const f of state.engine.matchAll(this.request(url, type, opts.sourceUrl))) {
      const o = this.origin(f, state);
      out.push({ filter: this.name, rule: o.text, action: f.isException() ? "exception" : "block", list: o.list, line: o.line });
    }
    return out;
  }

  /**
   * The rule that blocks `host` whole (a hosts or domain entry, or an ABP `||host^` rule without
   * type, party or domain restrictions, not excepted), or null.
   */
  blocksHost(host: string): RuleOrigin | null {
    const state = this.state;
    let url: URL;
    try {
      url = new URL(`https://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}/`);
    } catch {
      return null;
    }
    const req = this.request(url, "other");
    if (!state.engine.match(req).match) return null;
    for (const f of state.engine.matchAll(req)) if (blocksWholeHost(f)) return this.origin(f, state);
    return null;
  }

  onRequest(req: FilterRequest): FilterAnswer | undefined {
    const type = guessResourceType(req.url, req.headers);
    const d = this.decide(req.url, { type, sourceUrl: refererOf(req.headers) });
    if (!d.blocked) return undefined;
    const url = canonicalUrl(req.url).href;
    this.options.onBlock?.({ url, rule: d.rule!, list: d.list!, type, client: req.clientAddress });
    return blockedAnswer(type, this.options.imageBlocker ?? "blank", url, d.rule!, d.list!);
  }

  onConnect(host: string, port: number, clientAddress: string): FilterAnswer | undefined {
    const o = this.blocksHost(host);
    if (o === null) return undefined;
    const target = `${host}:${port}`;
    this.options.onBlock?.({ url: target, rule: o.text, list: o.list, type: "connect", client: clientAddress });
    return blockPage(target, o.text, o.list);
  }
}

/**
 * The authority of a source page URL, for the decision cache's key: at least as fine as the host
 * the rules look at (a port or a case difference only makes another key), without parsing a URL.
 */
function sourceHost(sourceUrl: string): string {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(sourceUrl)?.[1].toLowerCase() ?? sourceUrl;
}

/** A blocking `||host^` rule with no path, type, party or domain restriction. */
function blocksWholeHost(f: NetworkFilter): boolean {
  return (
    !f.isException() &&
    f.isHostnameAnchor() &&
    !f.hasFilter() &&
    f.fromAny() &&
    f.firstParty() &&
    f.thirdParty() &&
    !f.hasDomains() &&
    !f.isCSP() &&
    !f.isRedirect() &&
    !f.isRemoveParam()
  );
}
