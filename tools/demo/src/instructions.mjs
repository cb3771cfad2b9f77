/**
 * What the running demo prints: the chain, the host names, and what to try.
 * @module
 */
import { ADS_HOST, NEWS_HOST, WIDGETS_HOST } from "./hosts.mjs";

/**
 * The text shown once everything is up.
 * @param {import("./stack.mjs").Stack} stack
 * @returns {string}
 */
export function instructions(stack) {
  const ctc = stack.ctc.url.replace(/\/$/, "");
  const alfajor = stack.alfajor.url.replace(/\/$/, "");
  return `
The stdhttp demo is running on 127.0.0.1: a news site with ad banners and cookies, behind two proxies.

  browser -> CTC ${ctc} (cuts banners) -> Alfajor ${alfajor} (filters cookies) -> the sites

  ${NEWS_HOST.padEnd(20)} the news site (cgihttpserver on ${stack.news.url.replace(/\/$/, "")}): front page, articles, first-party cookies
  ${ADS_HOST.padEnd(20)} the ad server (cgihttpserver on ${stack.ads.url.replace(/\/$/, "")}): banners, a web bug, a click-tracker; on CTC's block list
  ${WIDGETS_HOST.padEnd(20)} a "share" button from another site (the ad server again): a third-party cookie

Try it with curl:
  # the front page, its banners, web bug and click-tracker links cut by CTC
  curl -x ${ctc} http://${NEWS_HOST}/
  # the same page through Alfajor alone: everything still there
  curl -x ${alfajor} http://${NEWS_HOST}/
  # first-party cookies, as Alfajor lets them through (its default: session cookies only)
  curl -si -x ${ctc} 'http://${NEWS_HOST}/cgi-bin/article.sh?id=cookies' | grep -i '^set-cookie'
  # a third-party cookie (the share button on a news page): stripped by Alfajor, compare with the origin's answer
  curl -si -x ${ctc} -H 'Referer: http://${NEWS_HOST}/' http://${WIDGETS_HOST}/cgi-bin/share.sh | grep -i '^set-cookie'
  curl -si -H 'Host: ${WIDGETS_HOST}' ${stack.ads.url}cgi-bin/share.sh | grep -i '^set-cookie'
  # a click-tracker: refused by CTC, with the rule that matched
  curl -s -x ${ctc} 'http://${ADS_HOST}/cgi-bin/click.sh?ad=bank'

Or with a browser: set its HTTP proxy to 127.0.0.1 port ${stack.ctc.port} (no proxy for HTTPS is needed), e.g.
  chromium --proxy-server=${ctc} --user-data-dir="$(mktemp -d)" http://${NEWS_HOST}/
and open http://${NEWS_HOST}/, then http://${NEWS_HOST}/cgi-bin/cookies.sh (the cookies the site received).

Control pages:
  CTC       ${stack.ctc.url}    status, recent blocks, explain a URL, on/off
  Alfajor   ${stack.alfajor.url}    live cookie log, per-site cookie policy (kept in a temporary file)

Press Ctrl-C to stop.
`;
}
