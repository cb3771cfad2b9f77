/**
 * The control page's routes, for requests to the proxy itself (`http://127.0.0.1:8080/...`) and
 * for `http://ctc.local/...` through it:
 *
 * | Route | What |
 * | --- | --- |
 * | `GET /` | the status page |
 * | `GET /explain?url=URL` | the status page with what the lists say about URL |
 * | `POST /toggle` | `enabled=on\|off` with the form token, from the page itself: turns filtering on or off |
 * | `POST /inspection` | with the form token, from the page itself: `enabled=on\|off` switches HTTPS inspection; `inspect` and `neverInspect` (hosts, one per line) replace its lists |
 * | `GET /ca.pem` | the local CA's certificate (never its key), once inspection was on |
 * | `GET /proxy.pac` | the proxy auto-config file |
 * | `GET /status.json` | the counters as JSON |
 * @module
 */
import type { BlockListFilter, ProxyRequestHandler } from "@stdhttp/proxy-filters";
import type { Inspection, InspectionSettings } from "../inspection.js";
import { checkDomain } from "../validate.js";
import type { CtcStats, StatsView } from "../stats.js";
import { explainUrl } from "./explain.js";
import { CONTROL_HOST, crossSiteReason, tokenMatches, trustedHost } from "./guard.js";
import { renderControlPage, type ListStatus } from "./page.js";
import { PAC_TYPE, pacFile } from "./pac.js";

/** What the control page reads and changes of the running proxy. */
export interface ControlState {
  readonly version: string;
  /** The toggle form's token (one per running proxy). */
  readonly token: string;
  /** Whether filtering is on. */
  readonly enabled: boolean;
  /**
   * Turn filtering on or off (the toggle); resolves once every process serving the proxy
   * applies it, so the answer to the toggle is not sent before.
   */
  setEnabled(on: boolean): void | Promise<void>;
  /** This process's counters (the handler counts into them). */
  readonly stats: CtcStats;
  /** The counters the page shows: the whole proxy's (all workers merged, up to date). */
  statsView(): StatsView | Promise<StatsView>;
  readonly blocklist: BlockListFilter;
  /** The lists of the last load. */
  listStatus(): ListStatus[];
  /** When the lists were last loaded (ms since the epoch). */
  readonly loadedAt: number;
  /** The last reload's error, or null. */
  readonly reloadError: string | null;
  /** HTTPS inspection: settings, CA, refused hosts. */
  readonly inspection: Inspection;
  /** New HTTPS inspection settings in every process; rejects (nothing changed) when the CA cannot be loaded. */
  setInspection(settings: InspectionSettings): Promise<void>;
}

/** The MIME type of a CA certificate download (what browsers offer to import). */
export const CA_CERT_TYPE = "application/x-x509-ca-cert";

/** The notice of the page a form redirects to (`/?changed=...`). */
const NOTICES: Record<string, string | undefined> = {
  on: "Filtering turned on.",
  off: "Filtering turned off.",
  "inspection-on": "HTTPS inspection turned on.",
  "inspection-off": "HTTPS inspection turned off.",
  lists: "HTTPS inspection lists saved (until ctc stops).",
};

/** Largest toggle form accepted (it has two short fields). */
const MAX_FORM = 4096;
/** Largest inspection form accepted (two host lists). */
const MAX_LIST_FORM = 64 * 1024;

/**
 * Sent with every control answer: no caching, no framing by other sites (the toggle must not be
 * clickable through an invisible frame), no scripts or outside resources at all.
 */
const SECURITY_HEADERS: Array<[string, string]> = [
  ["Cache-Control", "no-store"],
  ["X-Content-Type-Options", "nosniff"],
  ["X-Frame-Options", "DENY"],
  ["Referrer-Policy", "same-origin"],
  ["Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"],
];

function send(h: ProxyRequestHandler, status: number, type: string, body: string, extra: Array<[string, string]> = []): void {
  const bytes = Buffer.from(body, "utf8");
  h.sendResponse(status);
  h.sendHeader("Content-Type", type);
  for (const [k, v] of SECURITY_HEADERS) h.sendHeader(k, v);
  for (const [k, v] of extra) h.sendHeader(k, v);
  h.sendHeader("Content-Length", bytes.length);
  h.endHeaders();
  if (h.command !== "HEAD") h.wfile.write(bytes);
}

