/**
 * The control page's HTML: status (on/off with the toggle, uptime, requests, blocks), the
 * "explain this URL" form and its answer, the most blocked hosts, the recent blocks with the
 * rule that matched, the lists, HTTPS inspection (toggle, host lists, refused hosts, the CA's
 * fingerprint and download), and the browser set-up. Plain HTML and inline CSS, no script.
 * @module
 */
import { escapeHtml, type ListFormat } from "@stdhttp/proxy-filters";
import type { RecentBlock } from "../stats.js";
import type { UrlExplanation } from "./explain.js";
import { CONTROL_CSS } from "./style.js";

/** A loaded block list, as the page shows it. */
export interface ListStatus {
  path: string;
  format: ListFormat | null;
  badLines: number;
}

/** Everything the page shows. */
export interface PageData {
  version: string;
  enabled: boolean;
  token: string;
  uptime: number;
  requests: number;
  blocked: number;
  cut: number;
  cutBySize: number;
  /** Worker processes serving (1 without workers). */
  workers: number;
  topHosts: Array<[string, number]>;
  recent: RecentBlock[];
  lists: ListStatus[];
  /** When the lists were last loaded (ms since the epoch). */
  loadedAt: number;
  /** The last reload's error (the previous rules stay in force), or null. */
  reloadError: string | null;
  /** `host:port` the browser reaches the proxy at. */
  proxyAddress: string;
  explanation: UrlExplanation | null;
  notice: string | null;
  inspection: InspectionView;
}

/** HTTPS inspection, as the page shows it. */
export interface InspectionView {
  enabled: boolean;
  inspect: string[];
  neverInspect: string[];
  /** Hosts whose client refused our certificate (tunnelled untouched since). */
  refused: string[];
  /** The CA's SHA-256 fingerprint, once loaded. */
  fingerprint: string | null;
  /** The CA certificate's path, once loaded. */
  caPath: string | null;
  caDir: string;
}

const FORMAT_NAMES: Record<ListFormat, string> = { hosts: "hosts file", domains: "domain list", abp: "Adblock Plus / EasyList" };

const e = escapeHtml;

/** A list as tables show it: its file name, the full path in a tooltip. */
function listRef(list: string, line?: number | null): string {
  const name = list.slice(list.lastIndexOf("/") + 1);
  return `<span class="muted" title="${e(list)}">${e(name)}${line === undefined || line === null ? "" : `:${line}`}</span>`;
}
const num = (n: number): string => n.toLocaleString("en-US");

/** `3 d 4 h`, `2 h 13 min`, `5 min 2 s`, `12 s`. */
export function formatDuration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s} s`;
  return `${s} s`;
}

function time(ms: number): string {
  const d = new Date(ms);
  return `<time datetime="${d.toISOString()}">${d.toTimeString().slice(0, 8)}</time>`;
}

function toggle(data: PageData): string {
  const next = data.enabled ? "off" : "on";
  return `<div class="state"><span class="badge ${data.enabled ? "on" : "off"}" role="status">Filtering is ${data.enabled ? "on" : "off"}</span>
<form method="post" action="/toggle"><input type="hidden" name="token" value="${e(data.token)}"><input type="hidden" name="enabled" value="${next}">
<button type="submit"${data.enabled ? "" : ' class="primary"'}>Turn filtering ${next}</button></form></div>`;
}

function counters(data: PageData): string {
  const share = data.requests > 0 ? ` <span class="muted">(${Math.round((100 * data.blocked) / data.requests)}%)</span>` : "";
  return `<section aria-labelledby="status-h"><h2 id="status-h">Status</h2><dl class="cards">
