/**
 * The flags `cgihttpserver` adds to `simplehttpserver`'s: one per class property of
 * `CGIHTTPRequestHandler` (`--cgi-dir`, `--cgi-timeout`, `--cgi-mode`, `--cgi-interpreter`,
 * `--pass-authorization`, `--cgi-user`, `--cgi-launcher`), and `--cgi`, accepted so that a `python -m http.server
 * --cgi` command line works as it is. Pure: values in, options or `UsageError` out.
 * @module
 */
import { UsageError, type CLIFlag } from "@stdhttp/simplehttpserver";
import type { CgiLauncher, CgiMode } from "./index.js";

/** The options `cgihttpserver` adds, with the handler's defaults. */
export interface CGICLIOptions {
  /** `cgiDirectories`: URL paths, each `/name[/name...]` without a trailing `/`. Default `["/cgi-bin", "/htbin"]`; `--cgi-dir` replaces them. */
  cgiDirectories: string[];
  /** `cgiTimeout` in seconds; `null`: no limit (`--cgi-timeout 0`). Default 30. */
  cgiTimeout: number | null;
  /** `cgiMode`. Default `"rfc3875"`. */
  cgiMode: CgiMode;
  /** Added to the handler's `cgiInterpreters`: extension (lower case, with its dot) -> command and arguments. Default none. */
  cgiInterpreters: Record<string, string[]>;
  /** `passAuthorization`. Default false. */
  passAuthorization: boolean;
  /** `cgiUser`: whom scripts run as when the server runs as root. Default `"nobody"`. */
  cgiUser: string;
  /** `cgiLauncher`: how scripts are started. Default `"auto"`. */
  cgiLauncher: CgiLauncher;
}

/** CPython's `CGIHTTPRequestHandler.cgi_directories`, the default of `--cgi-dir`. */
export const DEFAULT_CGI_DIRECTORIES: readonly string[] = Object.freeze(["/cgi-bin", "/htbin"]);

const MODES: readonly CgiMode[] = ["rfc3875", "cpython"];
const LAUNCHERS: readonly CgiLauncher[] = ["auto", "helper", "spawn"];

/** The longest timeout a Node timer holds (2^31 - 1 ms), in whole seconds. */
const MAX_TIMEOUT = Math.floor((2 ** 31 - 1) / 1000);

/** The `cgiDirectories` arrays that are still the defaults: the first `--cgi-dir` replaces them. */
const defaultDirectories = new WeakSet<string[]>();

/** The added options with their defaults (a new object on each call). */
export function defaultCgiOptions(): CGICLIOptions {
  const cgiDirectories = [...DEFAULT_CGI_DIRECTORIES];
  defaultDirectories.add(cgiDirectories);
  return { cgiDirectories, cgiTimeout: 30, cgiMode: "rfc3875", cgiInterpreters: {}, passAuthorization: false, cgiUser: "nobody", cgiLauncher: "auto" };
}

/** The flags, in the order of `--help`. */
export const CGI_FLAGS: ReadonlyArray<CLIFlag<CGICLIOptions>> = [
  {
    flags: ["--cgi"],
    help: "accepted for python -m http.server's --cgi (scripts always run)",
    apply() {},
  },
  {
    flags: ["--cgi-dir"],
    metavar: "PATH",
    help: "URL path whose files are CGI scripts; repeatable, replaces the defaults (default: /cgi-bin and /htbin)",
    apply(o, value) {
      const dir = cgiDirectory(value!);
      if (defaultDirectories.has(o.cgiDirectories)) o.cgiDirectories = [dir];
      else if (!o.cgiDirectories.includes(dir)) o.cgiDirectories.push(dir);
    },
  },
  {
    flags: ["--cgi-timeout"],
    metavar: "SECONDS",
    help: "kill a script still running after SECONDS, answering 504 if it has not answered yet; 0: no limit (default: 30)",
    apply: (o, value) => (o.cgiTimeout = timeout(value!)),
  },
  {
    flags: ["--cgi-mode"],
    metavar: "{rfc3875,cpython}",
    help: "RFC 3875 CGI, or CPython's for scripts written for its handler (default: rfc3875)",
    apply: (o, value) => (o.cgiMode = mode(value!)),
  },
  {
    flags: ["--cgi-interpreter"],
    metavar: "EXT=COMMAND",
    help: "run scripts ending in EXT with COMMAND (split at spaces), executable or not, e.g. .py=python3; repeatable",
    apply(o, value) {
      const [ext, command] = interpreter(value!);
      o.cgiInterpreters[ext] = command;
    },
  },
  {
    flags: ["--pass-authorization"],
    help: "give scripts the Authorization header (HTTP_AUTHORIZATION)",
    apply: (o) => (o.passAuthorization = true),
  },
  {
    flags: ["--cgi-user"],
    metavar: "USER",
    help: "run scripts as USER when the server runs as root (default: nobody)",
    apply: (o, value) => (o.cgiUser = user(value!)),
  },
  {
    flags: ["--cgi-launcher"],
    metavar: "{auto,helper,spawn}",
    help: "start scripts from a small helper process where available (auto), only from it (helper: Linux with Python 3.8+ or Perl), or with spawn from the server (default: auto)",
    apply(o, value) {
      if (!(LAUNCHERS as readonly string[]).includes(value!)) throw new UsageError(`argument --cgi-launcher: invalid choice: '${value}' (choose from ${LAUNCHERS.map((l) => `'${l}'`).join(", ")})`);
      o.cgiLauncher = value as CgiLauncher;
    },
  },
];

