/**
 * Alfajor: a cookie-filtering forward proxy with a web GUI, a thin layer over
 * `@stdhttp/proxy-filters`' `CookieFilter`. Exported so tests and the demo can start it in-process:
 * `await Alfajor.start(parseArgs(["--port", "0", "--policy", file])!)`.
 * @module
 */
export { Alfajor, addressUrl, type StartOptions } from "./app.js";
export { parseArgs, checkOptions, defaultPolicyFile, USAGE, UsageError, type AlfajorOptions } from "./options.js";
export { PolicyStore, type PolicyStoreOptions } from "./policy-store.js";
export {
  DEFAULT_DOCUMENT,
  PolicyFileError,
  checkDocument,
  formatPolicyDocument,
  parsePolicyDocument,
  toCookiePolicy,
  lineColumn,
  type PolicyDocument,
  type SiteSetting,
} from "./policy-document.js";
export { writeFileAtomic } from "./atomic-write.js";
export { parseCookiefile, formatCookiefile, applyCookiefile, type CookiefileImport } from "./junkbuster.js";
export { CookieLog, sseFrame, type LogEntry, type SiteCounters, type EventSink, type CookieLogOptions } from "./cookie-log.js";
export { SwitchableFilter } from "./switchable-filter.js";
export { AlfajorHandler, type HandlerState } from "./handler.js";
export { GUI_HOST, guiHostAllowed, refuseStateChange, type GuardedRequest } from "./gui-guard.js";
export type { AlfajorState } from "./state.js";
export { InspectionControl, InspectionSetupError, isLoopbackBind, readOriginCAs, type InspectionStateJson } from "./https-inspection.js";
export { defaultCaDir, checkHostPattern, type InspectionSettings } from "./inspection-settings.js";
