/**
 * The demo's host names and where their files are. The names end in `.test` (RFC 2606: reserved,
 * never resolved on the internet); both proxies reach them through `--host-map`.
 *
 * `news.demo.test` and `ads.demo.test` are one site for cookies (registrable domain `demo.test`,
 * since `.test` is no public suffix), so the third-party cookie comes from `widgets.social.test`,
 * another site, served by the ad server as well.
 * @module
 */
import { fileURLToPath } from "node:url";

/** The news site: front page, articles, first-party cookies, the cookie page. */
export const NEWS_HOST = "news.demo.test";
/** The ad server: banners of IAB sizes, a web bug and a click-tracker (on CTC's block list). */
export const ADS_HOST = "ads.demo.test";
/** A third-party "share" button on another site, served by the ad server: it sets a third-party cookie. */
export const WIDGETS_HOST = "widgets.social.test";

/** The demo's files: `news/` is served as news.demo.test, `ads/` as ads.demo.test and widgets.social.test. */
export const SITE_ROOT = fileURLToPath(new URL("../site", import.meta.url));
/** CTC's block list for the demo: ads.demo.test in EasyList syntax. */
export const BLOCKLIST = fileURLToPath(new URL("../blocklist.txt", import.meta.url));
/** The repository's root (the commands the demo runs are built there). */
export const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