/** `/name[/name...]`, as the handler compares it with the collapsed request path (a trailing `/` is dropped). */
function cgiDirectory(value: string): string {
  const dir = value.replace(/(.)\/+$/, "$1");
  const bad = (why: string): UsageError => new UsageError(`argument --cgi-dir: ${why}: '${value}'`);
  if (!dir.startsWith("/")) throw bad("must start with /");
  if (dir === "/") throw bad("must name a directory below /");
  // eslint-disable-next-line no-control-regex -- control characters are what is refused.
  if (/[\u0000-\u001f\u007f]/.test(dir)) throw bad("contains control characters");
  if (dir.slice(1).split("/").some((segment) => segment === "" || segment === "." || segment === "..")) throw bad("empty, . and .. segments are not allowed");
  return dir;
}

function timeout(value: string): number | null {
  const seconds = /^(\d+(\.\d*)?|\.\d+)$/.test(value) ? Number(value) : NaN;
  if (Number.isNaN(seconds)) throw new UsageError(`argument --cgi-timeout: invalid value: '${value}' (seconds, or 0 for no limit)`);
  if (seconds > MAX_TIMEOUT) throw new UsageError(`argument --cgi-timeout: ${value} is more than ${MAX_TIMEOUT} seconds (0: no limit)`);
  return seconds === 0 ? null : seconds;
}

function mode(value: string): CgiMode {
  if ((MODES as readonly string[]).includes(value)) return value as CgiMode;
  throw new UsageError(`argument --cgi-mode: invalid choice: '${value}' (choose from ${MODES.join(", ")})`);
}

/** `.ext=command arg ...` -> `[".ext", ["command", "arg", ...]]`, the extension lower-cased as the handler looks it up. */
function interpreter(value: string): [string, string[]] {
  const eq = value.indexOf("=");
  const ext = eq < 0 ? "" : value.slice(0, eq);
  const command = eq < 0 ? [] : value.slice(eq + 1).split(/[ \t]+/).filter((word) => word !== "");
  if (eq < 0 || command.length === 0) throw new UsageError(`argument --cgi-interpreter: expected EXT=COMMAND, e.g. .py=python3: '${value}'`);
  if (!/^\.[A-Za-z0-9_+-]+$/.test(ext)) throw new UsageError(`argument --cgi-interpreter: invalid extension: '${ext}' (a dot and letters, digits, _, + or -, e.g. .py)`);
  // eslint-disable-next-line no-control-regex -- control characters are what is refused.
  if (command.some((word) => /[\u0000-\u001f\u007f]/.test(word))) throw new UsageError(`argument --cgi-interpreter: COMMAND contains control characters: '${value}'`);
  return [ext.toLowerCase(), command];
}

/** A POSIX user name (the handler looks it up in /etc/passwd and refuses uid 0 when a script is run). */
function user(value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*\$?$/.test(value)) throw new UsageError(`argument --cgi-user: invalid user name: '${value}'`);
  if (value === "root") throw new UsageError("argument --cgi-user: scripts are never run as root");
  return value;
}
