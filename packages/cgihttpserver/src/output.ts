/**
 * A CGI script's response (RFC 3875 6): the header block the script prints before its body,
 * parsed into a document response, a local redirect or a client redirect. Lines may end with LF
 * or CRLF (scripts print either); anything malformed is an error the server answers with 502.
 * @module
 */
import { isFieldValue, isToken } from "@stdhttp/httplib";

/** Longest header block a script may print. */
export const MAX_CGI_HEAD = 64 * 1024;

/** The parsed header block. */
export type CgiResponse =
  /** RFC 3875 6.2.2: `Location: /path` alone: the server serves that path instead. */
  | { kind: "local-redirect"; location: string }
  /**
   * A document (6.2.1) or a client redirect (6.2.3, 6.2.4): status, reason, the fields to send,
   * and the script's Content-Length (its one valid value, also among the fields), or null.
   */
  | { kind: "document"; status: number; reason: string | null; fields: Array<[string, string]>; length: number | null };

/** Fields the server decides itself (framing, connection): a script's values are dropped. */
const SERVER_FIELDS = new Set(["connection", "keep-alive", "transfer-encoding", "trailer", "upgrade", "proxy-connection", "te"]);

/** Why a script's output is not a CGI response. */
export class MalformedOutput extends Error {
  override name = "MalformedOutput";
}

/** Where the header block ends: the index of the body's first byte, or -1 while incomplete. */
export function headEnd(buf: Buffer): number {
  let i = 0;
  for (;;) {
    const lf = buf.indexOf(0x0a, i);
    if (lf < 0) return -1;
    // A line ending is LF or CRLF; an empty line ends the block.
    if (lf === 0 || buf[lf - 1] === 0x0a) return lf + 1;
    if (buf[lf - 1] === 0x0d && (lf === 1 || buf[lf - 2] === 0x0a)) return lf + 1;
    i = lf + 1;
  }
}

/** Parse the header block (without the body). Throws {@link MalformedOutput}. */
export function parseCgiHead(head: Buffer): CgiResponse {
  const lines = head.toString("latin1").split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  if (lines.length === 0) throw new MalformedOutput("no header fields before the body");
  let status: number | null = null;
  let reason: string | null = null;
  let location: string | null = null;
  let contentType = false;
  let length: number | null = null;
  const fields: Array<[string, string]> = [];
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new MalformedOutput(`not a header field: ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    if (!isToken(name)) throw new MalformedOutput(`bad header field name: ${JSON.stringify(name.slice(0, 80))}`);
    if (!isFieldValue(value)) throw new MalformedOutput(`bad value of ${name}`);
    const lower = name.toLowerCase();
    if (lower === "status") {
      const m = /^(\d{3})(?:\s+(.*))?$/.exec(value);
      // RFC 9110 15: 100-599 only (a code without a class has no meaning a client can fall back on).
      if (m === null || Number(m[1]) < 100 || Number(m[1]) > 599) throw new MalformedOutput(`bad Status: ${JSON.stringify(value.slice(0, 80))}`);
      status = Number(m[1]);
      reason = m[2] !== undefined && m[2] !== "" ? m[2] : null;
      continue;
    }
    if (lower === "content-length") {
      // RFC 9110 8.6: one valid length; differing ones are unrecoverable (RFC 9112 6.3), and a
      // repeated equal one is sent once.
      if (!/^\d+$/.test(value)) continue; // not a length: dropped (the body is then chunked or closed)
      const n = Number(value);
      if (length !== null) {
        if (n !== length) throw new MalformedOutput(`conflicting Content-Length fields (${length}, ${value})`);
        continue;
      }
      length = n;
    }
    if (lower === "location") location = value;
    if (lower === "content-type") contentType = true;
    if (SERVER_FIELDS.has(lower)) continue;
    fields.push([name, value]);
  }
  if (location !== null && location.startsWith("/") && !location.startsWith("//") && status === null && fields.length === 1) {
    return { kind: "local-redirect", location };
  }
  if (location !== null && status === null) status = 302; // 6.2.3: client redirect
  if (!contentType && location === null && status === null) throw new MalformedOutput("no Content-Type, Location or Status");
  return { kind: "document", status: status ?? 200, reason, fields, length };
}
