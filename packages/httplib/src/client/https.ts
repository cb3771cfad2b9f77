/**
 * `HTTPSConnection`: {@link HTTPConnection} over TLS (node:tls), with SNI, certificate
 * verification on by default, and TLS through a proxy tunnel.
 * @module
 */
import * as net from "node:net";
import * as tls from "node:tls";
import { asciiHost } from "./checks.js";
import { HTTPConnection } from "./connection.js";
import type { HTTPConnectionOptions } from "./options.js";
import type { Wire } from "./wire.js";

/** Options of {@link HTTPSConnection}: those of {@link HTTPConnectionOptions} plus TLS. */
export interface HTTPSConnectionOptions extends HTTPConnectionOptions {
  /**
   * A secure context (CPython's `context` argument), e.g. from `tls.createSecureContext({ ca })`.
   * Default: Node's default context (system CAs).
   */
  context?: tls.SecureContext | null;
  /**
   * Any other `tls.connect()` option: `ca`, `cert`, `key`, `rejectUnauthorized` (default true),
   * `servername` (default the host, or the tunnel host; not sent for IP addresses), `ALPNProtocols`,
   * `checkServerIdentity`, `minVersion`, ...
   */
  tls?: tls.ConnectionOptions | null;
}

/**
 * An HTTPS connection (CPython `http.client.HTTPSConnection`), default port 443.
 * The server certificate is verified against the host name (or the tunnel host) unless
 * `tls.rejectUnauthorized` is false; an unverifiable certificate makes `connect()`/`request()`
 * reject with Node's TLS error (e.g. code `DEPTH_ZERO_SELF_SIGNED_CERT`).
 *
 * May be overridden: `secureWire()` (the TLS handshake), plus what {@link HTTPConnection} allows.
 * @example
 * ```ts
 * const conn = new HTTPSConnection("localhost", 8443, { tls: { ca: readFileSync("ca.pem") } });
 * await conn.request("GET", "/");
 * const res = await conn.getResponse();
 * ```
 */
export class HTTPSConnection extends HTTPConnection {
  static override readonly defaultPort: number = 443;

  /**
   * @param host - `"host"`, `"host:port"` or `"[v6]:port"`.
   * @param port - default 443.
   * @param options - connection options plus `context` and `tls`.
   */
  constructor(host: string, port?: number | null, options: HTTPSConnectionOptions = {}) {
    super(host, port, options);
  }

  /** The TLS socket of the current connection, or null. */
  get tlsSocket(): tls.TLSSocket | null {
    const s = this.sock;
    return s instanceof tls.TLSSocket ? s : null;
  }

  protected override get readsInPlace(): boolean {
    return false;
  }

  protected override async secureWire(wire: Wire): Promise<Wire> {
    const o = this.options as HTTPSConnectionOptions;
    const target = this.tunnelTarget;
    const host = asciiHost(target !== null ? target[0] : this.host);
    const extra = o.tls ?? {};
    const servername = extra.servername ?? (net.isIP(host) === 0 ? host : undefined);
    const raw = wire.detach();
    const socket = tls.connect({
      ...extra,
      socket: raw,
      servername,
      host,
      secureContext: o.context ?? extra.secureContext,
    });
    const secured = this.newWire(socket);
    try {
      await secured.ready("secureConnect");
    } catch (err) {
      secured.destroy();
      raw.destroy();
      throw err;
    }
    socket.setNoDelay(true);
    return secured;
  }
}
