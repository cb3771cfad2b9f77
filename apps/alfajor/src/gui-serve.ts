/**
 * Serving the GUI from the proxy's request handler: the page, its script and style, the JSON API
 * and the live log as server-sent events. Every answer carries a strict Content-Security-Policy
 * (no inline script, nothing from elsewhere) and `Cache-Control: no-store` (the page holds the
 * CSRF token).
 * @module
 */
import type { ProxyRequestHandler } from "@stdhttp/proxy-filters";
import { sseFrame, type EventSink } from "./cookie-log.js";
import { apiGet, apiPost, stateJson, type ApiAnswer } from "./gui-api.js";
import { guiPage } from "./gui-page.js";
import { GUI_SCRIPT } from "./gui-script.js";
import { GUI_STYLE } from "./gui-style.js";
import { guiHostAllowed, refuseCrossSiteRead, refuseStateChange } from "./gui-guard.js";
import type { AlfajorState } from "./state.js";

const SECURITY_HEADERS: Array<[string, string]> = [
  ["Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"],
  ["X-Content-Type-Options", "nosniff"],
  ["Referrer-Policy", "no-referrer"],
  ["Cache-Control", "no-store"],
];

/** A subscriber whose socket holds more than this many unsent bytes is dropped (it stopped reading). */
const MAX_SSE_BACKLOG = 1 << 20;

type Handler = ProxyRequestHandler;

function send(h: Handler, status: number, contentType: string, body: string | Buffer, extra: Array<[string, string]> = []): void {
  const data = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  h.sendResponse(status);
  for (const [k, v] of [...SECURITY_HEADERS, ...extra]) h.sendHeader(k, v);
  h.sendHeader("Content-Type", contentType);
  h.sendHeader("Content-Length", data.length);
  h.endHeaders();
  if (h.command !== "HEAD") h.wfile.write(data);
}

function sendJson(h: Handler, status: number, value: unknown): void {
  send(h, status, "application/json; charset=utf-8", JSON.stringify(value));
}

function sendAnswer(h: Handler, a: ApiAnswer): void {
  if (a.text) send(h, a.status, a.text.contentType, String(a.body), [["Content-Disposition", `attachment; filename="${a.text.filename}"`]]);
  else sendJson(h, a.status, a.body);
}

/**
 * Serve one GUI request. `host` is the `Host` the GUI is addressed at (for the origin check),
 * `target` the path and query.
 */
