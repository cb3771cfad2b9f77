/**
 * The primary process of `ctc --workers N`: it checked the settings before (`run.ts`), forks the
 * workers (node:cluster, `SCHED_NONE`: every worker accepts on the shared socket and the kernel
 * spreads the connections, nothing passes through here), prints the start lines once they all
 * listen, and then:
 *
 * - merges the workers' counter changes and answers a control page's request for the merged
 *   counters after collecting every worker's latest changes;
 * - passes the on/off switch and the HTTPS inspection settings to every worker and answers the
 *   switching worker once all applied them; passes on the hosts whose clients refused our
 *   certificate in one worker, so that every worker tunnels them;
 * - reloads every worker on SIGHUP and when a list file changes, with one notice for all;
 * - replaces a worker that dies (logged on stderr, with a growing delay when they die young);
 * - on SIGINT / SIGTERM tells the workers to close, waits for them (then SIGKILL) and exits 0.
 * @module
 */
import cluster, { type Worker } from "node:cluster";
import { readListFile } from "@stdhttp/proxy-filters";
import { fileURLToPath } from "node:url";
import { newToken } from "../control/guard.js";
import { reloadedLine, reloadFailedLine, type CtcStreams } from "../ctc.js";
import { UsageError } from "../errors.js";
import type { CtcOptions } from "../options.js";
import type { InspectionSettings } from "../inspection.js";
import { CtcStats, type WorkerCount } from "../stats.js";
import { watchFiles } from "../watch.js";
import { isCtcMessage, SETUP_ENV, type FromWorker, type ToWorker, type WorkerSetup } from "./messages.js";

/** How long the primary waits for the workers' answers (a busy worker answers within milliseconds). */
const ANSWER_MS = 2000;
/** How long closing workers may take to finish their requests before they are killed. */
const CLOSE_MS = 10_000;
/** A worker that dies younger than this counts as a crash loop: the next one waits longer. */
const YOUNG_MS = 5000;
/** The longest wait before a new worker. */
const MAX_BACKOFF_MS = 10_000;

/** Why the workers could not start: the message, and the exit status (2 for a usage error, 1 otherwise). */
export class StartFailure extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

/**
 * Check that every list can be read (the workers load them; an error must still be a usage
 * error printed once, before any worker starts), with the workers' own reader, `readListFile`
 * (regular files only, a FIFO refused without waiting for a writer). Throws `UsageError`.
 */
export async function checkListsReadable(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    try {
      await readListFile(path);
    } catch (err) {
      // readListFile's errors say `PATH: what`.
      throw new UsageError(`--blocklist: cannot read ${(err as Error).message}`);
    }
  }
}

/** One place of the N: the worker now in it and how its predecessors fared. */
interface Slot {
  index: number;
  worker: Worker | null;
  startedAt: number;
  /** Consecutive deaths of young workers. */
  failures: number;
  timer: NodeJS.Timeout | null;
}

/** Answers awaited from the workers for one message. */
interface Ask {
  waiting: Set<Worker>;
  answers: Map<Worker, FromWorker>;
  done: () => void;
}

/** glibc's variable (its name ends with an underscore, as glibc spells it). */
const TRIM_THRESHOLD = "MALLOC_TRIM_THRESHOLD_";

/**
 * glibc's allocator settings for a worker, unless the user chose their own. A worker cutting large
 * pages frees their read blocks in batches (when V8 collects them; blocks of bodies no filter
 * changes are reused instead since 2026-12-05); glibc then gives the
 * freed top of its heap back to the kernel, and the next blocks fault fresh pages in again one by
 * one (~13 us each on the VM measured). Keeping up to 64 MiB of free heap instead took the
 * faults from 6-19 to ~0.9 per relayed MiB and ~150 us of system time off each MiB (bench/README,
 * 2026-12-05). Memory freed is kept for reuse rather than returned: RSS stays at its peak.
 */
