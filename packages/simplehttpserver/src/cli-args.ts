/**
 * The `simplehttpserver` command line: CPython 3.15's `python -m http.server` flags plus the
 * handler's options. {@link parseCommandLine} is pure (argv in, options or `UsageError` out);
 * {@link checkFiles} then looks at the file system (directory, TLS files, password file).
 * Messages and exit status follow argparse: usage line, `prog: error: ...`, status 2.
 *
 * Another command is built on this one with a {@link CommandSpec}: its name and version, the
 * flags it adds (parsed, listed in the usage line and the help like these), and the handler
 * class it serves with (`cgihttpserver` is `simplehttpserver` plus the CGI flags).
 * @module
 */
import { readFileSync, statSync } from "node:fs";
import nodePath from "node:path";
import { isFieldValue, isToken } from "@stdhttp/httplib";
import { UsageError } from "./errors.js";
import type { DotfilesPolicy, SimpleHTTPRequestHandler, SymlinkPolicy } from "./handler.js";

/** The command's name, as argparse's `prog`. */
export const PROG = "simplehttpserver";

/** The options of one run, with their defaults filled in. */
export interface CLIOptions {
  /** Port to bind (`0`: a free one). Default 8000. */
  port: number;
  /** Address to bind; `null`: all interfaces, dual-stack (`::` with IPv4 mapped, else `0.0.0.0`). */
  bind: string | null;
  /** Directory served; `null`: the current directory. */
  directory: string | null;
  /** `protocolVersion` of the answers; `"HTTP/1.1"` keeps connections alive. Default `"HTTP/1.0"`. */
  protocol: "HTTP/1.0" | "HTTP/1.1";
  /** TLS certificate chain (PEM); set: an HTTPS server. */
  tlsCert: string | null;
  /** TLS private key (PEM); default: read from `tlsCert`. */
  tlsKey: string | null;
  /** File whose content (trimmed) is the key's passphrase. */
  tlsPasswordFile: string | null;
  /** `defaultContentType`: type of files whose type cannot be guessed. */
  contentType: string | null;
  /** `extraHeaders`: added to every answer. */
  headers: Array<[string, string]>;
  /** `corsOrigin`. */
  cors: string | null;
  /** `cacheControl`. */
  cacheControl: string | null;
  /** `spaFallback`. */
  spa: string | null;
  /** `directoryListing`. Default true. */
  listing: boolean;
  /** `dotfiles`. Default `"ignore"`. */
  dotfiles: DotfilesPolicy;
  /** `symlinks`. Default `"inside"`. */
  symlinks: SymlinkPolicy;
  /** `precompressed`. Default true. */
  precompressed: boolean;
  /** `allowUpload` (PUT). Default false. */
  upload: boolean;
  /** The server's `maxBodySize`; `null`: its default (10 MiB). */
  maxUploadSize: number | null;
  /** No per-request log lines on stderr. */
  quiet: boolean;
}

/** What the command line asks for; `X`: the options a {@link CommandSpec} adds. */
export type ParsedCommandLine<X extends object = object> = { action: "help" } | { action: "version" } | { action: "serve"; options: CLIOptions & X };

/**
 * A flag that a command built on `simplehttpserver` adds ({@link CommandSpec.flags}). It is parsed
 * as the built-in ones are: `--flag VALUE`, `--flag=VALUE`, a unique prefix (`--cgi-t`), the last
 * of a repeated flag wins unless `apply` adds; a value may not start with `-` (except a negative
 * number), `--flag=-x` may.
 *
 * @example
 * const timeout: CLIFlag<{ timeout: number }> = {
 *   flags: ["--timeout"],
 *   metavar: "SECONDS",
 *   help: "give up after SECONDS (default: 30)",
 *   apply(options, value) {
 *     if (!/^\d+$/.test(value!)) throw new UsageError(`argument --timeout: invalid int value: '${value}'`);
 *     options.timeout = Number(value);
 *   },
 * };
 */
export interface CLIFlag<X extends object = object> {
  /** Its spellings: `-x` (one letter) and/or `--long-name`, e.g. `["--cgi-dir"]`. */
  flags: readonly string[];
  /** Name of its value in the usage line and help (`--cgi-dir PATH`); absent: a switch, without value. */
  metavar?: string;
  /** Its line in `--help` (wrapped to fit); say the default there, as argparse users do. */
  help: string;
  /**
   * Store the flag in `options` (`value`: its argument, `undefined` for a switch). Throw
   * `UsageError` for a bad value (message `argument FLAG: ...`): the command prints the usage
   * line and exits 2.
   */
  apply(options: CLIOptions & X, value: string | undefined): void;
}