/** The address the client reached us at, as `host:port` (IPv6 in brackets). */
function localAuthority(h: ProxyRequestHandler): [string, number] {
  const address = (h.connection.localAddress ?? "127.0.0.1").replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, "$1");
  return [address, h.connection.localPort ?? 0];
}

/** The origin the page was served under: what a same-origin form post sends as `Origin`. */
function pageOrigin(h: ProxyRequestHandler, viaProxy: boolean): string {
  if (viaProxy) return `http://${CONTROL_HOST}`;
  const host = h.headers.get("host");
  if (host !== undefined && host !== "") return `http://${host.trim().toLowerCase().replace(/:80$/, "")}`;
  const [address, port] = localAuthority(h);
  return `http://${address.includes(":") ? `[${address}]` : address}:${port}`;
}

function pageData(h: ProxyRequestHandler, state: ControlState, stats: StatsView, extra: { explain?: string; notice?: string }) {
  const [address, port] = localAuthority(h);
  return {
    version: state.version,
    enabled: state.enabled,
    token: state.token,
    uptime: stats.uptime(),
    requests: stats.requests,
    blocked: stats.blocked,
    cut: stats.cut,
    cutBySize: stats.cutBySize,
    workers: stats.workers().length,
    topHosts: stats.topHosts(10),
    recent: stats.recent(),
    lists: state.listStatus(),
    loadedAt: state.loadedAt,
    reloadError: state.reloadError,
    proxyAddress: `${address.includes(":") ? `[${address}]` : address}:${port}`,
    explanation: extra.explain === undefined ? null : explainUrl(state.blocklist, extra.explain),
    notice: extra.notice ?? null,
    inspection: inspectionView(state.inspection),
  };
}

function inspectionView(inspection: Inspection) {
  const ca = inspection.ca;
  return { ...inspection.current, refused: inspection.refused(), fingerprint: ca?.fingerprint ?? null, caPath: ca?.certificatePath ?? null, caDir: inspection.caDir };
}

function statusJson(state: ControlState, s: StatsView): string {
  return `${JSON.stringify(
    {
      enabled: state.enabled,
      uptime: s.uptime(),
      requests: s.requests,
      blocked: s.blocked,
      cut: s.cut,
      cutBySize: s.cutBySize,
      topHosts: s.topHosts(10).map(([host, count]) => ({ host, count })),
      recent: s.recent(),
      lists: state.listStatus(),
      loadedAt: new Date(state.loadedAt).toISOString(),
      reloadError: state.reloadError,
      workers: s.workers(),
      httpsInspection: inspectionView(state.inspection),
    },
    null,
    2,
  )}\n`;
}

/**
 * The form of a state-changing POST, once it passed the same-origin check and carries the token;
 * null when a refusal was answered.
 */
async function checkedForm(h: ProxyRequestHandler, state: ControlState, viaProxy: boolean, what: string, limit: number): Promise<URLSearchParams | null> {
  const cross = crossSiteReason({ origin: h.headers.get("origin"), secFetchSite: h.headers.get("sec-fetch-site") }, pageOrigin(h, viaProxy));
  if (cross !== null) {
    h.sendError(403, "Cross-site request refused", `${what} can only be changed from the control page itself: ${cross}`);
    return null;
  }
  let form: URLSearchParams;
  try {
    form = new URLSearchParams((await h.readBody(limit)).toString("utf8"));
  } catch {
    h.sendError(413, "Form too large", `The form is at most ${limit} bytes`);
    return null;
  }
  if (!tokenMatches(form.get("token"), state.token)) {
    h.sendError(403, "Missing or wrong form token", "Reload the control page and use its button (the token changes when ctc restarts)");
    return null;
  }
  return form;
}

/** Hosts of a textarea: one per line (commas and spaces also separate). Throws `UsageError`. */
function hostList(text: string, field: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((t) => t !== "").map((t) => checkDomain(t, field)))];
}

