/**
 * The proxy's own error pages: what failed, in words a user can act on.
 * @module
 */
import { ClientTimeout } from "@stdhttp/httplib";
import { InvalidUpstreamAnswer } from "./answer-checks.js";

/**
 * What an invalid upstream answer did wrong, by error code: the page names the fault, not only a
 * code (the offending bytes themselves are never echoed).
 */
const INVALID_ANSWERS: Readonly<Record<string, string>> = {
  ERR_HTTP_CONFLICTING_FRAMING: "both Content-Length and Transfer-Encoding (a response smuggling shape)",
  ERR_HTTP_INVALID_CONTENT_LENGTH: "an invalid or conflicting Content-Length",
  ERR_HTTP_UNKNOWN_TRANSFER_ENCODING: "a Transfer-Encoding other than chunked",
  ERR_HTTP_INVALID_HEADER: "a malformed header field",
  ERR_HTTP_LINE_TOO_LONG: "a header line too long",
  ERR_HTTP_TOO_MANY_HEADERS: "too many header fields",
  ERR_HTTP_HEAD_TOO_LARGE: "a response head too large",
  ERR_HTTP_BAD_STATUS_LINE: "a malformed status line",
  ERR_HTTP_UNKNOWN_PROTOCOL: "a protocol version other than HTTP/1.x",
  ERR_HTTP_UNSOLICITED_UPGRADE: "an unsolicited 101 Switching Protocols (no upgrade was asked for)",
  ERR_HTTP_INVALID_CHUNK: "a malformed chunked body",
};

/**
 * Codes of a failed certificate verification (OpenSSL's X509_V_ERR_* names as Node reports them,
 * and Node's own host name check).
 */
const CERT_FAILURE = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|INVALID_CA$|PATH_LENGTH_EXCEEDED$|INVALID_PURPOSE$|HOSTNAME_MISMATCH$|ERR_TLS_CERT_ALTNAME_INVALID$)/;

/** Why forwarding failed, as a status, a reason phrase and an explanation. */
export function upstreamFailure(err: unknown, target: string): [number, string, string] {
  const code = (err as { code?: string } | null)?.code ?? "";
  const message = err instanceof Error ? err.message : String(err);
  if (CERT_FAILURE.test(code)) {
    const why = code === "ERR_TLS_CERT_ALTNAME_INVALID" ? "hostname mismatch: the certificate is not for this name" : message;
    return [502, "Bad Gateway", `The certificate of ${target} could not be verified (${code}: ${why}). The proxy does not pass on a site it cannot verify.`];
  }
  if (code.startsWith("ERR_SSL_") || code === "EPROTO") return [502, "Bad Gateway", `The TLS handshake with ${target} failed (${code}).`];
  if (err instanceof ClientTimeout) return [504, "Gateway Timeout", `The server of ${target} did not answer in time (${err.timeout} s).`];
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return [502, "Bad Gateway", `The host of ${target} could not be found (DNS: ${code}).`];
  if (code === "ECONNREFUSED") return [502, "Bad Gateway", `The server of ${target} refused the connection.`];
  if (code === "ECONNRESET" || code === "ERR_HTTP_REMOTE_DISCONNECTED" || code === "ERR_HTTP_INCOMPLETE_READ") {
    return [502, "Bad Gateway", `The server of ${target} closed the connection before answering.`];
  }
  // Before the message test below: a bad field may quote "timeout" (`Keep-Alive: timeout=...`).
  if (err instanceof InvalidUpstreamAnswer) return [502, "Bad Gateway", `The server of ${target} sent an invalid answer: ${err.message}.`];
  const what = INVALID_ANSWERS[code];
  if (what !== undefined) return [502, "Bad Gateway", `The server of ${target} sent an invalid answer: ${what} (${code}).`];
  if (code === "ERR_SOCKET_TIMEOUT" || code === "ETIMEDOUT" || /timed? ?out/i.test(message)) {
    return [504, "Gateway Timeout", `The server of ${target} did not answer in time.`];
  }
  if (code.startsWith("ERR_HTTP_")) return [502, "Bad Gateway", `The server of ${target} sent an invalid answer (${code}).`];
  return [502, "Bad Gateway", `Forwarding to ${target} failed (${code || message}).`];
}
