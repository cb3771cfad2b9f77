/**
 * Workload `proxy-https` (issue 20): HTTPS through a forward proxy, as a browser sends it
 * (`CONNECT`, then TLS and keep-alive requests inside the tunnel), to an nginx origin serving TLS
 * with a certificate of a CA made for the run (openssl; SANs 127.0.0.1-127.0.0.40, so that
 * each loopback address is a new host to the proxy).
 *
 * Contenders:
 * - ours, inspecting: @stdhttp/proxy-filters' `ProxyRequestHandler` with the block list and banner
 *   filters and `httpsInspection` (a local CA made in a temporary directory; origins verified
 *   against the run's CA) (`src/procs/https-proxy.ts`);
 * - Privoxy with its stock configuration, actions and filters plus `+https-inspection` for every
 *   site (its own CA made by openssl, `trusted-cas-file` the run's CA), when Debian's build has
 *   HTTPS inspection (it does with mbedTLS since 3.0.29; else the row says so);
 * - ours as a plain tunnel (no inspection): the ceiling, TLS end to end between client and origin.
 *
 * Load: `src/procs/https-load.ts` (Node TLS client, 10 tunnels). `proxy-https-1k` times keep-alive
 * `GET /small.bin` inside the tunnels; `proxy-https-first` opens one tunnel to each of 20 new hosts
 * (a certificate made for each by an inspecting proxy) and one more to each once it is known: the
 * rate is first requests per second, the notes give both times and their difference (the cost of
 * the certificate). No targets: the issue asks for the figures.
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Child, childOptions, type ChildOptions } from "../child.js";
import type { HttpsFirstResult, HttpsLoadConfig, HttpsRateResult } from "../procs/https-load.js";
import type { HttpsProxyConfig } from "../procs/https-proxy.js";
import { canConnect, freePort } from "../ports.js";
import { treeCpuUs } from "../proc-tree.js";
import type { BenchCase, Measurement, RunOptions, Workload } from "../types.js";
import { findNginx, nginxConfig, nginxVersion } from "./client-nginx.js";
import { ask } from "./idle-conns.js";
import { findProgram, PROXY_CONNECTIONS, privoxyConfig } from "./proxy.js";
import { SMALL_BYTES } from "./static.js";

/** Loopback addresses the origin answers on (127.0.0.1 and the new hosts of `proxy-https-first`). */
const ORIGIN_ADDRESSES = Array.from({ length: 40 }, (_, i) => `127.0.0.${i + 1}`);
/** New hosts `proxy-https-first` opens tunnels to (127.0.0.2 ...). */
const FIRST_HOSTS = 20;
const SMALL_PATH = "/small.bin";

type Kind = "inspect" | "privoxy" | "tunnel";

const NAMES: Record<Kind, string> = {
  inspect: "@stdhttp proxy, inspecting",
  privoxy: "Privoxy, inspecting",
  tunnel: "@stdhttp proxy, tunnel only",
};

