/**
 * Checking setting values, shared by the flags and the JSON config: each check either returns
 * the value in its final form or throws a `UsageError` that names the setting and what is wrong.
 * @module
 */
import { isIP } from "node:net";
import { clientList, parseUpstream, type ImageBlocker } from "@stdhttp/proxy-filters";
import { UsageError } from "./errors.js";
import type { LogFormat } from "./options.js";

/** A TCP port, 0 to 65535 (`allowZero` false: 1 to 65535). */
export function checkPort(value: string | number, setting: string, allowZero = true): number {
  const text = String(value).trim();
  const n = Number(text);
  if (!/^\d{1,5}$/.test(text) || n > 65535 || (!allowZero && n === 0)) {
    throw new UsageError(`${setting}: not a port number (${allowZero ? 0 : 1}-65535): ${String(value)}`);
  }
  return n;
}

/** A comma-separated list of ports (`443,8443`), or an array of them. */
export function checkPorts(value: string | readonly (string | number)[], setting: string): number[] {
  const items = typeof value === "string" ? value.split(",") : value;
  if (items.length === 0 || (typeof value === "string" && value.trim() === "")) throw new UsageError(`${setting}: no port given`);
  return items.map((p) => checkPort(p, setting, false));
}

/** A CIDR range or a single address (`10.0.0.0/8`, `::1`). */
export function checkCidr(value: string, setting: string): string {
  try {
    clientList([value]);
  } catch {
    throw new UsageError(`${setting}: not an address range (CIDR, e.g. 192.168.1.0/24): ${value}`);
  }
  return value;
}

/** A parent proxy URL, `http://[user:pass@]host:port`. */
export function checkUpstream(value: string, setting: string): string {
  try {
    parseUpstream(value);
  } catch (err) {
    throw new UsageError(`${setting}: ${(err as Error).message}`);
  }
  return value;
}

const HOST_NAME = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/i;

/** A `HOST:PORT` target (`[v6]:PORT` for IPv6), as the value of a host-map entry. */
export function checkHostPort(value: string, setting: string): string {
  const m = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/i.exec(value.trim());
  const host = m ? (m[1] ?? m[2]) : "";
  if (m === null || (m[1] !== undefined ? isIP(host) !== 6 : isIP(host) === 0 && !HOST_NAME.test(host))) {
    throw new UsageError(`${setting}: expected HOST:PORT, got: ${value}`);
  }
  checkPort(m[3], setting, false);
  return value.trim();
}

/** A host name to map (`news.test`), lower-cased. */
export function checkMappedName(name: string, setting: string): string {
  const n = name.trim().toLowerCase().replace(/\.$/, "");
  if (!HOST_NAME.test(n)) throw new UsageError(`${setting}: not a host name: ${name}`);
  return n;
}

/** One `--host-map NAME=HOST:PORT` entry. */
export function checkHostMapEntry(entry: string, setting: string): [string, string] {
  const eq = entry.indexOf("=");
  if (eq <= 0) throw new UsageError(`${setting}: expected NAME=HOST:PORT, got: ${entry}`);
  return [checkMappedName(entry.slice(0, eq), setting), checkHostPort(entry.slice(eq + 1), setting)];
}

/** `blank` or `pattern`. */
export function checkImageBlocker(value: string, setting: string): ImageBlocker {
  if (value === "blank" || value === "pattern") return value;
  throw new UsageError(`${setting}: expected blank or pattern, got: ${value}`);
}

/** `common`, `combined` or `off`. */
export function checkLogFormat(value: string, setting: string): LogFormat {
  if (value === "common" || value === "combined" || value === "off") return value;
  throw new UsageError(`${setting}: expected common, combined or off, got: ${value}`);
}

/** An address to bind: an IP address or a host name. */
export function checkBind(value: string, setting: string): string {
  const v = value.trim();
  const bare = v.replace(/^\[(.*)\]$/, "$1");
  if (isIP(bare) === 0 && !HOST_NAME.test(bare)) throw new UsageError(`${setting}: not an address: ${value}`);
  return bare;
}

/** The most worker processes accepted (a guard against typos such as 40 for 4). */
export const MAX_WORKERS = 64;

/** A number of worker processes, 1 to {@link MAX_WORKERS}, or `auto`. */
export function checkWorkers(value: string | number, setting: string): number | "auto" {
  const text = String(value).trim();
  if (text === "auto") return "auto";
  const n = Number(text);
  if (!/^\d{1,2}$/.test(text) || n < 1 || n > MAX_WORKERS) throw new UsageError(`${setting}: expected a number of workers (1-${MAX_WORKERS}) or auto, got: ${String(value)}`);
  return n;
}

/** A host or domain of an inspection list (`bank.example`, `*.bank.example`, `.bank.example`), lower-cased. */
export function checkDomain(value: string, setting: string): string {
  const d = value.trim().toLowerCase().replace(/^\*?\./, "").replace(/\.$/, "");
  if (!HOST_NAME.test(d) && isIP(d.replace(/^\[(.*)\]$/, "$1")) === 0) throw new UsageError(`${setting}: not a host name: ${value}`);
  return d;
}
