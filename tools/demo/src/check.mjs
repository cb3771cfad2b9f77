/**
 * `--check`: the tries the demo suggests, made by the demo itself through both proxies, each
 * compared with what the origin server answers directly, so that every line says what the
 * proxies changed.
 * @module
 */
import { get } from "./client.mjs";
import { ADS_HOST, NEWS_HOST, WIDGETS_HOST } from "./hosts.mjs";

const NEWS = `http://${NEWS_HOST}`;
const ADS = `http://${ADS_HOST}`;
const WIDGETS = `http://${WIDGETS_HOST}`;

/** Request headers as a browser sends them for a page, an image and a frame of news.demo.test. */
const AS_DOCUMENT = { Accept: "text/html,application/xhtml+xml,*/*;q=0.8", "Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate" };
const AS_IMAGE = { Accept: "image/avif,image/webp,image/svg+xml,image/*,*/*;q=0.8", "Sec-Fetch-Dest": "image", "Sec-Fetch-Site": "same-site", Referer: `${NEWS}/` };
const AS_FRAME = { Accept: "text/html,*/*;q=0.8", "Sec-Fetch-Dest": "iframe", "Sec-Fetch-Site": "cross-site", Referer: `${NEWS}/` };

/**
 * The start tags of a page that load or link to the ad server: banners, the web bug, click-tracker links.
 * @param {string} html
 * @returns {string[]}
 */
export function adElements(html) {
  const adServer = ADS_HOST.replaceAll(".", "\\.");
  return html.match(new RegExp(`<(img|a|iframe|embed|object)\\b[^>]*\\b(src|href|data)\\s*=\\s*["']?http://${adServer}[^>]*>`, "gi")) ?? [];
}

/**
 * The first Set-Cookie field that sets `name`, or undefined.
 * @param {string[]} setCookies
 * @param {string} name
 */
function cookieField(setCookies, name) {
  return setCookies.find((field) => field.trimStart().startsWith(`${name}=`));
}

/**
 * What happened to the cookie `name` between the origin's answer and the proxied one, in words.
 * @param {string} name
 * @param {string[]} origin the origin's Set-Cookie fields
 * @param {string[]} proxied the Set-Cookie fields that came through the proxies
 */
function cookieFate(name, origin, proxied) {
  const before = cookieField(origin, name);
  const after = cookieField(proxied, name);
  if (before === undefined) return `${name}: not set by the origin`;
  if (after === undefined) return `${name}: stripped`;
  // The value may differ (a fresh random id on each request): compare the attributes.
  const attributes = (/** @type {string} */ field) => field.slice(field.indexOf(";") + 1 || field.length).trim();
  if (attributes(after) === attributes(before)) return `${name}: passed unchanged`;
  const lifetime = /;\s*(max-age|expires)=/i;
  if (lifetime.test(before) && !lifetime.test(after)) return `${name}: passed as a session cookie (lifetime removed)`;
  return `${name}: passed as "${after}"`;
}

/**
 * The checks, in order. Each resolves with `[ok, detail]`.
 * @param {import("./stack.mjs").Stack} stack
 * @returns {Array<[string, () => Promise<[boolean, string]>]>}
 */
