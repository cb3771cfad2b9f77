/**
 * The proxy's own error pages: what failed, in words a user can act on.
 * @module
 */
import { ClientTimeout } from "@stdhttp/httplib";

/** Why forwarding failed, as a status, a reason phrase and an explanation. */
export function upstreamFailure(err: unknown, target: string): [number, string, string] {
  const code = (err as { code?: string } | null)?.code ?? "";
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ClientTimeout) return [504, "Gateway Timeout", `The server of ${target} did not answer in time (${err.timeout} s).`];
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return [502, "Bad Gateway", `The host of ${target} could not be found (DNS: ${code}).`];
  if (code === "ECONNREFUSED") return [502, "Bad Gateway", `The server of ${target} refused the connection.`];
  if (code === "ECONNRESET" || code === "ERR_HTTP_REMOTE_DISCONNECTED" || code === "ERR_HTTP_INCOMPLETE_READ") {
    return [502, "Bad Gateway", `The server of ${target} closed the connection before answering.`];
  }
  if (code === "ERR_SOCKET_TIMEOUT" || code === "ETIMEDOUT" || /timed? ?out/i.test(message)) {
    return [504, "Gateway Timeout", `The server of ${target} did not answer in time.`];
  }
  if (code.startsWith("ERR_HTTP_")) return [502, "Bad Gateway", `The server of ${target} sent an invalid answer (${code}).`];
  return [502, "Bad Gateway", `Forwarding to ${target} failed (${code || message}).`];
}
