/**
 * The GUI's script (plain JavaScript, no framework, no build step): renders the state the server
 * sends over server-sent events, adds each cookie decision to the log, and posts changes to the
 * JSON API with the page's CSRF token. Kept free of backticks and dollar-brace so it can live in
 * a TypeScript string.
 * @module
 */

/** `/app.js`. */
export const GUI_SCRIPT = `"use strict";
(function () {
  var token = document.querySelector('meta[name="alfajor-token"]').getAttribute("content");
  var LABELS = { allow: "Allow", session: "Session only", lifetime: "Limit lifetime", "send-only": "Send only", "accept-only": "Accept only", deny: "Block" };
  var DONE = { kept: "kept", session: "made session-only", capped: "lifetime capped", stripped: "blocked", "dropped-invalid": "dropped (invalid)" };
  var MAX_ROWS = 500;
  var state = null;
  var paused = false;
  var seen = {};
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, props, children) {
    var e = document.createElement(tag);
    if (props) Object.keys(props).forEach(function (k) {
      if (k === "text") e.textContent = props[k];
      else if (k === "class") e.className = props[k];
      else if (k.indexOf("on") === 0) e.addEventListener(k.slice(2), props[k]);
      else e.setAttribute(k, props[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }

  function say(message, isError) {
    var s = $("status");
    s.textContent = message;
    s.className = isError ? "status error" : "status";
  }

  function post(path, body) {
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Alfajor-Token": token },
      body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) {
          var why = data.error || res.status + " " + res.statusText;
          if (/CSRF/.test(why)) why += ". Alfajor was restarted since this page was loaded: reload the page.";
          say("Not saved: " + why, true);
          throw new Error(why);
        }
        render(data);
        return data;
      });
    }, function (err) { say("Alfajor did not answer: " + err.message, true); throw err; });
  }

  function settingOf(s) { return typeof s === "string" ? { action: s } : s; }
  function describe(s) {
    s = settingOf(s);
    return s.action === "lifetime" ? "Limit lifetime to " + s.maxAge + " s" : LABELS[s.action];
  }

  function setRule(site, action, maxAge) {
    var body = { site: site, action: action };
    if (action === "lifetime") body.maxAge = maxAge === undefined ? 86400 : Number(maxAge);
    return post("/api/site", body).then(function () { say("Saved: " + site + " \\u2192 " + describe(body)); });
  }
  function forget(site) {
    return post("/api/site/forget", { site: site }).then(function () { say("Forgot the rule for " + site + ": the defaults apply again."); });
  }

  function attributes(a) {
    var out = [];
    if (a.maxAge !== undefined) out.push("Max-Age=" + a.maxAge);
    if (a.expires !== undefined) out.push("Expires=" + a.expires);
    if (a.domain !== undefined) out.push("Domain=" + a.domain);
    if (a.path !== undefined) out.push("Path=" + a.path);
    if (a.secure) out.push("Secure");
    if (a.httpOnly) out.push("HttpOnly");
    if (a.sameSite !== undefined) out.push("SameSite=" + a.sameSite);
    if (a.partitioned) out.push("Partitioned");
    return out.join("; ");
  }

  function quickButtons(site) {
    function b(label, title, fn) { return el("button", { type: "button", text: label, "aria-label": title, title: title, onclick: fn }); }
    return el("div", { class: "quick" }, [
      b("Allow", "Allow cookies for " + site, function () { setRule(site, "allow"); }),
      b("Session", "Session-only cookies for " + site, function () { setRule(site, "session"); }),
      b("Block", "Block cookies for " + site, function () { setRule(site, "deny"); }),
      b("Forget", "Forget the rule for " + site, function () { forget(site); })
    ]);
  }

  function matchesFilter(e) {
    var f = $("log-filter").value.trim().toLowerCase();
    if (!f) return true;
    return (e.site + " " + e.cookieHost + " " + e.name).toLowerCase().indexOf(f) >= 0;
  }

  var sitesTimer = null;
  /** Count an entry the state's counters do not include yet; redraw the table soon (not on every cookie). */
  function count(e) {
    if (!state || e.id <= state.lastId) return;
    state.lastId = e.id;
    var c = state.counters[e.cookieSite] || (state.counters[e.cookieSite] = { kept: 0, limited: 0, blocked: 0 });
    if (e.action === "kept") c.kept++;
    else if (e.action === "session" || e.action === "capped") c.limited++;
    else c.blocked++;
    if (sitesTimer === null) sitesTimer = setTimeout(function () { sitesTimer = null; renderSites(); }, 250);
  }

  function addLog(e) {
    count(e);
    if (paused || seen[e.id]) return;
    seen[e.id] = true;
    var time = new Date(e.time);
    var row = el("tr", { "data-site": e.cookieSite }, [
      el("td", { class: "time", text: time.toTimeString().slice(0, 8), title: time.toString() }),
      el("td", { text: e.site }),
      el("td", {}, [document.createTextNode(e.cookieHost), e.thirdParty ? el("div", { class: "third", text: "third-party" }) : null]),
      el("td", { class: "mono", text: e.name }),
      el("td", { class: "mono", text: e.value }),
      el("td", { text: e.direction === "request" ? "sent \\u2191" : "set \\u2193", title: e.direction === "request" ? "Cookie sent by the browser" : "Set-Cookie from the site" }),
      el("td", { class: "mono", text: attributes(e.attributes) }),
      el("td", {}, [el("span", { class: "badge " + e.action, text: DONE[e.action] || e.action, title: e.reason ? e.reason : "rule: " + e.rule })]),
      el("td", {}, [quickButtons(e.cookieSite)])
    ]);
    row.hidden = !matchesFilter(e);
    row.entry = e;
    var body = $("log").tBodies[0];
    body.insertBefore(row, body.firstChild);
    while (body.rows.length > MAX_ROWS) body.deleteRow(body.rows.length - 1);
    $("log-empty").hidden = body.rows.length > 0;
  }

  function actionSelect(current, label, onchange, withDefault) {
    var s = el("select", { "aria-label": label });
    if (withDefault) s.appendChild(el("option", { value: "", text: "(defaults)" }));
    Object.keys(LABELS).forEach(function (a) { s.appendChild(el("option", { value: a, text: LABELS[a] })); });
    s.value = current;
    s.addEventListener("change", onchange);
    return s;
  }

  function counts(c) {
    if (!c) return "none yet";
    var parts = [];
    if (c.kept) parts.push(c.kept + " kept");
    if (c.limited) parts.push(c.limited + " limited");
    if (c.blocked) parts.push(c.blocked + " blocked");
    return parts.join(" \\u00b7 ");
  }

  function renderSites() {
    var body = $("sites").tBodies[0];
    var active = document.activeElement && document.activeElement.getAttribute("data-key");
    body.textContent = "";
    var sites = state.policy.sites;
    var names = Object.keys(sites);
    Object.keys(state.counters).forEach(function (s) { if (!(s in sites)) names.push(s); });
    names.sort();
    if (names.length === 0) body.appendChild(el("tr", {}, [el("td", { colspan: "4", class: "empty", text: "No rules yet: add one above, or use the buttons in the log." })]));
    names.forEach(function (site) {
      var rule = sites[site] ? settingOf(sites[site]) : null;
      var c = state.counters[site];
      var maxAge = el("input", { type: "number", min: "0", step: "1", "aria-label": "Max age in seconds for " + site, "data-key": "age:" + site, value: rule && rule.action === "lifetime" ? String(rule.maxAge) : "86400" });
      maxAge.hidden = !rule || rule.action !== "lifetime";
      maxAge.addEventListener("change", function () { setRule(site, "lifetime", maxAge.value); });
      var select = actionSelect(rule ? rule.action : "", "Rule for " + site, function () {
        if (select.value === "") forget(site);
        else setRule(site, select.value, maxAge.value);
      }, true);
      select.setAttribute("data-key", "rule:" + site);
      var forgetButton = el("button", { type: "button", text: "Forget", "aria-label": "Forget the rule for " + site, "data-key": "forget:" + site, onclick: function () { forget(site); } });
      forgetButton.disabled = !rule;
      body.appendChild(el("tr", { "data-site": site }, [
        el("th", { scope: "row", text: site }),
        el("td", {}, [select, document.createTextNode(" "), maxAge]),
        el("td", { text: counts(c) }),
        el("td", {}, [forgetButton])
      ]));
    });
    if (active) {
      var again = body.querySelector('[data-key="' + active.replace(/"/g, '\\\\"') + '"]');
      if (again) again.focus();
    }
  }

  function renderDefault(selectId, ageId, s) {
    s = settingOf(s);
    if (document.activeElement !== $(selectId)) $(selectId).value = s.action;
    $(ageId).hidden = $(selectId).value !== "lifetime";
    if (s.action === "lifetime" && document.activeElement !== $(ageId)) $(ageId).value = String(s.maxAge);
  }

  function render(next) {
    if (next && next.policy) state = next;
    if (!state) return;
    var t = $("toggle");
    t.setAttribute("aria-pressed", String(state.enabled));
    t.textContent = state.enabled ? "Filtering is on" : "Filtering is off";
    renderDefault("default-action", "default-max-age", state.policy.default);
    renderDefault("third-action", "third-max-age", state.policy.thirdPartyDefault);
    if (document.activeElement !== $("upstream")) $("upstream").value = state.upstream || "";
    $("policy-file").textContent = state.policyFile;
    var fe = $("file-error");
    if (state.policyError) {
      fe.hidden = false;
      fe.textContent = "The policy file has an error at line " + state.policyError.line + ", column " + state.policyError.column + ": " + state.policyError.reason + ". The last good policy stays in force until the file is fixed.";
    } else fe.hidden = true;
    renderSites();
    renderHttps(state.httpsInspection);
  }

  function renderHttps(h) {
    if (!h) return;
    var t = $("https-toggle");
    t.setAttribute("aria-pressed", String(h.enabled));
    t.textContent = h.enabled ? "HTTPS inspection is on" : "HTTPS inspection is off";
    $("https-exposed").hidden = !(h.enabled && h.exposed);
    $("https-ca").hidden = !h.caFile;
    $("https-no-ca").hidden = !!h.caFile;
    $("https-ca-dir").textContent = h.caDir;
    $("https-ca-file").textContent = h.caFile || "";
    $("https-fingerprint").textContent = h.fingerprint || "";
    if (document.activeElement !== $("https-inspect")) $("https-inspect").value = h.inspect.join("\\n");
    if (document.activeElement !== $("https-never")) $("https-never").value = h.neverInspect.join("\\n");
    var list = $("https-refused");
    list.textContent = "";
    if (h.refused.length === 0) list.appendChild(el("li", { class: "empty", text: "None." }));
    h.refused.forEach(function (host) { list.appendChild(el("li", { text: host })); });
  }

  function lines(id) {
    return $(id).value.split(/[\\s,]+/).filter(function (h) { return h !== ""; });
  }

  function connect() {
    var es = new EventSource("/api/events");
    es.addEventListener("state", function (m) { render(JSON.parse(m.data)); say(""); });
    es.addEventListener("cookie", function (m) { addLog(JSON.parse(m.data)); });
    es.onerror = function () {
      if (es.readyState === EventSource.CLOSED) {
        say("The live log is closed (too many open Alfajor tabs, or Alfajor stopped). Retrying in 10 s.", true);
        setTimeout(connect, 10000);
      } else say("Reconnecting to Alfajor\\u2026", true);
    };
    window.addEventListener("pagehide", function () { es.close(); }, { once: true });
  }

  function readDefault(selectId, ageId, key, body) {
    body[key] = $(selectId).value;
    if (body[key] === "lifetime") body[key + "MaxAge"] = Number($(ageId).value || 86400);
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("toggle").addEventListener("click", function () {
      var on = !(state && state.enabled);
      post("/api/enabled", { enabled: on }).then(function () { say(on ? "Filtering is on." : "Filtering is off: cookies pass untouched."); });
    });
    $("https-toggle").addEventListener("click", function () {
      var on = !(state && state.httpsInspection && state.httpsInspection.enabled);
      say(on ? "Switching HTTPS inspection on\\u2026" : "");
      post("/api/https-inspection", { enabled: on }).then(function () {
        say(on ? "HTTPS inspection is on: sites are decrypted with the CA below (import it in your browser)." : "HTTPS inspection is off: HTTPS sites go through untouched.");
      });
    });
    $("https-lists").addEventListener("submit", function (ev) {
      ev.preventDefault();
      post("/api/https-inspection", { inspect: lines("https-inspect"), neverInspect: lines("https-never") }).then(function () { say("HTTPS inspection lists saved (until Alfajor stops)."); });
    });
    $("pause").addEventListener("click", function () {
      paused = !paused;
      $("pause").setAttribute("aria-pressed", String(paused));
      $("pause").textContent = paused ? "Resume" : "Pause";
    });
    $("clear").addEventListener("click", function () { $("log").tBodies[0].textContent = ""; $("log-empty").hidden = false; });
    $("log-filter").addEventListener("input", function () {
      Array.prototype.forEach.call($("log").tBodies[0].rows, function (r) { r.hidden = !matchesFilter(r.entry); });
    });
    $("new-action").addEventListener("change", function () {
      var life = $("new-action").value === "lifetime";
      $("new-max-age").hidden = !life;
      document.querySelector(".max-age-label").hidden = !life;
    });
    $("add-site").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var site = $("new-site").value.trim().toLowerCase();
      if (!site) return;
      setRule(site, $("new-action").value, $("new-max-age").value).then(function () { $("new-site").value = ""; });
    });
    ["default-action", "third-action"].forEach(function (id) {
      $(id).addEventListener("change", function () { $(id === "default-action" ? "default-max-age" : "third-max-age").hidden = $(id).value !== "lifetime"; });
    });
    $("defaults").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = {};
      readDefault("default-action", "default-max-age", "default", body);
      readDefault("third-action", "third-max-age", "thirdPartyDefault", body);
      post("/api/defaults", body).then(function () { say("Defaults saved."); });
    });
    $("upstream-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var u = $("upstream").value.trim();
      post("/api/upstream", { upstream: u === "" ? null : u }).then(function () { say(u ? "Now forwarding through " + u + "." : "Now connecting directly."); });
    });
    $("import-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      post("/api/import", { format: $("import-format").value, mode: $("import-mode").value, text: $("import-text").value }).then(function (data) {
        $("import-text").value = "";
        say("Imported." + (data.warnings && data.warnings.length ? " " + data.warnings.join(" ") : ""));
      });
    });
    connect();
  });
})();
`;
