/**
 * The `ctc` command line: flags into settings (checked with `validate.ts`), and the usage text.
 * `--flag value` and `--flag=value` are both accepted; repeatable flags add up.
 * @module
 */
import { UsageError } from "./errors.js";
import type { CtcOptions } from "./options.js";
import {
  checkBind,
  checkCidr,
  checkDomain,
  checkHostMapEntry,
  checkImageBlocker,
  checkLogFormat,
  checkPort,
  checkPorts,
  checkUpstream,
  checkWorkers,
} from "./validate.js";

/** What the command line asks for. */
export type CommandLine =
  | { action: "help" }
  | { action: "version" }
  | { action: "run"; flags: Partial<CtcOptions>; config: string | null };

/** The usage line and the flags, as `--help` prints them. */
export const USAGE = `usage: ctc [--bind ADDR] [--port N] [--blocklist FILE]... [--upstream URL]
           [--config FILE] [--allow CIDR]... [--connect-ports LIST]
           [--image-blocker blank|pattern] [--no-banners-by-size] [--log FORMAT]
           [--host-map NAME=HOST:PORT]... [--no-watch] [--workers N|auto]
           [--https-inspection] [--ca-dir DIR] [--inspect HOST]...
           [--no-inspect HOST]... [--origin-ca FILE]...
           [--help] [--version]
`;

/** The full `--help` text. */
export const HELP = `${USAGE}
CTC (Cut The Crap): a forward HTTP proxy that cuts ad banners out of pages.
Set your browser's HTTP proxy to the address it prints.

options:
  --bind ADDR            address to listen on (default 127.0.0.1)
  --port N               port to listen on (default 8080; 0 = any free port)
  --blocklist FILE       block list: hosts file, domain list or EasyList (format
                         detected); repeatable (default: the list shipped with ctc)
  --upstream URL         parent HTTP proxy, http://[user:pass@]host:port
  --config FILE          JSON file with the same settings (flags win over it)
  --allow CIDR           clients allowed to use the proxy; repeatable
                         (default 127.0.0.0/8 and ::1)
  --connect-ports LIST   ports CONNECT may reach, comma-separated (default 443)
  --image-blocker KIND   blocked images become: blank (1x1 transparent, default)
                         or pattern (a visible checkerboard)
  --no-banners-by-size   do not cut images and frames of IAB banner sizes
  --log FORMAT           access log on stdout: common (default), combined or off
  --host-map NAME=HOST:PORT
                         send requests for host NAME to HOST:PORT; repeatable
  --no-watch             reload lists on SIGHUP only, not when a list file changes
  --workers N|auto       worker processes serving the port (default auto: one per
                         core, at most 4); 1 = the command's own process only
  --https-inspection     decrypt HTTPS (CONNECT) with a local CA, so banners are
                         cut from HTTPS pages too (off by default; clients must
                         trust the CA: see the README)
  --ca-dir DIR           the local CA's directory (default
                         $XDG_CONFIG_HOME/stdhttp-proxy/ca or
                         ~/.config/stdhttp-proxy/ca, shared with alfajor)
  --inspect HOST         inspect only HOST and its subdomains; repeatable
                         (default: every host)
  --no-inspect HOST      never inspect HOST and its subdomains (banks); repeatable
  --origin-ca FILE       extra PEM CA trusted when verifying origins (a corporate
                         root, an inspecting parent proxy's CA); repeatable
  -h, --help             show this help and exit
  --version              show the version and exit

Control page: http://ADDR:PORT/ or http://ctc.local/ through the proxy.
Proxy auto-config: http://ADDR:PORT/proxy.pac
The inspection flags other than --https-inspection take effect when inspection
is switched on from the control page.
`;

/** Flags that take a value, with what they do with it. */
const WITH_VALUE: Record<string, (flags: Partial<CtcOptions>, value: string, ctx: { config: string | null }) => void> = {
  "--bind": (f, v) => (f.bind = checkBind(v, "--bind")),
  "--port": (f, v) => (f.port = checkPort(v, "--port")),
  "--blocklist": (f, v) => {
    if (v === "") throw new UsageError("--blocklist: empty file name");
    (f.blocklists ??= []).push(v);
  },
  "--upstream": (f, v) => (f.upstream = checkUpstream(v, "--upstream")),
  "--config": (_f, v, ctx) => {
    if (v === "") throw new UsageError("--config: empty file name");
    ctx.config = v;
  },
  "--allow": (f, v) => (f.allow ??= []).push(checkCidr(v, "--allow")),
  "--connect-ports": (f, v) => (f.connectPorts = checkPorts(v, "--connect-ports")),
  "--image-blocker": (f, v) => (f.imageBlocker = checkImageBlocker(v, "--image-blocker")),
  "--log": (f, v) => (f.log = checkLogFormat(v, "--log")),
  "--workers": (f, v) => (f.workers = checkWorkers(v, "--workers")),
  "--ca-dir": (f, v) => {
    if (v === "") throw new UsageError("--ca-dir: empty directory name");
    f.caDir = v;
  },
  "--inspect": (f, v) => (f.inspect ??= []).push(checkDomain(v, "--inspect")),
  "--no-inspect": (f, v) => (f.neverInspect ??= []).push(checkDomain(v, "--no-inspect")),
  "--origin-ca": (f, v) => {
    if (v === "") throw new UsageError("--origin-ca: empty file name");
    (f.originCa ??= []).push(v);
  },
  "--host-map": (f, v) => {
    const [name, target] = checkHostMapEntry(v, "--host-map");
    (f.hostMap ??= {})[name] = target;
  },
};

/** Flags without a value. */
const SWITCHES: Record<string, (flags: Partial<CtcOptions>) => void> = {
  "--no-banners-by-size": (f) => (f.bannersBySize = false),
  "--no-watch": (f) => (f.watch = false),
  "--https-inspection": (f) => (f.httpsInspection = true),
};

/** Parse the arguments after the script name. Throws `UsageError` for anything it does not understand. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const flags: Partial<CtcOptions> = {};
  const ctx = { config: null as string | null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h" || arg === "--help") return { action: "help" };
    if (arg === "--version") return { action: "version" };
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const apply = WITH_VALUE[name];
    if (apply !== undefined) {
      let value: string;
      if (eq > 0) value = arg.slice(eq + 1);
      else {
        if (i + 1 >= argv.length) throw new UsageError(`${name} needs a value`);
        value = argv[++i];
      }
      apply(flags, value, ctx);
      continue;
    }
    const flip = SWITCHES[name];
    if (flip !== undefined) {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
      flip(flags);
      continue;
    }
    throw new UsageError(arg.startsWith("-") ? `unknown option: ${arg}` : `unexpected argument: ${arg}`);
  }
  return { action: "run", flags, config: ctx.config };
}