function checks(stack) {
  const viaCtc = { proxyPort: stack.ctc.port };
  const viaAlfajor = { proxyPort: stack.alfajor.port };
  /** @type {(path: string, headers: Record<string, string>) => Promise<import("./client.mjs").Answer>} */
  const fromNews = (path, headers) => get(`${stack.news.url}${path.slice(1)}`, { headers: { ...headers, Host: NEWS_HOST } });
  /** @type {(host: string, path: string, headers: Record<string, string>) => Promise<import("./client.mjs").Answer>} */
  const fromAds = (host, path, headers) => get(`${stack.ads.url}${path.slice(1)}`, { headers: { ...headers, Host: host } });
  return [
    [
      "the front page through CTC has no banners",
      async () => {
        const origin = await fromNews("/", AS_DOCUMENT);
        const page = await get(`${NEWS}/`, { ...viaCtc, headers: AS_DOCUMENT });
        const before = adElements(origin.text).length;
        const after = adElements(page.text);
        const ok = page.status === 200 && page.text.includes("The Demo Gazette") && before > 0 && after.length === 0;
        const widget = page.text.includes(`${WIDGETS}/`) ? "the share widget (not an ad) kept" : "the share widget was cut too";
        return [ok, `${page.status}, ${after.length} of the origin's ${before} ad elements left (banners, web bug, click-tracker links); ${widget}${after.length ? `: ${after.join(" ")}` : ""}`];
      },
    ],
    [
      "the same page through Alfajor alone keeps them (cutting is CTC's job)",
      async () => {
        const origin = await fromNews("/", AS_DOCUMENT);
        const page = await get(`${NEWS}/`, { ...viaAlfajor, headers: AS_DOCUMENT });
        const before = adElements(origin.text).length;
        const after = adElements(page.text).length;
        return [page.status === 200 && after === before, `${page.status}, ${after} of ${before} ad elements`];
      },
    ],
    [
      "a banner image from the blocked ad server is replaced",
      async () => {
        const origin = await fromAds(ADS_HOST, "/banners/320x50.svg", AS_IMAGE);
        const image = await get(`${ADS}/banners/320x50.svg`, { ...viaCtc, headers: AS_IMAGE });
        const type = String(image.headers["content-type"] ?? "none");
        const ok = image.status === 200 && type.startsWith("image/") && !type.includes("svg") && !image.body.equals(origin.body);
        return [ok, `${image.status} ${type}, ${image.body.length} bytes (the ad server's banner: ${origin.headers["content-type"]}, ${origin.body.length} bytes)`];
      },
    ],
    [
      "the web bug is answered by CTC, without the ad server's cookie",
      async () => {
        const origin = await fromAds(ADS_HOST, "/cgi-bin/pixel.sh?page=front", AS_IMAGE);
        const pixel = await get(`${ADS}/cgi-bin/pixel.sh?page=front`, { ...viaCtc, headers: AS_IMAGE });
        const ok = cookieField(origin.setCookies, "ad_uid") !== undefined && cookieField(pixel.setCookies, "ad_uid") === undefined && pixel.status === 200;
        return [ok, `${pixel.status} ${pixel.headers["content-type"]}; ${cookieFate("ad_uid", origin.setCookies, pixel.setCookies)}`];
      },
    ],
    [
      "a click-tracker link is refused",
      async () => {
        const origin = await fromAds(ADS_HOST, "/cgi-bin/click.sh?ad=bank", AS_DOCUMENT);
        const click = await get(`${ADS}/cgi-bin/click.sh?ad=bank`, { ...viaCtc, headers: AS_DOCUMENT });
        const ok = origin.status === 302 && click.status >= 400 && click.headers.location === undefined;
        return [ok, `${click.status} from CTC (the tracker itself answers ${origin.status} to ${origin.headers.location})`];
      },
    ],
    [
      "first-party cookies pass through both proxies (Alfajor's default policy)",
      async () => {
        const origin = await fromNews("/cgi-bin/article.sh?id=cookies", AS_DOCUMENT);
        const page = await get(`${NEWS}/cgi-bin/article.sh?id=cookies`, { ...viaCtc, headers: AS_DOCUMENT });
        const ok = page.status === 200 && ["news_session", "last_read"].every((name) => cookieField(page.setCookies, name) !== undefined);
        return [ok, `${page.status}; ${cookieFate("news_session", origin.setCookies, page.setCookies)}; ${cookieFate("last_read", origin.setCookies, page.setCookies)}`];
      },
    ],
    [
      "the news site receives its cookies (the cookie page)",
      async () => {
        const page = await get(`${NEWS}/cgi-bin/cookies.sh`, { ...viaCtc, headers: { ...AS_DOCUMENT, Cookie: "news_session=0123abcd; last_read=cookies" } });
        const ok = page.status === 200 && page.text.includes("<td>news_session</td>") && page.text.includes("<td>last_read</td>");
        const names = [...page.text.matchAll(/<tr><td>([^<]*)<\/td>/g)].map((m) => m[1]);
        return [ok, `${page.status}; the page lists: ${names.length ? names.join(", ") : "no cookies"}`];
      },
    ],
    [
      "a third-party cookie is handled by Alfajor's default policy",
      async () => {
        const origin = await fromAds(WIDGETS_HOST, "/cgi-bin/share.sh?page=front", AS_FRAME);
        const widget = await get(`${WIDGETS}/cgi-bin/share.sh?page=front`, { ...viaCtc, headers: AS_FRAME });
        const back = await get(`${WIDGETS}/cgi-bin/share.sh?page=front`, { ...viaCtc, headers: { ...AS_FRAME, Cookie: "social_uid=0123abcd" } });
        const set = cookieFate("social_uid", origin.setCookies, widget.setCookies);
        const sent = back.text.includes("recognised you") ? "a social_uid sent back reaches the widget" : "a social_uid sent back is stripped";
        const ok = widget.status === 200 && cookieField(origin.setCookies, "social_uid") !== undefined && !set.endsWith("passed unchanged");
        return [ok, `${widget.status}; ${set}; ${sent}`];
      },
    ],
    [
      "CTC's control page loads",
      async () => {
        const page = await get(stack.ctc.url, { headers: AS_DOCUMENT });
        return [page.status === 200 && /text\/html/.test(String(page.headers["content-type"])), `${stack.ctc.url}: ${page.status} ${page.headers["content-type"]}`];
      },
    ],
    [
      "Alfajor's GUI loads",
      async () => {
        const page = await get(stack.alfajor.url, { headers: AS_DOCUMENT });
        return [page.status === 200 && /text\/html/.test(String(page.headers["content-type"])), `${stack.alfajor.url}: ${page.status} ${page.headers["content-type"]}`];
      },
    ],
  ];
}

/**
 * Runs every check, writing one line per check; resolves true when all passed.
 * @param {import("./stack.mjs").Stack} stack
 * @param {(text: string) => void} write
 */
export async function runChecks(stack, write) {
  const list = checks(stack);
  let passed = 0;
  for (const [name, check] of list) {
    let ok = false;
    let detail;
    try {
      [ok, detail] = await check();
    } catch (err) {
      detail = `error: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (ok) passed++;
    write(`  ${ok ? "ok  " : "FAIL"}  ${name}\n        ${detail}\n`);
  }
  write(`${passed} of ${list.length} checks passed.\n`);
  return passed === list.length;
}
