/**
 * "Explain this URL": what the block lists say about a URL when a page loads it as a page, an
 * image, a script, a frame or a style sheet, whether a CONNECT to its host is refused, and every
 * rule that matches it. Built from `BlockListFilter.decide()`, `explain()` and `blocksHost()`.
 * @module
 */
import { canonicalUrl, type BlockListFilter, type BlockDecision, type ResourceType } from "@stdhttp/proxy-filters";

/** The types the explanation is given for, with how the page words them. */
export const EXPLAINED_TYPES: ReadonlyArray<[ResourceType, string]> = [
  ["document", "Opened as a page"],
  ["image", "Loaded as an image (also: cut from pages)"],
  ["script", "Loaded as a script"],
  ["subdocument", "Loaded in a frame (also: cut from pages)"],
  ["stylesheet", "Loaded as a style sheet"],
];

/** One rule that matches the URL. */
export interface MatchingRule {
  rule: string;
  list: string;
  line: number;
  action: "block" | "exception";
}

/** The explanation of one URL, or why there is none. */
export type UrlExplanation =
  | { ok: false; input: string; error: string }
  | {
      ok: true;
      input: string;
      url: string;
      byType: Array<{ type: ResourceType; label: string; decision: BlockDecision }>;
      /** The rule refusing CONNECT to the URL's host (HTTPS), or null. */
      connect: { rule: string; list: string; line: number } | null;
      rules: MatchingRule[];
    };

/** Parse what the user typed: an absolute http(s) URL, or a host and path without the scheme. */
export function parseUserUrl(input: string): URL | null {
  const text = input.trim();
  if (text === "") return null;
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:/i.test(text) ? text : `http://${text}`);
    return url.protocol === "http:" || url.protocol === "https:" ? url : null;
  } catch {
    return null;
  }
}

/** Explain `input` with the lists of `blocklist`. */
export function explainUrl(blocklist: BlockListFilter, input: string): UrlExplanation {
  const parsed = parseUserUrl(input);
  if (parsed === null) return { ok: false, input, error: "This is not an http:// or https:// URL." };
  const url = canonicalUrl(parsed);
  const byType = EXPLAINED_TYPES.map(([type, label]) => ({ type, label, decision: blocklist.decide(url, { type }) }));
  const host = blocklist.blocksHost(url.hostname.replace(/^\[(.*)\]$/, "$1"));
  const rules = blocklist.explain(url).map((e) => ({ rule: e.rule, list: e.list, line: e.line, action: e.action }));
  return { ok: true, input, url: url.href, byType, connect: host === null ? null : { rule: host.text, list: host.list, line: host.line }, rules };
}
