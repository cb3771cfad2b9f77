/**
 * Building the head of a request (CPython `putrequest`): request line, Host, Accept-Encoding,
 * and a fast single-write path for heads with a small body.
 * @module
 */
import { encodeChunk } from "../message/index.js";
import { toBuffer } from "./body.js";
import { asciiHost } from "./checks.js";
import { wrapIPv6 } from "./tunnel.js";
import type { Wire } from "./wire.js";

/** Bodies up to this size are copied next to the head and sent in one write. */
const SMALL_BODY = 64 * 1024;
const LAST_CHUNK = Buffer.from("0\r\n\r\n", "latin1");

/** The authority of an absolute URL (`http://user@host:port/...` -> `user@host:port`), else "" (CPython `urlsplit(url).netloc`). */
export function netlocOf(url: string): string {
  const scheme = url.indexOf("://");
  if (scheme === -1) return "";
  const start = scheme + 3;
  let end = url.length;
  for (const stop of ["/", "?", "#"]) {
    const i = url.indexOf(stop, start);
    if (i !== -1 && i < end) end = i;
  }
  return url.slice(start, end);
}

/** Host header value: `host` (IDNA-encoded when not ASCII) or `host:port` when the port is not the default; IPv6 in brackets. */
export function hostHeader(host: string, port: number, defaultPort: number): string {
  const h = wrapIPv6(asciiHost(host));
  return port === defaultPort ? h : `${h}:${port}`;
}

/**
 * Writes a finished head and a body that is plain bytes or a string (or none) in one write:
 * the head and a small body are copied into one Buffer; a large body goes out corked with the head.
 * With `chunked`, the body is framed as one chunk followed by the last chunk.
 */
export function writeHeadAndBytes(wire: Wire, head: string, body: Buffer | Uint8Array | string | null, chunked: boolean): void {
  const socket = wire.socket;
  if (body === null) {
    if (chunked) socket.write(head + "0\r\n\r\n", "latin1");
    else socket.write(head, "latin1");
    return;
  }
  let bytes = toBuffer(body);
  if (chunked) bytes = bytes.length === 0 ? LAST_CHUNK : Buffer.concat([encodeChunk(bytes), LAST_CHUNK]);
  if (bytes.length <= SMALL_BODY) {
    const out = Buffer.allocUnsafe(head.length + bytes.length);
    out.write(head, 0, "latin1");
    out.set(bytes, head.length);
    socket.write(out);
    return;
  }
  socket.cork();
  socket.write(head, "latin1");
  socket.write(bytes);
  socket.uncork();
}
