/**
 * An inspected CONNECT: answer 200, then be the origin to the client, with TLS under a
 * certificate of the local CA for the host (ALPN `http/1.1` only), and serve the requests inside
 * the tunnel with the proxy handler itself, so that they run through the same filters as plain
 * HTTP and are forwarded to the origin over verified TLS. A client that refuses the certificate
 * gets its host remembered: later CONNECTs to it are plain tunnels.
 * @module
 */
import type { Socket } from "node:net";
import { TLSSocket, type SecureContext } from "node:tls";
import { HTTPStatus } from "@stdhttp/httplib";
import { noteRefused, type HttpsInspection, type TunnelTarget } from "./inspection.js";
import { connectRemote, splice, type TunnelExchange } from "./tunnel.js";

/** What an inspected tunnel uses of the handler. */
export interface InterceptExchange extends TunnelExchange {
  /** Serve the decrypted connection with a handler of the same class, as requests to `https://<target>`. */
  serveTunnelConnection(socket: TLSSocket, target: TunnelTarget): Promise<void>;
  logMessage(format: string, ...args: unknown[]): void;
}

/** Seconds the client may take to send its ClientHello and finish the handshake. */
const HANDSHAKE_TIMEOUT = 30;

/** TLS record content type `handshake` (RFC 8446 5.1): how every ClientHello starts. */
const TLS_HANDSHAKE_RECORD = 0x16;

/**
 * Alerts (RFC 8446 6.2) and errors that mean the client would not accept our certificate. A client
 * that closes the connection in the middle of the handshake (browsers do) counts as well.
 */
const REFUSAL = /ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|CERTIFICATE_REVOKED|CERTIFICATE_EXPIRED|ACCESS_DENIED)$|^ECONNRESET$|^EPIPE$/;

/** The first bytes the client sends, or null when it closes (or is silent for `timeout` seconds). */
function firstBytes(socket: Socket, timeout: number): Promise<Buffer | null> {
  if (socket.destroyed || socket.readableEnded) return Promise.resolve(null);
  return new Promise((resolve) => {
    const finish = (first: Buffer | null): void => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("close", onEnd);
      socket.off("error", onEnd);
      resolve(first);
    };
    const onData = (chunk: Buffer): void => {
      socket.pause();
      finish(chunk);
    };
    const onEnd = (): void => finish(null);
    const timer = setTimeout(onEnd, timeout * 1000);
    socket.on("data", onData);
    socket.once("end", onEnd);
    socket.once("close", onEnd);
    socket.once("error", onEnd);
    socket.resume();
  });
}

/** The outcome of the client-side handshake: null once secure, else the error (or "closed"/"timeout"). */
function handshake(secure: TLSSocket): Promise<{ code: string; message: string } | null> {
  return new Promise((resolve) => {
    const finish = (outcome: { code: string; message: string } | null): void => {
      clearTimeout(timer);
      secure.off("secure", onSecure);
      secure.off("error", onError);
      secure.off("close", onClose);
      resolve(outcome);
    };
    const onSecure = (): void => finish(null);
    const onError = (err: NodeJS.ErrnoException): void => finish({ code: err.code ?? "ERR_TLS", message: err.message });
    const onClose = (): void => finish({ code: "ECONNRESET", message: "the client closed the connection during the handshake" });
    const timer = setTimeout(() => finish({ code: "ETIMEDOUT", message: "the handshake timed out" }), HANDSHAKE_TIMEOUT * 1000);
    secure.once("secure", onSecure);
    secure.once("error", onError);
    secure.once("close", onClose);
  });
}

/** Close the TLS side politely (close_notify), without waiting long for a client that does not read. */
function closeTls(secure: TLSSocket): Promise<void> {
  if (secure.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      secure.destroy();
      resolve();
    };
    const timer = setTimeout(done, 1000);
    secure.once("close", done);
    secure.on("error", done);
    secure.end(done);
  });
}

/** Serve an inspected CONNECT to `target` (already checked by `connectTarget`). */
export async function interceptTunnel(h: InterceptExchange, inspection: HttpsInspection, target: TunnelTarget): Promise<void> {
  const leaves = inspection.ca.leaves;
  let context: SecureContext;
  try {
    context = await leaves.contextFor(target.host);
  } catch (err) {
    h.logError("HTTPS inspection: no certificate for %s: %s", target.host, (err as Error).message);
    return h.sendError(HTTPStatus.INTERNAL_SERVER_ERROR, "Could not make a certificate for this host");
  }
  h.sendResponse(HTTPStatus.OK, "Connection established");
  h.endHeaders();
  const { socket, head } = h.takeConnection();
  const first = head.length > 0 ? head : await firstBytes(socket, HANDSHAKE_TIMEOUT);
  if (first === null) return;
  if (first[0] !== TLS_HANDSHAKE_RECORD) {
    // Not TLS (a WebSocket or other protocol on 443): nothing to inspect, so pass it on as is.
    let remote: Socket;
    try {
      remote = await connectRemote(h, target);
    } catch (err) {
      h.logError("tunnel to %s:%d failed: %s", target.host, target.port, (err as Error).message);
      return;
    }
    return splice(socket, first, remote);
  }
  socket.unshift(first);
  // The certificate is for the name the client asks for (SNI), else for the CONNECT host.
  const sniCallback = (servername: string, done: (err: Error | null, ctx?: SecureContext) => void): void => {
    if (servername.toLowerCase() === target.host) return done(null, context);
    leaves.contextFor(servername).then((ctx) => done(null, ctx), (err: Error) => done(err));
  };
  const secure = new TLSSocket(socket, { isServer: true, secureContext: context, ALPNProtocols: ["http/1.1"], SNICallback: sniCallback });
  const failure = await handshake(secure);
  if (failure !== null) {
    secure.destroy();
    if (REFUSAL.test(failure.code)) {
      noteRefused(inspection, target.host);
      h.logMessage("HTTPS inspection: the client refused our certificate for %s (%s); tunnelling it untouched from now on", target.host, failure.code);
    } else {
      h.logError("HTTPS inspection: TLS handshake with the client for %s failed: %s", target.host, failure.message);
    }
    return;
  }
  try {
    await h.serveTunnelConnection(secure, target);
  } catch (err) {
    h.logError("HTTPS inspection: serving the tunnel to %s failed: %s", target.host, (err as Error).message);
  } finally {
    await closeTls(secure);
  }
}
