/**
 * The 2002 API (httplib 2.7's `class HTTP` and `class HTTPS`): an HTTP/1.0 request built with
 * `putRequest`/`putHeader`/`endHeaders`, answered through `getReply()` and `getFile()`.
 * @module
 */
import { BadStatusLine } from "../errors.js";
import type { HTTPMessage } from "../message/index.js";
import type { RequestBody } from "./body.js";
import type { HeaderValue } from "./checks.js";
import { getHostPort } from "./checks.js";
import { HTTPConnection, type PutRequestOptions } from "./connection.js";
import { HTTPSConnection, type HTTPSConnectionOptions } from "./https.js";
import type { HTTPConnectionOptions } from "./options.js";
import type { HTTPResponse } from "./response.js";

/** What {@link HTTP.getFile} returns: something to `read()` the body from, then `close()`. */
export interface ReplyFile {
  /** The rest of the body (up to `amt` bytes). */
  read(amt?: number): Promise<Buffer>;
  /** Releases it. */
  close(): void;
}

/** The bytes that followed a bad status line, as a file (the socket itself is closed by then). */
class BufferFile implements ReplyFile {
  #data: Buffer;
  constructor(data: Buffer) {
    this.#data = data;
  }
  read(amt?: number): Promise<Buffer> {
    const n = amt === undefined || amt < 0 ? this.#data.length : Math.min(amt, this.#data.length);
    const out = this.#data.subarray(0, n);
    this.#data = this.#data.subarray(n);
    return Promise.resolve(out);
  }
  close(): void {
    this.#data = Buffer.alloc(0);
  }
}

/**
 * Compatibility class with the httplib of Python 1.5-2.7 (`httplib.HTTP`): speaks HTTP/1.0 and
 * returns the reply as a `[code, message, headers]` triple.
 *
 * For the caller: `connect()`, `putRequest()`, `putHeader()`, `endHeaders()`, `send()`,
 * `getReply()`, `getFile()`, `setDebugLevel()`, `close()`.
 * @example
 * ```ts
 * const h = new HTTP("www.python.org");
 * h.putRequest("GET", "/index.html");
 * h.putHeader("Accept", "text/html");
 * h.putHeader("Accept", "text/plain");
 * await h.endHeaders();
 * const [errcode, errmsg, headers] = await h.getReply();
 * const f = h.getFile()!;
 * const data = await f.read();
 * f.close();
 * ```
 */
export class HTTP {
  /** The underlying connection (httplib's `_conn`). */
  readonly conn: HTTPConnection;
  /** Headers of the last reply, or null (after a bad status line). */
  headers: HTTPMessage | null = null;
  #file: ReplyFile | null = null;

  /** `port` 0 or omitted means the default (or the one in `host`). */
  constructor(host = "", port?: number | null, options: HTTPConnectionOptions = {}) {
    this.conn = this.makeConnection(host, port === 0 ? undefined : port, options);
    this.conn.httpVsn = 10;
    this.conn.httpVsnStr = "HTTP/1.0";
  }

  /** Hook: builds the connection ({@link HTTPS} makes an {@link HTTPSConnection}). */
  protected makeConnection(host: string, port: number | null | undefined, options: HTTPConnectionOptions): HTTPConnection {
    return new HTTPConnection(host, port, options);
  }

  /** Connects, optionally to another `host[:port]` first (httplib `HTTP.connect`). */
  async connect(host?: string, port?: number | null): Promise<void> {
    if (host !== undefined && host !== "") {
      [this.conn.host, this.conn.port] = getHostPort(host, port, this.conn.defaultPort);
    }
    await this.conn.connect();
  }

  /** Starts the request (`putrequest`). */
  putRequest(method: string, url: string, options?: PutRequestOptions): void {
    this.conn.putRequest(method, url, options);
  }

  /** Adds a header (`putheader`); values are joined with ", ". */
  putHeader(name: string, ...values: HeaderValue[]): void {
    this.conn.putHeader(name, ...values);
  }

  /** Sends the head, and `body` if given (`endheaders`). */
  endHeaders(body?: RequestBody | null): Promise<void> {
    return this.conn.endHeaders(body);
  }

  /** Sends raw bytes after the head (`send`). */
  send(data: RequestBody): Promise<void> {
    return this.conn.send(data);
  }

  /** Debug output level (`set_debuglevel`). */
  setDebugLevel(level: number): void {
    this.conn.setDebugLevel(level);
  }

  /**
   * Reads the reply head: `[status, reason, headers]`, or `[-1, line, null]` when the status line
   * is malformed (then {@link HTTP.getFile} gives the raw bytes received). Other errors reject.
   */
  async getReply(): Promise<[number, string, HTTPMessage | null]> {
    let resp: HTTPResponse;
    try {
      resp = await this.conn.getResponse();
    } catch (err) {
      if (!(err instanceof BadStatusLine)) throw err;
      const raw = this.conn.lastUnparsed ?? Buffer.alloc(0);
      this.close(); // restart after any protocol error
      this.#file = new BufferFile(raw);
      this.headers = null;
      return [-1, err.line, null];
    }
    this.headers = resp.headers;
    this.#file = resp;
    return [resp.status, resp.reason, resp.headers];
  }

  /** The body of the last reply as a readable file (the {@link HTTPResponse}), or null before `getReply()`. */
  getFile(): ReplyFile | null {
    return this.#file;
  }

  /** Closes the connection and forgets the reply file (`close`). */
  close(): void {
    this.conn.close();
    this.#file = null;
  }
}

/** {@link HTTP} over TLS (httplib 2.7 `HTTPS`); TLS options as {@link HTTPSConnection}. */
export class HTTPS extends HTTP {
  constructor(host = "", port?: number | null, options: HTTPSConnectionOptions = {}) {
    super(host, port, options);
  }

  protected override makeConnection(host: string, port: number | null | undefined, options: HTTPConnectionOptions): HTTPConnection {
    return new HTTPSConnection(host, port, options);
  }
}