/**
 * A command built on `simplehttpserver`'s: everything not given here (port, `-b`, `-d`, `-p`,
 * TLS, `-H`, `--cors`, ..., the serving line, signals and exit status) is `simplehttpserver`'s.
 * Run it with `runCommand(spec, argv)`, or `runIfMain(import.meta.url, spec)` in a bin.
 * `X` is the type of the options it adds.
 *
 * @example
 * const spec: CommandSpec<{ verbose: boolean }> = {
 *   prog: "myserver",
 *   version: "1.0.0",
 *   flags: [{ flags: ["--verbose"], help: "log more", apply: (o) => (o.verbose = true) }],
 *   defaults: () => ({ verbose: false }),
 *   handlerFor: (o) => MyHandler.withOptions({ verbose: o.verbose }),
 * };
 */
export interface CommandSpec<X extends object = object> {
  /** The command's name (argparse's `prog`): in the usage line, errors and `--version`. */
  prog: string;
  /** What `--version` prints after the name. */
  version: string;
  /** The line under the usage in `--help` (default: `simplehttpserver`'s). */
  description?: string;
  /** The flags it adds, listed after `simplehttpserver`'s, in this order. */
  flags?: ReadonlyArray<CLIFlag<X>>;
  /** Title of the help section listing {@link flags} (default: none, they are listed under `options:`). */
  flagsTitle?: string;
  /** The added options with their defaults (a new object on each call: flags may push to arrays). */
  defaults?: () => X;
  /** Checks across options, once all are parsed; throw `UsageError` (exit 2). */
  validate?: (options: CLIOptions & X) => void;
  /**
   * Whether the handler takes request bodies without `--upload` (CGI scripts read theirs): then
   * `--max-upload-size` is their limit and does not require `--upload`. Default: false.
   */
  takesBodies?: boolean;
  /**
   * The handler class to serve with, configured with the added options (e.g. with its own
   * `withOptions`). The command subclasses it for `-p` and `--quiet` and sets
   * `simplehttpserver`'s options on it. Default: `SimpleHTTPRequestHandler`.
   */
  handlerFor?: (options: CLIOptions & X) => typeof SimpleHTTPRequestHandler;
  /** Text printed after the options in `--help` (examples, notes), as argparse's `epilog`. */
  epilog?: string;
}

/** The `simplehttpserver` command itself. */
export const SIMPLEHTTPSERVER: CommandSpec = {
  prog: PROG,
  get version(): string {
    return packageVersion();
  },
};

/** What {@link checkFiles} found: the directory, absolute, and the key passphrase. */
export interface CheckedFiles {
  directory: string;
  tlsPassword: string | undefined;
}

const DOTFILES: readonly DotfilesPolicy[] = ["ignore", "deny", "allow"];
const SYMLINKS: readonly SymlinkPolicy[] = ["inside", "follow", "deny"];
const PROTOCOLS = ["HTTP/1.0", "HTTP/1.1"] as const;

/** How many values an option takes: none, one, one optional, or `-H`'s pair. */
type Arity = 0 | 1 | "optional" | "header";

interface OptionSpec<X extends object = object> {
  flags: readonly string[];
  arity: Arity;
  metavar?: string;
  help: string;
  apply(o: CLIOptions & X, value: string | undefined, value2?: string): void;
}

const DESCRIPTION = "Serve the files of a directory over HTTP or HTTPS (Python's http.server).";

