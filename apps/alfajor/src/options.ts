/**
 * The command line: `alfajor [--bind ADDR] [--port N] [--policy FILE] [--upstream URL]
 * [--allow CIDR]... [--host-map NAME=HOST:PORT]... [--config FILE] [--no-gui]
 * [--https-inspection] [--ca-dir DIR] [--inspect HOST]... [--no-inspect HOST]... [--origin-ca FILE]...`,
 * and where the policy file lives by default (`$XDG_CONFIG_HOME/alfajor/policy.json`, else
 * `~/.config/alfajor/policy.json`).
 * @module
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { clientList, parseHostMapEntry, parseUpstream } from "@stdhttp/proxy-filters";
import { configHome } from "./config-home.js";
import { checkHostPattern, defaultCaDir, type InspectionSettings } from "./inspection-settings.js";

/** Everything Alfajor is started with. */
export interface AlfajorOptions {
  /** Address to listen on (default 127.0.0.1). */
  bind: string;
  /** Port (default 8081; 0: any free port). */
  port: number;
  /** The policy file (default {@link defaultPolicyFile}). */
  policyFile: string;
  /** Parent proxy URL, `http://[user:pass@]host:port`, or null. */
  upstream: string | null;
  /** Client ranges allowed to use the proxy and the GUI (default: loopback). */
  allow: string[];
  /** Names to connect elsewhere than DNS says: `{ "shop.test": "127.0.0.1:8000" }`. */
  hostMap: Record<string, string>;
  /** Serve the GUI (default true). */
  gui: boolean;
  /** HTTPS inspection (off by default; the other settings apply once it is switched on). */
  httpsInspection: InspectionSettings;
}

/** A command-line mistake: the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly code = "ERR_ALFAJOR_USAGE";
}

/** The usage text. */
export const USAGE = `usage: alfajor [--bind ADDR] [--port N] [--policy FILE] [--upstream URL]
               [--allow CIDR]... [--host-map NAME=HOST:PORT]... [--config FILE] [--no-gui]
               [--https-inspection] [--ca-dir DIR] [--inspect HOST]... [--no-inspect HOST]...
               [--origin-ca FILE]...

Alfajor: a cookie-filtering HTTP proxy with a web GUI.

  --bind ADDR              address to listen on (default 127.0.0.1)
  --port N                 port (default 8081; 0 picks a free one)
  --policy FILE            the cookie policy (default $XDG_CONFIG_HOME/alfajor/policy.json,
                           else ~/.config/alfajor/policy.json; created when missing)
  --upstream URL           forward through a parent HTTP proxy: http://[user:pass@]host:port
  --allow CIDR             clients allowed to use the proxy and the GUI (repeatable;
                           default 127.0.0.0/8 and ::1)
  --host-map NAME=HOST:PORT  connect to HOST:PORT for requests to NAME (repeatable)
  --config FILE            JSON with any of: bind, port, policy, upstream, allow, hostMap, gui,
                           httpsInspection (command-line flags win)
  --no-gui                 do not serve the GUI
  --https-inspection       decrypt HTTPS (CONNECT) with a local CA your browser trusts, so cookies
                           of HTTPS sites are filtered too (off by default; the GUI can switch it)
  --ca-dir DIR             the local CA, shared with ctc (default
                           $XDG_CONFIG_HOME/stdhttp-proxy/ca, else ~/.config/stdhttp-proxy/ca;
                           created when missing)
  --inspect HOST           inspect only HOST and its subdomains (repeatable; default: every host)
  --no-inspect HOST        never inspect HOST and its subdomains, e.g. your bank (repeatable)
  --origin-ca FILE         also trust the PEM CA(s) in FILE when verifying HTTPS origins
                           (repeatable: a corporate root, an inspecting parent proxy's CA)
  -h, --help               this text
`;

/** `$XDG_CONFIG_HOME/alfajor/policy.json`, else `~/.config/alfajor/policy.json`. */
export function defaultPolicyFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(configHome(env), "alfajor", "policy.json");
}

function port(value: string, what: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new UsageError(`${what}: not a port number: ${value}`);
  return Number(value);
}

