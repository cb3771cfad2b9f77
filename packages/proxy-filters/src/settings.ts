/**
 * `@stdhttp/proxy-filters/settings`: the parsers of a proxy app's settings (client address
 * lists, a parent proxy URL, host map entries) without the proxy and its filters. An app's
 * command-line checking, or the primary process of a cluster that only starts workers, imports
 * this entry point and none of the proxy, the HTML tokenizer or the block-list engine (a few MB
 * of code and heap per process).
 * @module
 */
export { mapHost, parseHostMapEntry } from "./host-map.js";
export { parseUpstream, type UpstreamProxy } from "./upstream.js";
export { clientList, clientAllowed, basicAuthMatches, LOOPBACK } from "./access.js";
export type { ImageBlocker } from "./blocklist-answers.js";
