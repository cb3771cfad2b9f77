/**
 * What the primary of `ctc --workers N` and its workers tell each other over the node:cluster
 * IPC channel. Nothing here is sent per proxied request: counters travel as deltas every
 * {@link REPORT_MS} and when a control page asks, the switch and reloads when they happen.
 * @module
 */
import type { InspectionSettings } from "../inspection.js";
import type { CtcOptions } from "../options.js";
import type { StatsDelta, StatsSnapshot } from "../stats.js";

/** The environment variable holding a worker's {@link WorkerSetup} (JSON). */
export const SETUP_ENV = "CTC_WORKER_SETUP";

/** How often a worker sends its counter changes to the primary. */
export const REPORT_MS = 500;

/** What a worker is started with. */
export interface WorkerSetup {
  /** The settings, checked by the primary, list paths absolute. */
  options: CtcOptions;
  /** The control page's form token, the same in every worker. */
  token: string;
  /** The worker's place (0 to N-1); a replacement takes the place of the worker it replaces. */
  slot: number;
  /** Whether filtering is on (a replacement starts as the others are). */
  enabled: boolean;
  /** Hosts whose clients refused our certificate so far, in any worker (tunnelled untouched). */
  refused: string[];
}

/** Worker to primary. `ask` answers the primary's message of that number. */
export type FromWorker =
  | { type: "ctc:ready"; address: [string, number] }
  | { type: "ctc:failed"; usage: boolean; code: string | null; message: string }
  | { type: "ctc:delta"; delta: StatsDelta | null; ask?: number }
  | { type: "ctc:sync"; id: number; delta: StatsDelta | null }
  | { type: "ctc:toggle"; id: number; enabled: boolean }
  | { type: "ctc:inspection"; id: number; settings: InspectionSettings }
  | { type: "ctc:refused"; hosts: string[] }
  | { type: "ctc:ack"; ask: number }
  | { type: "ctc:reloaded"; ask: number; error: string | null };

/** Primary to worker. `id` answers the worker's message of that number. */
export type ToWorker =
  | { type: "ctc:collect"; ask: number }
  | { type: "ctc:view"; id: number; snapshot: StatsSnapshot }
  | { type: "ctc:enable"; ask: number; enabled: boolean }
  | { type: "ctc:inspect"; ask: number; settings: InspectionSettings }
  | { type: "ctc:refused"; hosts: string[] }
  | { type: "ctc:toggled"; id: number }
  | { type: "ctc:reload"; ask: number; reason: string }
  | { type: "ctc:close" };

/** Whether an IPC message is one of ours (node:cluster sends its own on the same channel). */
export function isCtcMessage(message: unknown): message is { type: string } {
  return typeof message === "object" && message !== null && typeof (message as { type?: unknown }).type === "string" && (message as { type: string }).type.startsWith("ctc:");
}
