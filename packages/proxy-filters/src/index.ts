/**
 * @stdhttp/proxy-filters: a filtering forward proxy as a library. `ProxyRequestHandler` forwards
 * absolute-form requests (pooled keep-alive upstream connections, streamed bodies, hop-by-hop
 * fields removed, `Via`, `Max-Forwards`, loop detection), tunnels CONNECT to allowed ports,
 * chains to a parent proxy, controls who may use it, and runs a pipeline of filters on every
 * exchange.
 * @module
 */
export { ProxyRequestHandler, DEFAULT_POOLS, type ProxyOptions } from "./handler.js";
export { PoolRegistry } from "./pools.js";
export { mapHost, parseHostMapEntry } from "./host-map.js";
export { parseUpstream, type UpstreamProxy } from "./upstream.js";
export { clientList, clientAllowed, basicAuthMatches, LOOPBACK } from "./access.js";
export { endToEnd, HOP_BY_HOP, nameIs } from "./hop-by-hop.js";
export { InvalidUpstreamAnswer } from "./answer-checks.js";
export { targetUrl } from "./forward.js";
export {
  explain,
  bodyTransform,
  runRequestFilters,
  runResponseFilters,
  type Filter,
  type FilterRequest,
  type FilterResponse,
  type FilterAnswer,
  type BodyTransform,
  type Explanation,
} from "./filter.js";
export { HTTPServer, ThreadingHTTPServer } from "@stdhttp/basehttpserver";
export { CookieFilter, type CookieEvent, type CookieFilterOptions } from "./cookies.js";
export { COOKIE_ACTIONS, compilePolicy, normalizeSite, siteOf, isThirdParty, type RequestContext, type CookieAction, type CookieRule, type CookiePolicy, type CookieVerdict, type CookieDecision } from "./cookie-policy.js";
export { parseSetCookie, serializeSetCookie, type SetCookie, type SetCookieParse, type CookieAttributes } from "./cookie-parse.js";
export { stripMetaSetCookie } from "./cookie-meta.js";
export { BlockListFilter, readListFile, type BlockListOptions, type BlockDecision, type BlockEvent, type BadLine, type BlockListExplanation } from "./blocklist.js";
export { detectFormat, type BlockListSource, type ListFormat, type RuleOrigin, type BadLineHandler } from "./blocklist-parse.js";
export { guessResourceType, type ResourceType } from "./blocklist-type.js";
export { BLANK_GIF, PATTERN_SVG, escapeHtml, type ImageBlocker } from "./blocklist-answers.js";
export { canonicalUrl, normalisePercentEncoding } from "./canonical-url.js";
export { BannerFilter, IAB_BANNER_SIZES, elementSize, type BannerFilterOptions, type BannerResourceType, type BannerCut, type BannerCutReason } from "./banners.js";
export { HtmlCutter, type HtmlCutterOptions, type HtmlElement, type CutDecision } from "./html-cutter.js";
export { ContentCodingError, createDecoder, parseContentCodings, isSupported as contentCodingSupported, type ContentCoding, type Decoder } from "./content-coding.js";
export { LocalCA, LocalCAError, trustInstructions, CA_CERT_FILE, CA_KEY_FILE, type LocalCAOptions } from "./tls-ca.js";
export { LeafCertificates, type Leaf, type LeafOptions } from "./tls-leaf.js";
export { refusedHosts, shouldInspect, type HttpsInspection, type TunnelTarget, type CACertificates } from "./inspection.js";
export { type PoolTls } from "./pools.js";