export async function serveGui(h: Handler, app: AlfajorState, host: string | undefined, target: string): Promise<void> {
  if (!guiHostAllowed(host)) {
    return send(h, 403, "text/plain; charset=utf-8", "Open the GUI at the proxy's address (an IP address or localhost), or at http://alfajor.local/ through the proxy.\n");
  }
  let url: URL;
  try {
    url = new URL(target, "http://alfajor.local");
  } catch {
    return sendJson(h, 400, { error: "bad request target" });
  }
  const method = h.command ?? "GET";
  if (method === "GET" || method === "HEAD") {
    if (url.pathname.startsWith("/api/")) {
      const refusal = refuseCrossSiteRead({ host, origin: h.headers.get("origin"), secFetchSite: h.headers.get("sec-fetch-site"), referer: h.headers.get("referer") });
      if (refusal !== null) return sendJson(h, 403, { error: `refused: ${refusal}` });
    }
    switch (url.pathname) {
      case "/":
        return send(h, 200, "text/html; charset=utf-8", guiPage(app.csrfToken));
      case "/app.js":
        return send(h, 200, "text/javascript; charset=utf-8", GUI_SCRIPT);
      case "/app.css":
        return send(h, 200, "text/css; charset=utf-8", GUI_STYLE);
      case "/api/events":
        return serveEvents(h, app);
      case "/ca.pem":
        return serveCaCertificate(h, app);
    }
    const answer = apiGet(app, url);
    if (answer) return sendAnswer(h, answer);
    return sendJson(h, 404, { error: `no such page: ${url.pathname}` });
  }
  if (method !== "POST") {
    h.sendResponse(405);
    h.sendHeader("Allow", "GET, HEAD, POST");
    h.sendHeader("Content-Length", 0);
    h.endHeaders();
    return;
  }
  const refusal = refuseStateChange(
    { host, origin: h.headers.get("origin"), secFetchSite: h.headers.get("sec-fetch-site"), token: h.headers.get("x-alfajor-token") },
    app.csrfToken,
  );
  if (refusal !== null) return sendJson(h, 403, { error: `refused: ${refusal}` });
  if (!/^application\/json\b/i.test(h.headers.get("content-type") ?? "")) return sendJson(h, 415, { error: "send JSON (Content-Type: application/json)" });
  let body: unknown;
  try {
    body = JSON.parse((await h.body.readAll(64 * 1024)).toString("utf8"));
  } catch {
    return sendJson(h, 400, { error: "the body is not JSON (at most 64 KiB)" });
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return sendJson(h, 400, { error: "the body must be a JSON object" });
  let answer: ApiAnswer | null;
  try {
    answer = await apiPost(app, url, body as Record<string, unknown>);
  } catch (err) {
    h.logError("alfajor: %s %s failed: %s", method, url.pathname, (err as Error).message);
    return sendJson(h, 500, { error: `the change could not be saved: ${(err as Error).message}` });
  }
  if (answer === null) return sendJson(h, 404, { error: `no such API call: ${url.pathname}` });
  sendAnswer(h, answer);
}

/**
 * `GET /ca.pem`: the local CA's certificate, for users to import (never the key: `LocalCA` has no
 * way to give it out). `application/x-x509-ca-cert` makes Firefox offer to trust it.
 */
function serveCaCertificate(h: Handler, app: AlfajorState): void {
  const ca = app.inspection.ca;
  if (ca === null) {
    return send(h, 404, "text/plain; charset=utf-8", "No CA yet: switch HTTPS inspection on (alfajor --https-inspection, or in the GUI) and Alfajor creates or loads it.\n");
  }
  send(h, 200, "application/x-x509-ca-cert", ca.certificatePem);
}

/** The live log: the state and the recent entries, then each new entry, until the client leaves. */
async function serveEvents(h: Handler, app: AlfajorState): Promise<void> {
  if (app.log.subscriberCount >= app.log.maxSubscribers) {
    return send(h, 503, "application/json; charset=utf-8", JSON.stringify({ error: "too many open live logs: close another Alfajor tab" }), [["Retry-After", "10"]]);
  }
  h.sendResponse(200);
  for (const [k, v] of SECURITY_HEADERS) h.sendHeader(k, v);
  h.sendHeader("Content-Type", "text/event-stream; charset=utf-8");
  h.sendHeader("Connection", "close");
  h.endHeaders();
  if (h.command === "HEAD") return;
  const socket = h.connection;
  // Browsers reconnect after 3 s by default; say it explicitly.
  h.wfile.write("retry: 3000\n\n" + sseFrame("state", stateJson(app)) + app.log.entries.map((e) => sseFrame("cookie", e, e.id)).join(""));
  await new Promise<void>((resolve) => {
    if (socket.destroyed || socket.readableEnded) return resolve();
    const sink: EventSink = {
      send(frame) {
        if (socket.destroyed || socket.writableLength > MAX_SSE_BACKLOG) return false;
        try {
          h.wfile.write(frame);
          return true;
        } catch {
          return false;
        }
      },
      close: resolve,
    };
    const leave = (): void => {
      app.log.unsubscribe(sink);
      resolve();
    };
    if (!app.log.subscribe(sink)) return resolve();
    // The client leaving shows as 'end' (the reader keeps the socket flowing; the server may allow
    // half-open sockets, so 'close' can come later) or 'close'/'error'.
    socket.once("end", leave);
    socket.once("close", leave);
    socket.once("error", leave);
  });
  h.closeConnection = true;
}
