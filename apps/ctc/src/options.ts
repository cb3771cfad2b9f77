/**
 * CTC's settings: their types, their defaults, and where the default block list lives.
 * @module
 */
import { fileURLToPath } from "node:url";
import type { ImageBlocker } from "@stdhttp/proxy-filters";

/** Access log formats: NCSA Common Log Format, the Combined format (with Referer and User-Agent), or none. */
export type LogFormat = "common" | "combined" | "off";

/** Every setting of a CTC proxy (from flags, a JSON config file, or given in code). */
export interface CtcOptions {
  /** Address to listen on (default `127.0.0.1`). */
  bind: string;
  /** Port to listen on (default 8080; 0 picks a free port). */
  port: number;
  /** Block list files (hosts, domain list or EasyList format, detected); default: the shipped list. */
  blocklists: string[];
  /** Parent HTTP proxy, `http://[user:pass@]host:port`, or null to connect directly. */
  upstream: string | null;
  /** Client address ranges (CIDR) allowed to use the proxy (default loopback only). */
  allow: string[];
  /** Ports CONNECT may reach (default 443). */
  connectPorts: number[];
  /** Replacement for blocked images: a transparent 1x1 GIF or a visible pattern. */
  imageBlocker: ImageBlocker;
  /** Cut `<img>`, `<iframe>`, `<embed>`, `<object>` of IAB banner sizes (default true). */
  bannersBySize: boolean;
  /** Access log format, written to stdout. */
  log: LogFormat;
  /** Host names sent elsewhere: `{ "news.test": "127.0.0.1:8000" }` (for demos and tests). */
  hostMap: Record<string, string>;
  /** Reload the lists when a list file changes (default true; SIGHUP always reloads). */
  watch: boolean;
  /**
   * Worker processes (`auto`: the available cores, at most {@link MAX_AUTO_WORKERS}); 1 runs the
   * proxy in the command's own process. Used by the command only; `Ctc.start` ignores it.
   */
  workers: number | "auto";
}

/** The most workers `auto` starts (more rarely pays: the upstream network is the limit). */
export const MAX_AUTO_WORKERS = 4;

/** The number of worker processes `workers` stands for. */
export function workerCount(workers: number | "auto", cores: number): number {
  return workers === "auto" ? Math.max(1, Math.min(cores, MAX_AUTO_WORKERS)) : workers;
}

/** The block list shipped with CTC (`lists/default.txt`), used when no list is given. */
export const DEFAULT_BLOCKLIST = fileURLToPath(new URL("../lists/default.txt", import.meta.url));

/** The defaults of every setting. */
export function defaultOptions(): CtcOptions {
  return {
    bind: "127.0.0.1",
    port: 8080,
    blocklists: [DEFAULT_BLOCKLIST],
    upstream: null,
    allow: ["127.0.0.0/8", "::1/128"],
    connectPorts: [443],
    imageBlocker: "blank",
    bannersBySize: true,
    log: "common",
    hostMap: {},
    watch: true,
    workers: "auto",
  };
}
