/**
 * CTC's settings: their types, their defaults, and where the default block list lives.
 * @module
 */
import { homedir } from "node:os";
import { join } from "node:path";
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
  /** HTTPS inspection (decrypt CONNECT tunnels with a local CA): on at start (default false). */
  httpsInspection: boolean;
  /** The local CA's directory (default {@link defaultCaDir}: one CA shared with Alfajor). */
  caDir: string;
  /** Hosts (and their subdomains) to inspect; empty: every host. */
  inspect: string[];
  /** Hosts (and their subdomains) never inspected (banks, pinned apps). */
  neverInspect: string[];
  /** Extra PEM CA files trusted when verifying origins (a corporate root, an inspecting parent proxy's CA). */
  originCa: string[];
}

/**
 * The default CA directory, shared by CTC and Alfajor so that a user trusts one certificate:
 * `$XDG_CONFIG_HOME/stdhttp-proxy/ca`, else `~/.config/stdhttp-proxy/ca`.
 */
export function defaultCaDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== "" ? env.XDG_CONFIG_HOME : join(homedir(), ".config");
  return join(base, "stdhttp-proxy", "ca");
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
    httpsInspection: false,
    caDir: defaultCaDir(),
    inspect: [],
    neverInspect: [],
    originCa: [],
  };
}
