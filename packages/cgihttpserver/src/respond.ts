/**
 * Relaying a running script: the request body to its stdin (with backpressure; a script that
 * does not read it is not an error), its stderr to the server log, and its stdout to the client:
 * the header block parsed into the response head (RFC 3875 6), then the body streamed, chunked
 * on HTTP/1.1 keep-alive when the script gave no Content-Length. `nph-` scripts and CPython's
 * mode pass the output through as it is.
 * @module
 */
import type { Writable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import type { HTTPSocketWriter, IncomingBody } from "@stdhttp/basehttpserver";
import { encodeChunk, HTTPStatus } from "@stdhttp/httplib";
import { headEnd, MalformedOutput, MAX_CGI_HEAD, parseCgiHead } from "./output.js";
import type { RunningScript } from "./spawn-script.js";

/** What relaying uses of the handler. */
export interface CgiResponder {
  command: string | null;
  requestVersion: string;
  protocolVersion: string;
  closeConnection: boolean;
  body: IncomingBody;
  wfile: HTTPSocketWriter;
  sendResponse(code: number, message?: string): void;
  sendHeader(name: string, value: string | number): void;
  endHeaders(): void;
  flushHeaders(): void;
  sendError(code: number, message?: string, explain?: string): void;
  logError(format: string, ...args: unknown[]): void;
}

const LAST_CHUNK = Buffer.from("0\r\n\r\n", "latin1");
/**
 * How long a script's latest output is held back while its end may follow. A script's end of
 * output comes when its process has exited, typically 0.3-1 ms after its last write on our
 * benchmark machine: held that long, the last bytes and the body's end leave in one write.
 */
const HOLD_MS = 2;
const HELD_TOO_LONG = Symbol("held too long");

/** `next`, or {@link HELD_TOO_LONG} if it takes more than {@link HOLD_MS} (the timer is cleared either way). */
function nextWithin<T>(next: Promise<T>): Promise<T | typeof HELD_TOO_LONG> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<typeof HELD_TOO_LONG>((resolve) => (timer = setTimeout(resolve, HOLD_MS, HELD_TOO_LONG)));
  return Promise.race([next, late]).finally(() => clearTimeout(timer));
}

/** Wait until `stream` drains or closes (both listeners removed after either). */
function drainedOrClosed(stream: Writable): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
  });
}

/** Write the request body to the script's stdin; never throws (a script may not read its input). */
async function feedStdin(h: CgiResponder, stdin: Writable | null, body: Buffer | null): Promise<void> {
  if (stdin === null) return;
  stdin.on("error", () => undefined); // EPIPE: the script closed its input early
  try {
    if (body !== null) stdin.write(body);
    else if (h.body.kind !== "none") {
      for await (const chunk of h.body) {
        if (stdin.destroyed) break;
        if (!stdin.write(chunk)) await drainedOrClosed(stdin);
      }
    }
  } catch {
    // The client's body failed (timeout, too large, reset): the server answers that itself.
  } finally {
    stdin.end();
  }
}

/** Log the script's stderr line by line (bounded); resolves at its end. */
async function logStderr(h: CgiResponder, script: RunningScript): Promise<void> {
  let decoder: StringDecoder | null = null;
  let pending = "";
  let logged = 0;
  try {
    for (let chunk = await script.stderr.read(); chunk !== null; chunk = await script.stderr.read()) {
      decoder ??= new StringDecoder("utf8");
      pending += decoder.write(chunk);
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        if (logged++ < 1000) h.logError("CGI script stderr: %s", pending.slice(0, nl).slice(0, 4096));
        pending = pending.slice(nl + 1);
      }
      if (pending.length > 4096) pending = pending.slice(0, 4096);
    }
    if (decoder !== null) pending += decoder.end();
  } catch {
    // Cut at the time limit: what came is logged.
  }
  if (pending !== "" && logged < 1000) h.logError("CGI script stderr: %s", pending);
}

/**
 * Relay the script's output as the answer. Resolves with the path of a local redirect (for the
 * caller to serve), or null once the answer is complete.
 */
export async function relayOutput(h: CgiResponder, script: RunningScript, body: Buffer | null, compat: boolean, nph: boolean): Promise<string | null> {
  const feeding = feedStdin(h, script.stdin, body);
  const stderrLogged = logStderr(h, script);
  try {
    if (nph || compat) {
      if (!nph) {
        h.sendResponse(HTTPStatus.OK, "Script output follows");
        h.flushHeaders();
      }
      // The script writes (the rest of) the head itself: nothing frames the body but the close.
      h.closeConnection = true;
      await pipeRaw(h, script);
      return null;
    }
    return await relayParsed(h, script);
  } catch (err) {
    script.kill(); // the client went away, or writing failed: stop the script too
    throw err;
  } finally {
    await feeding;
    // The answer ends with the script's output (RFC 3875 6), not with the script: one that closes
    // its stdout and works on holds neither the client nor the connection. Its exit status (and
    // the time limit, which still applies) is logged when it comes, after the script's stderr.
    void stderrLogged.then(() => script.exited).then(
      (status) => {
        if (script.timedOut) h.logError("CGI script killed after its time limit");
        else if (status !== 0) h.logError("CGI script exit status %s", status);
      },
      (err: Error) => h.logError("CGI script exit status %s", err.message),
    );
  }
}

/**
 * The next piece of the script's output. Output cut off at the time limit (closed under a
 * process that escaped the kill) ends like output the script closed: the caller then sees
 * `script.timedOut`.
 */
async function nextOutput(script: RunningScript): Promise<Buffer | null> {
  try {
    return await script.stdout.read();
  } catch (err) {
    if (script.timedOut) return null;
    throw err;
  }
}

