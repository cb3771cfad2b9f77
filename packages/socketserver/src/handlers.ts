/**
 * Request handlers: `BaseRequestHandler`, `StreamRequestHandler` (rfile/wfile over a
 * connection) and `DatagramRequestHandler` (rfile/wfile over one packet).
 * @module
 */
import type { Socket } from "node:net";
import type { BaseServer } from "./base-server.js";
import { BytesReader, BytesWriter } from "./bytes-io.js";
import { SocketReader } from "./socket-reader.js";
import { SocketWriter } from "./socket-writer.js";
import type { DatagramReplySocket, DatagramRequest, SocketAddress } from "./types.js";

/**
 * Base class for request handlers (Python's `socketserver.BaseRequestHandler`).
 *
 * The server constructs one per request, then runs `setup()`, `handle()` and `finish()`;
 * `finish()` runs even when `handle()` throws. Each may be async.
 *
 * May be overridden: `setup()`, `handle()`, `finish()`.
 * For subclasses: `request`, `clientAddress`, `server`.
 */
export class BaseRequestHandler<TRequest = unknown, TServer = BaseServer<unknown>> {
  /** The request: a connected socket for stream servers, `[packet, socket]` for datagram servers. */
  readonly request: TRequest;
  /** The client's address: `[host, port]`, or a path (often `""`) for Unix sockets. */
  readonly clientAddress: SocketAddress;
  /** The server that received the request. */
  readonly server: TServer;

  constructor(request: TRequest, clientAddress: SocketAddress, server: TServer) {
    this.request = request;
    this.clientAddress = clientAddress;
    this.server = server;
  }

  /** Prepare for `handle()`. May be overridden. */
  setup(): void | Promise<void> {}

  /** Serve the request. Override this. */
  handle(): void | Promise<void> {}

  /** Clean up after `handle()` (runs even if it threw). May be overridden. */
  finish(): void | Promise<void> {}
}

/**
 * Handler for stream connections (Python's `StreamRequestHandler`): `rfile` reads from the
 * connection, `wfile` writes to it.
 *
 * Class properties that may be overridden: `timeout` (seconds a read or flush may wait;
 * `null` uses the server's `idleTimeout`), `disableNagleAlgorithm`.
 *
 * @example
 * class Upper extends StreamRequestHandler {
 *   override async handle() {
 *     for await (const line of this.rfile) this.wfile.write(line.toString().toUpperCase());
 *   }
 * }
 */
export class StreamRequestHandler<TServer = BaseServer<unknown>> extends BaseRequestHandler<Socket, TServer> {
  /** Seconds a read or flush may wait for the peer; `null` uses the server's `idleTimeout`. */
  timeout: number | null = null;
  /** Set TCP_NODELAY on the connection (Python's `disable_nagle_algorithm`). */
  disableNagleAlgorithm = false;
  /** The connected socket (same as `request`). */
  connection!: Socket;
  /** Buffered reader over the connection. */
  rfile!: SocketReader;
  /** Writer over the connection. */
  wfile!: SocketWriter;

  /** Create `connection`, `rfile` and `wfile`; apply `timeout` and `disableNagleAlgorithm`. */
  override setup(): void {
    this.connection = this.request;
    const server = this.server as unknown as { idleTimeout?: number | null; maxLineLength?: number };
    const timeout = this.timeout ?? server.idleTimeout ?? null;
    if (this.disableNagleAlgorithm) this.connection.setNoDelay(true);
    this.rfile = new SocketReader(this.connection, { timeout, maxLineLength: server.maxLineLength ?? 65536 });
    this.wfile = new SocketWriter(this.connection);
    this.wfile.timeout = timeout;
  }

  /** Flush `wfile` (ignoring a connection already gone), then close `wfile` and `rfile`. */
  override async finish(): Promise<void> {
    if (!this.wfile.closed) {
      try {
        await this.wfile.flush();
      } catch {
        // A final socket error here (peer gone) is not the handler's failure.
      }
    }
    this.wfile.close();
    this.rfile.close();
  }
}

/**
 * Handler for datagrams (Python's `DatagramRequestHandler`): `rfile` reads the packet,
 * what is written to `wfile` is sent back to the client in `finish()`.
 *
 * For subclasses: `packet`, `socket` (answer with `socket.sendto(data, address)`).
 */
export class DatagramRequestHandler<TServer = BaseServer<unknown>> extends BaseRequestHandler<DatagramRequest, TServer> {
  /** The datagram's payload. */
  packet!: Buffer;
  /** The server socket, to answer with `sendto`. */
  socket!: DatagramReplySocket;
  /** Reader over `packet`. */
  rfile!: BytesReader;
  /** Collects the reply. */
  wfile!: BytesWriter;

  /** Unpack `request` into `packet` and `socket`; create `rfile` and `wfile`. */
  override setup(): void {
    [this.packet, this.socket] = this.request;
    this.rfile = new BytesReader(this.packet);
    this.wfile = new BytesWriter();
  }

  /** Send what was written to `wfile` back to the client (an empty datagram if nothing was, as Python). */
  override async finish(): Promise<void> {
    await this.socket.sendto(this.wfile.getValue(), this.clientAddress);
  }
}
