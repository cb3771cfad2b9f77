/**
 * The settings of HTTPS inspection as the command line and the config file give them, the CA
 * directory shared with CTC (`$XDG_CONFIG_HOME/stdhttp-proxy/ca`, one CA for both apps so a user
 * trusts one certificate), and the host patterns of the inspect / never-inspect lists.
 * @module
 */
import { isIP } from "node:net";
import path from "node:path";
import { configHome } from "./config-home.js";

/** `--https-inspection`, `--ca-dir`, `--inspect`, `--no-inspect`, `--origin-ca`. */
export interface InspectionSettings {
  /** Inspect from the start (default false; the GUI can switch it on later). */
  enabled: boolean;
  /** Where the local CA lives (default {@link defaultCaDir}). */
  caDir: string;
  /** Inspect only these hosts and their subdomains (empty: every host). */
  inspect: string[];
  /** Never inspect these hosts and their subdomains. */
  neverInspect: string[];
  /** PEM files of extra CAs trusted when verifying origins. */
  originCa: string[];
}

/** `$XDG_CONFIG_HOME/stdhttp-proxy/ca`, else `~/.config/stdhttp-proxy/ca` (the same directory as CTC's). */
export function defaultCaDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(configHome(env), "stdhttp-proxy", "ca");
}

/** The canonical form of a host pattern: lower case, no brackets, no trailing dot. */
export function normaliseHostPattern(host: string): string {
  return host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
}

/**
 * Why `host` is not a usable pattern (`example.com`, `*.example.com`, `.example.com`, an IP
 * address), or null when it is.
 */
export function checkHostPattern(host: string): string | null {
  const h = normaliseHostPattern(host);
  if (isIP(h) !== 0) return null;
  if (/^(\*\.|\.)?[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*$/.test(h)) return null;
  return `not a host name: ${JSON.stringify(host)} (e.g. bank.example, *.bank.example or an IP address)`;
}

/** Whether `host` is `pattern` or one of its subdomains (`*.` and `.` prefixes mean the same). */
export function hostUnder(host: string, pattern: string): boolean {
  const d = normaliseHostPattern(pattern).replace(/^\*?\./, "");
  return host === d || host.endsWith(`.${d}`);
}
