/**
 * The live cookie log: the recent decisions (a bounded ring), counters per site, and the
 * server-sent-event subscribers that receive each new entry. The number of subscribers is capped,
 * a subscriber that stops reading (its socket buffer grows past a limit) is dropped, and a
 * comment line every few seconds finds the ones whose client left without closing.
 * @module
 */
import { siteOf, type CookieEvent } from "@stdhttp/proxy-filters";

/** One log entry as the GUI receives it. */
export interface LogEntry {
  id: number;
  time: string;
  /** The page's site. */
  site: string;
  /** The registrable domain of the cookie's host: the site a one-click rule is made for. */
  cookieSite: string;
  cookieHost: string;
  name: string;
  value: string;
  direction: "request" | "response";
  attributes: CookieEvent["attributes"];
  action: CookieEvent["action"];
  rule: string;
  thirdParty: boolean;
  reason?: string;
}

/** Counts of decisions for one site (by the cookie's registrable domain). */
export interface SiteCounters {
  /** Cookies passed unchanged (sent or set). */
  kept: number;
  /** Set-Cookie made session-only or capped. */
  limited: number;
  /** Cookies stripped or dropped as invalid. */
  blocked: number;
}

/** Where SSE frames go: `send` returns false when the subscriber must be dropped. */
export interface EventSink {
  send(frame: string): boolean;
  close(): void;
}

/** Options of {@link CookieLog}. */
export interface CookieLogOptions {
  /** Entries kept for clients that connect later (default 200). */
  backlog?: number;
  /** Most live subscribers at once (default 8). */
  maxSubscribers?: number;
  /** Milliseconds between keep-alive comments (default 15000). */
  heartbeatMs?: number;
}

/** An SSE frame (`event:` and one `data:` line of JSON). */
export function sseFrame(event: string, data: unknown, id?: number): string {
  return `${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The log. For the caller: `record(event)` (the CookieFilter's `onDecision`), `entries`,
 * `counters`, `subscribe(sink)` (false when full), `broadcast(event, data)`, `forget(site)`,
 * `closeAll()`.
 */
export class CookieLog {
  readonly entries: LogEntry[] = [];
  readonly counters = new Map<string, SiteCounters>();
  private readonly subscribers = new Set<EventSink>();
  private nextId = 1;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly backlog: number;
  readonly maxSubscribers: number;
  private readonly heartbeatMs: number;

  constructor(options: CookieLogOptions = {}) {
    this.backlog = options.backlog ?? 200;
    this.maxSubscribers = options.maxSubscribers ?? 8;
    this.heartbeatMs = options.heartbeatMs ?? 15000;
  }

  /** The id of the latest entry (0 before the first). */
  get lastId(): number {
    return this.nextId - 1;
  }

  /** The number of live subscribers. */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Record one decision: logged, counted and sent to every subscriber. */
  record(e: CookieEvent): void {
    const cookieSite = siteOf(e.cookieHost);
    const entry: LogEntry = {
      id: this.nextId++,
      time: e.time.toISOString(),
      site: e.site,
      cookieSite,
      cookieHost: e.cookieHost,
      name: e.name,
      value: e.value,
      direction: e.direction,
      attributes: e.attributes,
      action: e.action,
      rule: e.rule,
      thirdParty: e.thirdParty,
    };
    if (e.reason !== undefined) entry.reason = e.reason;
    this.entries.push(entry);
    if (this.entries.length > this.backlog) this.entries.splice(0, this.entries.length - this.backlog);
    const c = this.counters.get(cookieSite) ?? { kept: 0, limited: 0, blocked: 0 };
    if (e.action === "kept") c.kept++;
    else if (e.action === "session" || e.action === "capped") c.limited++;
    else c.blocked++;
    this.counters.set(cookieSite, c);
    this.broadcast("cookie", entry, entry.id);
  }

  /** Reset a site's counters. */
  forget(site: string): void {
    this.counters.delete(site);
  }

  /** Counters as a plain object, for the API. */
  countersObject(): Record<string, SiteCounters> {
    return Object.fromEntries(this.counters);
  }

  /** Add a subscriber; false (and nothing added) when the cap is reached. */
  subscribe(sink: EventSink): boolean {
    if (this.subscribers.size >= this.maxSubscribers) return false;
    this.subscribers.add(sink);
    if (this.heartbeat === null) {
      this.heartbeat = setInterval(() => this.broadcastRaw(": keep-alive\n\n"), this.heartbeatMs);
      this.heartbeat.unref();
    }
    return true;
  }

  /** Remove a subscriber (its client left). */
  unsubscribe(sink: EventSink): void {
    this.subscribers.delete(sink);
    if (this.subscribers.size === 0 && this.heartbeat !== null) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
  }

  /** Send an event to every subscriber. */
  broadcast(event: string, data: unknown, id?: number): void {
    if (this.subscribers.size > 0) this.broadcastRaw(sseFrame(event, data, id));
  }

  /** End every subscription (shutdown). */
  closeAll(): void {
    for (const s of [...this.subscribers]) {
      this.unsubscribe(s);
      s.close();
    }
  }

  private broadcastRaw(frame: string): void {
    for (const s of [...this.subscribers]) {
      if (!s.send(frame)) {
        this.unsubscribe(s);
        s.close();
      }
    }
  }
}