export function allocatorEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  if (env[TRIM_THRESHOLD] !== undefined || env.GLIBC_TUNABLES !== undefined) return {};
  return { [TRIM_THRESHOLD]: String(64 * 1024 * 1024) };
}

/**
 * The Node options of a worker: the primary's, plus V8's `--single-threaded` unless the user chose
 * a threading flag of their own (`--single-threaded`, `--single-threaded-gc`, or their `--no-`
 * forms). There is one worker per core: V8's helper threads (parallel scavenges, concurrent
 * marking and compiling) only compete with the other workers for the same cores and wake each
 * other through futexes, which on the 2-vCPU VM measured cost each request more than the helpers
 * saved (proxy-1k, 5 interleaved pairs: 46.7-51.5 vs 51.5-53.8 us of CPU per request; bench/README,
 * 2026-12-05). A worker's heap is small (bodies stream), so collecting on its own thread is short.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  if (execArgv.some((a) => /^--(no-?)?single[-_]threaded/.test(a))) return [...execArgv];
  return [...execArgv, "--single-threaded"];
}

/** The primary of N workers. `start()`, then `stop()`. */
export class Primary {
  private readonly options: CtcOptions;
  private readonly io: CtcStreams;
  private readonly token = newToken();
  private readonly slots: Slot[];
  private readonly slotOf = new Map<Worker, Slot>();
  private readonly merged = new CtcStats();
  private readonly requestsOf = new Map<number, number>();
  private readonly asks = new Map<number, Ask>();
  private nextAsk = 1;
  private enabled = true;
  private inspection: InspectionSettings;
  private readonly refused = new Set<string>();
  private stopping = false;
  private starting: { ready: number; resolve: (address: [string, number]) => void; reject: (err: StartFailure) => void; address: [string, number] | null } | null = null;
  private reloading: Promise<void> = Promise.resolve();
  private stopWatching: () => void = () => {};

  constructor(options: CtcOptions, count: number, io: CtcStreams) {
    this.options = options;
    this.io = io;
    this.inspection = { enabled: options.httpsInspection, inspect: options.inspect, neverInspect: options.neverInspect };
    this.slots = Array.from({ length: count }, (_, index) => ({ index, worker: null, startedAt: 0, failures: 0, timer: null }));
  }

  /** Fork the workers; resolves with the address once all listen, rejects with a `StartFailure`. */
  async start(): Promise<[string, number]> {
    // Before the first fork: the kernel spreads the connections among the workers.
    cluster.schedulingPolicy = cluster.SCHED_NONE;
    cluster.setupPrimary({ exec: fileURLToPath(new URL("../cli.js", import.meta.url)), args: [], silent: false, execArgv: workerExecArgv(process.execArgv) });
    cluster.on("message", this.onMessage);
    cluster.on("exit", this.onExit);
    const started = new Promise<[string, number]>((resolve, reject) => (this.starting = { ready: 0, resolve, reject, address: null }));
    for (const slot of this.slots) this.fork(slot);
    try {
      const address = await started;
      if (this.options.watch) {
        this.stopWatching = watchFiles(
          this.options.blocklists,
          () => void this.reload("a list file changed"),
          (path, err) => this.io.stderr.write(`ctc: warning: cannot watch ${path} for changes: ${err.message}\n`),
        );
      }
      return address;
    } catch (err) {
      await this.stop();
      throw err;
    } finally {
      this.starting = null;
    }
  }

  /** Reload the lists in every worker; one notice once all are done. */
  reload(reason: string): Promise<void> {
    this.reloading = this.reloading.then(async () => {
      const answers = await this.askAll((ask) => ({ type: "ctc:reload", ask, reason }));
      const errors = [...answers.values()].flatMap((a) => (a.type === "ctc:reloaded" && a.error !== null ? [a.error] : []));
      if (errors.length > 0) this.io.stderr.write(reloadFailedLine(reason, errors[0]));
      else this.io.stdout.write(reloadedLine(reason, this.options.blocklists.length));
    });
    return this.reloading;
  }

