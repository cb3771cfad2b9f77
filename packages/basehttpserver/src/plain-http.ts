/**
 * Telling a plain HTTP request from a TLS ClientHello on an HTTPS port, from the connection's
 * first bytes, and the answer nginx gives it (`400 The plain HTTP request was sent to HTTPS port`).
 * @module
 */
import type { Socket } from "node:net";

const PAGE =
  "<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>\r\n<body>\r\n" +
  "<h1>400 Bad Request</h1>\r\n<p>The plain HTTP request was sent to HTTPS port.</p>\r\n</body>\r\n</html>\r\n";

/** The whole answer to a plain HTTP request on an HTTPS port: plain text, then the close. */
export const PLAIN_HTTP_ANSWER =
  "HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\n" + `Content-Length: ${PAGE.length}\r\nConnection: close\r\n\r\n${PAGE}`;

/**
 * Whether the first bytes of a connection are a plain HTTP request line: a method starts with an
 * upper-case letter, while a TLS record starts with its content type (0x14-0x17) and an SSLv2-style
 * hello with a byte >= 0x80.
 */
export function isPlainHttp(first: Buffer): boolean {
  return first.length > 0 && first[0] >= 0x41 && first[0] <= 0x5a;
}

/**
 * The first bytes the client sends (an accepted socket starts paused), or `null` when it closes,
 * fails or sends nothing within `timeout` seconds (`null`: no limit). The caller puts them back
 * with `unshift` when the connection goes on.
 */
export function firstBytes(socket: Socket, timeout: number | null): Promise<Buffer | null> {
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const done = (bytes: Buffer | null): void => {
      socket.off("readable", onReadable);
      socket.off("close", onEnd);
      socket.off("end", onEnd);
      socket.off("error", onEnd);
      if (timer !== null) clearTimeout(timer);
      resolve(bytes);
    };
    const onReadable = (): void => {
      const bytes = socket.read() as Buffer | null;
      if (bytes !== null) done(bytes);
    };
    const onEnd = (): void => done(null);
    socket.on("readable", onReadable);
    socket.once("close", onEnd);
    socket.once("end", onEnd);
    socket.once("error", onEnd);
    if (timeout !== null) timer = setTimeout(onEnd, timeout * 1000);
  });
}