async function changeInspection(h: ProxyRequestHandler, state: ControlState, viaProxy: boolean): Promise<void> {
  const form = await checkedForm(h, state, viaProxy, "HTTPS inspection", MAX_LIST_FORM);
  if (form === null) return;
  const next = state.inspection.current;
  const wanted = form.get("enabled");
  if (wanted !== null && wanted !== "on" && wanted !== "off") return h.sendError(400, "Bad form", 'The field "enabled" must be on or off');
  if (wanted !== null) next.enabled = wanted === "on";
  try {
    const inspect = form.get("inspect");
    const never = form.get("neverInspect");
    if (inspect !== null) next.inspect = hostList(inspect, "Inspect only");
    if (never !== null) next.neverInspect = hostList(never, "Never inspect");
  } catch (err) {
    return h.sendError(400, "Bad host list", (err as Error).message);
  }
  try {
    await state.setInspection(next);
  } catch (err) {
    return h.sendError(500, "Cannot switch HTTPS inspection on", (err as Error).message);
  }
  const changed = wanted === null ? "lists" : `inspection-${wanted}`;
  send(h, 303, "text/plain; charset=utf-8", `HTTPS inspection is ${next.enabled ? "on" : "off"}.\n`, [["Location", `/?changed=${changed}#https`]]);
}

/** `GET /ca.pem`: the CA certificate, never the key (`certificatePem` holds the certificate alone). */
function caCertificate(h: ProxyRequestHandler, state: ControlState): void {
  const ca = state.inspection.ca;
  if (ca === null) return h.sendError(404, "No CA yet", "The local CA is loaded (or created) when HTTPS inspection is first switched on");
  send(h, 200, CA_CERT_TYPE, ca.certificatePem, [["Content-Disposition", 'attachment; filename="stdhttp-proxy-ca.pem"']]);
}

async function toggle(h: ProxyRequestHandler, state: ControlState, viaProxy: boolean): Promise<void> {
  const form = await checkedForm(h, state, viaProxy, "Filtering", MAX_FORM);
  if (form === null) return;
  const wanted = form.get("enabled");
  if (wanted !== "on" && wanted !== "off") return h.sendError(400, "Bad form", 'The field "enabled" must be on or off');
  await state.setEnabled(wanted === "on");
  // 303: the browser follows with a GET, so reloading the page does not post again.
  send(h, 303, "text/plain; charset=utf-8", `Filtering is ${wanted}.\n`, [["Location", `/?changed=${wanted}`]]);
}

/**
 * Answer a control request. `target` is the origin-form path (`/explain?url=...`); `viaProxy` is
 * true when the request came as `http://ctc.local/...` through the proxy.
 */
export function serveControl(h: ProxyRequestHandler, state: ControlState, target: string, viaProxy: boolean): void | Promise<void> {
  if (!viaProxy && !trustedHost(h.headers.get("host"))) {
    return h.sendError(403, "Unknown host name", `The control page answers only under an IP address, localhost or ${CONTROL_HOST}`);
  }
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  const query = new URLSearchParams(q < 0 ? "" : target.slice(q + 1));
  const method = h.command ?? "GET";
  const read = method === "GET" || method === "HEAD";
  if (path === "/toggle") {
    if (method !== "POST") return h.sendError(405, "Use POST", "Filtering is switched with the form of the control page");
    return toggle(h, state, viaProxy);
  }
  if (path === "/inspection") {
    if (method !== "POST") return h.sendError(405, "Use POST", "HTTPS inspection is changed with the forms of the control page");
    return changeInspection(h, state, viaProxy);
  }
  const routes: Record<string, () => void | Promise<void>> = {
    "/": async () => {
      const changed = query.get("changed");
      const notice = changed !== null && Object.hasOwn(NOTICES, changed) ? NOTICES[changed] : undefined;
      send(h, 200, "text/html; charset=utf-8", renderControlPage(pageData(h, state, await state.statsView(), { notice })));
    },
    "/explain": async () =>
      send(h, 200, "text/html; charset=utf-8", renderControlPage(pageData(h, state, await state.statsView(), { explain: query.get("url") ?? "" }))),
    "/ca.pem": () => caCertificate(h, state),
    "/proxy.pac": () => {
      const [address, port] = localAuthority(h);
      send(h, 200, PAC_TYPE, pacFile(address, port));
    },
    "/status.json": async () => send(h, 200, "application/json", statusJson(state, await state.statsView())),
  };
  const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
  if (route === undefined) return h.sendError(404, "Not found", "This proxy's control page is at /");
  if (!read) return h.sendError(405, "Method not allowed", `${path} answers GET and HEAD`);
  return route();
}
