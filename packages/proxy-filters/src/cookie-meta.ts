/**
 * A streaming body transform that removes `<meta http-equiv="Set-Cookie" ...>` tags from HTML
 * (cookies set by the page itself, which no `Set-Cookie` rule sees). A simple scan, not an HTML
 * parser: a tag split across chunks is held back until its `>` (at most `limit` bytes, after
 * which it is passed on as is); every other byte passes unchanged and as soon as it is decided.
 * @module
 */
import { decodeHTMLAttribute } from "entities/decode";
import type { BodyTransform } from "./filter.js";

// HTML separates attributes with whitespace or "/" (`<meta/http-equiv=...>`).
const SET_COOKIE = /[\s/]http-equiv\s*=\s*["']?\s*set-cookie\s*["'\s/>]/i;
const CONTENT = /[\s/]content\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i;

/**
 * The index of the `>` closing the tag whose attributes start at `from`, or -1. As HTML
 * tokenizes: a quote opens a value only right after `=` (in `<meta a" ...>` it is part of a name).
 */
function tagEnd(s: string, from: number): number {
  let quote = "";
  let last = "";
  for (let j = from; j < s.length; j++) {
    const c = s[j];
    if (quote !== "") {
      if (c === quote) {
        quote = "";
        last = c;
      }
      continue;
    }
    if ((c === '"' || c === "'") && last === "=") quote = c;
    else if (c === ">") return j;
    else if (c !== " " && c !== "\t" && c !== "\n" && c !== "\r" && c !== "\f") last = c;
  }
  return -1;
}

/** Whether `tag` sets a cookie, also when written with character references (`set&#45;cookie`). */
function setsCookie(tag: string): boolean {
  return SET_COOKIE.test(tag) || (tag.includes("&") && SET_COOKIE.test(decodeHTMLAttribute(tag)));
}

/**
 * A transform removing `<meta http-equiv="Set-Cookie">` tags; `onStrip` gets each one's `content`.
 * @example
 * const t = stripMetaSetCookie((content) => console.log("stripped", content));
 * t.push(Buffer.from('<head><meta http-equiv="Set-Cookie" content="a=1"><title>')); // "<head><title>"
 */
export function stripMetaSetCookie(onStrip: (content: string) => void, limit = 8192): BodyTransform {
  let carry: Buffer = Buffer.alloc(0);
  const scan = (buf: Buffer): Buffer | null => {
    const s = buf.toString("latin1"); // one char per byte: indices are byte offsets
    const out: Buffer[] = [];
    let pos = 0;
    let i = 0;
    carry = Buffer.alloc(0);
    for (;;) {
      const lt = s.indexOf("<", i);
      if (lt < 0) break;
      const head = s.slice(lt, lt + 6).toLowerCase();
      if (head.length < 6) {
        if ("<meta ".startsWith(head)) carry = Buffer.from(buf.subarray(lt));
        if (carry.length > 0) break;
        i = lt + 1;
        continue;
      }
      if (!head.startsWith("<meta") || !/[\s/>]/.test(head[5])) {
        i = lt + 1;
        continue;
      }
      const end = tagEnd(s, lt + 5);
      if (end < 0) {
        if (s.length - lt <= limit) carry = Buffer.from(buf.subarray(lt));
        if (carry.length > 0) break;
        i = lt + 1;
        continue;
      }
      const tag = s.slice(lt, end + 1);
      if (setsCookie(tag)) {
        out.push(buf.subarray(pos, lt));
        pos = end + 1;
        const m = CONTENT.exec(tag);
        onStrip(Buffer.from(m?.[1] ?? m?.[2] ?? m?.[3] ?? "", "latin1").toString("utf8"));
      }
      i = end + 1;
    }
    out.push(buf.subarray(pos, s.length - carry.length));
    const result = Buffer.concat(out);
    return result.length > 0 ? result : null;
  };
  return {
    push: (chunk) => scan(carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk),
    end: () => {
      const rest = carry;
      carry = Buffer.alloc(0);
      return rest.length > 0 ? rest : null;
    },
  };
}
