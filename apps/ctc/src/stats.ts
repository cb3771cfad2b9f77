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

/** What the control page reads: the counters of one process, or the merged ones of all workers. */
export interface StatsView {
  readonly requests: number;
  readonly blocked: number;
  readonly cut: number;
  readonly cutBySize: number;
  /** Seconds since the start. */
  uptime(): number;
  /** The `limit` most blocked hosts with their counts, most first. */
  topHosts(limit?: number): Array<[string, number]>;
  /** The recent blocks, newest first. */
  recent(): RecentBlock[];
  /** The processes serving, with the requests each answered. */
  workers(): WorkerCount[];
}

/** One serving process and the requests it answered (since it started). */
export interface WorkerCount {
  pid: number;
  requests: number;
}

/** What changed in a worker's counters since its last report (sent to the primary, merged there). */
export interface StatsDelta {
  requests: number;
  blocked: number;
  cut: number;
  cutBySize: number;
  /** Blocks per host. */
  hosts: Array<[string, number]>;
  /** New recent blocks, oldest first (at most the ring's size). */
  recent: RecentBlock[];
}

/** How many recent blocks are kept. */
const RECENT = 50;
/** Most blocked hosts shown (and sent from the primary to the workers). */
const TOP_HOSTS = 10;
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
export class CtcStats implements StatsView {
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
  /** Since the last `takeDelta()`, when tracked (workers report their changes to the primary). */
  private pending: { requests: number; blocked: number; cut: number; cutBySize: number; hosts: Map<string, number>; recent: RecentBlock[] } | null = null;

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
    this.countHost(host, 1);
    if (this.pending !== null) {
      this.pending.hosts.set(host, (this.pending.hosts.get(host) ?? 0) + 1);
      this.pending.recent.push(entry);
      if (this.pending.recent.length > RECENT) this.pending.recent.shift();
    }
  }

  private countHost(host: string, n: number): void {
    this.hosts.set(host, (this.hosts.get(host) ?? 0) + n);
    if (this.hosts.size > MAX_HOSTS) for (const [h, c] of this.hosts) if (c <= 1) this.hosts.delete(h);
  }

  /** Start remembering changes for `takeDelta()`. Requests cost nothing more; a block costs one more map write. */
  trackChanges(): void {
    this.pending = { requests: this.requests, blocked: this.blocked, cut: this.cut, cutBySize: this.cutBySize, hosts: new Map(), recent: [] };
  }

  /** The changes since the last call (or since `trackChanges()`), or null when nothing changed. */
  takeDelta(): StatsDelta | null {
    const p = this.pending;
    if (p === null) return null;
    const delta: StatsDelta = {
      requests: this.requests - p.requests,
      blocked: this.blocked - p.blocked,
      cut: this.cut - p.cut,
      cutBySize: this.cutBySize - p.cutBySize,
      hosts: [...p.hosts],
      recent: p.recent,
    };
    if (delta.requests === 0 && delta.blocked === 0 && delta.cut === 0 && delta.cutBySize === 0) return null;
    this.trackChanges();
    return delta;
  }

  /** Add a worker's changes (the primary's merged counters). Recent blocks stay ordered by time. */
  merge(delta: StatsDelta): void {
    this.requests += delta.requests;
    this.blocked += delta.blocked;
    this.cut += delta.cut;
    this.cutBySize += delta.cutBySize;
    for (const [host, n] of delta.hosts) this.countHost(host, n);
    if (delta.recent.length === 0) return;
    const all = [...this.recent().reverse(), ...delta.recent].sort((a, b) => a.time - b.time).slice(-RECENT);
    this.ring.length = 0;
    this.ring.push(...all);
    this.next = all.length % RECENT;
  }

  /** The view of these counters that the primary sends to the workers. */
  snapshot(workers: WorkerCount[]): StatsSnapshot {
    return {
      startedAt: this.startedAt,
      requests: this.requests,
      blocked: this.blocked,
      cut: this.cut,
      cutBySize: this.cutBySize,
      topHosts: this.topHosts(TOP_HOSTS),
      recent: this.recent(),
      workers,
    };
  }

  /** This process, as the only worker. */
  workers(): WorkerCount[] {
    return [{ pid: process.pid, requests: this.requests }];
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

/** The merged counters of all workers, as the primary sends them (plain data, for IPC). */
export interface StatsSnapshot {
  startedAt: number;
  requests: number;
  blocked: number;
  cut: number;
  cutBySize: number;
  /** The most blocked hosts (the first {@link TOP_HOSTS}). */
  topHosts: Array<[string, number]>;
  /** Newest first. */
  recent: RecentBlock[];
  workers: WorkerCount[];
}

/** A {@link StatsSnapshot} read through the {@link StatsView} interface. */
export class SnapshotView implements StatsView {
  readonly requests: number;
  readonly blocked: number;
  readonly cut: number;
  readonly cutBySize: number;
  private readonly data: StatsSnapshot;

  constructor(data: StatsSnapshot) {
    this.data = data;
    this.requests = data.requests;
    this.blocked = data.blocked;
    this.cut = data.cut;
    this.cutBySize = data.cutBySize;
  }

  uptime(now = Date.now()): number {
    return Math.floor((now - this.data.startedAt) / 1000);
  }

  topHosts(limit = TOP_HOSTS): Array<[string, number]> {
    return this.data.topHosts.slice(0, limit);
  }

  recent(): RecentBlock[] {
    return this.data.recent;
  }

  workers(): WorkerCount[] {
    return this.data.workers;
  }
}