/** The line end(s) that end a header block `head` that did not end, in the style of its last line. */
function blankLineAfter(head: Buffer): string {
  const n = head.length;
  if (head[n - 1] !== 0x0a) return "\r\n\r\n";
  return head[n - 2] === 0x0d ? "\r\n" : "\n";
}

/**
 * `nph-` scripts and CPython's mode: the output passed through as it is. To HEAD, only the
 * script's header block (up to its blank line) is sent, never its body (RFC 9110 9.3.2); a block
 * that never ends is ended with a blank line once the output ends.
 */
async function pipeRaw(h: CgiResponder, script: RunningScript): Promise<void> {
  let head: Buffer | null = h.command === "HEAD" ? Buffer.alloc(0) : null;
  for (let chunk = await nextOutput(script); chunk !== null; chunk = await nextOutput(script)) {
    if (h.command !== "HEAD") h.wfile.write(chunk);
    else {
      if (head === null) continue; // past the header block: the body is read, not sent
      head = Buffer.concat([head, chunk]);
      const end = headEnd(head);
      if (end < 0 && head.length <= MAX_CGI_HEAD) continue;
      h.wfile.write(end < 0 ? head : head.subarray(0, end));
      head = null;
    }
    await h.wfile.flush();
  }
  if (head !== null && head.length > 0) h.wfile.write(Buffer.concat([head, Buffer.from(blankLineAfter(head), "latin1")]));
  if (h.command === "HEAD" && !h.wfile.closed) h.wfile.sendHead();
}

/** The standard path: parse the header block, answer its status and fields, stream the body. */
async function relayParsed(h: CgiResponder, script: RunningScript): Promise<string | null> {
  let head: Buffer = Buffer.alloc(0);
  let end = -1;
  while (end < 0) {
    const chunk = await nextOutput(script);
    if (chunk === null) break;
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    end = headEnd(head);
    if (end < 0 && head.length > MAX_CGI_HEAD) return failed(h, script, "header block too long");
  }
  if (end < 0) {
    const started = await script.exited.then(() => null, (err: Error) => err);
    if (started !== null) {
      h.logError("CGI script could not be started: %s", started.message);
      h.sendError(HTTPStatus.INTERNAL_SERVER_ERROR, "CGI script could not be started");
      return null;
    }
    if (script.timedOut) {
      h.sendError(HTTPStatus.GATEWAY_TIMEOUT, "CGI script timed out");
      return null;
    }
    return failed(h, script, head.length === 0 ? "no output" : "output ended inside the header block");
  }
  let parsed;
  try {
    parsed = parseCgiHead(head.subarray(0, end));
  } catch (err) {
    if (!(err instanceof MalformedOutput)) throw err;
    return failed(h, script, err.message);
  }
  if (parsed.kind === "local-redirect") {
    // The script's body, if any, is not sent: read it to the end.
    while ((await nextOutput(script)) !== null);
    return parsed.location;
  }

  const { status, reason, fields, length } = parsed;
  const noBody = h.command === "HEAD" || status === 204 || status === 304 || status < 200;
  h.sendResponse(status, reason ?? undefined);
  for (const [name, value] of fields) h.sendHeader(name, value);
  const chunked = !noBody && length === null && h.requestVersion >= "HTTP/1.1" && h.protocolVersion >= "HTTP/1.1";
  if (chunked) h.sendHeader("Transfer-Encoding", "chunked");
  // The head is ended with the first body bytes (or the end of the body), so that both leave in
  // one write; it waits no longer than the body does (HOLD_MS at most).
  let headEnded = false;

  let written = 0;
  /** Send `data` (clipped to the script's Content-Length, framed as a chunk when chunked), and the end of the body when `final`. */
  const send = async (data: Buffer | null, final: boolean): Promise<void> => {
    let out: Buffer | null = null;
    if (data !== null && !noBody && data.length > 0 && (length === null || written < length)) {
      if (length !== null && written + data.length > length) data = data.subarray(0, length - written);
      written += data.length;
      out = chunked ? encodeChunk(data) : data;
    }
    if (final && chunked) out = out === null ? LAST_CHUNK : Buffer.concat([out, LAST_CHUNK]);
    if (!headEnded && (out !== null || final)) {
      headEnded = true;
      h.endHeaders();
    }
    if (out !== null) {
      h.wfile.write(out);
      await h.wfile.flush();
    } else if (final && noBody) h.wfile.sendHead();
  };
  // The latest output is held back for up to HOLD_MS while more (or the end) may follow: a short
  // answer then leaves in one write, head, body and last chunk together.
  let held: Buffer | null = head.length > end ? head.subarray(end) : null;
  for (;;) {
    // Output already here (a script read when it had exited) needs no wait.
    const ready = script.stdout.ready;
    const next = nextOutput(script);
    if (held !== null && !ready && (await nextWithin(next)) === HELD_TOO_LONG) {
      await send(held, false);
      held = null;
    }
    const chunk = await next;
    if (chunk === null) break;
    if (held !== null) await send(held, false);
    held = chunk;
  }
  // The end of output. A script killed by its time limit was marked so before the kill: its
  // body must not look complete (no last chunk, and the connection closes); nor must a body
  // shorter than its Content-Length.
  const cut = script.timedOut;
  await send(held, !cut);
  if (cut || (length !== null && written < length && !noBody)) h.closeConnection = true;
  return null;
}

/** Malformed output: 502 with the reason logged, and the script stopped. */
function failed(h: CgiResponder, script: RunningScript, reason: string): null {
  h.logError("malformed CGI output: %s", reason);
  script.kill();
  h.sendError(HTTPStatus.BAD_GATEWAY, "Malformed CGI script output");
  return null;
}
