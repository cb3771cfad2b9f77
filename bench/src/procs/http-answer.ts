/**
 * Checking one raw HTTP/1.1 answer as it arrives on a socket (for load generators that speak
 * HTTP over `node:net` themselves, e.g. `idle-load.ts`). Pure functions (tested).
 * @module
 */

/** The state of an answer received so far: still coming, complete and right, or wrong (why). */
export type AnswerCheck = { state: "incomplete" } | { state: "ok"; length: number } | { state: "wrong"; reason: string };

/**
 * Check `received` (latin1 text, from the first byte of the answer) against a keep-alive
 * `200` answer whose body is exactly `expected`, framed by Content-Length and without
 * `Connection: close`. `length` is the answer's size in bytes once complete.
 *
 * @example
 * checkAnswer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", "hi"); // { state: "ok", length: 40 }
 */
export function checkAnswer(received: string, expected: string): AnswerCheck {
  const end = received.indexOf("\r\n\r\n");
  if (end === -1) {
    if (received.length > 8192) return { state: "wrong", reason: "no end of head within 8 KiB" };
    return { state: "incomplete" };
  }
  const head = received.slice(0, end);
  const lines = head.split("\r\n");
  const status = /^HTTP\/1\.1 (\d{3})(?: |$)/.exec(lines[0]);
  if (!status) return { state: "wrong", reason: `status line ${JSON.stringify(lines[0].slice(0, 60))}` };
  if (status[1] !== "200") return { state: "wrong", reason: `status ${status[1]}` };
  let length: number | null = null;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-length") length = Number(value);
    else if (name === "connection" && value.toLowerCase() === "close") return { state: "wrong", reason: "Connection: close (not keep-alive)" };
    else if (name === "transfer-encoding") return { state: "wrong", reason: `Transfer-Encoding: ${value}` };
  }
  if (length === null || !Number.isInteger(length)) return { state: "wrong", reason: "no Content-Length" };
  const bodyStart = end + 4;
  if (received.length < bodyStart + length) return { state: "incomplete" };
  if (received.length > bodyStart + length) return { state: "wrong", reason: `${received.length - bodyStart - length} bytes after the body` };
  const body = received.slice(bodyStart);
  if (body !== expected) return { state: "wrong", reason: `body ${JSON.stringify(body.slice(0, 60))}` };
  return { state: "ok", length: received.length };
}