/** What a config file may set (each part optional, inspection settings too). */
type ConfigSettings = Partial<Omit<AlfajorOptions, "httpsInspection">> & { httpsInspection?: Partial<InspectionSettings> };

/** The JSON config file's settings, checked. */
function readConfig(file: string): ConfigSettings {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`--config ${file}: ${(err as Error).message}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new UsageError(`--config ${file}: expected a JSON object`);
  const c = v as Record<string, unknown>;
  const out: ConfigSettings = {};
  const str = (k: string): string | undefined => {
    if (c[k] === undefined) return undefined;
    if (typeof c[k] !== "string") throw new UsageError(`--config ${file}: "${k}" must be a string`);
    return c[k];
  };
  for (const k of Object.keys(c)) {
    if (!["bind", "port", "policy", "upstream", "allow", "hostMap", "gui", "httpsInspection"].includes(k)) throw new UsageError(`--config ${file}: unknown setting "${k}"`);
  }
  const bind = str("bind");
  if (bind !== undefined) out.bind = bind;
  if (c.port !== undefined) out.port = port(typeof c.port === "number" || typeof c.port === "string" ? String(c.port) : "?", `--config ${file}: "port"`);
  const policy = str("policy");
  if (policy !== undefined) out.policyFile = path.resolve(path.dirname(file), policy);
  const upstream = str("upstream");
  if (upstream !== undefined) out.upstream = upstream;
  if (c.allow !== undefined) {
    if (!Array.isArray(c.allow) || !c.allow.every((a) => typeof a === "string")) throw new UsageError(`--config ${file}: "allow" must be a list of CIDR strings`);
    out.allow = c.allow;
  }
  if (c.hostMap !== undefined) {
    if (typeof c.hostMap !== "object" || c.hostMap === null || Array.isArray(c.hostMap)) throw new UsageError(`--config ${file}: "hostMap" must be an object { "name": "host:port" }`);
    out.hostMap = {};
    for (const [name, target] of Object.entries(c.hostMap as Record<string, unknown>)) {
      if (typeof target !== "string") throw new UsageError(`--config ${file}: hostMap "${name}" must be "host:port"`);
      out.hostMap[name.toLowerCase()] = target;
    }
  }
  if (c.gui !== undefined) {
    if (typeof c.gui !== "boolean") throw new UsageError(`--config ${file}: "gui" must be true or false`);
    out.gui = c.gui;
  }
  if (c.httpsInspection !== undefined) out.httpsInspection = readInspectionConfig(c.httpsInspection, file);
  return out;
}

/** The config file's `"httpsInspection": { enabled, caDir, inspect, neverInspect, originCa }`, checked. */
function readInspectionConfig(v: unknown, file: string): Partial<InspectionSettings> {
  const where = `--config ${file}: "httpsInspection"`;
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new UsageError(`${where} must be an object`);
  const c = v as Record<string, unknown>;
  const out: Partial<InspectionSettings> = {};
  const list = (k: string): string[] | undefined => {
    if (c[k] === undefined) return undefined;
    if (!Array.isArray(c[k]) || !c[k].every((x) => typeof x === "string")) throw new UsageError(`${where}: "${k}" must be a list of strings`);
    return c[k];
  };
  for (const k of Object.keys(c)) {
    if (!["enabled", "caDir", "inspect", "neverInspect", "originCa"].includes(k)) throw new UsageError(`${where}: unknown setting "${k}"`);
  }
  if (c.enabled !== undefined) {
    if (typeof c.enabled !== "boolean") throw new UsageError(`${where}: "enabled" must be true or false`);
    out.enabled = c.enabled;
  }
  if (c.caDir !== undefined) {
    if (typeof c.caDir !== "string") throw new UsageError(`${where}: "caDir" must be a string`);
    out.caDir = path.resolve(path.dirname(file), c.caDir);
  }
  const inspect = list("inspect");
  if (inspect !== undefined) out.inspect = inspect;
  const never = list("neverInspect");
  if (never !== undefined) out.neverInspect = never;
  const originCa = list("originCa");
  if (originCa !== undefined) out.originCa = originCa.map((f) => path.resolve(path.dirname(file), f));
  return out;
}

/** Parse the arguments (without `node` and the script); `null` means `--help` was asked. Throws {@link UsageError}. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): AlfajorOptions | null {
  const given: Partial<AlfajorOptions> = {};
  const allow: string[] = [];
  const hostMap: Record<string, string> = {};
  const inspect: string[] = [];
  const neverInspect: string[] = [];
  const originCa: string[] = [];
  let inspection: boolean | undefined;
  let caDir: string | undefined;
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "-h":
      case "--help":
        return null;
      case "--bind":
        given.bind = value();
        break;
      case "--port":
        given.port = port(value(), "--port");
        break;
      case "--policy":
        given.policyFile = path.resolve(value());
        break;
      case "--upstream":
        given.upstream = value();
        break;
      case "--allow":
        allow.push(value());
        break;
      case "--host-map": {
        try {
          const [name, target] = parseHostMapEntry(value());
          hostMap[name] = target;
        } catch (err) {
          throw new UsageError(`--host-map: ${(err as Error).message}`);
        }
        break;
      }
      case "--config":
        config = path.resolve(value());
        break;
      case "--no-gui":
        given.gui = false;
        break;
      case "--https-inspection":
        inspection = true;
        break;
      case "--ca-dir":
        caDir = path.resolve(value());
        break;
      case "--inspect":
        inspect.push(value());
        break;
      case "--no-inspect":
        neverInspect.push(value());
        break;
      case "--origin-ca":
        originCa.push(path.resolve(value()));
        break;
      default:
        throw new UsageError(arg.startsWith("-") ? `unknown option ${flag}` : `unexpected argument ${arg}`);
    }
  }
  const fromFile = config === undefined ? {} : readConfig(config);
  const options: AlfajorOptions = {
    bind: given.bind ?? fromFile.bind ?? "127.0.0.1",
    port: given.port ?? fromFile.port ?? 8081,
    policyFile: given.policyFile ?? fromFile.policyFile ?? defaultPolicyFile(env),
    upstream: given.upstream ?? fromFile.upstream ?? null,
    allow: allow.length > 0 ? allow : (fromFile.allow ?? ["127.0.0.0/8", "::1/128"]),
    hostMap: { ...fromFile.hostMap, ...hostMap },
    gui: given.gui ?? fromFile.gui ?? true,
    httpsInspection: {
      enabled: inspection ?? fromFile.httpsInspection?.enabled ?? false,
      caDir: caDir ?? fromFile.httpsInspection?.caDir ?? defaultCaDir(env),
      inspect: inspect.length > 0 ? inspect : (fromFile.httpsInspection?.inspect ?? []),
      neverInspect: neverInspect.length > 0 ? neverInspect : (fromFile.httpsInspection?.neverInspect ?? []),
      originCa: originCa.length > 0 ? originCa : (fromFile.httpsInspection?.originCa ?? []),
    },
  };
  checkOptions(options);
  return options;
}

/** Check the parts that can be wrong (ranges, the parent proxy URL); throws {@link UsageError}. */
export function checkOptions(options: AlfajorOptions): void {
  try {
    clientList(options.allow);
  } catch (err) {
    throw new UsageError(`--allow: ${(err as Error).message}`);
  }
  if (options.upstream !== null) {
    try {
      parseUpstream(options.upstream);
    } catch (err) {
      throw new UsageError(`--upstream: ${(err as Error).message}`);
    }
  }
  for (const [name, target] of Object.entries(options.hostMap)) {
    try {
      parseHostMapEntry(`${name}=${target}`);
    } catch (err) {
      throw new UsageError(`hostMap: ${(err as Error).message}`);
    }
  }
  const { inspect, neverInspect } = options.httpsInspection;
  for (const [flag, hosts] of [["--inspect", inspect], ["--no-inspect", neverInspect]] as const) {
    for (const host of hosts) {
      const problem = checkHostPattern(host);
      if (problem !== null) throw new UsageError(`${flag}: ${problem}`);
    }
  }
}
