/**
 * Datagram servers: `UDPServer` (Python's socketserver.UDPServer) and `UnixDatagramServer`
 * (through the optional native addon `unix-dgram`, as Node has no Unix datagram sockets).
 * @module
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { lookup } from "node:dns/promises";
import { BaseServer, type RequestHandlerClass } from "./base-server.js";
import { InvalidReplyAddress } from "./errors.js";
import { loadUnixDgram, type UnixDgramSocket } from "./unix-dgram.js";
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  SOCK_DGRAM,
  type DatagramReplySocket,
  type DatagramRequest,
  type ServerOptions,
  type SocketAddress,
} from "./types.js";

/** Datagrams kept while nothing takes them from the queue; further ones are dropped, as a full kernel buffer would. */
const MAX_QUEUED_DATAGRAMS = 4096;

/**
 * Datagram server (Python's `socketserver.UDPServer`): each datagram is one request,
 * `[packet, socket]`, handled one at a time unless a mix-in makes it concurrent.
 *
 * Class properties that may be overridden: `addressFamily`, `maxPacketSize` (longer datagrams
 * are truncated, as `recvfrom(max_packet_size)` does), `allowReuseAddress`, `allowReusePort`, `timeout`.
 */
export class UDPServer extends BaseServer<DatagramRequest> {
  /** `AF_INET`, `AF_INET6`, or `AF_UNIX` for `UnixDatagramServer`. */
  addressFamily: number = AF_INET;
  /** Always `SOCK_DGRAM`. */
  socketType: number = SOCK_DGRAM;
  /** Longest datagram handed to a handler; the rest is cut off. Python's default 8192. */
  maxPacketSize = 8192;
  /** Python's `allow_reuse_address` (SO_REUSEADDR). */
  allowReuseAddress = false;
  /** Python's `allow_reuse_port` (SO_REUSEPORT). */
  allowReusePort = false;
  /** No listen queue for datagrams; kept for Python parity. */
  requestQueueSize = 5;
  /** The bound socket (created by `serverBind()`). */
  socket: UdpSocket | UnixDgramSocket | null = null;

  private reply: DatagramReplySocket | null = null;

  constructor(
    serverAddress: SocketAddress,
    RequestHandlerClass: RequestHandlerClass<DatagramRequest>,
    bindAndActivate: boolean | ServerOptions = true,
  ) {
    super(serverAddress, RequestHandlerClass, bindAndActivate);
  }

  /** Create and bind the socket; `serverAddress` then holds the real port. */
  override async serverBind(): Promise<void> {
    if (this.addressFamily === AF_UNIX) return this.bindUnix();
    const family = this.addressFamily === AF_INET6 ? 6 : 4;
    const socket = createSocket({ type: family === 6 ? "udp6" : "udp4", reuseAddr: this.allowReuseAddress, ipv6Only: family === 6, reusePort: this.allowReusePort } as Parameters<typeof createSocket>[0]);
    this.socket = socket;
    const [host, port] = this.serverAddress as [string, number];
    const address = host === "" ? (family === 6 ? "::" : "0.0.0.0") : (await lookup(host, { family })).address;
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind({ address, port, exclusive: true }, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    const bound = socket.address();
    this.serverAddress = [bound.address, bound.port];
    socket.on("error", (err) => this.handleError(undefined as never, this.serverAddress, err));
    this.reply = {
      sendto: (data, to) =>
        new Promise<void>((resolve, reject) => {
          if (typeof to === "string") return reject(new InvalidReplyAddress("a UDP reply needs a [host, port] address"));
          socket.send(typeof data === "string" ? Buffer.from(data) : data, to[1], to[0], (err) => (err ? reject(err) : resolve()));
        }),
    };
    socket.on("message", (msg, rinfo) => this.onDatagram(msg, [rinfo.address, rinfo.port]));
  }

  /** The bound socket's file descriptor (-1 before binding). */
  override fileno(): number {
    const s = this.socket as unknown as { fd?: number; _handle?: { fd?: number } } | null;
    return s?.fd ?? s?._handle?.fd ?? -1;
  }

  /** Nothing to shut down for a datagram. */
  override shutdownRequest(request: DatagramRequest): void | Promise<void> {
    return this.closeRequest(request);
  }

  /** Close the socket (Unix datagram servers also remove their socket file, as Python leaves to the caller). */
  override serverClose(): Promise<void> {
    void super.serverClose();
    const socket = this.socket;
    this.socket = null;
    this.drainQueue();
    if (!socket) return Promise.resolve();
    if ("unref" in socket) return new Promise<void>((resolve) => socket.close(() => resolve()));
    socket.close();
    return Promise.resolve();
  }

  private async bindUnix(): Promise<void> {
    const unix = await loadUnixDgram();
    const path = this.serverAddress as string;
    const socket = unix.createSocket("unix_dgram");
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.once("listening", () => {
        socket.off("error", reject);
        resolve();
      });
      socket.bind(path);
    });
    socket.on("error", (err: Error) => this.handleError(undefined as never, path, err));
    this.reply = {
      sendto: (data, to) =>
        new Promise<void>((resolve, reject) => {
          if (typeof to !== "string" || to === "") return reject(new InvalidReplyAddress("the client socket is unbound: no address to answer to"));
          const buf = typeof data === "string" ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
          socket.send(buf, 0, buf.length, to, (err?: Error) => (err ? reject(err) : resolve()));
        }),
    };
    socket.on("message", (msg: Buffer, rinfo: { path?: string }) => this.onDatagram(msg, rinfo.path ?? ""));
  }

  private onDatagram(msg: Buffer, from: SocketAddress): void {
    if (this.queuedRequests >= MAX_QUEUED_DATAGRAMS || !this.reply) return;
    const packet = msg.length > this.maxPacketSize ? msg.subarray(0, this.maxPacketSize) : msg;
    this.enqueueRequest([packet, this.reply], from);
  }
}

/** `UDPServer` on a Unix domain datagram socket; `serverAddress` is the socket's path. */
export class UnixDatagramServer extends UDPServer {
  override addressFamily: number = AF_UNIX;
}
