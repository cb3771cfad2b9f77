/**
 * Junkbuster's cookiefile: one site pattern per line, meaning "these sites may set and read
 * cookies" (every other site gets none); `#` starts a comment. Junkbuster 2.0.x also read flags in
 * front of a pattern, kept here: `>` cookies may be read (sent) but not set, `<` set but not read,
 * `<>` and `~` no cookies. A pattern is `domain[:port][/path]`; Alfajor decides per host, so a port
 * or path is dropped with a warning.
 * @module
 */
import type { CookieAction } from "@stdhttp/proxy-filters";
import type { PolicyDocument, SiteSetting } from "./policy-document.js";

/** What a cookiefile says: the rules, and the lines that were not understood or were simplified. */
export interface CookiefileImport {
  sites: Record<string, CookieAction>;
  warnings: string[];
}

const FLAGS: ReadonlyArray<[string, CookieAction]> = [
  ["<>", "deny"],
  ["~", "deny"],
  [">", "send-only"],
  ["<", "accept-only"],
];

/** Parse a Junkbuster cookiefile. */
export function parseCookiefile(text: string): CookiefileImport {
  const sites: Record<string, CookieAction> = {};
  const warnings: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") return;
    let action: CookieAction = "allow";
    let pattern = line;
    for (const [flag, a] of FLAGS) {
      if (pattern.startsWith(flag)) {
        action = a;
        pattern = pattern.slice(flag.length).trim();
        break;
      }
    }
    const host = pattern.replace(/[:/].*$/, "").replace(/^\.+/, "").toLowerCase();
    if (host !== pattern.replace(/^\.+/, "").toLowerCase()) warnings.push(`line ${i + 1}: ${JSON.stringify(pattern)}: port and path ignored (rules apply per host)`);
    if (host === "" || /\s/.test(host) || !/^[a-z0-9*.-]+$/.test(host)) {
      warnings.push(`line ${i + 1}: ${JSON.stringify(raw.trim())} is not a site pattern: skipped`);
      return;
    }
    sites[host] = action;
  });
  return { sites, warnings };
}

/**
 * The document as a cookiefile. Actions a cookiefile cannot say are written as the nearest one
 * with a comment: session and lifetime as plain (allowed) lines.
 */
export function formatCookiefile(doc: PolicyDocument): string {
  const lines = ["# Junkbuster cookiefile exported by Alfajor: these sites may set and read cookies.", "# Flags: '>' read only, '<' set only, '~' none."];
  const nameOf = (s: SiteSetting): CookieAction => (typeof s === "string" ? s : s.action);
  for (const site of Object.keys(doc.sites).sort()) {
    const s = doc.sites[site];
    const action = nameOf(s);
    switch (action) {
      case "allow":
        lines.push(site);
        break;
      case "session":
        lines.push(`${site}  # session only in Alfajor`);
        break;
      case "lifetime":
        lines.push(`${site}  # lifetime limited to ${typeof s === "string" ? "?" : s.maxAge} s in Alfajor`);
        break;
      case "send-only":
        lines.push(`>${site}`);
        break;
      case "accept-only":
        lines.push(`<${site}`);
        break;
      case "deny":
        lines.push(`~${site}`);
        break;
    }
  }
  return lines.join("\n") + "\n";
}

/**
 * A document with the cookiefile's rules. `merge`: added to (and replacing) the current site
 * rules; `replace`: the cookiefile's meaning exactly: only its sites get cookies (defaults "deny").
 */
export function applyCookiefile(doc: PolicyDocument, imported: CookiefileImport, mode: "merge" | "replace"): PolicyDocument {
  if (mode === "replace") return { alfajor: 1, default: "deny", thirdPartyDefault: "deny", sites: { ...imported.sites } };
  return { ...doc, sites: { ...doc.sites, ...imported.sites } };
}
