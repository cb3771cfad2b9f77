/**
 * Checks of an origin's answer before a proxy relays it: what the HTTP client accepts (it reads
 * any answer it can frame, as CPython does) but a proxy must not pass on.
 * @module
 */
import { parseContentLength, parseTokenList, UnknownTransferEncoding, type HTTPResponse } from "@stdhttp/httplib";

/**
 * An origin's answer that a proxy refuses to relay (answered 502 with this message, which never
 * quotes the answer's bytes). Code `ERR_PROXY_INVALID_ANSWER`.
 */
export class InvalidUpstreamAnswer extends Error {
  override readonly name = "InvalidUpstreamAnswer";
  readonly code = "ERR_PROXY_INVALID_ANSWER";
}

/**
 * The answer's own checks before it is relayed; returns its Content-Length (null when none or
 * when the body is chunked). Refused (502, after dropping the connection): a status code outside
 * 100-599 (RFC 9110 15: no class, so no meaning a client could fall back on); Transfer-Encoding in
 * an HTTP/1.0 answer (RFC 9112 6.1: faulty framing, whatever its body looked like); any
 * Transfer-Encoding but plain `chunked` (see below); a Content-Length that is not one valid
 * length (RFC 9110 8.6; httplib checks it for answers with a body, this for HEAD and 304 too).
 */
export function checkedAnswer(res: HTTPResponse): number | null {
  const fail = (err: Error): never => {
    res.close();
    throw err;
  };
  if (res.status > 599) fail(new InvalidUpstreamAnswer(`status code ${res.status}, outside 100-599 (RFC 9110 15)`));
  const te = res.headers.has("transfer-encoding");
  if (te && res.version === 10) fail(new InvalidUpstreamAnswer("Transfer-Encoding in an HTTP/1.0 answer, faulty framing (RFC 9112 6.1)"));
  refuseOtherCodings(res);
  if (te) return null;
  try {
    return parseContentLength(res.headers) ?? null;
  } catch (err) {
    return fail(err as Error);
  }
}

/**
 * Only plain `chunked` is relayed. Any other Transfer-Encoding (`chunked, identity`, `gzip, chunked`,
 * `identity`) leaves the body read until close with its coding still on: relayed, the upstream's
 * chunk framing or coded bytes would reach the client as data (a smuggling shape). Throws
 * `UnknownTransferEncoding` (502) after dropping the connection. Bodiless answers are not checked.
 */
function refuseOtherCodings(res: HTTPResponse): void {
  const te = res.headers.getAll("transfer-encoding");
  if (te.length === 0 || res.isClosed()) return;
  const codings = parseTokenList(te).map((c) => c.toLowerCase());
  if (codings.length === 1 && codings[0] === "chunked" && res.chunked) return;
  res.close();
  throw new UnknownTransferEncoding(te.join(", "));
}