const OPTIONS: readonly OptionSpec[] = [
  { flags: ["-h", "--help"], arity: 0, help: "show this help message and exit", apply() {} },
  { flags: ["--version"], arity: 0, help: "show program's version number and exit", apply() {} },
  { flags: ["-b", "--bind"], arity: 1, metavar: "ADDRESS", help: "bind to this address (default: all interfaces)", apply: (o, v) => (o.bind = v!) },
  { flags: ["-d", "--directory"], arity: 1, metavar: "DIRECTORY", help: "serve this directory (default: current directory)", apply: (o, v) => (o.directory = v!) },
  { flags: ["-p", "--protocol"], arity: 1, metavar: "VERSION", help: "conform to this HTTP version (default: HTTP/1.0)", apply: (o, v) => (o.protocol = choice("-p/--protocol", v!, PROTOCOLS)) },
  { flags: ["--tls-cert"], arity: 1, metavar: "PATH", help: "path to the TLS certificate chain file", apply: (o, v) => (o.tlsCert = v!) },
  { flags: ["--tls-key"], arity: 1, metavar: "PATH", help: "path to the TLS key file", apply: (o, v) => (o.tlsKey = v!) },
  { flags: ["--tls-password-file"], arity: 1, metavar: "PATH", help: "path to the password file for the TLS key", apply: (o, v) => (o.tlsPasswordFile = v!) },
  {
    flags: ["--content-type"],
    arity: 1,
    metavar: "TYPE",
    help: "type of files whose type cannot be guessed (default: application/octet-stream)",
    apply: (o, v) => (o.contentType = fieldValue("--content-type", v!)),
  },
  {
    flags: ["-H", "--header"],
    arity: "header",
    metavar: "NAME VALUE",
    help: "add this header to every response; repeatable ('NAME: VALUE' also works)",
    apply: (o, name, value) => o.headers.push(header(name!, value!)),
  },
  { flags: ["--cors"], arity: "optional", metavar: "ORIGIN", help: "allow cross-origin requests from ORIGIN (default: *)", apply: (o, v) => (o.cors = origin(v ?? "*")) },
  { flags: ["--cache-control"], arity: 1, metavar: "VALUE", help: "Cache-Control header of file responses (default: none)", apply: (o, v) => (o.cacheControl = fieldValue("--cache-control", v!)) },
  { flags: ["--spa"], arity: "optional", metavar: "FILE", help: "serve FILE for missing page paths (default FILE: index.html)", apply: (o, v) => (o.spa = spaFile(v ?? "index.html")) },
  { flags: ["--no-listing"], arity: 0, help: "answer 404 for directories without an index page", apply: (o) => (o.listing = false) },
  { flags: ["--dotfiles"], arity: 1, metavar: "{ignore,deny,allow}", help: "dotfiles: hidden and 404, 403, or served (default: ignore)", apply: (o, v) => (o.dotfiles = choice("--dotfiles", v!, DOTFILES)) },
  {
    flags: ["--symlinks"],
    arity: 1,
    metavar: "{inside,follow,deny}",
    help: "follow symbolic links that stay inside the directory, all, or none (default: inside)",
    apply: (o, v) => (o.symlinks = choice("--symlinks", v!, SYMLINKS)),
  },
  { flags: ["--no-precompressed"], arity: 0, help: "do not serve .br/.zst/.gz siblings of files", apply: (o) => (o.precompressed = false) },
  { flags: ["--upload"], arity: 0, help: "store files sent with PUT", apply: (o) => (o.upload = true) },
  { flags: ["--max-upload-size"], arity: 1, metavar: "BYTES", help: "largest upload, e.g. 500M (default: 10M)", apply: (o, v) => (o.maxUploadSize = byteSize(v!)) },
  { flags: ["--quiet"], arity: 0, help: "do not log requests", apply: (o) => (o.quiet = true) },
];

/** `simplehttpserver`'s spec, as the default `command` of the functions below. */
function simple<X extends object>(): CommandSpec<X> {
  return SIMPLEHTTPSERVER as unknown as CommandSpec<X>;
}

/** The built-in options followed by those `command` adds. */
function optionsOf<X extends object>(command: CommandSpec<X>): ReadonlyArray<OptionSpec<X>> {
  const added = (command.flags ?? []).map((f): OptionSpec<X> => ({ flags: f.flags, arity: f.metavar === undefined ? 0 : 1, metavar: f.metavar, help: f.help, apply: (o, v) => f.apply(o, v) }));
  if (added.length === 0) return OPTIONS;
  const all = [...OPTIONS, ...added];
  const seen = new Set<string>();
  for (const flag of all.flatMap((spec) => spec.flags)) {
    if (!/^(-[A-Za-z0-9]|--[A-Za-z0-9][A-Za-z0-9-]*)$/.test(flag)) throw new TypeError(`${command.prog}: invalid flag spelling '${flag}'`);
    if (seen.has(flag)) throw new TypeError(`${command.prog}: flag '${flag}' is defined twice`);
    seen.add(flag);
  }
  return all;
}