  /** Tell the workers to close, wait for them (killing those that take too long). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopWatching();
    const live: Worker[] = [];
    for (const slot of this.slots) {
      if (slot.timer !== null) clearTimeout(slot.timer);
      if (slot.worker !== null) live.push(slot.worker);
    }
    await Promise.all(
      live.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            const timer = setTimeout(() => worker.process.kill("SIGKILL"), CLOSE_MS);
            worker.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
            if (!this.post(worker, { type: "ctc:close" })) worker.process.kill("SIGTERM");
          }),
      ),
    );
    cluster.off("message", this.onMessage);
    cluster.off("exit", this.onExit);
  }

  /** Kill every worker at once (a second signal). */
  kill(): void {
    for (const slot of this.slots) slot.worker?.process.kill("SIGKILL");
  }

  private fork(slot: Slot): void {
    slot.timer = null;
    const { enabled: httpsInspection, inspect, neverInspect } = this.inspection;
    const setup: WorkerSetup = {
      options: { ...this.options, watch: false, httpsInspection, inspect, neverInspect },
      token: this.token,
      slot: slot.index,
      enabled: this.enabled,
      refused: [...this.refused],
    };
    const worker = cluster.fork({ [SETUP_ENV]: JSON.stringify(setup), ...allocatorEnv(process.env) });
    slot.worker = worker;
    slot.startedAt = Date.now();
    this.slotOf.set(worker, slot);
  }

  private post(worker: Worker, message: ToWorker): boolean {
    if (!worker.isConnected()) return false;
    worker.send(message, undefined, () => {});
    return true;
  }

  /** Send a numbered message to every live worker (but `except`); resolves with the answers (bounded wait). */
  private askAll(make: (ask: number) => ToWorker, except?: Worker): Promise<Map<Worker, FromWorker>> {
    const id = this.nextAsk++;
    return new Promise((resolve) => {
      const answers = new Map<Worker, FromWorker>();
      const waiting = new Set<Worker>();
      const done = (): void => {
        clearTimeout(timer);
        this.asks.delete(id);
        resolve(answers);
      };
      const timer = setTimeout(done, ANSWER_MS);
      this.asks.set(id, { waiting, answers, done });
      for (const slot of this.slots) {
        const w = slot.worker;
        if (w !== null && w !== except && this.post(w, make(id))) waiting.add(w);
      }
      if (waiting.size === 0) done();
    });
  }

  private answer(worker: Worker, ask: number, message: FromWorker): void {
    const pending = this.asks.get(ask);
    if (pending === undefined) return;
    pending.answers.set(worker, message);
    pending.waiting.delete(worker);
    if (pending.waiting.size === 0) pending.done();
  }

  private workerCounts(): WorkerCount[] {
    const out: WorkerCount[] = [];
    for (const slot of this.slots) {
      const pid = slot.worker?.process.pid;
      if (pid !== undefined && slot.worker?.isDead() === false) out.push({ pid, requests: this.requestsOf.get(pid) ?? 0 });
    }
    return out;
  }

