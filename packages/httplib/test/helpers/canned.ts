/**
 * CPython's `FakeSocket` tests, with a real socket: a raw server answers the first request with
 * exact bytes and closes; the helper returns the connection and (if it parsed) the response.
 * @module
 */
import { HTTPConnection, type HTTPConnectionOptions, type HTTPResponse } from "../../src/index.js";
import { rawServer, type TestServer } from "./servers.js";

/** A connection to a canned server, to be closed with `done()`. */
export interface Canned {
  conn: HTTPConnection;
  server: TestServer;
  done(): Promise<void>;
}

/** Starts a server answering `bytes` (then closing, unless `end` is false) and connects to it. */
export async function canned(bytes: string | Buffer, options: HTTPConnectionOptions = {}, end = true): Promise<Canned> {
  const server = await rawServer(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes, end);
  const conn = new HTTPConnection("127.0.0.1", server.port, options);
  return {
    conn,
    server,
    done: async () => {
      conn.close();
      await server.close();
    },
  };
}

/** Sends `method /` to a canned server and returns the response (the caller closes `c`). */
export async function cannedResponse(bytes: string | Buffer, method = "GET", options: HTTPConnectionOptions = {}): Promise<Canned & { resp: HTTPResponse }> {
  const c = await canned(bytes, options);
  try {
    await c.conn.request(method, "/");
    const resp = await c.conn.getResponse();
    return { ...c, resp };
  } catch (err) {
    await c.done();
    throw err;
  }
}

/** Runs `fn` against a canned server and always cleans up. */
export async function withCanned<T>(bytes: string | Buffer, fn: (c: Canned) => Promise<T>, options: HTTPConnectionOptions = {}, end = true): Promise<T> {
  const c = await canned(bytes, options, end);
  try {
    return await fn(c);
  } finally {
    await c.done();
  }
}

/** Sends `method /` and calls `fn` with the response. */
export async function withResponse<T>(bytes: string | Buffer, fn: (resp: HTTPResponse, c: Canned) => Promise<T> | T, method = "GET", options: HTTPConnectionOptions = {}): Promise<T> {
  return withCanned(
    bytes,
    async (c) => {
      await c.conn.request(method, "/");
      const resp = await c.conn.getResponse();
      return await fn(resp, c);
    },
    options,
  );
}

/** CPython test_httplib's chunked constants. */
export const chunkedStart =
  "HTTP/1.1 200 OK\r\n" +
  "Transfer-Encoding: chunked\r\n\r\n" +
  "a\r\n" +
  "hello worl\r\n" +
  "3\r\n" +
  "d! \r\n" +
  "8\r\n" +
  "and now \r\n" +
  "22\r\n" +
  "for something completely different\r\n";
export const chunkedExpected = "hello world! and now for something completely different";
export const lastChunk = "0\r\n";
export const lastChunkExtended = "0;foo=bar\r\n";
export const trailers = "X-Dummy: foo\r\nX-Dumm2: bar\r\n";
export const chunkedEnd = "\r\n";
