/**
 * The JSON config file (`--config FILE`): the same settings as the flags, under their option
 * names, and the merge of defaults, file and flags (flags win). Block list paths in the file are
 * relative to the file.
 *
 * @example
 * { "port": 3128, "blocklists": ["easylist.txt"], "upstream": "http://proxy.lan:3128",
 *   "allow": ["192.168.1.0/24"], "connectPorts": [443, 8443], "imageBlocker": "pattern",
 *   "bannersBySize": true, "log": "combined", "hostMap": { "news.test": "127.0.0.1:8000" },
 *   "workers": 2,
 *   "httpsInspection": { "enabled": true, "caDir": "ca",
 *     "inspect": [], "neverInspect": ["bank.example"], "originCa": ["corp-root.pem"] } }
 * Paths in `httpsInspection` (`caDir`, `originCa`) are relative to the file too.
 * @module
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UsageError } from "./errors.js";
import { defaultOptions, type CtcOptions } from "./options.js";
import {
  checkBind,
  checkCidr,
  checkDomain,
  checkHostPort,
  checkImageBlocker,
  checkLogFormat,
  checkMappedName,
  checkPort,
  checkPorts,
  checkUpstream,
  checkWorkers,
} from "./validate.js";

type Checker = (value: unknown, where: string, dir: string) => Partial<CtcOptions>;

function text(value: unknown, where: string): string {
  if (typeof value !== "string") throw new UsageError(`${where}: expected a string`);
  return value;
}

function texts(value: unknown, where: string): string[] {
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || !list.every((v) => typeof v === "string")) throw new UsageError(`${where}: expected a list of strings`);
  return list;
}

function bool(value: unknown, where: string): boolean {
  if (typeof value !== "boolean") throw new UsageError(`${where}: expected true or false`);
  return value;
}

/** Each key of the file and how it is checked. */
const KEYS: Record<string, Checker> = {
  bind: (v, w) => ({ bind: checkBind(text(v, w), w) }),
  port: (v, w) => ({ port: checkPort(typeof v === "number" ? v : text(v, w), w) }),
  blocklists: (v, w, dir) => ({ blocklists: texts(v, w).map((p) => resolve(dir, p)) }),
  upstream: (v, w) => ({ upstream: v === null ? null : checkUpstream(text(v, w), w) }),
  allow: (v, w) => ({ allow: texts(v, w).map((c) => checkCidr(c, w)) }),
  connectPorts: (v, w) => {
    if (!Array.isArray(v) && typeof v !== "string") throw new UsageError(`${w}: expected a list of ports`);
    return { connectPorts: checkPorts(v as string | (string | number)[], w) };
  },
  imageBlocker: (v, w) => ({ imageBlocker: checkImageBlocker(text(v, w), w) }),
  bannersBySize: (v, w) => ({ bannersBySize: bool(v, w) }),
  log: (v, w) => ({ log: checkLogFormat(text(v, w), w) }),
  watch: (v, w) => ({ watch: bool(v, w) }),
  workers: (v, w) => {
    if (typeof v !== "number" && typeof v !== "string") throw new UsageError(`${w}: expected a number of workers or "auto"`);
    return { workers: checkWorkers(v, w) };
  },
  httpsInspection: (v, w, dir) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new UsageError(`${w}: expected an object { "enabled", "caDir", "inspect", "neverInspect", "originCa" }`);
    const out: Partial<CtcOptions> = {};
    for (const [key, value] of Object.entries(v)) {
      const where = `${w}.${key}`;
      if (key === "enabled") out.httpsInspection = bool(value, where);
      else if (key === "caDir") out.caDir = resolve(dir, text(value, where));
      else if (key === "inspect") out.inspect = texts(value, where).map((d) => checkDomain(d, where));
      else if (key === "neverInspect") out.neverInspect = texts(value, where).map((d) => checkDomain(d, where));
      else if (key === "originCa") out.originCa = texts(value, where).map((p) => resolve(dir, p));
      else throw new UsageError(`${where}: unknown setting (known: enabled, caDir, inspect, neverInspect, originCa)`);
    }
    return out;
  },
  hostMap: (v, w) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new UsageError(`${w}: expected an object of "NAME": "HOST:PORT"`);
    const map: Record<string, string> = {};
    for (const [name, target] of Object.entries(v)) map[checkMappedName(name, w)] = checkHostPort(text(target, `${w}.${name}`), `${w}.${name}`);
    return { hostMap: map };
  },
};

/** The 1-based line of `offset` in `text`. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The settings of a JSON config file. Throws `UsageError` naming the file and the key at fault. */
export function loadConfig(path: string): Partial<CtcOptions> {
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (err) {
    throw new UsageError(`--config: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (err) {
    const message = (err as Error).message;
    const at = /at position (\d+)/.exec(message);
    const where = at === null ? "" : `:${lineOf(raw, Number(at[1]))}`;
    throw new UsageError(`--config: ${path}${where} is not valid JSON: ${message.replace(/ in JSON at position \d+.*$/, "")}`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new UsageError(`--config: ${path} must hold a JSON object`);
  const out: Partial<CtcOptions> = {};
  const dir = dirname(resolve(path));
  for (const [key, value] of Object.entries(data)) {
    // Own keys only: "__proto__", "constructor", "valueOf" are unknown settings like any other.
    const check = Object.hasOwn(KEYS, key) ? KEYS[key] : undefined;
    if (check === undefined) throw new UsageError(`--config: ${path}: unknown setting "${key}" (known: ${Object.keys(KEYS).join(", ")})`);
    Object.assign(out, check(value, `${path}: "${key}"`, dir));
  }
  return out;
}

/** The settings to run with: the defaults, then the config file (if any), then the flags. */
export function resolveOptions(flags: Partial<CtcOptions>, configPath: string | null): CtcOptions {
  const fromFile = configPath === null ? {} : loadConfig(configPath);
  return { ...defaultOptions(), ...fromFile, ...flags };
}
