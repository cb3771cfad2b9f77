/**
 * The GUI's HTML page: the live cookie log, the per-site table, the defaults, the parent proxy,
 * import and export, HTTPS inspection. Static markup filled in by `app.js`; the CSRF token is in a `<meta>`.
 * @module
 */
import { escapeHtml } from "@stdhttp/proxy-filters";

const ACTION_OPTIONS = `
          <option value="allow">Allow</option>
          <option value="session">Session only</option>
          <option value="lifetime">Limit lifetime</option>
          <option value="send-only">Send only (no new cookies)</option>
          <option value="accept-only">Accept only (never sent)</option>
          <option value="deny">Block</option>`;

/** The page, with this process's CSRF token. */
export function guiPage(token: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="alfajor-token" content="${escapeHtml(token)}">
<title>Alfajor: cookie filter</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header class="top">
  <h1>Alfajor <span class="tagline">cookie filter</span></h1>
  <div class="switch">
    <button id="toggle" type="button" aria-pressed="true" aria-describedby="toggle-help">Filtering is on</button>
    <span id="toggle-help" class="hint">Off: every cookie passes untouched.</span>
  </div>
</header>
<p id="status" class="status" role="status" aria-live="polite"></p>
<div id="file-error" class="file-error" role="alert" hidden></div>
<main>
  <section class="log" aria-labelledby="log-title">
    <div class="section-head">
      <h2 id="log-title">Live cookie log</h2>
      <div class="tools">
        <label for="log-filter">Filter</label>
        <input id="log-filter" type="search" placeholder="site or cookie name" autocomplete="off">
        <button id="pause" type="button" aria-pressed="false">Pause</button>
        <button id="clear" type="button">Clear</button>
      </div>
    </div>
    <p id="log-empty" class="empty">No cookies yet. Set this proxy in your browser and visit a site: each cookie sent or set shows up here, with what Alfajor did to it.</p>
    <div class="scroll" tabindex="0" role="region" aria-labelledby="log-title">
      <table id="log">
        <thead><tr>
          <th scope="col">Time</th><th scope="col">Page site</th><th scope="col">Cookie host</th><th scope="col">Name</th>
          <th scope="col">Value</th><th scope="col">Direction</th><th scope="col">Attributes</th><th scope="col">Action</th>
          <th scope="col">Rule for this site</th>
        </tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>

  <section class="sites" aria-labelledby="sites-title">
    <h2 id="sites-title">Sites</h2>
    <p class="hint">A rule for <code>example.com</code> covers its subdomains; <code>*.example.com</code> only the subdomains. The most specific rule wins.</p>
    <form id="add-site" class="row-form">
      <label for="new-site">Site</label>
      <input id="new-site" name="site" required placeholder="example.com" autocomplete="off" spellcheck="false">
      <label for="new-action">Rule</label>
      <select id="new-action" name="action">${ACTION_OPTIONS}
      </select>
      <label for="new-max-age" class="max-age-label" hidden>Max age (s)</label>
      <input id="new-max-age" name="maxAge" type="number" min="0" step="1" value="86400" hidden>
      <button type="submit">Add rule</button>
    </form>
    <div class="scroll" tabindex="0" role="region" aria-labelledby="sites-title">
      <table id="sites">
        <thead><tr><th scope="col">Site</th><th scope="col">Rule</th><th scope="col">Cookies seen</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>

  <section class="settings" aria-labelledby="settings-title">
    <h2 id="settings-title">Settings</h2>
    <form id="defaults" class="grid-form">
      <label for="default-action">Sites without a rule</label>
      <span><select id="default-action" name="default">${ACTION_OPTIONS}
      </select> <input id="default-max-age" type="number" min="0" step="1" aria-label="Max age in seconds for sites without a rule" hidden></span>
      <label for="third-action">Third-party cookies without a rule</label>
      <span><select id="third-action" name="thirdPartyDefault">${ACTION_OPTIONS}
      </select> <input id="third-max-age" type="number" min="0" step="1" aria-label="Max age in seconds for third-party cookies" hidden></span>
      <span></span><span><button type="submit">Save defaults</button></span>
    </form>
    <form id="upstream-form" class="grid-form">
      <label for="upstream">Parent proxy</label>
      <span><input id="upstream" name="upstream" placeholder="none: connect directly" autocomplete="off" spellcheck="false" aria-describedby="upstream-help">
      <button type="submit">Save</button></span>
      <span></span><span id="upstream-help" class="hint">http://[user:pass@]host:port, e.g. a cache or another filter. Empty: connect directly.</span>
    </form>
    <h3>Import and export</h3>
    <p>Export the policy as <a href="/api/export?format=json" download>JSON</a> or as a <a href="/api/export?format=junkbuster" download>Junkbuster cookiefile</a>.</p>
    <form id="import-form" class="grid-form">
      <label for="import-text">Import</label>
      <textarea id="import-text" rows="4" required placeholder="Paste a policy (JSON) or a cookiefile (one site per line)" spellcheck="false"></textarea>
      <label for="import-format">Format</label>
      <span><select id="import-format"><option value="json">Alfajor JSON</option><option value="junkbuster">Junkbuster cookiefile</option></select>
      <select id="import-mode" aria-label="How to import"><option value="merge">add to the current rules</option><option value="replace">replace the policy</option></select>
      <button type="submit">Import</button></span>
    </form>
    <p class="hint">Policy file: <code id="policy-file"></code> (edit it by hand if you like: Alfajor reloads it).</p>
  </section>

  <section class="https" aria-labelledby="https-title">
    <div class="section-head">
      <h2 id="https-title">HTTPS inspection</h2>
      <button id="https-toggle" type="button" aria-pressed="false" aria-describedby="https-help">HTTPS inspection is off</button>
    </div>
    <p id="https-help" class="hint">Off: HTTPS sites go through untouched tunnels and their cookies are not seen. On: Alfajor decrypts them with a local certificate authority that your browser must trust, so their cookies follow the policy too.</p>
    <div id="https-exposed" class="file-error" role="alert" hidden>This proxy listens beyond this machine: with inspection on, the HTTPS traffic of other machines it admits can be decrypted here.</div>
    <div id="https-ca" hidden>
      <p>Certificate authority: <code id="https-ca-file"></code><br>
      SHA-256 fingerprint: <code id="https-fingerprint" class="fingerprint"></code></p>
      <p><a href="/ca.pem" download="stdhttp-proxy-ca.pem">Download the CA certificate</a> and import it as an authority
      (Chromium: Settings, Privacy and security, Security, Manage certificates, Authorities; Firefox: Settings, Privacy &amp; Security, Certificates, View Certificates, Authorities, "Trust this CA to identify websites"). Its key never leaves this machine.</p>
    </div>
    <p id="https-no-ca" class="hint">The certificate authority is created (or loaded from <code id="https-ca-dir"></code>) the first time inspection is switched on.</p>
    <form id="https-lists" class="grid-form">
      <label for="https-inspect">Inspect only</label>
      <span><textarea id="https-inspect" rows="3" spellcheck="false" aria-describedby="https-inspect-help"></textarea>
      <span id="https-inspect-help" class="hint">One host per line (its subdomains too). Empty: every host.</span></span>
      <label for="https-never">Never inspect</label>
      <span><textarea id="https-never" rows="3" spellcheck="false" aria-describedby="https-never-help"></textarea>
      <span id="https-never-help" class="hint">E.g. your bank: these always go through untouched. Lists last until Alfajor stops.</span></span>
      <span></span><span><button type="submit">Save lists</button></span>
    </form>
    <h3 id="https-refused-title">Refused our certificate</h3>
    <p class="hint">Hosts whose client did not accept the certificate (the CA is not trusted there, or the app pins its certificates): tunnelled untouched until Alfajor restarts.</p>
    <ul id="https-refused" aria-labelledby="https-refused-title"></ul>
  </section>
</main>
</body>
</html>
`;
}