  private readonly onMessage = (worker: Worker, message: unknown): void => {
    if (!isCtcMessage(message) || !this.slotOf.has(worker)) return;
    const m = message as FromWorker;
    switch (m.type) {
      case "ctc:ready":
        return this.onReady(worker, m.address);
      case "ctc:failed":
        return this.onFailed(worker, m);
      case "ctc:delta":
        if (m.delta !== null) {
          this.merged.merge(m.delta);
          const pid = worker.process.pid ?? 0;
          this.requestsOf.set(pid, (this.requestsOf.get(pid) ?? 0) + m.delta.requests);
        }
        if (m.ask !== undefined) this.answer(worker, m.ask, m);
        return;
      case "ctc:sync":
        this.onMessage(worker, { type: "ctc:delta", delta: m.delta });
        void this.askAll((ask) => ({ type: "ctc:collect", ask }), worker).then(() =>
          this.post(worker, { type: "ctc:view", id: m.id, snapshot: this.merged.snapshot(this.workerCounts()) }),
        );
        return;
      case "ctc:toggle":
        this.enabled = m.enabled;
        void this.askAll((ask) => ({ type: "ctc:enable", ask, enabled: m.enabled })).then(() => this.post(worker, { type: "ctc:toggled", id: m.id }));
        return;
      case "ctc:inspection":
        // The sending worker applied them already (and loaded the CA: the others find it made).
        this.inspection = m.settings;
        void this.askAll((ask) => ({ type: "ctc:inspect", ask, settings: m.settings }), worker).then(() => this.post(worker, { type: "ctc:toggled", id: m.id }));
        return;
      case "ctc:refused":
        for (const h of m.hosts) this.refused.add(h);
        for (const slot of this.slots) {
          if (slot.worker !== null && slot.worker !== worker) this.post(slot.worker, { type: "ctc:refused", hosts: m.hosts });
        }
        return;
      case "ctc:ack":
      case "ctc:reloaded":
        return this.answer(worker, m.ask, m);
    }
  };

  private onReady(worker: Worker, address: [string, number]): void {
    const slot = this.slotOf.get(worker);
    if (slot === undefined) return;
    const start = this.starting;
    if (start !== null) {
      start.address ??= address;
      if (++start.ready === this.slots.length) start.resolve(start.address);
      return;
    }
    this.io.stderr.write(`ctc: worker ${slot.index + 1} replaced (pid ${worker.process.pid ?? "?"})\n`);
    // It may have missed a switch sent while it started.
    this.post(worker, { type: "ctc:enable", ask: 0, enabled: this.enabled });
    this.post(worker, { type: "ctc:inspect", ask: 0, settings: this.inspection });
    if (this.refused.size > 0) this.post(worker, { type: "ctc:refused", hosts: [...this.refused] });
  }

  private onFailed(worker: Worker, m: Extract<FromWorker, { type: "ctc:failed" }>): void {
    const why = m.code === "EADDRINUSE" ? `the address ${this.options.bind}:${this.options.port} is already in use` : m.message;
    if (this.starting !== null) {
      if (m.usage) this.starting.reject(new StartFailure(m.message, 2));
      else this.starting.reject(new StartFailure(`cannot start: ${why}`, 1));
      return;
    }
    const slot = this.slotOf.get(worker);
    this.io.stderr.write(`ctc: error: worker ${(slot?.index ?? 0) + 1} cannot start: ${why}\n`);
  }

  private readonly onExit = (worker: Worker, code: number | null, signal: string | null): void => {
    const slot = this.slotOf.get(worker);
    if (slot === undefined) return;
    this.slotOf.delete(worker);
    // Answers it will never give.
    for (const ask of this.asks.values()) {
      if (ask.waiting.delete(worker) && ask.waiting.size === 0) ask.done();
    }
    if (slot.worker === worker) slot.worker = null;
    if (this.stopping) return;
    const how = signal !== null ? `killed by ${signal}` : `exit status ${code ?? "?"}`;
    if (this.starting !== null) {
      this.starting.reject(new StartFailure(`cannot start: worker ${slot.index + 1} stopped (${how})`, 1));
      return;
    }
    slot.failures = Date.now() - slot.startedAt < YOUNG_MS ? slot.failures + 1 : 0;
    const delay = Math.min(100 * 2 ** slot.failures, MAX_BACKOFF_MS);
    this.io.stderr.write(`ctc: error: worker ${slot.index + 1} (pid ${worker.process.pid ?? "?"}) died (${how}); starting a new one in ${delay} ms\n`);
    slot.timer = setTimeout(() => this.fork(slot), delay);
  };
}
