// The `simplehttpserver` command: the argument parser as a pure function, then the built bin
// (dist/cli.js, `pnpm --filter @stdhttp/simplehttpserver build` first) run as a child process on
// port 0 and talked to with curl. CPython's CommandLineTestCase / CommandLineRunTimeTestCase
// (test_httpservers.py, 3.14+) are ported where they apply and named after the original.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { execFile, spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { checkFiles, defaultOptions, formatUsageError, helpText, parseCommandLine, usage, type CLIFlag, type CLIOptions, type CommandSpec } from "../src/cli-args.js";
import { runCommand } from "../src/cli-server.js";
import { UsageError } from "../src/errors.js";

const PKG = fileURLToPath(new URL("..", import.meta.url));
const CLI = path.join(PKG, "dist", "cli.js");
const REPO = path.resolve(PKG, "../..");
const VERSION = (JSON.parse(readFileSync(path.join(PKG, "package.json"), "utf8")) as { version: string }).version;

/** The options `argv` gives (the test fails when it is not a `serve` command line). */
function opts(...argv: string[]): CLIOptions {
  const parsed = parseCommandLine(argv);
  if (parsed.action !== "serve") throw new Error(`expected serve, got ${parsed.action}`);
  return parsed.options;
}

/** The usage error `argv` gives (its message). */
function usageError(...argv: string[]): string {
  try {
    parseCommandLine(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).code).toBe("ERR_USAGE");
    return (err as UsageError).message;
  }
  throw new Error(`no usage error for ${JSON.stringify(argv)}`);
}

const DEFAULTS = defaultOptions();

describe("parser: CPython's CommandLineTestCase", () => {
  // cpython test_httpservers: CommandLineTestCase.test_no_arguments
  test("test_no_arguments: port 8000, all interfaces, current directory, HTTP/1.0, no TLS", () => {
    expect(opts()).toEqual(DEFAULTS);
    expect(DEFAULTS).toMatchObject({ port: 8000, bind: null, directory: null, protocol: "HTTP/1.0", tlsCert: null, tlsKey: null, tlsPasswordFile: null });
  });

  // cpython test_httpservers: CommandLineTestCase.test_port_flag
  test.each(["8000", "65535", "0", "80"])("test_port_flag: %s", (port) => {
    expect(opts(port)).toEqual({ ...DEFAULTS, port: Number(port) });
  });

  // cpython test_httpservers: CommandLineTestCase.test_directory_flag
  test.each([".", "/foo", "\\bar", "/", "C:\\", "C:\\foo", "/home/user", "./foo/foo2", "D:\\foo\\bar"])("test_directory_flag: %s", (dir) => {
    for (const flag of ["-d", "--directory"]) expect(opts(flag, dir)).toEqual({ ...DEFAULTS, directory: dir });
  });

  // cpython test_httpservers: CommandLineTestCase.test_bind_flag
  test.each(["localhost", "127.0.0.1", "::1", "0.0.0.0", "8.8.8.8"])("test_bind_flag: %s", (address) => {
    for (const flag of ["-b", "--bind"]) expect(opts(flag, address)).toEqual({ ...DEFAULTS, bind: address });
  });

  // cpython test_httpservers: CommandLineTestCase.test_protocol_flag (HTTP/2.0 and HTTP/3.0 are
  // refused here: the server speaks HTTP/1.x whatever its status line says; see docs/cli.md)
  test("test_protocol_flag", () => {
    for (const flag of ["-p", "--protocol"]) {
      expect(opts(flag, "HTTP/1.0").protocol).toBe("HTTP/1.0");
      expect(opts(flag, "HTTP/1.1").protocol).toBe("HTTP/1.1");
      expect(usageError(flag, "HTTP/2.0")).toBe("argument -p/--protocol: invalid choice: 'HTTP/2.0' (choose from HTTP/1.0, HTTP/1.1)");
      expect(usageError(flag, "HTTP/3.0")).toMatch(/invalid choice: 'HTTP\/3\.0'/);
    }
  });

  // cpython test_httpservers: CommandLineTestCase.test_tls_cert_and_key_flags
  test("test_tls_cert_and_key_flags", () => {
    expect(opts("--tls-cert", "cert.pem", "--tls-key", "key.pem")).toEqual({ ...DEFAULTS, tlsCert: "cert.pem", tlsKey: "key.pem" });
    expect(opts("--tls-cert", "both.pem")).toEqual({ ...DEFAULTS, tlsCert: "both.pem" });
  });

  // cpython test_httpservers: CommandLineTestCase.test_tls_cert_and_key_and_password_flags
  test("test_tls_cert_and_key_and_password_flags", () => {
    expect(opts("--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-password-file", "pw")).toEqual({
      ...DEFAULTS,
      tlsCert: "c.pem",
      tlsKey: "k.pem",
      tlsPasswordFile: "pw",
    });
  });

  // cpython test_httpservers: CommandLineTestCase.test_missing_tls_cert_flag
  test("test_missing_tls_cert_flag", () => {
    expect(usageError("--tls-key", "k.pem")).toBe("--tls-key requires --tls-cert to be set");
    expect(usageError("--tls-password-file", "pw")).toBe("--tls-password-file requires --tls-cert to be set");
  });

  // cpython test_httpservers: CommandLineTestCase.test_help_flag
  test("test_help_flag", () => {
    for (const flag of ["-h", "--help"]) expect(parseCommandLine([flag])).toEqual({ action: "help" });
    // Help wins over errors after it, as argparse exits as soon as it meets -h.
    expect(parseCommandLine(["-h", "--bogus"])).toEqual({ action: "help" });
    expect(helpText()).toMatch(/^usage: simplehttpserver /);
  });

  // cpython test_httpservers: CommandLineTestCase.test_unknown_flag
  test("test_unknown_flag", () => {
    expect(usageError("--unknown-flag")).toBe("unrecognized arguments: --unknown-flag");
    expect(usageError("-x")).toBe("unrecognized arguments: -x");
    expect(usageError("--bogus", "8080", "extra")).toBe("unrecognized arguments: --bogus extra");
  });
});

