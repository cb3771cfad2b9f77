/**
 * The predefined concurrent servers, one line each as in CPython 3.12+.
 * @module
 */
import { ForkingMixIn } from "./forking.js";
import { TCPServer, UnixStreamServer } from "./tcp-server.js";
import { ThreadingMixIn } from "./threading.js";
import { UDPServer, UnixDatagramServer } from "./udp-server.js";

/** `TCPServer` serving each connection concurrently. */
export class ThreadingTCPServer extends ThreadingMixIn(TCPServer) {}
/** `UDPServer` serving each datagram concurrently. */
export class ThreadingUDPServer extends ThreadingMixIn(UDPServer) {}
/** `UnixStreamServer` serving each connection concurrently. */
export class ThreadingUnixStreamServer extends ThreadingMixIn(UnixStreamServer) {}
/** `UnixDatagramServer` serving each datagram concurrently. */
export class ThreadingUnixDatagramServer extends ThreadingMixIn(UnixDatagramServer) {}
/** `TCPServer` serving each connection in a worker process. */
export class ForkingTCPServer extends ForkingMixIn(TCPServer) {}
/** `UDPServer` serving each datagram in a worker process. */
export class ForkingUDPServer extends ForkingMixIn(UDPServer) {}
/** `UnixStreamServer` serving each connection in a worker process. */
export class ForkingUnixStreamServer extends ForkingMixIn(UnixStreamServer) {}
/** `UnixDatagramServer` serving each datagram in a worker process. */
export class ForkingUnixDatagramServer extends ForkingMixIn(UnixDatagramServer) {}
