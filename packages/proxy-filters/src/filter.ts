/**
 * The filter pipeline: what a filter sees of a proxied exchange, what it may decide, and how
 * filters compose (in order; the first that answers a request ends the pipeline for it).
 * @module
 */

/** A proxied request as filters see it. `headers` and `url` may be rewritten by `onRequest`. */
export interface FilterRequest {
  method: string;
  /** The absolute URL requested (canonical: lower-case host, no default port). */
  url: URL;
  /** End-to-end request fields, in order; a filter may add, remove or change them. */
  headers: Array<[string, string]>;
  /** The client's address. */
  clientAddress: string;
}

/** A response's head as filters see it; `headers` may be rewritten by `onResponseHeaders`. */
export interface FilterResponse {
  status: number;
  reason: string;
  headers: Array<[string, string]>;
}

/** A direct answer from a filter instead of forwarding (a block page, a replacement image...). */
export interface FilterAnswer {
  status: number;
  reason?: string;
  headers?: Array<[string, string]>;
  body?: Buffer | string;
}

/**
 * A streaming body transform: each chunk in, the bytes to send out (possibly none until later);
 * `end()` gives what is left. Bytes must be passed on as soon as they are decided, so that a page
 * is never held whole in memory.
 */
export interface BodyTransform {
  push(chunk: Buffer): Buffer | null;
  end(): Buffer | null;
  /**
   * Optional: the output of `push(chunk)` as pieces produced one at a time, when they are taken.
   * The proxy then sends each piece (waiting for the client to take it) before asking for the
   * next, so a transform whose output can be much larger than its input (a compressed page being
   * decoded) never holds it all at once. A transform that has it must also have `endPieces`.
   */
  pushPieces?(chunk: Buffer): Iterable<Buffer>;
  /** Optional: the output of `end()` as pieces (see `pushPieces`). */
  endPieces?(): Iterable<Buffer>;
}

/** `parts` as one Buffer (no copy for a single part), or null when there are none. */
export function joinedOrNull(parts: readonly Buffer[]): Buffer | null {
  return parts.length === 0 ? null : parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/** The output of `t.push(chunk)`, as pieces. */
export function* pushedPieces(t: BodyTransform, chunk: Buffer): Generator<Buffer, void, undefined> {
  if (t.pushPieces) {
    yield* t.pushPieces(chunk);
    return;
  }
  const out = t.push(chunk);
  if (out !== null && out.length > 0) yield out;
}

/** The output of `t.end()`, as pieces. */
export function* endedPieces(t: BodyTransform): Generator<Buffer, void, undefined> {
  if (t.endPieces) {
    yield* t.endPieces();
    return;
  }
  const out = t.end();
  if (out !== null && out.length > 0) yield out;
}

/** Why a rule applied, for `explain()` and logs. */
export interface Explanation {
  filter: string;
  rule: string;
  action: string;
}

/**
 * A filter: each hook is optional. `onRequest` may rewrite the request or answer it directly;
 * `onResponseHeaders` may rewrite the response head; `onResponseBody` returns a transform for the
 * body (or null: the body passes untouched and unbuffered); `onConnect` may refuse a tunnel.
 */
export interface Filter {
  readonly name: string;
  onRequest?(req: FilterRequest): FilterAnswer | void | Promise<FilterAnswer | void>;
  onResponseHeaders?(req: FilterRequest, res: FilterResponse): FilterAnswer | void | Promise<FilterAnswer | void>;
  onResponseBody?(req: FilterRequest, res: FilterResponse): BodyTransform | null;
  onConnect?(host: string, port: number, clientAddress: string): FilterAnswer | void | Promise<FilterAnswer | void>;
  explain?(url: URL): Explanation[];
}

/** Run `onRequest` of each filter in order; the first answer wins. */
export async function runRequestFilters(filters: readonly Filter[], req: FilterRequest): Promise<FilterAnswer | null> {
  return firstAnswer(filters, (f) => f.onRequest?.(req));
}

/** Run `onResponseHeaders` of each filter in order; the first answer wins. */
export async function runResponseFilters(filters: readonly Filter[], req: FilterRequest, res: FilterResponse): Promise<FilterAnswer | null> {
  return firstAnswer(filters, (f) => f.onResponseHeaders?.(req, res));
}

type HookResult = FilterAnswer | void | Promise<FilterAnswer | void>;

/**
 * @internal The first answer of `hook` over `filters`, in order: synchronously when no filter
 * returned a promise (the forwarding path then takes no microtask turn per filter), else a promise.
 */
export function firstAnswer(filters: readonly Filter[], hook: (f: Filter) => HookResult): FilterAnswer | null | Promise<FilterAnswer | null> {
  for (let i = 0; i < filters.length; i++) {
    const answer = hook(filters[i]);
    if (answer instanceof Promise) return answerAfter(answer, filters, i + 1, hook);
    if (answer) return answer;
  }
  return null;
}

async function answerAfter(pending: Promise<FilterAnswer | void>, filters: readonly Filter[], from: number, hook: (f: Filter) => HookResult): Promise<FilterAnswer | null> {
  const answer = await pending;
  if (answer) return answer;
  for (let i = from; i < filters.length; i++) {
    const next = await hook(filters[i]);
    if (next) return next;
  }
  return null;
}

/** The body transforms of the filters that want one, chained in order (null when none does). */
export function bodyTransform(filters: readonly Filter[], req: FilterRequest, res: FilterResponse): BodyTransform | null {
  const chain = filters.map((f) => (f.onResponseBody ? f.onResponseBody(req, res) : null)).filter((t): t is BodyTransform => t !== null);
  if (chain.length === 0) return null;
  if (chain.length === 1) return chain[0];
  // Each piece a transform produces goes through the ones after it before the next is produced.
  function* through(i: number, piece: Buffer): Generator<Buffer, void, undefined> {
    if (i === chain.length) {
      yield piece;
      return;
    }
    for (const out of pushedPieces(chain[i], piece)) yield* through(i + 1, out);
  }
  function* ending(i: number): Generator<Buffer, void, undefined> {
    if (i === chain.length) return;
    for (const out of endedPieces(chain[i])) yield* through(i + 1, out);
    yield* ending(i + 1);
  }
  return {
    push: (chunk) => joinedOrNull([...through(0, chunk)]),
    end: () => joinedOrNull([...ending(0)]),
    pushPieces: (chunk) => through(0, chunk),
    endPieces: () => ending(0),
  };
}

/** Every filter's explanation of a URL, in order. */
export function explain(filters: readonly Filter[], url: URL): Explanation[] {
  return filters.flatMap((f) => (f.explain ? f.explain(url) : []));
}