describe("parser: CPython 3.15's --content-type and -H/--header", () => {
  test("--content-type sets the type of unknown files", () => {
    expect(opts("--content-type", "text/plain; charset=utf-8").contentType).toBe("text/plain; charset=utf-8");
    expect(opts("--content-type=application/x-unknown").contentType).toBe("application/x-unknown");
    expect(usageError("--content-type")).toBe("argument --content-type: expected one argument");
    expect(usageError("--content-type", "text/plain\r\nX-Evil: 1")).toBe("argument --content-type: value contains CR or LF");
  });

  test("-H NAME VALUE is repeatable and keeps the order", () => {
    expect(opts("-H", "X-Frame-Options", "DENY", "--header", "Cache-Control", "no-store", "-H", "X-A", "").headers).toEqual([
      ["X-Frame-Options", "DENY"],
      ["Cache-Control", "no-store"],
      ["X-A", ""],
    ]);
  });

  test("-H also takes curl's one-argument form NAME: VALUE", () => {
    expect(opts("-H", "X-Test: a b", "8080")).toMatchObject({ headers: [["X-Test", "a b"]], port: 8080 });
    expect(opts("-H", "X-Empty:").headers).toEqual([["X-Empty", ""]]);
  });

  test("a header value with CR or LF is a usage error (no response splitting)", () => {
    expect(usageError("-H", "X-A", "1\r\nSet-Cookie: a=b")).toBe("argument -H/--header: value contains CR or LF");
    expect(usageError("-H", "X-A", "1\nb")).toBe("argument -H/--header: value contains CR or LF");
    expect(usageError("-H", "X-A", "a\u0000b")).toBe("argument -H/--header: value contains control characters");
    expect(usageError("-H", "X-A: 1\r\nX-B: 2")).toBe("argument -H/--header: value contains CR or LF");
  });

  test("a header name must be a token; NAME without VALUE is an error", () => {
    expect(usageError("-H", "Bad Name", "x")).toBe("argument -H/--header: invalid header name: 'Bad Name'");
    expect(usageError("-H", "X-A")).toBe("argument -H/--header: expected 2 arguments");
    expect(usageError("-H")).toBe("argument -H/--header: expected 2 arguments");
    expect(usageError("-H", "X-A", "--quiet")).toBe("argument -H/--header: expected 2 arguments");
  });
});

describe("parser: the handler's options", () => {
  test("--cors alone is *, and does not eat the port that follows", () => {
    expect(opts("--cors").cors).toBe("*");
    expect(opts("--cors", "8080")).toMatchObject({ cors: "*", port: 8080 });
    expect(opts("8080", "--cors")).toMatchObject({ cors: "*", port: 8080 });
    expect(opts("--cors", "-b", "::1")).toMatchObject({ cors: "*", bind: "::1" });
  });

  test("--cors ORIGIN, --cors=ORIGIN", () => {
    expect(opts("--cors", "https://example.com", "9000")).toMatchObject({ cors: "https://example.com", port: 9000 });
    expect(opts("--cors=https://example.com:8443").cors).toBe("https://example.com:8443");
    expect(opts("--cors", "*").cors).toBe("*");
    expect(opts("--cors", "null").cors).toBe("null");
    // A trailing slash is not part of an origin: the serialized origin is kept.
    expect(opts("--cors=https://Example.com/").cors).toBe("https://example.com");
    expect(usageError("--cors=https://example.com/path")).toMatch(/^argument --cors: invalid origin: 'https:\/\/example\.com\/path'/);
    expect(usageError("--cors=example.com")).toMatch(/^argument --cors: invalid origin/);
  });

  test("--cache-control VALUE", () => {
    expect(opts("--cache-control", "max-age=60").cacheControl).toBe("max-age=60");
    expect(usageError("--cache-control", "a\rb")).toBe("argument --cache-control: value contains CR or LF");
  });

  test("--spa [FILE]: index.html by default, never a number (the port) or an option", () => {
    expect(opts("--spa").spa).toBe("index.html");
    expect(opts("--spa", "app.html").spa).toBe("app.html");
    expect(opts("--spa", "3000")).toMatchObject({ spa: "index.html", port: 3000 });
    expect(opts("--spa", "--quiet")).toMatchObject({ spa: "index.html", quiet: true });
    expect(opts("--spa=dist/shell.html").spa).toBe("dist/shell.html");
    expect(usageError("--spa=../outside.html")).toMatch(/^argument --spa: FILE must name a file inside the served directory/);
  });

  test("--no-listing, --no-precompressed, --upload, --quiet", () => {
    expect(opts("--no-listing", "--no-precompressed", "--upload", "--quiet")).toEqual({ ...DEFAULTS, listing: false, precompressed: false, upload: true, quiet: true });
    expect(usageError("--upload=yes")).toBe("argument --upload: ignored explicit argument 'yes'");
  });

  test("--dotfiles and --symlinks take their choices only", () => {
    for (const v of ["ignore", "deny", "allow"] as const) expect(opts("--dotfiles", v).dotfiles).toBe(v);
    for (const v of ["inside", "follow", "deny"] as const) expect(opts("--symlinks", v).symlinks).toBe(v);
    expect(usageError("--dotfiles", "show")).toBe("argument --dotfiles: invalid choice: 'show' (choose from ignore, deny, allow)");
    expect(usageError("--symlinks=all")).toBe("argument --symlinks: invalid choice: 'all' (choose from inside, follow, deny)");
    expect(usageError("--dotfiles")).toBe("argument --dotfiles: expected one argument");
  });

  test("--max-upload-size BYTES (K, M, G suffixes) needs --upload", () => {
    expect(opts("--upload", "--max-upload-size", "1000").maxUploadSize).toBe(1000);
    expect(opts("--upload", "--max-upload-size=64K").maxUploadSize).toBe(64 * 1024);
    expect(opts("--upload", "--max-upload-size", "500m").maxUploadSize).toBe(500 * 1024 ** 2);
    expect(opts("--upload", "--max-upload-size", "2G").maxUploadSize).toBe(2 * 1024 ** 3);
    expect(usageError("--upload", "--max-upload-size", "lots")).toBe("argument --max-upload-size: invalid size: 'lots' (bytes, or with K, M or G)");
    expect(usageError("--max-upload-size", "1000")).toBe("--max-upload-size requires --upload");
  });

  test("--version", () => {
    expect(parseCommandLine(["--version"])).toEqual({ action: "version" });
  });
});

