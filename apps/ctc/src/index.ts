/**
 * @stdhttp/ctc: CTC (Cut The Crap), a forward HTTP proxy that cuts ad banners out of pages.
 * A thin layer over `@stdhttp/proxy-filters` (block lists and banner cutting): the `ctc`
 * command, a control page, counters and an access log.
 *
 * @example
 * import { Ctc, defaultOptions } from "@stdhttp/ctc";
 * const ctc = await Ctc.start({ ...defaultOptions(), port: 0 });
 * console.log(`proxy on ${ctc.url}`);
 * process.once("SIGINT", () => void ctc.close());
 * @module
 */
export { Ctc, PSEUDONYM, VERSION, isLoopback, exposedInspectionWarning, type CtcStreams, type CtcRole, type ClusterLink } from "./ctc.js";
export { Inspection, loadCA, readOriginCAs, underDomain, type InspectionSettings } from "./inspection.js";
export { defaultOptions, defaultCaDir, DEFAULT_BLOCKLIST, MAX_AUTO_WORKERS, workerCount, type CtcOptions, type LogFormat } from "./options.js";
export { parseCommandLine, USAGE, HELP, type CommandLine } from "./args.js";
export { loadConfig, resolveOptions } from "./config.js";
export { runCtc, startLines, inspectionLines } from "./run.js";
export { UsageError } from "./errors.js";
export { CtcStats, SnapshotView, type RecentBlock, type StatsView, type StatsDelta, type StatsSnapshot, type WorkerCount } from "./stats.js";
export { atomicLineSink, lineChunks, PIPE_BUF } from "./line-sink.js";
export { AccessLog, formatEntry, type AccessEntry, type LogSink } from "./access-log.js";
export { pacFile, PAC_TYPE } from "./control/pac.js";
export { explainUrl, type UrlExplanation } from "./control/explain.js";
export { CONTROL_HOST } from "./control/guard.js";
