/**
 * Running the `ctc` command: arguments and config into settings, the proxy started, the
 * address lines printed (the first one is exactly `ctc: proxy on http://HOST:PORT/`), SIGHUP
 * reloading the lists, and SIGINT / SIGTERM closing the server before exiting 0. A usage error
 * prints the message and the usage to stderr and gives 2; a start-up failure (address in use)
 * gives 1.
 * @module
 */
import { HELP, parseCommandLine, USAGE } from "./args.js";
import { resolveOptions } from "./config.js";
import { Ctc, VERSION, type CtcStreams } from "./ctc.js";
import { UsageError } from "./errors.js";
import type { CtcOptions } from "./options.js";

/** The lines printed once the proxy listens; the first is the contract with scripts and the demo. */
export function startLines(ctc: Ctc): string {
  const url = ctc.url;
  return (
    `ctc: proxy on ${url}\n` +
    `ctc: control page on ${url} (through the proxy: http://ctc.local/)\n` +
    `ctc: browser set-up: HTTP and HTTPS proxy ${url.slice(7, -1)}, or automatic configuration ${url}proxy.pac\n`
  );
}

/**
 * Run the command with `argv` (the arguments after the script). Resolves with the exit status:
 * at once for `--help`, `--version` and errors, after a signal otherwise.
 */
export async function runCtc(argv: readonly string[], io: CtcStreams = process): Promise<number> {
  let options: CtcOptions;
  try {
    const line = parseCommandLine(argv);
    if (line.action === "help") {
      io.stdout.write(HELP);
      return 0;
    }
    if (line.action === "version") {
      io.stdout.write(`ctc ${VERSION}\n`);
      return 0;
    }
    options = resolveOptions(line.flags, line.config);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return usageError(err, io);
  }
  let ctc: Ctc;
  try {
    ctc = await Ctc.start(options, io);
  } catch (err) {
    if (err instanceof UsageError) return usageError(err, io);
    const e = err as NodeJS.ErrnoException;
    const why = e.code === "EADDRINUSE" ? `the address ${options.bind}:${options.port} is already in use` : e.message;
    io.stderr.write(`ctc: error: cannot start: ${why}\n`);
    return 1;
  }
  let signalled = false;
  let stopped!: () => void;
  const stop = new Promise<void>((resolve) => (stopped = resolve));
  const onStop = (signal: NodeJS.Signals): void => {
    // A second signal does not wait for the requests still running.
    if (signalled) process.exit(signal === "SIGINT" ? 130 : 143);
    signalled = true;
    stopped();
  };
  const onReload = (): void => void ctc.reload("SIGHUP");
  process.on("SIGINT", onStop);
  process.on("SIGTERM", onStop);
  process.on("SIGHUP", onReload);
  io.stdout.write(startLines(ctc));
  try {
    await stop;
    await ctc.close();
  } finally {
    process.off("SIGINT", onStop);
    process.off("SIGTERM", onStop);
    process.off("SIGHUP", onReload);
  }
  io.stdout.write("ctc: stopped\n");
  return 0;
}

function usageError(err: UsageError, io: CtcStreams): number {
  io.stderr.write(`ctc: error: ${err.message}\n${USAGE}Try 'ctc --help' for more.\n`);
  return 2;
}
