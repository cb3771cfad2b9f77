/**
 * The command's fixed texts and facts (version, pseudonym, start-up warnings, reload notices), in
 * a module of their own that loads nothing else: the primary process of `--workers N` uses them
 * without loading the proxy.
 * @module
 */
import { createRequire } from "node:module";

/** Whether an address to bind is a loopback one (only this machine can reach it). */
export function isLoopback(bind: string): boolean {
  return bind === "localhost" || bind === "::1" || /^127\.\d+\.\d+\.\d+$/.test(bind);
}

/** The loud warning of inspection on a proxy other machines can reach. */
export function exposedInspectionWarning(bind: string): string {
  return (
    `ctc: WARNING: HTTPS inspection is on and the proxy listens on ${bind}, which is not a loopback address:\n` +
    `ctc: WARNING: the HTTPS traffic of every client allowed by --allow is decrypted here, and any of them\n` +
    `ctc: WARNING: that trusts the CA can have its HTTPS traffic read by whoever holds the CA key.\n`
  );
}

/** The notice of a successful reload. */
export function reloadedLine(reason: string, lists: number): string {
  return `ctc: lists reloaded (${reason}): ${lists} list${lists === 1 ? "" : "s"}\n`;
}

/** The error of a failed reload. */
export function reloadFailedLine(reason: string, error: string): string {
  return `ctc: error: reload failed (${reason}), keeping the previous rules: ${error}\n`;
}

/** CTC's name in `Via` (and in loop detection). */
export const PSEUDONYM = "ctc";

/** The version of this package. */
export const VERSION: string = (createRequire(import.meta.url)("../package.json") as { version: string }).version;