/** argparse's test for an argument that is a value although it starts with `-`. */
const NEGATIVE_NUMBER = /^-\d+$|^-\d*\.\d+$/;

/** The options with their defaults (and those `command` adds, with theirs). */
export function defaultOptions<X extends object = object>(command?: CommandSpec<X>): CLIOptions & X {
  return { ...builtinDefaults(), ...command?.defaults?.() } as CLIOptions & X;
}

function builtinDefaults(): CLIOptions {
  return {
    port: 8000,
    bind: null,
    directory: null,
    protocol: "HTTP/1.0",
    tlsCert: null,
    tlsKey: null,
    tlsPasswordFile: null,
    contentType: null,
    headers: [],
    cors: null,
    cacheControl: null,
    spa: null,
    listing: true,
    dotfiles: "ignore",
    symlinks: "inside",
    precompressed: true,
    upload: false,
    maxUploadSize: null,
    quiet: false,
  };
}

/**
 * Parse the arguments (without `node` and the script) for `command` (default:
 * `simplehttpserver`). Throws `UsageError` (print {@link formatUsageError}, exit 2) for an
 * unknown option, a missing or bad value, or a bad port.
 *
 * `--cors` and `--spa` take an optional value; so that `--cors 8080` stays a port, the next
 * argument is their value only when it looks like one (an origin: `*`, `null` or `scheme://...`;
 * a file: not an option and not a number). `--cors=ORIGIN` and `--spa=FILE` always work.
 *
 * @example
 * parseCommandLine(["8080", "-b", "127.0.0.1", "-H", "X-Frame-Options", "DENY"]);
 * // { action: "serve", options: { port: 8080, bind: "127.0.0.1", headers: [["X-Frame-Options", "DENY"]], ... } }
 */
export function parseCommandLine<X extends object = object>(argv: readonly string[], command: CommandSpec<X> = simple()): ParsedCommandLine<X> {
  const options = defaultOptions(command);
  const table = optionsOf(command);
  const positionals: string[] = [];
  const unknown: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i++];
    if (arg === "--") {
      positionals.push(...argv.slice(i));
      break;
    }
    if (!arg.startsWith("-") || arg === "-" || NEGATIVE_NUMBER.test(arg)) {
      positionals.push(arg);
      continue;
    }
    const found = findOption(table, arg);
    if (found === null) {
      unknown.push(arg);
      continue;
    }
    const { spec, flag, inline } = found;
    if (spec.flags[0] === "-h") return { action: "help" };
    if (spec.flags[0] === "--version") return { action: "version" };
    const name = spec.flags.join("/");
    switch (spec.arity) {
      case 0:
        if (inline !== undefined) throw new UsageError(`argument ${name}: ignored explicit argument '${inline}'`);
        spec.apply(options, undefined);
        break;
      case 1: {
        const value = inline ?? (isValue(argv[i]) ? argv[i++] : undefined);
        if (value === undefined) throw new UsageError(`argument ${name}: expected one argument`);
        spec.apply(options, value);
        break;
      }
      case "optional": {
        let value = inline;
        if (value === undefined && takesOptional(flag, argv[i])) value = argv[i++];
        spec.apply(options, value);
        break;
      }
      case "header": {
        const first = inline ?? (isValue(argv[i]) ? argv[i++] : undefined);
        if (first === undefined) throw new UsageError(`argument ${name}: expected 2 arguments`);
        const colon = first.indexOf(":");
        if (colon >= 0) {
          // curl's form, one argument: a field name cannot contain ":".
          spec.apply(options, first.slice(0, colon).trim(), first.slice(colon + 1).trim());
          break;
        }
        if (!isValue(argv[i])) throw new UsageError(`argument ${name}: expected 2 arguments`);
        spec.apply(options, first, argv[i++]);
        break;
      }
    }
  }
  if (positionals.length > 0) options.port = port(positionals[0]);
  unknown.push(...positionals.slice(1));
  if (unknown.length > 0) throw new UsageError(`unrecognized arguments: ${unknown.join(" ")}`);
  if (options.tlsKey !== null && options.tlsCert === null) throw new UsageError("--tls-key requires --tls-cert to be set");
  if (options.tlsPasswordFile !== null && options.tlsCert === null) throw new UsageError("--tls-password-file requires --tls-cert to be set");
  if (options.maxUploadSize !== null && !options.upload && command.takesBodies !== true) throw new UsageError("--max-upload-size requires --upload");
  command.validate?.(options);
  return { action: "serve", options };
}

