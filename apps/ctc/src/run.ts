/**
 * Running the `ctc` command: arguments and config into settings, the proxy started (in this
 * process with `--workers 1`, in worker processes otherwise: `cluster/primary.ts`), the
 * address lines printed (the first one is exactly `ctc: proxy on http://HOST:PORT/`), SIGHUP
 * reloading the lists, and SIGINT / SIGTERM closing the server before exiting 0. A usage error
 * prints the message and the usage to stderr and gives 2; a start-up failure (address in use)
 * gives 1. With HTTPS inspection on, the CA is loaded (or created) before the proxy starts (once,
 * in this process, when there are workers), where it is and how to trust it is printed after the
 * address lines, and a proxy bound to a non-loopback address warns on stderr.
 * @module
 */
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { trustInstructions, type LocalCA } from "@stdhttp/proxy-filters";
import { HELP, parseCommandLine, USAGE } from "./args.js";
import { checkListsReadable, Primary, StartFailure } from "./cluster/primary.js";
import { resolveOptions } from "./config.js";
import { Ctc, exposedInspectionWarning, isLoopback, VERSION, type CtcStreams } from "./ctc.js";
import { UsageError } from "./errors.js";
import { loadCA, readOriginCAs } from "./inspection.js";
import { workerCount, type CtcOptions } from "./options.js";

/** `http://host:port/` of an address. */
function urlOf([host, port]: [string, number]): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}/`;
}

/** The lines printed once the proxy listens; the first is the contract with scripts and the demo. */
export function startLines(proxy: { readonly url: string }): string {
  const url = proxy.url;
  return (
    `ctc: proxy on ${url}\n` +
    `ctc: control page on ${url} (through the proxy: http://ctc.local/)\n` +
    `ctc: browser set-up: HTTP and HTTPS proxy ${url.slice(7, -1)}, or automatic configuration ${url}proxy.pac\n`
  );
}

/** What is printed after the address lines when HTTPS inspection is on: the CA and how to trust it. */
export function inspectionLines(ca: LocalCA, proxyUrl: string): string {
  const text = trustInstructions(ca).replaceAll("http://127.0.0.1:PORT", proxyUrl.slice(0, -1));
  return `${text}\n  Download: ${proxyUrl}ca.pem (or http://ctc.local/ca.pem through the proxy)\n`;
}

/** The start-up notices of HTTPS inspection: the CA lines (stdout) and, bound beyond loopback, the warning (stderr). */
function announceInspection(ca: LocalCA | null, options: CtcOptions, url: string, io: CtcStreams): void {
  if (ca === null) return;
  io.stdout.write(inspectionLines(ca, url));
  if (!isLoopback(options.bind)) io.stderr.write(exposedInspectionWarning(options.bind));
}

/**
 * Run the command with `argv` (the arguments after the script). Resolves with the exit status:
 * at once for `--help`, `--version` and errors, after a signal otherwise. With more than one
 * worker (`--workers`, default `auto`) this process becomes their primary: the workers run
 * `dist/cli.js` and write their access logs to this process's stdout, not to `io`.
 */
export async function runCtc(argv: readonly string[], io: CtcStreams = process): Promise<number> {
  let options: CtcOptions;
  let ca: LocalCA | null = null;
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
    if (workerCount(options.workers, availableParallelism()) > 1) {
      options = { ...options, blocklists: options.blocklists.map((p) => resolve(p)) };
      await checkListsReadable(options.blocklists);
      options = { ...options, caDir: resolve(options.caDir), originCa: options.originCa.map((p) => resolve(p)) };
      readOriginCAs(options.originCa);
      // Made here once, before the workers start: they all load this same CA.
      if (options.httpsInspection) ca = await loadCA(options.caDir);
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return usageError(err, io);
  }
  const workers = workerCount(options.workers, availableParallelism());
  if (workers > 1) return runPrimary(options, workers, io, ca);
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
  // A second signal does not wait for the requests still running.
  await serveUntilSignal({
    announce: () => {
      io.stdout.write(startLines(ctc));
      announceInspection(options.httpsInspection ? ctc.inspection.ca : null, options, ctc.url, io);
    },
    reload: () => void ctc.reload("SIGHUP"),
    close: () => ctc.close(),
    abandon: () => ctc.flushLog(),
  });
  io.stdout.write("ctc: stopped\n");
  return 0;
}

/** The command with `workers` worker processes (node:cluster): this process is their primary. */
async function runPrimary(options: CtcOptions, workers: number, io: CtcStreams, ca: LocalCA | null): Promise<number> {
  const primary = new Primary(options, workers, io);
  let address: [string, number];
  // A SIGINT/SIGTERM while the workers start is kept for later: the primary must not die with
  // its workers half started (they would fail writing to it), it stops them once they are up.
  let early: NodeJS.Signals | null = null;
  const onEarly = (signal: NodeJS.Signals): void => {
    early = signal;
  };
  process.on("SIGINT", onEarly);
  process.on("SIGTERM", onEarly);
  try {
    address = await primary.start();
  } catch (err) {
    if (!(err instanceof StartFailure)) throw err;
    if (err.status === 2) return usageError(new UsageError(err.message), io);
    io.stderr.write(`ctc: error: ${err.message}\n`);
    return err.status;
  } finally {
    process.off("SIGINT", onEarly);
    process.off("SIGTERM", onEarly);
  }
  if (early !== null) {
    await primary.stop();
    io.stdout.write("ctc: stopped\n");
    return 0;
  }
  // A second signal does not wait for the workers' requests still running.
  await serveUntilSignal({
    announce: () => {
      io.stdout.write(startLines({ url: urlOf(address) }));
      announceInspection(ca, options, urlOf(address), io);
    },
    reload: () => void primary.reload("SIGHUP"),
    close: () => primary.stop(),
    abandon: () => primary.kill(),
  });
  io.stdout.write("ctc: stopped\n");
  return 0;
}

/**
 * Serve until SIGINT or SIGTERM, then `close()` (requests in progress finish); SIGHUP calls
 * `reload()`. A second SIGINT/SIGTERM calls `abandon()` and exits at once (130 / 143).
 * `announce()` (printing the address) runs once the signal listeners are in place: whoever reads
 * the address may signal at once (a loaded CI run killed the process with a SIGINT sent between
 * the two).
 */
async function serveUntilSignal(server: { announce(): void; reload(): void; close(): Promise<void>; abandon(): void }): Promise<void> {
  let signalled = false;
  let stopped!: () => void;
  const stop = new Promise<void>((resolve) => (stopped = resolve));
  const onStop = (signal: NodeJS.Signals): void => {
    if (signalled) {
      server.abandon();
      process.exit(signal === "SIGINT" ? 130 : 143);
    }
    signalled = true;
    stopped();
  };
  const onReload = (): void => server.reload();
  process.on("SIGINT", onStop);
  process.on("SIGTERM", onStop);
  process.on("SIGHUP", onReload);
  try {
    server.announce();
    await stop;
    await server.close();
  } finally {
    process.off("SIGINT", onStop);
    process.off("SIGTERM", onStop);
    process.off("SIGHUP", onReload);
  }
}

function usageError(err: UsageError, io: CtcStreams): number {
  io.stderr.write(`ctc: error: ${err.message}\n${err.showUsage ? `${USAGE}Try 'ctc --help' for more.\n` : ""}`);
  return 2;
}