<div><dt>Uptime</dt><dd>${formatDuration(data.uptime)}</dd></div>
<div><dt>Requests</dt><dd>${num(data.requests)}</dd></div>
<div><dt>Requests blocked</dt><dd>${num(data.blocked)}${share}</dd></div>
<div><dt>Cut from pages</dt><dd>${num(data.cut)}</dd></div>
<div><dt>Banners cut by size</dt><dd>${num(data.cutBySize)}</dd></div>
<div><dt>Block lists</dt><dd>${data.lists.length}</dd></div>${data.workers > 1 ? `\n<div><dt>Worker processes</dt><dd>${data.workers}</dd></div>` : ""}
</dl></section>`;
}

function explainSection(data: PageData): string {
  const x = data.explanation;
  const value = x === null ? "" : ` value="${e(x.input)}"`;
  let answer = "";
  if (x !== null && !x.ok) answer = `<p class="blocked" role="alert">${e(x.error)}</p>`;
  else if (x !== null && x.ok) {
    const rows = x.byType
      .map(({ label, decision: d }) => {
        const verdict = d.blocked ? '<span class="blocked">Blocked</span>' : '<span class="allowed">Allowed</span>';
        const why = d.rule === null ? '<span class="muted">no rule matches</span>' : `${d.excepted ? "exception " : ""}<code>${e(d.rule)}</code> ${listRef(d.list ?? "", d.line)}`;
        return `<tr><th scope="row">${e(label)}</th><td>${verdict}</td><td class="rule">${why}</td></tr>`;
      })
      .join("\n");
    const connect = x.connect === null
      ? `<p>HTTPS (CONNECT) to this host: <span class="allowed">allowed</span>.</p>`
      : `<p>HTTPS (CONNECT) to this host: <span class="blocked">refused</span> by <code>${e(x.connect.rule)}</code> ${listRef(x.connect.list, x.connect.line)}.</p>`;
    const rules = x.rules.length === 0
      ? `<p class="empty">No rule of the lists matches this URL.</p>`
      : `<ul class="lists">${x.rules.map((r) => `<li>${r.action === "exception" ? "exception" : "block"}: <code>${e(r.rule)}</code> ${listRef(r.list, r.line)}</li>`).join("")}</ul>`;
    answer = `<h3>Answer for <code>${e(x.url)}</code></h3>
${data.enabled ? "" : '<p class="muted">Filtering is off at the moment: nothing is blocked until it is turned on.</p>'}
<table><caption class="muted" style="text-align:left">What a request for this URL gets, by what loads it</caption>
<thead><tr><th scope="col">Request</th><th scope="col">Verdict</th><th scope="col">Rule</th></tr></thead><tbody>
${rows}</tbody></table>
${connect}<h3>Matching rules</h3>${rules}`;
  }
  return `<section aria-labelledby="explain-h" id="explain"><h2 id="explain-h">Explain a URL</h2>
<form class="explain" method="get" action="/explain"><label for="url">URL to check against the block lists</label>
<input id="url" name="url" type="text" inputmode="url" autocomplete="off" spellcheck="false" placeholder="https://ads.example.com/banner.gif"${value} required>
<button type="submit" class="primary">Explain</button></form>${answer}</section>`;
}

function topHosts(data: PageData): string {
  const body = data.topHosts.length === 0
    ? '<p class="empty">Nothing blocked yet.</p>'
    : `<table><thead><tr><th scope="col">Host</th><th scope="col" class="num">Blocks</th></tr></thead><tbody>
${data.topHosts.map(([h, n]) => `<tr><td class="url">${e(h)}</td><td class="num">${num(n)}</td></tr>`).join("\n")}</tbody></table>`;
  return `<section aria-labelledby="top-h"><h2 id="top-h">Most blocked hosts</h2>${body}</section>`;
}

function recent(data: PageData): string {
  const body = data.recent.length === 0
    ? '<p class="empty">Nothing blocked yet.</p>'
    : `<table><thead><tr><th scope="col">Time</th><th scope="col">Request</th><th scope="col" class="type">Type</th><th scope="col">Rule</th></tr></thead><tbody>
${data.recent.map((r) => `<tr><td>${time(r.time)}</td><td class="url">${e(r.url)}</td><td class="type">${e(r.type)}${r.cut ? " (cut from page)" : ""}</td><td class="rule"><code>${e(r.rule)}</code> ${listRef(r.list)}</td></tr>`).join("\n")}</tbody></table>`;
  return `<section aria-labelledby="recent-h"><h2 id="recent-h">Recent blocks</h2><p class="muted">Requests refused and elements cut from pages (banners cut by size are counted above, not listed).</p>${body}</section>`;
}

function lists(data: PageData): string {
  const items = data.lists
    .map((l) => `<li><code>${e(l.path)}</code>: ${l.format === null ? "not loaded" : FORMAT_NAMES[l.format]}${l.badLines > 0 ? `, <span class="blocked">${num(l.badLines)} bad line${l.badLines === 1 ? "" : "s"} skipped</span> (listed on ctc's stderr)` : ""}</li>`)
    .join("\n");
  const error = data.reloadError === null ? "" : `<p class="blocked" role="alert">The last reload failed, the previous rules are still in use: ${e(data.reloadError)}</p>`;
  return `<section aria-labelledby="lists-h"><h2 id="lists-h">Block lists</h2><ul class="lists">${items}</ul>