interface Pki {
  dir: string;
  /** The run's origin CA (PEM). */
  caPem: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** The run's origin CA and the origin's certificate (EC P-256, IP SANs for every origin address). */
function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), "bench-https-pki-"));
  openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=bench origin CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"], dir);
  // IP SANs for Node; the same addresses as DNS names too, for Privoxy's mbedTLS, which matches
  // a host only against DNS names.
  writeFileSync(join(dir, "ext.cnf"), `subjectAltName=${ORIGIN_ADDRESSES.map((a) => `IP:${a},DNS:${a}`).join(",")}\nextendedKeyUsage=serverAuth\n`);
  openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "origin.key", "-out", "origin.csr", "-subj", "/CN=127.0.0.1"], dir);
  openssl(["x509", "-req", "-in", "origin.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "origin.pem", "-days", "2", "-extfile", "ext.cnf"], dir);
  return { dir, caPem: readFileSync(join(dir, "ca.pem"), "utf8"), caFile: join(dir, "ca.pem"), certFile: join(dir, "origin.pem"), keyFile: join(dir, "origin.key") };
}

interface Running {
  port: number;
  pid: number;
  /** PEM the client must trust inside the tunnel. */
  trust: string;
  stop(): Promise<void>;
}

/** nginx serving `small.bin` over TLS on every origin address. */
async function startOrigin(pki: Pki, options: ChildOptions): Promise<Running> {
  const nginx = findNginx();
  if (nginx === null || nginxVersion(nginx) === null) throw new Error("nginx not installed (apt-get install -y nginx-light)");
  const prefix = mkdtempSync(join(tmpdir(), "bench-https-nginx-"));
  mkdirSync(join(prefix, "www"));
  mkdirSync(join(prefix, "tmp"));
  writeFileSync(join(prefix, "www", SMALL_PATH.slice(1)), SMALL_BYTES);
  const port = await freePort();
  const config = nginxConfig(prefix, port, {
    purpose: "proxy-https workload: the origin",
    listen: ORIGIN_ADDRESSES.map((a) => `${a}:${port} ssl`),
    http: `  ssl_certificate ${pki.certFile};\n  ssl_certificate_key ${pki.keyFile};\n  ssl_session_cache shared:SSL:1m;\n`,
  });
  writeFileSync(join(prefix, "nginx.conf"), config);
  const child = Child.spawn(nginx, ["-p", prefix, "-c", join(prefix, "nginx.conf"), "-e", join(prefix, "error.log")], "nginx", options);
  await waitListening(port, child, "nginx");
  return { port, pid: child.proc.pid!, trust: pki.caPem, stop: async () => { await child.stop(); rmSync(prefix, { recursive: true, force: true }); } };
}

async function waitListening(port: number, child: Child, label: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    const { exitCode, signalCode } = child.proc;
    if (exitCode !== null || signalCode !== null) throw new Error(`${label} exited (${String(exitCode ?? signalCode)}) before listening: ${child.stderr}`);
    if (Date.now() > deadline) {
      await child.stop();
      throw new Error(`${label} did not listen on 127.0.0.1:${port} within 10 s: ${child.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Privoxy with its stock configuration plus HTTPS inspection for every site. */
async function startPrivoxy(pki: Pki, options: ChildOptions): Promise<Running> {
  const binary = findProgram("privoxy", "PRIVOXY");
  if (binary === null) throw new Error("privoxy not installed (apt-get install -y privoxy)");
  if (!execFileSync("strings", [binary], { encoding: "utf8", maxBuffer: 64 << 20 }).includes("mbedtls_ssl_")) throw new Error("this Privoxy was built without HTTPS inspection");
  const prefix = mkdtempSync(join(tmpdir(), "bench-https-privoxy-"));
  const caDir = join(prefix, "ca");
  mkdirSync(caDir);
  mkdirSync(join(prefix, "certs"));
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "cakey.pem", "-out", "cacert.crt", "-days", "2", "-subj", "/CN=bench Privoxy CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"], caDir);
  writeFileSync(join(prefix, "inspect.action"), "{+https-inspection}\n/\n");
  const port = await freePort();
  const stock = readFileSync("/etc/privoxy/config", "utf8");
  const conf = `${privoxyConfig(stock, port, prefix)}
ca-directory ${caDir}
ca-cert-file cacert.crt
ca-key-file cakey.pem
certificate-directory ${join(prefix, "certs")}
trusted-cas-file ${pki.caFile}
actionsfile ${join(prefix, "inspect.action")}
`;
  writeFileSync(join(prefix, "privoxy.conf"), conf);
  const child = Child.spawn(binary, ["--no-daemon", join(prefix, "privoxy.conf")], "privoxy", options);
  await waitListening(port, child, "privoxy");
  return { port, pid: child.proc.pid!, trust: readFileSync(join(caDir, "cacert.crt"), "utf8"), stop: async () => { await child.stop(); rmSync(prefix, { recursive: true, force: true }); } };
}

/** Our proxy (`src/procs/https-proxy.ts`), inspecting or only tunnelling. */
async function startOurs(kind: "inspect" | "tunnel", pki: Pki, originPort: number, options: ChildOptions): Promise<Running> {
  const caDir = join(mkdtempSync(join(tmpdir(), "bench-https-ours-")), "ca");
  const config: HttpsProxyConfig = { inspect: kind === "inspect", caDir, originCa: pki.caPem, connectPorts: [originPort] };
  const child = Child.fork("https-proxy", [JSON.stringify(config)], options);
  const ready = await child.waitMessage("ready");
  return {
    port: Number(ready.port),
    pid: child.proc.pid!,
    trust: kind === "inspect" ? String(ready.caPem) : pki.caPem,
    stop: async () => {
      await child.stop();
      rmSync(join(caDir, ".."), { recursive: true, force: true });
    },
  };
}

async function withSetup<T>(kind: Kind, options: RunOptions, body: (proxy: Running, origin: Running) => Promise<T>): Promise<T> {
  const pki = makePki();
  let origin: Running | null = null;
  let proxy: Running | null = null;
  try {
    origin = await startOrigin(pki, childOptions(options, "fixture"));
    proxy = kind === "privoxy" ? await startPrivoxy(pki, childOptions(options, "server")) : await startOurs(kind, pki, origin.port, childOptions(options, "server"));
    return await body(proxy, origin);
  } finally {
    await proxy?.stop();
    await origin?.stop();
    rmSync(pki.dir, { recursive: true, force: true });
  }
}

function loadConfig(mode: "rate" | "first", proxy: Running, origin: Running, hosts: string[], connections: number): HttpsLoadConfig {
  return { mode, proxyPort: proxy.port, hosts: hosts.map((h) => `${h}:${origin.port}`), path: SMALL_PATH, ca: proxy.trust, connections, expectedLength: SMALL_BYTES.length };
}

/** Keep-alive `GET /small.bin` inside `connections` tunnels for `duration` seconds. */
async function runRate(kind: Kind, options: RunOptions): Promise<Measurement> {
  return withSetup(kind, options, async (proxy, origin) => {
    const connections = options.connections ?? PROXY_CONNECTIONS;
    const time = async (seconds: number): Promise<HttpsRateResult & { cpuUs: number }> => {
      const load = Child.fork("https-load", [JSON.stringify(loadConfig("rate", proxy, origin, ["127.0.0.1"], connections))], childOptions(options, "load"));
      try {
        await load.waitMessage("ready", 60_000);
        const cpu0 = treeCpuUs(proxy.pid);
        const r = (await ask(load, { type: "start", seconds }, "result", (seconds + 60) * 1000)) as unknown as HttpsRateResult;
        return { ...r, cpuUs: treeCpuUs(proxy.pid) - cpu0 };
      } finally {
        await load.stop();
      }
    };
    if (options.warmup > 0) await time(options.warmup);
    const r = await time(options.duration);
    if (r.errors > 0 && r.ops === 0) throw new Error(`check failed: no answer through the proxy (${r.firstError ?? "?"})`);
    const warnings = [`CPU: proxy ${r.ops > 0 ? Math.round(r.cpuUs / r.ops) : "-"} us/req`];
    if (r.errors > 0) warnings.push(`${r.errors} connections failed (${r.firstError ?? "?"})`);
    return { opsPerSec: r.ops / r.seconds, bytesPerSec: (r.ops / r.seconds) * SMALL_BYTES.length, p99Ms: r.p99Ms, ops: r.ops, warnings, serverCpuUsPerOp: r.ops > 0 ? r.cpuUs / r.ops : undefined };
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)];
}

/** One tunnel to each of 20 new hosts, then one more to each (known by then). */
async function runFirst(kind: Kind, options: RunOptions): Promise<Measurement> {
  return withSetup(kind, options, async (proxy, origin) => {
    const hosts = ORIGIN_ADDRESSES.slice(1, 1 + FIRST_HOSTS);
    const load = Child.fork("https-load", [JSON.stringify(loadConfig("first", proxy, origin, hosts, 1))], childOptions(options, "load"));
    try {
      await load.waitMessage("ready", 60_000);
      const r = (await ask(load, { type: "start" }, "result", 300_000)) as unknown as HttpsFirstResult;
      const first = median(r.firstMs);
      const warm = median(r.warmMs);
      const notes = [`first request to a new host: median ${first.toFixed(2)} ms; to a known host: ${warm.toFixed(2)} ms; difference ${(first - warm).toFixed(2)} ms (${FIRST_HOSTS} hosts)`];
      return { opsPerSec: 1000 / first, bytesPerSec: null, p99Ms: Math.max(...r.firstMs), ops: r.firstMs.length, warnings: notes };
    } finally {
      await load.stop();
    }
  });
}

const cases: BenchCase[] = [
  {
    id: "proxy-https-1k",
    description: `keep-alive GET ${SMALL_PATH} (1 KiB) inside ${PROXY_CONNECTIONS} CONNECT tunnels through the proxy to an nginx TLS origin`,
    unit: "req/s",
    contenders: (["inspect", "privoxy", "tunnel"] as const).map((kind) => ({ name: NAMES[kind], isUs: kind === "inspect", run: (o: RunOptions) => runRate(kind, o) })),
    targets: {},
  },
  {
    id: "proxy-https-first",
    description: `one new tunnel and request to each of ${FIRST_HOSTS} hosts the proxy has not seen (certificate generation), sequential; rate: first requests per second (1000 / median ms)`,
    unit: "ops/s",
    contenders: (["inspect", "privoxy"] as const).map((kind) => ({ name: NAMES[kind], isUs: kind === "inspect", run: (o: RunOptions) => runFirst(kind, o) })),
    targets: {},
  },
];

/** The `proxy-https` workload. */
export const proxyHttps: Workload = {
  name: "proxy-https",
  description: "HTTPS through a forward proxy: @stdhttp proxy-filters inspecting vs Privoxy inspecting vs a plain tunnel (requests/s inside kept-alive tunnels; cost of a first request to a new host)",
  cases,
};

