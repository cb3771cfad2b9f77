/**
 * CONNECT tunnels (RFC 9110 9.3.6): to allowed ports only (default 443), refused by filters when
 * they say so, opened directly or through the parent proxy (with its credentials), then bytes
 * spliced both ways until either side closes. (An inspected CONNECT is `intercept.ts`'s.)
 * @module
 */
import net from "node:net";
import type { Socket } from "node:net";
import { HTTPStatus } from "@stdhttp/httplib";
import type { Filter } from "./filter.js";
import { sendAnswer, type ProxyExchange } from "./exchange.js";
import { mapHost } from "./host-map.js";
import type { TunnelTarget } from "./inspection.js";
import { upstreamFailure } from "./pages.js";
import type { UpstreamProxy } from "./upstream.js";

/** What a tunnel uses of the handler. */
export interface TunnelExchange extends ProxyExchange {
  connectPorts: readonly number[];
  takeConnection(): { socket: Socket; head: Buffer };
}

/** `host:port` of an authority-form target (`[v6]:port` too). */
function authority(target: string): [string, number] | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(target);
  if (m === null) return null;
  const port = Number(m[3]);
  return port > 0 && port < 65536 ? [(m[1] ?? m[2]).toLowerCase().replace(/\.+$/, ""), port] : null;
}

function connect(host: string, port: number, timeout: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    s.setTimeout(timeout * 1000, () => s.destroy(Object.assign(new Error("connect timed out"), { code: "ETIMEDOUT" })));
    s.once("connect", () => {
      s.setTimeout(0);
      resolve(s);
    });
    s.once("error", reject);
  });
}

/** Ask the parent proxy for a tunnel; resolves with the socket once it answered 2xx. */
async function connectVia(up: UpstreamProxy, host: string, port: number, timeout: number): Promise<Socket> {
  const s = await connect(up.host, up.port, timeout);
  const target = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  s.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${up.authorization ? `Proxy-Authorization: ${up.authorization}\r\n` : ""}\r\n`);
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer): void => {
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) {
        if (buf.length > 16384) fail(new Error("parent proxy sent an oversized answer"));
        return;
      }
      s.off("data", onData);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(buf.toString("latin1", 0, Math.min(end, 64)));
      if (m === null || m[1][0] !== "2") return fail(new Error(`parent proxy refused the tunnel: ${buf.toString("latin1", 0, buf.indexOf("\r\n"))}`));
      const rest = buf.subarray(end + 4);
      if (rest.length > 0) s.unshift(rest);
      resolve(s);
    };
    const fail = (err: Error): void => {
      s.destroy();
      reject(Object.assign(err, { code: "ERR_HTTP_PROXY_REFUSED" }));
    };
    s.on("data", onData);
    s.once("error", reject);
    s.once("close", () => reject(new Error("parent proxy closed the connection")));
  });
}

async function connectFilters(filters: readonly Filter[], host: string, port: number, client: string) {
  for (const f of filters) {
    const a = f.onConnect ? await f.onConnect(host, port, client) : undefined;
    if (a) return a;
  }
  return null;
}

/**
 * Check a CONNECT request: its target (`host:port`), the port allow-list and the filters' say.
 * Returns the target, or null once a refusal was answered.
 */
export async function connectTarget(h: TunnelExchange): Promise<TunnelTarget | null> {
  const target = authority(h.path);
  if (target === null) {
    h.sendError(HTTPStatus.BAD_REQUEST, "CONNECT needs host:port");
    return null;
  }
  const [host, port] = target;
  if (!h.connectPorts.includes(port)) {
    h.sendError(HTTPStatus.FORBIDDEN, `CONNECT to port ${port} is not allowed`);
    return null;
  }
  const refused = await connectFilters(h.filters, host, port, h.clientIp);
  if (refused) {
    h.closeConnection = true;
    sendAnswer(h, refused);
    return null;
  }
  return { host, port };
}

/** A connection to the CONNECT target: directly (through the host map) or through the parent proxy's CONNECT. */
export function connectRemote(h: TunnelExchange, { host, port }: TunnelTarget): Promise<Socket> {
  const up = h.upstreamFor(new URL(`https://${host.includes(":") ? `[${host}]` : host}:${port}/`));
  return up ? connectVia(up, host, port, h.upstreamTimeout) : connect(...mapHost(h.hostMap, host, port), h.upstreamTimeout);
}

/** Open a plain tunnel to `target` (answering 200, or 502/504 when the target cannot be reached) and splice it. */
export async function openTunnel(h: TunnelExchange, target: TunnelTarget): Promise<void> {
  let remote: Socket;
  try {
    remote = await connectRemote(h, target);
  } catch (err) {
    const [status, reason, explain] = upstreamFailure(err, `${target.host}:${target.port}`);
    return h.sendError(status, reason, explain.replace(/\.$/, ""));
  }
  h.sendResponse(HTTPStatus.OK, "Connection established");
  h.endHeaders();
  const { socket, head } = h.takeConnection();
  return splice(socket, head, remote);
}

/** Copy bytes both ways until either side closes (`head`: bytes the client already sent). */
export function splice(socket: Socket, head: Buffer, remote: Socket): Promise<void> {
  if (head.length > 0) remote.write(head);
  return new Promise<void>((resolve) => {
    let open = 2;
    const done = (): void => {
      if (--open === 0) resolve();
    };
    socket.pipe(remote);
    remote.pipe(socket);
    socket.once("close", () => {
      remote.destroy();
      done();
    });
    remote.once("close", () => {
      socket.destroy();
      done();
    });
    socket.on("error", () => remote.destroy());
    remote.on("error", () => socket.destroy());
  });
}
