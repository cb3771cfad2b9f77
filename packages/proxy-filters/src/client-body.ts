/**
 * The client's request body on its way upstream: its read errors are the client's fault, told
 * apart from the origin's and answered as such.
 * @module
 */
import { BodyTooLarge, HTTPStatus, IncompleteRead } from "@stdhttp/httplib";
import { SocketTimeout } from "@stdhttp/socketserver";

/** What answering a failed request body uses of the handler. */
export interface ClientBodyAnswerer {
  closeConnection: boolean;
  sendError(code: number, message?: string, explain?: string): void;
  logError(format: string, ...args: unknown[]): void;
}

/** An error of the client's request body (not the origin's fault), as the upstream send reports it. */
export class ClientBodyFailed extends Error {
  constructor(override readonly cause: unknown) {
    super((cause as Error)?.message ?? String(cause));
  }
}

/** The client's request body as sent upstream; its read errors are marked as the client's. */
export async function* fromClient(body: AsyncIterable<Buffer>): AsyncGenerator<Buffer, void, undefined> {
  try {
    for await (const chunk of body) yield chunk;
  } catch (err) {
    throw new ClientBodyFailed(err);
  }
}

/**
 * The request body could not be read: the client's fault, answered as such (the origin got an
 * incomplete request and its connection is dropped): 413 past the size limit, 408 when the body
 * did not come in time, 400 for bad framing (RFC 9112 7.1), nothing when the client went away.
 */
export function refuseClientBody(h: ClientBodyAnswerer, err: unknown): void {
  h.closeConnection = true;
  const message = (err as Error)?.message ?? String(err);
  if (err instanceof IncompleteRead) {
    h.logError("client closed the connection inside its request body; upstream request abandoned");
    return;
  }
  h.logError("reading the request body failed: %s", message);
  if (err instanceof BodyTooLarge) return h.sendError(HTTPStatus.CONTENT_TOO_LARGE, "Request body too large", message);
  if (err instanceof SocketTimeout) return h.sendError(HTTPStatus.REQUEST_TIMEOUT, "Request body timed out", message);
  h.sendError(HTTPStatus.BAD_REQUEST, "Malformed request body", message);
}
