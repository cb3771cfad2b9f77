/**
 * What the GUI and its API see of a running Alfajor: the policy store, the cookie log, the on/off
 * switch, the parent proxy, HTTPS inspection, and the CSRF token of this process.
 * @module
 */
import type { CookieLog } from "./cookie-log.js";
import type { InspectionControl } from "./https-inspection.js";
import type { PolicyStore } from "./policy-store.js";

/** The running proxy's state, as the GUI handler uses it. */
export interface AlfajorState {
  readonly store: PolicyStore;
  readonly log: CookieLog;
  /** The per-process CSRF token embedded in the GUI page. */
  readonly csrfToken: string;
  /** Whether cookies are filtered (false: they pass untouched). */
  readonly enabled: boolean;
  /** Whether the GUI is served (`--no-gui` turns it off). */
  readonly gui: boolean;
  setEnabled(enabled: boolean): void;
  /** The parent proxy URL with its password masked, or null. */
  upstreamDisplay(): string | null;
  /** Set (or with null, remove) the parent proxy; throws RangeError for a bad URL. */
  setUpstream(url: string | null): void;
  /** HTTPS inspection: the switch, the host lists, the CA. */
  readonly inspection: InspectionControl;
  /** Switch HTTPS inspection and/or change its lists, then tell every open GUI. */
  changeInspection(change: { enabled?: boolean; inspect?: readonly string[]; neverInspect?: readonly string[] }): Promise<void>;
}
