/**
 * A worker process of `ctc --workers N`: today's proxy (`Ctc`) on the port the workers share,
 * writing its access log to the shared stdout in whole-line writes, and linked to the primary:
 * counter changes sent every {@link REPORT_MS} and on request, the control page's counters and
 * switch going through the primary, reloads and closing on the primary's word.
 * @module
 */
import { Ctc, type ClusterLink } from "../ctc.js";
import { UsageError } from "../errors.js";
import type { InspectionSettings } from "../inspection.js";
import { atomicLineSink } from "../line-sink.js";
import { SnapshotView, type StatsView } from "../stats.js";
import { isCtcMessage, REPORT_MS, SETUP_ENV, type FromWorker, type ToWorker, type WorkerSetup } from "./messages.js";

/** How long a worker waits for the primary's answer before going on without it. */
const ANSWER_MS = 3000;

/** Send to the primary; a channel already closed (the primary is gone) is not an error here. */
function send(message: FromWorker): void {
  if (process.connected) process.send?.(message, undefined, undefined, () => {});
}

/** The worker's side of the link: answers the primary, asks it for the merged counters and the switch. */
class WorkerLink implements ClusterLink {
  private readonly ctc: Ctc;
  private nextId = 1;
  /** Refused hosts already passed on to the primary. */
  private readonly refusedSent = new Set<string>();
  private readonly waiting = new Map<number, (message: ToWorker | null) => void>();

  constructor(ctc: Ctc) {
    this.ctc = ctc;
  }

  async statsView(): Promise<StatsView> {
    const answer = await this.request((id) => ({ type: "ctc:sync", id, delta: this.ctc.stats.takeDelta() }));
    // Without the primary (it is closing), this worker's own counters are the best there is.
    return answer?.type === "ctc:view" ? new SnapshotView(answer.snapshot) : this.ctc.stats;
  }

  async setEnabled(on: boolean): Promise<void> {
    await this.request((id) => ({ type: "ctc:toggle", id, enabled: on }));
  }

  async setInspection(settings: InspectionSettings): Promise<void> {
    await this.request((id) => ({ type: "ctc:inspection", id, settings }));
  }

  /** Send the counter changes, if any, and the hosts newly refused here. */
  report(): void {
    const delta = this.ctc.stats.takeDelta();
    if (delta !== null) send({ type: "ctc:delta", delta });
    const fresh = this.ctc.inspection.refusedHere().filter((h) => !this.refusedSent.has(h));
    if (fresh.length > 0) {
      for (const h of fresh) this.refusedSent.add(h);
      send({ type: "ctc:refused", hosts: fresh });
    }
  }

  readonly onMessage = (message: unknown): void => {
    if (!isCtcMessage(message)) return;
    const m = message as ToWorker;
    switch (m.type) {
      case "ctc:collect":
        return send({ type: "ctc:delta", delta: this.ctc.stats.takeDelta(), ask: m.ask });
      case "ctc:enable":
        this.ctc.enabled = m.enabled;
        return send({ type: "ctc:ack", ask: m.ask });
      case "ctc:inspect":
        // The CA exists by now (the worker that switched made it); an error would be this
        // directory's alone, and is logged: the other workers keep serving.
        void this.ctc.applyInspection(m.settings).then(
          () => send({ type: "ctc:ack", ask: m.ask }),
          (err: unknown) => {
            process.stderr.write(`ctc: error: HTTPS inspection: ${(err as Error).message}\n`);
            send({ type: "ctc:ack", ask: m.ask });
          },
        );
        return;
      case "ctc:refused":
        this.ctc.inspection.learnRefused(m.hosts);
        return;
      case "ctc:reload":
        void this.ctc.reloadLists().then((error) => send({ type: "ctc:reloaded", ask: m.ask, error }));
        return;
      case "ctc:view":
      case "ctc:toggled":
        this.waiting.get(m.id)?.(m);
        return;
      case "ctc:close":
        void closeAndExit(this.ctc);
        return;
    }
  };

  private request(make: (id: number) => FromWorker): Promise<ToWorker | null> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), ANSWER_MS);
      const done = (message: ToWorker | null): void => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(message);
      };
      this.waiting.set(id, done);
      if (!process.connected) return done(null);
      send(make(id));
    });
  }
}

let closing = false;

async function closeAndExit(ctc: Ctc): Promise<void> {
  if (closing) return;
  closing = true;
  await ctc.close();
  process.exit(0);
}

/** Run this process as a worker (started by the primary with `SETUP_ENV` set). */
export async function runWorker(): Promise<void> {
  const setup = JSON.parse(process.env[SETUP_ENV] ?? "null") as WorkerSetup;
  const io = { stdout: atomicLineSink(process.stdout), stderr: atomicLineSink(process.stderr) };
  let ctc: Ctc;
  try {
    // The primary watches the list files and tells every worker to reload.
    ctc = await Ctc.start({ ...setup.options, watch: false }, io, { token: setup.token, sharedPort: true, warnBadLines: setup.slot === 0 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const failed: FromWorker = { type: "ctc:failed", usage: err instanceof UsageError, code: e.code ?? null, message: e.message };
    // Exit once the message is on its way (exit() at once could drop it).
    if (process.connected && process.send !== undefined) process.send(failed, undefined, undefined, () => process.exit(1));
    else process.exit(1);
    return;
  }
  ctc.enabled = setup.enabled;
  ctc.inspection.learnRefused(setup.refused);
  ctc.stats.trackChanges();
  const link = new WorkerLink(ctc);
  ctc.cluster = link;
  process.on("message", link.onMessage);
  setInterval(() => link.report(), REPORT_MS).unref();
  // Ctrl-C reaches the whole process group: the primary decides, and tells the workers to close.
  process.on("SIGINT", () => {});
  process.on("SIGTERM", () => void closeAndExit(ctc));
  // A SIGHUP sent to a worker alone reloads that worker (the primary's reaches all of them).
  process.on("SIGHUP", () => void ctc.reload("SIGHUP"));
  send({ type: "ctc:ready", address: ctc.address });
}
