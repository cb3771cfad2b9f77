/**
 * @stdhttp/socketserver: Python's socketserver for Node.js. TCP, UDP and Unix servers, the
 * threading and forking mix-ins, and the request handlers with `rfile`/`wfile`.
 *
 * @example
 * import { ThreadingTCPServer, StreamRequestHandler } from "@stdhttp/socketserver";
 * class Echo extends StreamRequestHandler {
 *   override async handle() {
 *     for await (const line of this.rfile) this.wfile.write(line);
 *   }
 * }
 * await using server = new ThreadingTCPServer(["127.0.0.1", 9999], Echo);
 * await server.serveForever();
 * @module
 */
export { BaseServer, type RequestHandlerClass, type RequestHandlerLike } from "./base-server.js";
export { TCPServer, UnixStreamServer } from "./tcp-server.js";
export { UDPServer, UnixDatagramServer } from "./udp-server.js";
export { ThreadingMixIn, type ServerClass, type MixinClass, type ThreadingMembers } from "./threading.js";
export { ForkingMixIn, isForkingWorker, type ForkingMembers } from "./forking.js";
export { type WorkerMessage } from "./worker-pool.js";
export {
  ThreadingTCPServer,
  ThreadingUDPServer,
  ThreadingUnixStreamServer,
  ThreadingUnixDatagramServer,
  ForkingTCPServer,
  ForkingUDPServer,
  ForkingUnixStreamServer,
  ForkingUnixDatagramServer,
} from "./servers.js";
export { BaseRequestHandler, StreamRequestHandler, DatagramRequestHandler } from "./handlers.js";
export { SocketReader, type SocketReaderOptions, type FillWaiter } from "./socket-reader.js";
export { SocketWriter } from "./socket-writer.js";
export { BytesReader, BytesWriter } from "./bytes-io.js";
export {
  SocketServerError,
  SocketTimeout,
  LineTooLong,
  IncompleteReadError,
  ConnectionClosed,
  ServerStateError,
  UnixDatagramUnavailable,
  WorkerExited,
  NoWorkerScript,
  InvalidReplyAddress,
  NotBuffered,
} from "./errors.js";
export {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  SOCK_STREAM,
  SOCK_DGRAM,
  type InetAddress,
  type SocketAddress,
  type DatagramReplySocket,
  type DatagramRequest,
  type ServerOptions,
} from "./types.js";
