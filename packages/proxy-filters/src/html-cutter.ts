/**
 * A streaming HTML element cutter: bytes in, the same bytes out minus the elements a policy
 * decides to remove (optionally replaced by a string), plus an optional string injected after
 * `<head>`. The document is never re-serialised: output is copied from byte ranges of the input,
 * and only the bytes of a tag still being tokenized, or of an element being removed, are held.
 *
 * Charset: the tokenizer (htmlparser2's `Tokenizer`, which positions every event by character
 * index) is fed the bytes decoded as latin1, where one byte is one character. Character indices
 * are therefore byte offsets, whatever the page's real charset, and ranges of the input can be
 * copied out exactly. Markup (`<`, `>`, quotes, tag and attribute names) is ASCII in every
 * ASCII-compatible charset (UTF-8, ISO-8859-x, windows-125x, Shift_JIS and EUC for the ASCII
 * range), so tags are found correctly and ASCII attribute values (URLs, sizes) read correctly.
 * An attribute value with non-ASCII bytes is decoded as UTF-8 when it is valid UTF-8 and the page
 * is not declared in another charset (`charset`), as a browser reads a UTF-8 page (so that
 * `http://例え.jp/` is the URL the browser will ask for); otherwise as latin1 (windows-1252 for
 * those bytes). UTF-16 pages (a UTF-16 byte order mark) are not ASCII-compatible and are passed
 * through uncut; so is a page whose `charset` names UTF-16 or UTF-32 (the caller's check).
 * @module
 */
import { isUtf8 } from "node:buffer";
import { decodeHTMLAttribute } from "entities/decode";
import { Tokenizer, type TokenizerCallbacks } from "htmlparser2";

/** An element whose start tag has been read, as the policy sees it. */
export interface HtmlElement {
  /** Lower-case tag name. */
  name: string;
  /**
   * Attributes, names lower-cased, values with character references decoded (first one wins).
   * A value may be a substring of the chunk of the page being cut and share its memory: copy one
   * that is kept beyond the callback (`` ` ${value}`.slice(1) `` makes a string of its own).
   */
  attribs: Record<string, string>;
}

/** What to do with an element: keep it, or cut it (and put `replacement` in its place). */
export type CutDecision = null | { replacement: string };

export interface HtmlCutterOptions {
  /** Decide on an element whose start tag is complete; only called outside elements being cut. */
  decide(el: HtmlElement): CutDecision;
  /** Called for every complete start tag outside cut elements (to see `<base href>`...). */
  observe?(el: HtmlElement): void;
  /** Injected right after the `<head>` start tag, or before the first element that is not `<html>`/`<head>`. */
  inject?: string | null;
  /** XHTML: `<x/>` closes the element. Default false (HTML rules: ignored except on void elements). */
  xhtml?: boolean;
  /**
   * Bytes of an element being cut held at most (a missing end tag must not swallow the page):
   * beyond this the cut is abandoned and the element passed on unchanged. Default 256 KiB.
   */
  maxCutBytes?: number;
  /**
   * The elements `decide` and `observe` are called for (lower-case names); attributes of other
   * elements are not even read. Default: every element.
   */
  elements?: ReadonlySet<string>;
  /**
   * The page's charset as declared by its `Content-Type` (lower case), if any: attribute values
   * with non-ASCII bytes are read as UTF-8 unless it names another charset. Default: undeclared.
   */
  charset?: string | null;
}

const NON_ASCII = /[\u0080-\u00ff]/;

/** `latin1` (one character per byte) read as UTF-8 when those bytes are valid UTF-8; else as it is. */
function utf8IfValid(latin1: string): string {
  const bytes = Buffer.from(latin1, "latin1");
  return isUtf8(bytes) ? bytes.toString("utf8") : latin1;
}