describe("parser: argparse's conventions", () => {
  test("bad ports: not an int, out of range, negative", () => {
    expect(usageError("abc")).toBe("argument port: invalid int value: 'abc'");
    expect(usageError("80.5")).toBe("argument port: invalid int value: '80.5'");
    expect(usageError("65536")).toBe("argument port: 65536 is not in range 0-65535");
    expect(usageError("-1")).toBe("argument port: invalid int value: '-1'");
  });

  test("a second positional is unrecognized", () => {
    expect(usageError("8000", "8001")).toBe("unrecognized arguments: 8001");
  });

  test("-bVALUE, -b=VALUE, --bind=VALUE", () => {
    expect(opts("-b127.0.0.1").bind).toBe("127.0.0.1");
    expect(opts("-b=::1").bind).toBe("::1");
    expect(opts("--bind=localhost").bind).toBe("localhost");
    expect(opts("-pHTTP/1.1").protocol).toBe("HTTP/1.1");
  });

  test("an option's value may not look like an option", () => {
    expect(usageError("-b")).toBe("argument -b/--bind: expected one argument");
    expect(usageError("-d", "--quiet")).toBe("argument -d/--directory: expected one argument");
    expect(opts("--directory=--odd").directory).toBe("--odd");
  });

  test("unique prefixes of long options, as argparse's allow_abbrev", () => {
    expect(opts("--dir", "/srv", "--prot", "HTTP/1.1", "--qui")).toMatchObject({ directory: "/srv", protocol: "HTTP/1.1", quiet: true });
    expect(opts("--tls-c=c.pem").tlsCert).toBe("c.pem");
    expect(usageError("--tls", "x")).toBe("ambiguous option: --tls could match --tls-cert, --tls-key, --tls-password-file");
    expect(usageError("--no-", "x")).toBe("ambiguous option: --no- could match --no-listing, --no-precompressed");
  });

  test("-- ends the options", () => {
    expect(opts("--quiet", "--", "8080")).toMatchObject({ port: 8080, quiet: true });
    expect(usageError("--", "--quiet")).toBe("argument port: invalid int value: '--quiet'");
  });

  test("options may follow the port; the last of a repeated option wins", () => {
    expect(opts("9000", "-b", "127.0.0.1", "-b", "::1", "--dotfiles", "deny", "--dotfiles", "allow")).toMatchObject({ port: 9000, bind: "::1", dotfiles: "allow" });
  });

  test("usage is argparse's: every flag, wrapped under 80 columns", () => {
    const text = usage();
    for (const line of text.trimEnd().split("\n")) expect(line.length).toBeLessThan(80);
    expect(text.startsWith("usage: simplehttpserver [-h] [--version] [-b ADDRESS] [-d DIRECTORY]\n")).toBe(true);
    const flat = text.replace(/\s+/g, " ");
    for (const part of ["[--tls-password-file PATH]", "[-H NAME VALUE]", "[--cors [ORIGIN]]", "[--spa [FILE]]", "[--dotfiles {ignore,deny,allow}]", "[--quiet] [port]"]) {
      expect(flat).toContain(part);
    }
    expect(formatUsageError(new UsageError("unrecognized arguments: -x"))).toBe(`${text}simplehttpserver: error: unrecognized arguments: -x\n`);
  });

  test("help lists every option with its default", () => {
    const text = helpText();
    for (const line of text.trimEnd().split("\n")) expect(line.length).toBeLessThan(80);
    for (const flag of ["-b, --bind ADDRESS", "-d, --directory DIRECTORY", "-p, --protocol VERSION", "--tls-cert PATH", "--tls-key PATH", "--tls-password-file PATH", "--content-type TYPE", "-H, --header NAME VALUE", "--cors [ORIGIN]", "--cache-control VALUE", "--spa [FILE]", "--no-listing", "--dotfiles {ignore,deny,allow}", "--symlinks {inside,follow,deny}", "--no-precompressed", "--upload", "--max-upload-size BYTES", "--quiet", "--version", "-h, --help"]) {
      expect(text).toContain(`  ${flag}`);
    }
    expect(text).toContain("(default: 8000)");
    expect(text).toContain("(default: HTTP/1.0)");
  });
});

// ---------------------------------------------------------------------------------------------
// Commands built on simplehttpserver's: a CommandSpec with its own name, flags and handler.

interface GreeterOptions {
  serverName: string;
  shout: boolean;
  tags: string[];
}

const GREETER_FLAGS: ReadonlyArray<CLIFlag<GreeterOptions>> = [
  {
    flags: ["--server-name"],
    metavar: "NAME",
    help: "Server header of the answers (default: Greeter/1.0)",
    apply(o, value) {
      if (!/^[\x21-\x7e]+$/.test(value!)) throw new UsageError(`argument --server-name: invalid name: '${value}'`);
      o.serverName = value!;
    },
  },
  { flags: ["-S", "--shout"], help: "shout", apply: (o) => (o.shout = true) },
  { flags: ["--tag"], metavar: "TAG", help: "a tag; repeatable", apply: (o, value) => o.tags.push(value!) },
];

const GREETER: CommandSpec<GreeterOptions> = {
  prog: "greeter",
  version: "9.9.9",
  description: "Greet over HTTP.",
  flags: GREETER_FLAGS,
  defaults: () => ({ serverName: "Greeter/1.0", shout: false, tags: [] }),
  validate(o) {
    if (o.shout && o.quiet) throw new UsageError("--shout and --quiet do not go together");
  },
};

