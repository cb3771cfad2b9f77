/**
 * Relaying an origin's answer to the client: the response filters, hop-by-hop fields removed,
 * one parsed Content-Length, `Via`, and the body streamed with backpressure (through the filters'
 * transforms, piece by piece), the client's departure noticed.
 * @module
 */
import { encodeChunk, type HTTPResponse } from "@stdhttp/httplib";
import type { ClientWatch } from "./client-watch.js";
import { sendAnswer, type ProxyExchange } from "./exchange.js";
import { bodyTransform, endedPieces, firstAnswer, pushedPieces, type FilterRequest } from "./filter.js";
import { endToEnd, nameIs } from "./hop-by-hop.js";
import { viaHop } from "./via.js";

const LAST_CHUNK = Buffer.from("0\r\n\r\n", "latin1");
/**
 * Bodies up to this size with a known length are relayed with one `read()` (a copy, which leaves
 * the read block reusable); larger ones through {@link relayCopied}, since a `read()` of more
 * would hand out a view (its block then never reused) or get a block of its own per answer: a
 * 40 KB file cost 145-171 us per request that way, 91-98 through `relayCopied`.
 */
const ONE_READ_LIMIT = 16 * 1024;
/**
 * Size of the blocks that untransformed bodies are copied through (see {@link relayCopied}): as
 * large as httplib's read blocks grow while a body streams in, so that one read is one write.
 */
const BLOCK = 256 * 1024;
/** Blocks kept between answers, for the answers relayed at the same time. */
const SPARE_LIMIT = 8;
const spareBlocks: Buffer[] = [];

/** The upstream answer to the client, through the response filters and body transforms. */
export async function relayResponse(h: ProxyExchange, req: FilterRequest, res: HTTPResponse, declaredLength: number | null, watch: ClientWatch): Promise<void> {
  const response = { status: res.status, reason: res.reason, headers: endToEnd(res.getHeaders()) };
  const filtered = firstAnswer(h.filters, (f) => f.onResponseHeaders?.(req, response));
  const answered = filtered instanceof Promise ? await filtered : filtered;
  if (answered) return sendAnswer(h, answered);
  const noBody = h.command === "HEAD" || response.status === 204 || response.status === 304 || response.status < 200;
  const transform = noBody ? null : bodyTransform(h.filters, req, response);
  // Content-Length is sent as the one length it was parsed to (a list such as `5, 5` is not passed
  // on, RFC 9110 8.6), never with a body a transform changes, never in 1xx and 204 (RFC 9110 8.6).
  const headers: Array<[string, string]> = [];
  let hasDate = false;
  // Whether the filters left a Content-Length (a filter may drop it without transforming).
  let hadLength = false;
  for (const pair of response.headers) {
    if (nameIs(pair[0], "content-length")) {
      hadLength = true;
      continue;
    }
    if (nameIs(pair[0], "date")) hasDate = true;
    headers.push(pair);
  }
  const lengthSent = hadLength && declaredLength !== null && transform === null && response.status >= 200 && response.status !== 204;
  const chunked = !noBody && !lengthSent && h.requestVersion >= "HTTP/1.1";
  // The origin's Server and Date are end-to-end: relayed as they are (a Date is added only when
  // the origin sent none, RFC 9110 6.6.1), not replaced by ours.
  h.logRequest(response.status);
  h.sendResponseOnly(response.status, response.reason);
  if (!hasDate) h.sendHeader("Date", new Date().toUTCString());
  for (const [k, v] of headers) h.sendHeader(k, v);
  if (lengthSent) h.sendHeader("Content-Length", declaredLength);
  h.sendHeader("Via", viaHop(res.version === 10 ? "1.0" : "1.1", h.pseudonym));
  if (chunked) h.sendHeader("Transfer-Encoding", "chunked");
  h.endHeaders();
  if (noBody) return;
  // Writes a piece; the flush to wait for only when the client's socket kept some of it (below
  // its high-water mark flush() resolves at once, a promise hop later) or is gone (it rejects).
  const send = (data: Buffer | null): Promise<void> | null => {
    if (data === null || data.length === 0) return null;
    h.wfile.write(chunked ? encodeChunk(data) : data);
    return h.wfile.pending > 0 || h.connection.destroyed ? h.wfile.flush() : null;
  };
  let failure: unknown = null;
  try {
    const length = res.length;
    if (transform === null && length !== null && length <= ONE_READ_LIMIT) {
      const flushing = send(await res.read());
      if (flushing !== null) await flushing;
    } else if (transform === null) await relayCopied(h, res, send);
    else {
      // Piece by piece: a transform's output (a decoded page) may be far larger than its input.
      for await (const chunk of res as AsyncIterable<Buffer>) for (const piece of pushedPieces(transform, chunk)) await send(piece);
      for (const piece of endedPieces(transform)) await send(piece);
    }
  } catch (err) {
    failure = err;
  }
  // Upstream cut the body short, or the client left (its upstream response was closed, which may
  // end the body early without an error): the client must not see the answer as complete.
  if (failure !== null || watch.leftDuringRelay) {
    h.closeConnection = true;
    if (watch.leftDuringRelay) h.logError("client went away while %s was relayed; upstream transfer stopped", req.url.href);
    else h.logError("relaying %s: %s", req.url.href, (failure as Error).message ?? String(failure));
    return;
  }
  if (chunked) h.wfile.write(LAST_CHUNK);
}

/**
 * A body that no filter transforms (Content-Length, chunked or read until close), copied through a block
 * of ours with `readInto1()`: the upstream connection then fills the same read blocks again, so
 * nothing is allocated per read (fresh memory per 64 KiB read made V8 collect every few
 * milliseconds and the kernel fault pages in). A block is read into again only once the client's
 * socket no longer holds it (`wfile.pending` is 0 once the kernel took every write).
 */
async function relayCopied(h: ProxyExchange, res: HTTPResponse, send: (data: Buffer) => Promise<void> | null): Promise<void> {
  let block = spareBlocks.pop() ?? Buffer.allocUnsafeSlow(BLOCK);
  try {
    for (;;) {
      const n = await res.readInto1(block);
      if (n === 0) break;
      const flushing = send(block.subarray(0, n));
      if (flushing !== null) await flushing;
      // A write the kernel took only in part (and below the socket's high-water mark, so that
      // flushing did not wait for it) still reads from the block: the next read needs another.
      if (h.wfile.pending > 0) block = Buffer.allocUnsafeSlow(BLOCK);
    }
  } finally {
    // Never a block a pending write holds: that one was replaced after the write.
    if (spareBlocks.length < SPARE_LIMIT) spareBlocks.push(block);
  }
}
