/**
 * Child process: the load of the `proxy-https` workload. HTTPS through a forward proxy the way a
 * browser does it: `CONNECT host:port`, TLS inside the tunnel (trusting the PEM CAs given: the
 * proxy's own CA when it inspects, the origin's CA when it only tunnels), then keep-alive
 * `GET <path>` requests on that TLS connection.
 *
 * - `rate`: `connections` tunnels to `hosts[0]`, each warmed with one request; on `{ type: "start",
 *   seconds }` every connection sends requests back to back for `seconds`; the result has the
 *   requests answered, their p99 latency and errors.
 * - `first`: for each host in turn, one new tunnel with one request (the proxy has never seen the
 *   host: an inspecting proxy makes its certificate now), then a second new tunnel to the same host
 *   (certificate cached); the result has both times per host, in milliseconds.
 *
 * Every answer must be `200` with `Content-Length: <expectedLength>` and that many body bytes.
 * Sends `{ type: "ready" }`, then `{ type: "result", ... }`. Config (argv[2], JSON): {@link HttpsLoadConfig}.
 * @module
 */
import { connect, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { exitWithParent, fail, readConfig, send } from "./ipc.js";

/** What the parent asks of this child. */
export interface HttpsLoadConfig {
  mode: "rate" | "first";
  proxyPort: number;
  /** `host:port` targets of the CONNECTs (IP addresses: each one is a new host to the proxy). */
  hosts: string[];
  path: string;
  /** PEM certificates trusted for the TLS inside the tunnel. */
  ca: string;
  connections: number;
  expectedLength: number;
}

/** `rate` mode's answer. */
export interface HttpsRateResult {
  ops: number;
  seconds: number;
  p99Ms: number | null;
  errors: number;
  firstError: string | null;
}

/** `first` mode's answer: milliseconds from connecting to the proxy to the last body byte. */
export interface HttpsFirstResult {
  firstMs: number[];
  warmMs: number[];
}

/** Open a tunnel through the proxy and start TLS inside it. */
async function tunnel(cfg: HttpsLoadConfig, target: string): Promise<TLSSocket> {
  const raw: Socket = connect(cfg.proxyPort, "127.0.0.1");
  raw.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    raw.once("connect", resolve);
    raw.once("error", reject);
  });
  raw.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  const head = await new Promise<Buffer>((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const onData = (c: Buffer): void => {
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      raw.off("data", onData);
      raw.pause();
      if (end + 4 < buf.length) raw.unshift(buf.subarray(end + 4));
      resolve(buf.subarray(0, end));
    };
    raw.on("data", onData);
    raw.once("error", reject);
    raw.once("close", () => reject(new Error(`the proxy closed the connection after CONNECT ${target}`)));
  });
  const status = head.toString("latin1").split("\r\n")[0];
  if (!/^HTTP\/1\.[01] 200/.test(status)) {
    raw.destroy();
    throw new Error(`CONNECT ${target}: ${status}`);
  }
  const host = target.slice(0, target.lastIndexOf(":"));
  // The chain is verified against `ca`; the name is not: Privoxy puts an IP address host in the
  // subject's CN only (no IP SAN), which Node refuses. Skipped for every contender alike.
  const secure = tlsConnect({ socket: raw, host, ca: cfg.ca, servername: /^[\d.]+$/.test(host) ? undefined : host, ALPNProtocols: ["http/1.1"], checkServerIdentity: () => undefined });
  await new Promise<void>((resolve, reject) => {
    secure.once("secureConnect", resolve);
    secure.once("error", reject);
  });
  secure.setNoDelay(true);
  return secure;
}

/** One `GET` on an open TLS connection; resolves once the whole body arrived. */
function get(socket: TLSSocket, cfg: HttpsLoadConfig, target: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    let need = -1;
    const timer = setTimeout(() => done(new Error(`GET ${cfg.path}: no whole answer within 10 s`)), 10_000);
    const done = (err: Error | null): void => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("close", onClose);
      if (err) reject(err);
      else resolve();
    };
    const onData = (c: Buffer): void => {
      buf = buf.length === 0 ? c : Buffer.concat([buf, c]);
      if (need < 0) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buf.toString("latin1", 0, end);
        if (!head.startsWith("HTTP/1.1 200")) return done(new Error(`GET ${cfg.path}: ${head.split("\r\n")[0]}`));
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        if (m === null || Number(m[1]) !== cfg.expectedLength) return done(new Error(`GET ${cfg.path}: Content-Length ${m?.[1] ?? "missing"}, expected ${cfg.expectedLength}`));
        need = end + 4 + cfg.expectedLength;
      }
      if (buf.length >= need) done(buf.length === need ? null : new Error("more bytes than the answer"));
    };
    const onError = (err: Error): void => done(err);
    const onClose = (): void => done(new Error("the connection closed before the answer ended"));
    socket.on("data", onData);
    socket.once("error", onError);
    socket.once("close", onClose);
    socket.write(`GET ${cfg.path} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  });
}

async function rate(cfg: HttpsLoadConfig): Promise<void> {
  const target = cfg.hosts[0];
  const sockets = await Promise.all(Array.from({ length: cfg.connections }, () => tunnel(cfg, target)));
  // Two requests on each connection before timing: the second shows the proxy keeps a connection
  // inside the tunnel alive (one that does not is reported, not timed).
  for (const s of sockets) await get(s, cfg, target);
  for (const s of sockets) {
    try {
      await get(s, cfg, target);
    } catch (err) {
      throw new Error(`the proxy answered the first request inside the tunnel but not a second one on the same TLS connection (${(err as Error).message}): no keep-alive inside its tunnels`);
    }
  }
  await send({ type: "ready" });
  const seconds = await new Promise<number>((resolve) => process.once("message", (m: { type: string; seconds: number }) => resolve(m.seconds)));
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const start = performance.now();
  const stopAt = start + seconds * 1000;
  await Promise.all(
    sockets.map(async (s) => {
      while (performance.now() < stopAt) {
        const t0 = performance.now();
        try {
          await get(s, cfg, target);
          latencies.push(performance.now() - t0);
        } catch (err) {
          errors++;
          firstError ??= (err as Error).message;
          return;
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  for (const s of sockets) s.destroy();
  latencies.sort((a, b) => a - b);
  const p99 = latencies.length > 0 ? latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] : null;
  const result: HttpsRateResult = { ops: latencies.length, seconds: elapsed, p99Ms: p99, errors, firstError };
  await send({ type: "result", ...result });
}

async function first(cfg: HttpsLoadConfig): Promise<void> {
  await send({ type: "ready" });
  await new Promise((resolve) => process.once("message", resolve));
  const once = async (target: string): Promise<number> => {
    const t0 = performance.now();
    const s = await tunnel(cfg, target);
    await get(s, cfg, target);
    const ms = performance.now() - t0;
    s.destroy();
    return ms;
  };
  const result: HttpsFirstResult = { firstMs: [], warmMs: [] };
  for (const host of cfg.hosts) {
    result.firstMs.push(await once(host));
    result.warmMs.push(await once(host));
  }
  await send({ type: "result", ...result });
}

async function main(): Promise<void> {
  exitWithParent();
  const cfg = readConfig<HttpsLoadConfig>();
  await (cfg.mode === "rate" ? rate(cfg) : first(cfg));
}

void main().catch(fail);