function greeterOpts(...argv: string[]): CLIOptions & GreeterOptions {
  const parsed = parseCommandLine(argv, GREETER);
  if (parsed.action !== "serve") throw new Error(`expected serve, got ${parsed.action}`);
  return parsed.options;
}

function greeterError(...argv: string[]): string {
  try {
    parseCommandLine(argv, GREETER);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as UsageError).message;
  }
  throw new Error(`no usage error for ${JSON.stringify(argv)}`);
}

/** A CLIStreams that keeps what is written. */
function memoryStreams(): { stdout: { text: string; write(t: string): void }; stderr: { text: string; write(t: string): void } } {
  const stream = () => ({
    text: "",
    write(t: string) {
      this.text += t;
    },
  });
  return { stdout: stream(), stderr: stream() };
}

describe("CommandSpec: a command built on simplehttpserver's", () => {
  test("the added options get their defaults; the built-in ones keep theirs", () => {
    expect(greeterOpts()).toEqual({ ...DEFAULTS, serverName: "Greeter/1.0", shout: false, tags: [] });
    expect(defaultOptions(GREETER)).toEqual(greeterOpts());
    // A new object each time: a repeatable flag does not leak into the next parse.
    greeterOpts("--tag", "a");
    expect(greeterOpts().tags).toEqual([]);
  });

  test("added flags are parsed as the built-in ones: values, =, short forms, prefixes, repeats", () => {
    expect(greeterOpts("--server-name", "G/2", "-S", "--tag", "a", "--tag=b", "8080", "-b", "127.0.0.1")).toEqual({
      ...DEFAULTS,
      port: 8080,
      bind: "127.0.0.1",
      serverName: "G/2",
      shout: true,
      tags: ["a", "b"],
    });
    expect(greeterOpts("--server-n=X", "--sh").serverName).toBe("X");
    expect(greeterOpts("--sh").shout).toBe(true);
    expect(greeterError("--s", "x")).toBe("ambiguous option: --s could match --spa, --symlinks, --server-name, --shout");
  });

  test("bad values of added flags are usage errors, with argparse's messages for missing ones", () => {
    expect(greeterError("--server-name", "two words")).toBe("argument --server-name: invalid name: 'two words'");
    expect(greeterError("--server-name")).toBe("argument --server-name: expected one argument");
    expect(greeterError("--tag", "--shout")).toBe("argument --tag: expected one argument");
    expect(greeterError("--shout=yes")).toBe("argument -S/--shout: ignored explicit argument 'yes'");
    expect(greeterError("--nope")).toBe("unrecognized arguments: --nope");
  });

  test("validate runs once everything is parsed", () => {
    expect(greeterError("-S", "--quiet")).toBe("--shout and --quiet do not go together");
    expect(greeterError("--quiet", "-S")).toBe("--shout and --quiet do not go together");
  });

  test("the flags are unknown to simplehttpserver itself", () => {
    expect(usageError("--shout")).toBe("unrecognized arguments: --shout");
  });

  test("usage and errors carry the command's name; the added flags come after the built-in ones", () => {
    const text = usage(GREETER);
    expect(text.startsWith("usage: greeter [-h] [--version] [-b ADDRESS]")).toBe(true);
    for (const line of text.trimEnd().split("\n")) expect(line.length).toBeLessThan(80);
    expect(text.replace(/\s+/g, " ")).toContain("[--quiet] [--server-name NAME] [-S] [--tag TAG] [port]");
    expect(formatUsageError(new UsageError("unrecognized arguments: -x"), GREETER)).toBe(`${text}greeter: error: unrecognized arguments: -x\n`);
  });

  test("help: the description, the added flags under their title or with the others, the epilog", () => {
    const plain = helpText(GREETER);
    expect(plain).toContain("\nGreet over HTTP.\n");
    expect(plain).toMatch(/ {2}--quiet {15}do not log requests\n {2}--server-name NAME {4}Server header of the answers \(default: Greeter\/1\.0\)\n {2}-S, --shout/);
    const titled = helpText({ ...GREETER, flagsTitle: "greeting options", epilog: "Example: greeter --shout 8080" });
    expect(titled).toContain("  --quiet               do not log requests\n\ngreeting options:\n  --server-name NAME    ");
    expect(titled.endsWith("  --tag TAG             a tag; repeatable\n\nExample: greeter --shout 8080\n")).toBe(true);
    for (const line of titled.trimEnd().split("\n")) expect(line.length).toBeLessThan(80);
    // simplehttpserver's own help is unchanged by the option.
    expect(helpText()).toContain("\nServe the files of a directory over HTTP or HTTPS (Python's http.server).\n");
  });

  test("a flag spelled like a built-in one, or twice, is a programming error", () => {
    const twice: CommandSpec<object> = { prog: "bad", version: "0", flags: [{ flags: ["-b"], help: "x", apply() {} }] };
    expect(() => parseCommandLine([], twice)).toThrow(new TypeError("bad: flag '-b' is defined twice"));
    const odd: CommandSpec<object> = { prog: "bad", version: "0", flags: [{ flags: ["-long"], help: "x", apply() {} }] };
    expect(() => usage(odd)).toThrow(new TypeError("bad: invalid flag spelling '-long'"));
  });

  test("runCommand: --help, --version and usage errors with the command's name and status", async () => {
    let io = memoryStreams();
    expect(await runCommand(GREETER, ["--help"], io)).toBe(0);
    expect(io.stdout.text).toBe(helpText(GREETER));
    expect(io.stderr.text).toBe("");
    io = memoryStreams();
    expect(await runCommand(GREETER, ["--version"], io)).toBe(0);
    expect(io.stdout.text).toBe("greeter 9.9.9\n");
    io = memoryStreams();
    expect(await runCommand(GREETER, ["--server-name", "a b"], io)).toBe(2);
    expect(io.stdout.text).toBe("");
    expect(io.stderr.text).toBe(`${usage(GREETER)}greeter: error: argument --server-name: invalid name: 'a b'\n`);
    io = memoryStreams();
    expect(await runCommand(GREETER, ["-d", "/no/such/dir/here"], io)).toBe(2);
    expect(io.stderr.text).toMatch(/greeter: error: argument -d\/--directory: no such directory: '\/no\/such\/dir\/here'\n$/);
  });
});

