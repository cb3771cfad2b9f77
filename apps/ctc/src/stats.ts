/**
 * What the control page shows: request and block counters, the most blocked hosts and a ring
 * buffer of recent blocks. Recording costs a counter increment per request and a few map and
 * array writes per block: nothing is computed until the page asks.
 * @module
 */
import type { BlockEvent } from "@stdhttp/proxy-filters";

/** One recent block, as the control page lists it. */
export interface RecentBlock {
  /** Milliseconds since the epoch. */
  time: number;
  url: string;
  host: string;
  rule: string;
  list: string;
  /** The resource type (`image`, `script`, ...) or `connect`. */
  type: string;
  /** True for an element cut from a page (its URL never requested), false for a refused request. */
  cut: boolean;
}

/** How many recent blocks are kept. */
const RECENT = 50;
/** Distinct hosts counted before the ones seen once are dropped (bounds memory on long runs). */
const MAX_HOSTS = 5000;

/** The host of a block event's URL (`http://host:port/...`, or `host:port` for CONNECT). */
export function hostOf(url: string): string {
  const start = url.indexOf("://");
  const from = start < 0 ? 0 : start + 3;
  let end = url.indexOf("/", from);
  if (end < 0) end = url.length;
  const authority = url.slice(from, end);
  if (authority.startsWith("[")) return authority.slice(0, authority.indexOf("]") + 1);
  const colon = authority.lastIndexOf(":");
  return colon < 0 ? authority : authority.slice(0, colon);
}

/**
 * Counters of a running proxy. For the caller: `requests`, `blocked`, `cut`, `cutBySize`, `startedAt`,
 * `recent()`, `topHosts()`. The proxy calls `countRequest()`, `recordBlock()`, `recordCut()` and `countSizeCut()`.
 */
export class CtcStats {
  /** When the proxy started (ms since the epoch). */
  readonly startedAt = Date.now();
  /** Requests answered (CONNECT tunnels included). */
  requests = 0;
  /** Requests and tunnels refused by the block lists. */
  blocked = 0;
  /** Elements cut from pages because their URL is blocked. */
  cut = 0;
  /** Elements cut from pages by size: banners of the IAB sizes and 1x1 web bugs. */
  cutBySize = 0;
  private readonly ring: RecentBlock[] = [];
  private next = 0;
  private readonly hosts = new Map<string, number>();

  /** Count one answered request. */
  countRequest(): void {
    this.requests++;
  }

  /** Record a block reported by the block list filter. */
  recordBlock(event: BlockEvent, now = Date.now()): void {
    this.blocked++;
    this.remember(event.url, event.rule, event.list, event.type, false, now);
  }

  /** Count an element cut from a page by its size (a banner size or a web bug). */
  countSizeCut(): void {
    this.cutBySize++;
  }

  /** Record an element cut from a page because the lists block its URL (`rule` of `list`). */
  recordCut(url: string, rule: string, list: string, type: string, now = Date.now()): void {
    this.cut++;
    this.remember(url, rule, list, type, true, now);
  }

  private remember(url: string, rule: string, list: string, type: string, cut: boolean, now: number): void {
    const host = hostOf(url);
    const entry: RecentBlock = { time: now, url, host, rule, list, type, cut };
    if (this.ring.length < RECENT) this.ring.push(entry);
    else this.ring[this.next] = entry;
    this.next = (this.next + 1) % RECENT;
    this.hosts.set(host, (this.hosts.get(host) ?? 0) + 1);
    if (this.hosts.size > MAX_HOSTS) for (const [h, n] of this.hosts) if (n <= 1) this.hosts.delete(h);
  }

  /** The recent blocks, newest first. */
  recent(): RecentBlock[] {
    const n = this.ring.length;
    const out: RecentBlock[] = [];
    for (let i = 1; i <= n; i++) out.push(this.ring[(this.next - i + n) % n]);
    return out;
  }

  /** The `limit` most blocked hosts with their counts, most first. */
  topHosts(limit = 10): Array<[string, number]> {
    return [...this.hosts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limit);
  }

  /** Seconds since the start. */
  uptime(now = Date.now()): number {
    return Math.floor((now - this.startedAt) / 1000);
  }
}