/**
 * What the file system says about the options: the directory must exist, the TLS files must be
 * readable, and the password file is read (its content, trimmed, is the passphrase, as CPython).
 * Throws `UsageError` (exit 2), as CPython's `parser.error` for the password file.
 */
export function checkFiles(options: CLIOptions, cwd = process.cwd()): CheckedFiles {
  const directory = nodePath.resolve(cwd, options.directory ?? ".");
  let isDirectory = false;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch {
    throw new UsageError(`argument -d/--directory: no such directory: '${options.directory}'`);
  }
  if (!isDirectory) throw new UsageError(`argument -d/--directory: not a directory: '${options.directory}'`);
  for (const [flag, file] of [["--tls-cert", options.tlsCert], ["--tls-key", options.tlsKey]] as const) {
    if (file !== null) readable(flag, nodePath.resolve(cwd, file), file);
  }
  let tlsPassword: string | undefined;
  if (options.tlsPasswordFile !== null) {
    try {
      tlsPassword = readFileSync(nodePath.resolve(cwd, options.tlsPasswordFile), "utf8").trim();
    } catch (err) {
      throw new UsageError(`Failed to read TLS password file: ${describe(err)}`);
    }
  }
  return { directory, tlsPassword };
}

/** argparse's usage line for `command` (default: `simplehttpserver`), wrapped at 80 columns. */
export function usage<X extends object = object>(command: CommandSpec<X> = simple()): string {
  const parts = optionsOf(command).map((spec) => {
    const flag = spec.flags[0];
    if (spec.arity === 0) return `[${flag}]`;
    if (spec.arity === "optional") return `[${flag} [${spec.metavar}]]`;
    return `[${flag} ${spec.metavar}]`;
  });
  parts.push("[port]");
  const head = `usage: ${command.prog} `;
  const lines: string[] = [];
  let line = head;
  for (const part of parts) {
    if (line.length > head.length && line.length + part.length > 79) {
      lines.push(line.trimEnd());
      line = " ".repeat(head.length);
    }
    line += part + " ";
  }
  lines.push(line.trimEnd());
  return lines.join("\n") + "\n";
}

/** The `--help` text for `command` (default: `simplehttpserver`), in argparse's layout. */
export function helpText<X extends object = object>(command: CommandSpec<X> = simple()): string {
  const all = optionsOf(command);
  const titled = command.flagsTitle !== undefined && command.flagsTitle !== "";
  const rows = (specs: ReadonlyArray<OptionSpec<X>>): Array<[string, string]> =>
    specs.map((spec) => {
      let left = spec.flags.join(", ");
      if (spec.arity === 1 || spec.arity === "header") left += ` ${spec.metavar}`;
      else if (spec.arity === "optional") left += ` [${spec.metavar}]`;
      return [left, spec.help];
    });
  const column = 24;
  const row = ([left, help]: [string, string]): string => {
    const text = wrap(help, 79 - column).join(`\n${" ".repeat(column)}`);
    // argparse: an invocation longer than the column minus 4 gets a line of its own.
    return left.length + 4 <= column ? `  ${left.padEnd(column - 2)}${text}\n` : `  ${left}\n${" ".repeat(column)}${text}\n`;
  };
  const epilog = command.epilog === undefined || command.epilog === "" ? "" : `\n${command.epilog.replace(/\n*$/, "\n")}`;
  return (
    usage(command) +
    `\n${command.description ?? DESCRIPTION}\n` +
    "\npositional arguments:\n" +
    row(["port", "bind to this port (default: 8000)"]) +
    "\noptions:\n" +
    rows(titled ? OPTIONS : all).map(row).join("") +
    (titled ? `\n${command.flagsTitle}:\n` + rows(all.slice(OPTIONS.length)).map(row).join("") : "") +
    epilog
  );
}

/** `text` in lines of at most `width` characters (a longer word stays whole). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines;
}

/** What the command prints for a usage error (to stderr, then exit 2), as argparse. */
export function formatUsageError<X extends object = object>(err: UsageError, command: CommandSpec<X> = simple()): string {
  return `${usage(command)}${command.prog}: error: ${err.message}\n`;
}