describe("checkFiles: what the file system says", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "shs-cli-check-"));
    writeFileSync(path.join(dir, "file.txt"), "x");
    writeFileSync(path.join(dir, "password"), "  somepass \n");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("the directory is resolved against the working directory; default: the working directory", () => {
    expect(checkFiles(DEFAULTS, dir)).toEqual({ directory: dir, tlsPassword: undefined });
    expect(checkFiles({ ...DEFAULTS, directory: ".." }, path.join(dir, "sub"))).toEqual({ directory: dir, tlsPassword: undefined });
  });

  test("a missing directory, or a file, is a usage error", () => {
    expect(() => checkFiles({ ...DEFAULTS, directory: "nope" }, dir)).toThrow(new UsageError("argument -d/--directory: no such directory: 'nope'"));
    expect(() => checkFiles({ ...DEFAULTS, directory: "file.txt" }, dir)).toThrow(new UsageError("argument -d/--directory: not a directory: 'file.txt'"));
  });

  test("the password file's content is the passphrase, stripped (as CPython)", () => {
    expect(checkFiles({ ...DEFAULTS, tlsCert: "file.txt", tlsPasswordFile: "password" }, dir).tlsPassword).toBe("somepass");
  });

  // cpython test_httpservers: CommandLineTestCase.test_invalid_password_file
  test("test_invalid_password_file", () => {
    expect(() => checkFiles({ ...DEFAULTS, tlsCert: "file.txt", tlsPasswordFile: "non_existent_file" }, dir)).toThrow(
      new UsageError("Failed to read TLS password file: No such file or directory"),
    );
  });

  test("unreadable TLS files are usage errors", () => {
    expect(() => checkFiles({ ...DEFAULTS, tlsCert: "missing.pem" }, dir)).toThrow(new UsageError("argument --tls-cert: can't open 'missing.pem': No such file or directory"));
    expect(() => checkFiles({ ...DEFAULTS, tlsCert: "file.txt", tlsKey: "." }, dir)).toThrow(new UsageError("argument --tls-key: can't open '.': Is a directory"));
  });
});

// ---------------------------------------------------------------------------------------------
// The bin, end to end.

interface Running {
  child: ChildProcessWithoutNullStreams;
  line: string;
  port: number;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<Running>();

/** Start `node dist/cli.js ...args` (or another bin) in `cwd`; resolves with its first stdout line (CPython's "Serving ..." line). */
function startCli(args: string[], cwd: string, bin = CLI): Promise<Running> {
  const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const nl = out.indexOf("\n");
      if (nl < 0) return;
      const line = out.slice(0, nl);
      const port = Number(/ port (\d+) /.exec(line)?.[1]);
      const r: Running = { child, line, port, stdout: () => out, stderr: () => err, exited };
      running.add(r);
      resolve(r);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    void exited.then(({ code }) => reject(new Error(`exited ${code} before serving; stderr: ${err}`)));
  });
}

/** Send `signal` and wait for the exit; returns the exit status and what was printed. */
async function stopCli(r: Running, signal: NodeJS.Signals = "SIGTERM"): Promise<{ code: number | null; stdout: string; stderr: string }> {
  r.child.kill(signal);
  const { code } = await r.exited;
  running.delete(r);
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}

/** Run the command to its end (for the ones that do not serve). */
function runCli(args: string[], cwd = PKG): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", timeout: 20000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** curl's stdout (binary-safe), rejecting when curl fails. */
function curl(...args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile("curl", ["-sS", "--max-time", "20", ...args], { encoding: "buffer", timeout: 25000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`curl ${args.join(" ")}: ${err.message} ${stderr.toString()}`));
      else resolve(stdout);
    });
  });
}

/** A response's head (`curl -i`), field names lower-cased. */
async function head(...args: string[]): Promise<{ status: number; headers: Map<string, string>; body: string }> {
  const raw = (await curl("-i", ...args)).toString("latin1");
  const end = raw.indexOf("\r\n\r\n");
  const lines = raw.slice(0, end).split("\r\n");
  const headers = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const c = l.indexOf(":");
    headers.set(l.slice(0, c).toLowerCase(), l.slice(c + 1).trim());
  }
  return { status: Number(lines[0].split(" ")[1]), headers, body: raw.slice(end + 4) };
}