<p class="muted">Loaded at ${time(data.loadedAt)}. Lists are reloaded when a file changes and on <code>kill -HUP</code>.</p>${error}</section>`;
}

function inspectionSection(data: PageData): string {
  const x = data.inspection;
  const next = x.enabled ? "off" : "on";
  const refused = x.refused.length === 0
    ? '<p class="empty">None so far.</p>'
    : `<ul class="lists">${x.refused.map((h) => `<li><code>${e(h)}</code></li>`).join("")}</ul>`;
  const ca = x.fingerprint === null
    ? `<p class="muted">The CA is loaded, or created in <code>${e(x.caDir)}</code>, when inspection is first switched on.</p>`
    : `<p>Certificate authority: <code>${e(x.caPath ?? "")}</code>, SHA-256 fingerprint <code class="url">${e(x.fingerprint)}</code>.
<a href="/ca.pem" download="stdhttp-proxy-ca.pem">Download the CA certificate (ca.pem)</a> and import it in the browser as an authority (see ctc's README).</p>`;
  return `<section aria-labelledby="https-h" id="https"><h2 id="https-h">HTTPS inspection</h2>
<div class="state"><span class="badge ${x.enabled ? "on" : "off"}" role="status">HTTPS inspection is ${x.enabled ? "on" : "off"}</span>
<form method="post" action="/inspection"><input type="hidden" name="token" value="${e(data.token)}"><input type="hidden" name="enabled" value="${next}">
<button type="submit"${x.enabled ? "" : ' class="primary"'}>Turn HTTPS inspection ${next}</button></form></div>
<p class="muted">On, HTTPS pages are decrypted with a local certificate authority so banners are cut from them too. Clients must trust that authority.</p>
${ca}
<form method="post" action="/inspection" class="lists-form"><input type="hidden" name="token" value="${e(data.token)}">
<label for="inspect">Inspect only these hosts and their subdomains (one per line; empty: every host)</label>
<textarea id="inspect" name="inspect" rows="3" spellcheck="false">${e(x.inspect.join("\n"))}</textarea>
<label for="neverInspect">Never inspect these hosts and their subdomains (banks, apps that pin certificates)</label>
<textarea id="neverInspect" name="neverInspect" rows="3" spellcheck="false">${e(x.neverInspect.join("\n"))}</textarea>
<button type="submit">Save the lists</button> <span class="muted">(kept until ctc stops; use --inspect / --no-inspect or the config file to keep them)</span></form>
<h3>Hosts whose client refused our certificate</h3><p class="muted">Tunnelled untouched from then on (until ctc restarts).</p>${refused}</section>`;
}

function setup(data: PageData): string {
  return `<section aria-labelledby="setup-h"><h2 id="setup-h">Browser set-up</h2>
<p>Set the browser's HTTP proxy (and the HTTPS one) to <code>${e(data.proxyAddress)}</code>, or give it the automatic configuration
<a href="/proxy.pac">/proxy.pac</a>. Through the proxy this page is also at <a href="http://ctc.local/">http://ctc.local/</a>.</p></section>`;
}

/** The whole control page. */
export function renderControlPage(data: PageData): string {
  const notice = data.notice === null ? "" : `<section class="notice" role="status"><p style="margin:0">${e(data.notice)}</p></section>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>CTC: ${data.enabled ? "filtering on" : "filtering off"}</title>
<style>${CONTROL_CSS}</style></head>
<body><a class="skip" href="#main">Skip to content</a>
<header><h1>CTC <small>Cut The Crap: the ad-banner-cutting proxy</small></h1>${toggle(data)}</header>
<main id="main">${notice}
${counters(data)}
${explainSection(data)}
<div class="grid">${topHosts(data)}
${recent(data)}</div>
${lists(data)}
${inspectionSection(data)}
${setup(data)}
</main>
<footer>ctc ${e(data.version)} · <a href="/status.json">status.json</a></footer>
</body></html>
`;
}