function findOption<X extends object>(table: ReadonlyArray<OptionSpec<X>>, arg: string): { spec: OptionSpec<X>; flag: string; inline: string | undefined } | null {
  let flag = arg;
  let inline: string | undefined;
  if (arg.startsWith("--")) {
    const eq = arg.indexOf("=");
    if (eq > 0) {
      flag = arg.slice(0, eq);
      inline = arg.slice(eq + 1);
    }
  } else if (arg.length > 2) {
    // -b127.0.0.1 and -b=127.0.0.1, as argparse.
    flag = arg.slice(0, 2);
    inline = arg.slice(arg[2] === "=" ? 3 : 2);
  }
  let spec = table.find((s) => s.flags.includes(flag));
  if (spec === undefined && flag.startsWith("--")) {
    // argparse accepts a unique prefix of a long option.
    const matches = table.flatMap((s) => s.flags.filter((f) => f.startsWith("--") && f.startsWith(flag)));
    if (matches.length > 1) throw new UsageError(`ambiguous option: ${flag} could match ${matches.join(", ")}`);
    if (matches.length === 1) {
      flag = matches[0];
      spec = table.find((s) => s.flags.includes(flag));
    }
  }
  if (spec === undefined) return null;
  if (inline !== undefined && spec.arity === 0 && !arg.startsWith("--")) return null;
  return { spec, flag, inline };
}

function isValue(arg: string | undefined): arg is string {
  return arg !== undefined && (!arg.startsWith("-") || arg === "-" || NEGATIVE_NUMBER.test(arg));
}

/** Whether the argument after `--cors` / `--spa` is its value (else it is the port or an option). */
function takesOptional(flag: string, next: string | undefined): boolean {
  if (!isValue(next)) return false;
  if (flag === "--cors") return next === "*" || next === "null" || /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(next);
  return !/^\d+$/.test(next);
}

function port(value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`argument port: invalid int value: '${value}'`);
  const n = Number(value);
  if (n > 65535) throw new UsageError(`argument port: ${value} is not in range 0-65535`);
  return n;
}

function choice<T extends string>(name: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`argument ${name}: invalid choice: '${value}' (choose from ${choices.join(", ")})`);
}

function fieldValue(name: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new UsageError(`argument ${name}: value contains CR or LF`);
  if (!isFieldValue(value)) throw new UsageError(`argument ${name}: value contains control characters`);
  return value;
}

function header(name: string, value: string): [string, string] {
  if (!isToken(name)) throw new UsageError(`argument -H/--header: invalid header name: '${name}'`);
  return [name, fieldValue("-H/--header", value)];
}

/** `*`, `null`, or a serialized origin (`scheme://host[:port]`, no path): what a browser compares. */
function origin(value: string): string {
  if (value === "*" || value === "null") return value;
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    url = null;
  }
  const serialized = url === null || url.origin === "null" ? null : url.origin;
  if (serialized === null || value.replace(/\/$/, "").toLowerCase() !== serialized.toLowerCase()) {
    throw new UsageError(`argument --cors: invalid origin: '${value}' (expected *, null or scheme://host[:port])`);
  }
  return serialized;
}

function spaFile(value: string): string {
  const normal = nodePath.normalize(value).replace(/^[/\\]+/, "");
  if (normal === "" || normal === "." || normal.startsWith("..")) {
    throw new UsageError(`argument --spa: FILE must name a file inside the served directory: '${value}'`);
  }
  return normal;
}

function byteSize(value: string): number {
  const m = /^(\d+)([KMG]?)$/i.exec(value);
  if (m === null) throw new UsageError(`argument --max-upload-size: invalid size: '${value}' (bytes, or with K, M or G)`);
  const scale = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase() as "" | "K" | "M" | "G"];
  return Number(m[1]) * scale;
}

function readable(flag: string, path: string, given: string): void {
  try {
    readFileSync(path);
  } catch (err) {
    throw new UsageError(`argument ${flag}: can't open '${given}': ${describe(err)}`);
  }
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code === "ENOENT" ? "No such file or directory" : e.code === "EACCES" ? "Permission denied" : e.code === "EISDIR" ? "Is a directory" : e.message;
}