describe("the bin, end to end", () => {
  let root: string;
  const served = randomBytes(32);

  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm --filter @stdhttp/simplehttpserver build\` first`);
    root = mkdtempSync(path.join(tmpdir(), "shs-cli-"));
    writeFileSync(path.join(root, "served_filename"), served);
    writeFileSync(path.join(root, "data.unknownext"), "plain data\n");
    writeFileSync(path.join(root, "index.html"), "<!doctype html><title>app shell</title>\n");
    mkdirSync(path.join(root, "empty"));
    // CPython's certdata has a ready pair; here: throw-away ones, one with an encrypted key.
    const openssl = (...args: string[]): void => {
      const r = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-subj", "/CN=localhost", "-days", "1", ...args], { cwd: root, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
    };
    openssl("-nodes", "-keyout", "key.pem", "-out", "cert.pem");
    openssl("-passout", "pass:somepass", "-keyout", "ssl_key.pem", "-out", "ssl_cert.pem");
    writeFileSync(path.join(root, "ssl_key_password"), "somepass");
  });

  afterEach(async () => {
    for (const r of [...running]) await stopCli(r, "SIGKILL");
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  // cpython test_httpservers: CommandLineRunTimeTestCase.test_http_client
  test("test_http_client: CPython's line, then the file, with the request logged in CPython's format", async () => {
    const r = await startCli(["0", "-b", "127.0.0.1"], root);
    expect(r.line).toMatch(/^Serving HTTP on 127\.0\.0\.1 port \d+ \(http:\/\/127\.0\.0\.1:\d+\/\) \.\.\.$/);
    expect(r.port).toBeGreaterThan(0);
    expect(r.line).toBe(`Serving HTTP on 127.0.0.1 port ${r.port} (http://127.0.0.1:${r.port}/) ...`);
    expect(await curl(`http://127.0.0.1:${r.port}/served_filename`)).toEqual(served);
    const { code, stderr } = await stopCli(r);
    expect(code).toBe(0);
    expect(stderr).toMatch(/^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4} \d\d:\d\d:\d\d\] "GET \/served_filename HTTP\/1\.1" 200 -\n$/);
  });

  // cpython test_httpservers: CommandLineRunTimeTestCase.test_https_client
  test("test_https_client: --tls-cert, --tls-key, --tls-password-file", async () => {
    const r = await startCli(["0", "-b", "127.0.0.1", "--tls-cert", "ssl_cert.pem", "--tls-key", "ssl_key.pem", "--tls-password-file", "ssl_key_password"], root);
    expect(r.line).toBe(`Serving HTTPS on 127.0.0.1 port ${r.port} (https://127.0.0.1:${r.port}/) ...`);
    expect(await curl("-k", `https://127.0.0.1:${r.port}/served_filename`)).toEqual(served);
    expect((await stopCli(r)).code).toBe(0);
  });

  test("TLS with an unencrypted key; the plain HTTP port answer is nginx's 400", async () => {
    const r = await startCli(["-b", "127.0.0.1", "--tls-cert", "cert.pem", "--tls-key", "key.pem", "0"], root);
    expect(r.line.startsWith("Serving HTTPS on 127.0.0.1 port ")).toBe(true);
    expect((await head("-k", `https://127.0.0.1:${r.port}/data.unknownext`)).status).toBe(200);
    expect((await head(`http://127.0.0.1:${r.port}/`)).status).toBe(400);
  });

  test("a wrong key passphrase fails the start (exit 1)", () => {
    writeFileSync(path.join(root, "wrong_password"), "wrong");
    const r = runCli(["0", "-b", "127.0.0.1", "--tls-cert", "ssl_cert.pem", "--tls-key", "ssl_key.pem", "--tls-password-file", "wrong_password"], root);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^simplehttpserver: error: cannot use the TLS certificate and key: /);
    expect(r.stdout).toBe("");
  });

  test("all interfaces by default: dual-stack `::` (IPv4 clients too), as CPython's DualStackServer", async () => {
    const r = await startCli(["0"], root);
    // `::` where the machine has IPv6, else 0.0.0.0.
    if (r.line.startsWith("Serving HTTP on :: ")) {
      expect(r.line).toBe(`Serving HTTP on :: port ${r.port} (http://[::]:${r.port}/) ...`);
      expect(await curl("-g", `http://[::1]:${r.port}/served_filename`)).toEqual(served);
    } else {
      expect(r.line).toBe(`Serving HTTP on 0.0.0.0 port ${r.port} (http://0.0.0.0:${r.port}/) ...`);
    }
    expect(await curl(`http://127.0.0.1:${r.port}/served_filename`)).toEqual(served);
  });

  test("-b ::1: an IPv6 host is bracketed in the URL", async () => {
    let r: Running;
    try {
      r = await startCli(["0", "-b", "::1"], root);
    } catch {
      return; // no IPv6 loopback on this machine
    }
    expect(r.line).toBe(`Serving HTTP on ::1 port ${r.port} (http://[::1]:${r.port}/) ...`);
    expect(await curl("-g", `http://[::1]:${r.port}/served_filename`)).toEqual(served);
  });

  test("-p HTTP/1.1 keeps the connection alive: two requests on one connection", async () => {
    const r = await startCli(["0", "-b", "127.0.0.1", "-p", "HTTP/1.1"], root);
    const url = `http://127.0.0.1:${r.port}/served_filename`;
    // %{num_connects}: connections curl opened for each transfer (0 = reused).
    const out = await curl("-o", "/dev/null", "-o", "/dev/null", "-w", "%{num_connects} %{http_version}\n", url, url);
    expect(out.toString()).toBe("1 1.1\n0 1.1\n");
  });

  test("the default HTTP/1.0 closes after each answer, as CPython", async () => {
    const r = await startCli(["0", "-b", "127.0.0.1"], root);
    const url = `http://127.0.0.1:${r.port}/served_filename`;
    const out = await curl("-o", "/dev/null", "-o", "/dev/null", "-w", "%{num_connects} %{http_version}\n", url, url);
    expect(out.toString()).toBe("1 1\n1 1\n"); // curl writes HTTP/1.0 as "1"
  });

  test("-H NAME VALUE (twice) and -H 'NAME: VALUE' are on every answer, errors included", async () => {
    const r = await startCli(["-b", "127.0.0.1", "-H", "X-Frame-Options", "DENY", "--header", "X-Custom: two words", "0"], root);
    for (const p of ["/served_filename", "/nope"]) {
      const res = await head(`http://127.0.0.1:${r.port}${p}`);
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("x-custom")).toBe("two words");
    }
  });

  test("--content-type is the type of files whose type cannot be guessed", async () => {
    const plain = await startCli(["0", "-b", "127.0.0.1"], root);
    expect((await head(`http://127.0.0.1:${plain.port}/data.unknownext`)).headers.get("content-type")).toBe("application/octet-stream");
    const r = await startCli(["0", "-b", "127.0.0.1", "--content-type", "text/plain; charset=utf-8"], root);
    const res = await head(`http://127.0.0.1:${r.port}/data.unknownext`);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.body).toBe("plain data\n");
    // Known types are unchanged.
    expect((await head(`http://127.0.0.1:${r.port}/index.html`)).headers.get("content-type")).toMatch(/^text\/html/);
  });

  test("--cors: Access-Control-Allow-Origin on answers, OPTIONS preflights answered", async () => {
    const r = await startCli(["0", "--cors", "-b", "127.0.0.1"], root);
    expect((await head(`http://127.0.0.1:${r.port}/served_filename`)).headers.get("access-control-allow-origin")).toBe("*");
    const pre = await head("-X", "OPTIONS", "-H", "Origin: https://a.example", "-H", "Access-Control-Request-Method: GET", `http://127.0.0.1:${r.port}/served_filename`);
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-methods")).toBe("GET, HEAD");
    const one = await startCli(["0", "-b", "127.0.0.1", "--cors=https://app.example"], root);
    const res = await head(`http://127.0.0.1:${one.port}/served_filename`);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(res.headers.get("vary")).toBe("Origin");
  });

  test("-d DIRECTORY, --no-listing, --spa, --cache-control, --dotfiles deny", async () => {
    writeFileSync(path.join(root, ".secret"), "s");
    const cwd = mkdtempSync(path.join(tmpdir(), "shs-cli-cwd-"));
    try {
      const r = await startCli(["0", "-b", "127.0.0.1", "-d", root, "--no-listing", "--spa", "--cache-control", "max-age=60", "--dotfiles", "deny"], cwd);
      const base = `http://127.0.0.1:${r.port}`;
      expect(await curl(`${base}/served_filename`)).toEqual(served);
      expect((await head(`${base}/served_filename`)).headers.get("cache-control")).toBe("max-age=60");
      expect((await head(`${base}/empty/`)).status).toBe(404);
      const spa = await head(`${base}/some/client/route`);
      expect(spa.status).toBe(200);
      expect(spa.body).toContain("app shell");
      expect((await head(`${base}/missing.js`)).status).toBe(404);
      expect((await head(`${base}/.secret`)).status).toBe(403);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  test("--no-precompressed, --symlinks deny, --dotfiles allow", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "shs-cli-pre-"));
    try {
      writeFileSync(path.join(dir, "app.js"), "plain();\n");
      writeFileSync(path.join(dir, "app.js.gz"), gzipSync("plain();\n"));
      writeFileSync(path.join(dir, ".env"), "A=1\n");
      symlinkSync(path.join(dir, "app.js"), path.join(dir, "link.js"));
      const gz = ["-H", "Accept-Encoding: gzip"];
      const byDefault = await startCli(["0", "-b", "127.0.0.1", "-d", dir], root);
      const base = `http://127.0.0.1:${byDefault.port}`;
      expect((await head(...gz, `${base}/app.js`)).headers.get("content-encoding")).toBe("gzip");
      expect((await head(`${base}/link.js`)).status).toBe(200);
      expect((await head(`${base}/.env`)).status).toBe(404);
      const r = await startCli(["0", "-b", "127.0.0.1", "-d", dir, "--no-precompressed", "--symlinks", "deny", "--dotfiles", "allow"], root);
      const other = `http://127.0.0.1:${r.port}`;
      const res = await head(...gz, `${other}/app.js`);
      expect(res.headers.has("content-encoding")).toBe(false);
      expect(res.body).toBe("plain();\n");
      expect((await head(`${other}/link.js`)).status).toBe(403);
      expect((await head(`${other}/.env`)).body).toBe("A=1\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("--upload stores PUT bodies; --max-upload-size refuses larger ones with 413", async () => {
    const r = await startCli(["0", "-b", "127.0.0.1", "--upload", "--max-upload-size", "100"], root);
    const base = `http://127.0.0.1:${r.port}`;
    const put = await head("-X", "PUT", "--data-binary", "uploaded!", `${base}/up.txt`);
    expect(put.status).toBe(201);
    expect((await curl(`${base}/up.txt`)).toString()).toBe("uploaded!");
    expect((await head("-X", "PUT", "--data-binary", "x".repeat(101), `${base}/big.txt`)).status).toBe(413);
    expect(existsSync(path.join(root, "big.txt"))).toBe(false);
    const plain = await startCli(["0", "-b", "127.0.0.1"], root);
    expect((await head("-X", "PUT", "--data-binary", "x", `http://127.0.0.1:${plain.port}/up2.txt`)).status).toBe(501);
  });

  test("--quiet: nothing on stderr for requests", async () => {
    const r = await startCli(["0", "-b", "127.0.0.1", "--quiet"], root);
    await curl(`http://127.0.0.1:${r.port}/served_filename`);
    expect((await head(`http://127.0.0.1:${r.port}/nope`)).status).toBe(404);
    const { code, stderr } = await stopCli(r);
    expect(code).toBe(0);
    expect(stderr).toBe("");
  });

  test("SIGINT: CPython's message, a graceful shutdown, exit 0", async () => {
    const r = await startCli(["0", "-b", "127.0.0.1"], root);
    await curl(`http://127.0.0.1:${r.port}/served_filename`);
    const { code, stdout } = await stopCli(r, "SIGINT");
    expect(code).toBe(0);
    expect(stdout).toBe(`${r.line}\n\nKeyboard interrupt received, exiting.\n`);
  });

  test("SIGINT lets a download in progress finish (graceful shutdown)", async () => {
    const big = randomBytes(16 * 1024 * 1024);
    writeFileSync(path.join(root, "big.bin"), big);
    const r = await startCli(["0", "-b", "127.0.0.1"], root);
    const chunks: Buffer[] = [];
    const done = new Promise<Buffer>((resolve, reject) => {
      const req = get({ host: "127.0.0.1", port: r.port, path: "/big.bin", agent: false }, (res) => {
        res.once("data", (first: Buffer) => {
          chunks.push(first);
          // Stop reading: the server is now held by backpressure in the middle of the file.
          res.pause();
          r.child.kill("SIGINT");
          r.child.stdout.on("data", () => {
            if (r.stdout().includes("Keyboard interrupt received")) res.resume();
          });
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.once("end", () => resolve(Buffer.concat(chunks)));
        });
        res.once("error", reject);
      });
      req.once("error", reject);
    });
    expect((await done).equals(big)).toBe(true);
    const { code } = await r.exited;
    running.delete(r);
    expect(code).toBe(0);
  });

  test("SIGTERM: the same shutdown without the message", async () => {
    const r = await startCli(["0", "-b", "127.0.0.1", "-p", "HTTP/1.1"], root);
    const { code, stdout } = await stopCli(r, "SIGTERM");
    expect(code).toBe(0);
    expect(stdout).toBe(`${r.line}\n`);
  });

  test("a port in use fails the start (exit 1)", async () => {
    const first = await startCli(["0", "-b", "127.0.0.1"], root);
    const r = runCli([String(first.port), "-b", "127.0.0.1"], root);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^simplehttpserver: error: .*EADDRINUSE/);
  });

  // cpython test_httpservers: CommandLineTestCase.test_unknown_flag (and the other usage errors)
  test.each([
    [["--unknown-flag"], "unrecognized arguments: --unknown-flag"],
    [["abc"], "argument port: invalid int value: 'abc'"],
    [["70000"], "argument port: 70000 is not in range 0-65535"],
    [["-d", "/no/such/dir/here"], "argument -d/--directory: no such directory: '/no/such/dir/here'"],
    [["--dotfiles", "show"], "argument --dotfiles: invalid choice: 'show' (choose from ignore, deny, allow)"],
    [["-H", "X-A", "a\r\nb"], "argument -H/--header: value contains CR or LF"],
    [["--tls-key", "key.pem"], "--tls-key requires --tls-cert to be set"],
    [["--tls-cert", "cert.pem", "--tls-password-file", "non_existent_file"], "Failed to read TLS password file: No such file or directory"],
  ])("usage error %j: usage and the error on stderr, nothing on stdout, exit 2", (args, message) => {
    const r = runCli(args, root);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`${usage()}simplehttpserver: error: ${message}\n`);
  });

  // cpython test_httpservers: CommandLineTestCase.test_help_flag
  test("test_help_flag: usage on stdout, nothing on stderr, exit 0", () => {
    for (const flag of ["-h", "--help"]) {
      const r = runCli([flag]);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(helpText());
      expect(r.stderr).toBe("");
    }
  });

  test("--version prints the package's version", () => {
    const r = runCli(["--version"]);
    expect(r).toEqual({ status: 0, stdout: `simplehttpserver ${VERSION}\n`, stderr: "" });
  });

  test("npx-style: `node packages/simplehttpserver/dist/cli.js --help` from the repository root", () => {
    const r = spawnSync(process.execPath, ["packages/simplehttpserver/dist/cli.js", "--help"], { cwd: REPO, encoding: "utf8", timeout: 20000 });
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith("usage: simplehttpserver ")).toBe(true);
  });

  test("run through a symlink by its shebang, as node_modules/.bin/simplehttpserver", () => {
    const bin = mkdtempSync(path.join(tmpdir(), "shs-cli-bin-"));
    try {
      symlinkSync(CLI, path.join(bin, "simplehttpserver"));
      const r = spawnSync(path.join(bin, "simplehttpserver"), ["--version"], { encoding: "utf8", timeout: 20000 });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`simplehttpserver ${VERSION}\n`);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  test("a command built with runIfMain(import.meta.url, spec): its flags, its handler, the same line, signals and exits", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "shs-cli-greeter-"));
    try {
      const bin = path.join(dir, "greeter.mjs");
      const dist = (file: string): string => JSON.stringify(pathToFileURL(path.join(PKG, "dist", file)).href);
      writeFileSync(
        bin,
        `import { runIfMain } from ${dist("cli-server.js")};\n` +
          `import { SimpleHTTPRequestHandler } from ${dist("handler.js")};\n` +
          "runIfMain(import.meta.url, {\n" +
          '  prog: "greeter", version: "9.9.9",\n' +
          '  flags: [{ flags: ["--server-name"], metavar: "NAME", help: "Server header", apply: (o, v) => { o.serverName = v; } }],\n' +
          '  defaults: () => ({ serverName: "Greeter/1.0" }),\n' +
          "  handlerFor: (o) => SimpleHTTPRequestHandler.withOptions({ serverVersion: o.serverName }),\n" +
          "});\n",
      );
      expect(spawnSync(process.execPath, [bin, "--version"], { encoding: "utf8", timeout: 20000 }).stdout).toBe("greeter 9.9.9\n");
      const bad = spawnSync(process.execPath, [bin, "--server-name"], { encoding: "utf8", timeout: 20000 });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/^usage: greeter \[-h\][^]*\ngreeter: error: argument --server-name: expected one argument\n$/);
      // Imported, not run: nothing happens.
      const imported = spawnSync(process.execPath, ["--input-type=module", "-e", `await import(${JSON.stringify(pathToFileURL(bin).href)}); console.log("imported");`], { encoding: "utf8", timeout: 20000 });
      expect(imported.stdout).toBe("imported\n");

      const r = await startCli(["0", "-b", "127.0.0.1", "--server-name", "Greeter/2.0", "-H", "X-A: 1"], root, bin);
      expect(r.line).toBe(`Serving HTTP on 127.0.0.1 port ${r.port} (http://127.0.0.1:${r.port}/) ...`);
      const res = await head(`http://127.0.0.1:${r.port}/served_filename`);
      expect(res.status).toBe(200);
      expect(res.headers.get("server")).toMatch(/^Greeter\/2\.0 /);
      expect(res.headers.get("x-a")).toBe("1");
      const { code, stdout } = await stopCli(r, "SIGINT");
      expect(code).toBe(0);
      expect(stdout).toBe(`${r.line}\n\nKeyboard interrupt received, exiting.\n`);
      const taken = spawnSync(process.execPath, [bin, String((await startCli(["0", "-b", "127.0.0.1"], root)).port), "-b", "127.0.0.1"], { encoding: "utf8", timeout: 20000 });
      expect(taken.status).toBe(1);
      expect(taken.stderr).toMatch(/^greeter: error: .*EADDRINUSE/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("importing dist/cli.js (not running it as the bin) does not start a server", () => {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", `const m = await import(${JSON.stringify(CLI)}); console.log(typeof m.main);`], { encoding: "utf8", timeout: 20000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("function\n");
  });
});