/** Void elements (no end tag, no content). */
const VOID = new Set(["area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "image", "input", "keygen", "link", "meta", "param", "source", "track", "wbr"]);

interface Cut {
  name: string;
  start: number;
  replacement: string;
  /** Elements opened inside the cut element and not closed yet. */
  inner: string[];
}

/**
 * The cutter: `push(chunk)` returns the bytes decided so far, `end()` the rest. Positions below
 * are absolute byte offsets in the input stream.
 */
export class HtmlCutter {
  private readonly tokenizer: Tokenizer;
  private readonly opts: HtmlCutterOptions;
  private readonly maxCut: number;
  /** Whether non-ASCII attribute values may be read as UTF-8 (see `charset`). */
  private readonly utf8Values: boolean;
  /** The first bytes, until two are known (a UTF-16 byte order mark is looked for). */
  private prefix: Buffer | null = Buffer.alloc(0);
  /** A UTF-16 page: every byte passed on unchanged. */
  private passThrough = false;
  /** Input bytes from `heldStart` on (not yet sent nor dropped, or needed for slices). */
  private held: Buffer = Buffer.alloc(0);
  private heldStart = 0;
  /** The chunk being tokenized, as latin1 text, and the offset of its first byte (names and values are cut from it). */
  private text = "";
  private textStart = 0;
  /** Everything before `decided` has been sent or dropped. */
  private decided = 0;
  /** Everything before `done` is tokenized (complete tokens or text). */
  private done = 0;
  private received = 0;
  private out: Buffer[] = [];
  private cut: Cut | null = null;
  private injected: boolean;
  // The tag being read.
  private tagStart = -1;
  private tagName = "";
  private attribs: Record<string, string> = {};
  private attrName = "";
  private attrValue = "";
  /** Whether the tag being read is one of `elements` (its attributes are collected). */
  private wanted = true;
  /** A close tag whose `>` is still to come: name, `<` position, name end. */
  private closing: { endsCut: boolean; start: number; nameEnd: number } | null = null;

  constructor(opts: HtmlCutterOptions) {
    this.opts = opts;
    this.maxCut = opts.maxCutBytes ?? 256 * 1024;
    const charset = opts.charset?.trim().toLowerCase() ?? "";
    this.utf8Values = charset === "" || charset === "utf-8" || charset === "utf8" || charset === "unicode-1-1-utf-8";
    this.injected = !opts.inject;
    const cbs: TokenizerCallbacks = {
      onattribdata: (s, e) => {
        if (this.wanted) this.attrValue += this.slice(s, e);
      },
      onattribend: () => {
        if (!this.wanted) return;
        if (this.tagStart >= 0 && !Object.hasOwn(this.attribs, this.attrName)) {
          const value = this.attrValue;
          // Character references are decoded here, in the values of the elements looked at only
          // (HTML's rules for attribute values: `&amp` before `=` or an alphanumeric stays as is).
          const decoded = value.includes("&") ? decodeHTMLAttribute(value) : value;
          this.attribs[this.attrName] = this.utf8Values && NON_ASCII.test(decoded) ? utf8IfValid(decoded) : decoded;
        }
        this.attrValue = "";
      },
      onattribname: (s, e) => {
        if (this.wanted) this.attrName = this.slice(s, e).toLowerCase();
      },
      oncdata: (_s, e) => this.token(e + 1),
      oncomment: (_s, e) => this.token(e + 1),
      ondeclaration: (_s, e) => this.token(e + 1),
      onprocessinginstruction: (_s, e) => this.token(e + 1),
      ontext: (_s, e) => this.token(e),
      // Character references are not decoded by the tokenizer (see below): these never come.
      onattribentity: () => undefined,
      ontextentity: () => undefined,
      onend: () => undefined,
      onopentagname: (s, e) => this.openTagName(s, e),
      onopentagend: (e) => this.openTagEnd(e, false),
      onselfclosingtag: (e) => this.openTagEnd(e, true),
      onclosetag: (s, e) => this.closeTag(s, e),
    };
    // No decoding by the tokenizer: it then skips through text and attribute values to the next
    // `<` or quote instead of stepping its state machine over every character (text is passed
    // on as bytes, never decoded; attribute values are decoded above when needed).
    this.tokenizer = new Tokenizer({ xmlMode: false, decodeEntities: false }, cbs);
  }

  push(chunk: Buffer): Buffer | null {
    if (chunk.length === 0) return null;
    if (this.passThrough) return chunk;
    if (this.prefix !== null) {
      // HTML's encoding sniffing starts with the byte order mark: FF FE or FE FF is UTF-16.
      const first = this.prefix.length === 0 ? chunk : Buffer.concat([this.prefix, chunk]);
      if (first.length < 2) {
        this.prefix = first;
        return null;
      }
      this.prefix = null;
      if ((first[0] === 0xff && first[1] === 0xfe) || (first[0] === 0xfe && first[1] === 0xff)) {
        this.passThrough = true;
        return first;
      }
      chunk = first;
    }
    this.held = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    this.textStart = this.received;
    this.received += chunk.length;
    this.text = chunk.toString("latin1");
    this.tokenizer.write(this.text);
    this.resolveClosing();
    this.settle();
    return this.take();
  }

  end(): Buffer | null {
    if (this.passThrough) return null;
    if (this.prefix !== null && this.prefix.length > 0) {
      // A one-byte document: nothing to cut.
      const rest = this.prefix;
      this.prefix = null;
      return rest;
    }
    this.tokenizer.end();
    this.resolveClosing();
    if (this.cut !== null) {
      // The document ended inside the element: its content is all that is left.
      this.drop(this.received);
      this.insert(this.cut.replacement);
      this.cut = null;
    }
    this.emit(this.received);
    return this.take();
  }

  // ---- byte bookkeeping

  /**
   * Input bytes `[s, e)` as latin1 text: a substring of the chunk's text (no copy, no call into
   * C++) unless the range began in an earlier chunk. Such a substring shares the chunk's memory:
   * whoever keeps one for long copies it first (see `ResolvedUrls`).
   */
  private slice(s: number, e: number): string {
    const from = s - this.textStart;
    if (from >= 0) return this.text.slice(from, e - this.textStart);
    return this.held.toString("latin1", s - this.heldStart, e - this.heldStart);
  }

  /** Send input bytes up to `pos`. */
  private emit(pos: number): void {
    if (pos <= this.decided) return;
    this.out.push(this.held.subarray(this.decided - this.heldStart, pos - this.heldStart));
    this.decided = pos;
  }

  /** Drop input bytes up to `pos`. */
  private drop(pos: number): void {
    if (pos > this.decided) this.decided = pos;
  }

  private insert(s: string): void {
    if (s !== "") this.out.push(Buffer.from(s, "utf8"));
  }

  /** After a write: send what is decided, give up an over-long cut, forget what is no longer needed. */
  private settle(): void {
    if (this.cut !== null && this.received - this.cut.start > this.maxCut) this.cut = null;
    if (this.cut === null) this.emit(this.tagStart >= 0 ? Math.min(this.done, this.tagStart) : this.done);
    let keep = this.decided;
    if (this.tagStart >= 0) keep = Math.min(keep, this.tagStart);
    if (this.closing !== null) keep = Math.min(keep, this.closing.start);
    if (keep > this.heldStart) {
      this.held = this.held.subarray(keep - this.heldStart);
      this.heldStart = keep;
    }
  }

  private take(): Buffer | null {
    if (this.out.length === 0) return null;
    const b = this.out.length === 1 ? this.out[0] : Buffer.concat(this.out);
    this.out = [];
    return b.length === 0 ? null : b;
  }

  // ---- tokens

  /** A token other than a tag ended just before `end`. */
  private token(end: number): void {
    this.resolveClosing();
    if (end > this.done) this.done = end;
  }

  /** A pending close tag is complete once its `>` has arrived (the tokenizer skips to it). */
  private resolveClosing(): void {
    const c = this.closing;
    if (c === null) return;
    const i = this.held.indexOf(0x3e, c.nameEnd - this.heldStart);
    if (i < 0) return;
    this.closing = null;
    const end = this.heldStart + i + 1;
    this.done = Math.max(this.done, end);
    if (c.endsCut && this.cut !== null) {
      this.drop(end);
      this.insert(this.cut.replacement);
      this.cut = null;
    }
  }

  private openTagName(s: number, e: number): void {
    this.resolveClosing();
    this.tagStart = s - 1;
    this.done = Math.max(this.done, this.tagStart);
    this.tagName = this.slice(s, e).toLowerCase();
    this.wanted = this.opts.elements === undefined || this.opts.elements.has(this.tagName);
    if (this.wanted) this.attribs = {};
  }

  private openTagEnd(e: number, selfClosing: boolean): void {
    const start = this.tagStart;
    const end = e + 1;
    const el: HtmlElement = { name: this.tagName, attribs: this.attribs };
    this.tagStart = -1;
    this.done = Math.max(this.done, end);
    if (start < 0) return;
    const closed = VOID.has(el.name) || (selfClosing && this.opts.xhtml === true);
    const cut = this.cut;
    if (cut !== null) {
      // A new <a> ends an open one (HTML's adoption agency): the cut ends before it.
      if (!(cut.name === "a" && el.name === "a" && !cut.inner.includes("a"))) {
        if (!closed) cut.inner.push(el.name);
        return;
      }
      this.drop(start);
      this.insert(cut.replacement);
      this.cut = null;
    }
    if (this.wanted) this.opts.observe?.(el);
    if (!this.injected && el.name !== "html") {
      this.injected = true;
      if (el.name === "head") {
        this.emit(end);
        this.insert(this.opts.inject!);
      } else {
        this.emit(start);
        this.insert(this.opts.inject!);
      }
    }
    if (!this.wanted) return;
    const decision = this.opts.decide(el);
    if (decision === null) return;
    this.emit(start);
    if (closed) {
      this.drop(end);
      this.insert(decision.replacement);
    } else {
      this.cut = { name: el.name, start, replacement: decision.replacement, inner: [] };
    }
  }

  private closeTag(s: number, e: number): void {
    this.resolveClosing();
    const name = this.slice(s, e).toLowerCase();
    // `</ name`: the tag starts at the last `<` before the name.
    const lt = this.held.lastIndexOf(0x3c, s - 1 - this.heldStart);
    const start = lt < 0 ? s - 2 : this.heldStart + lt;
    this.done = Math.max(this.done, start);
    const cut = this.cut;
    let endsCut = false;
    if (cut !== null) {
      const i = cut.inner.lastIndexOf(name);
      if (i >= 0) cut.inner.length = i;
      else if (name === cut.name) endsCut = true;
      else {
        // The end tag of an element opened before the cut one: that closes it implicitly.
        this.drop(start);
        this.insert(cut.replacement);
        this.cut = null;
      }
    }
    this.closing = { endsCut, start, nameEnd: e };
  }
}
