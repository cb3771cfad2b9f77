/**
 * nginx as the `client` workload's server (`--fixture nginx`): a real origin as an independent
 * check would use one. A configuration of our own in a temporary directory (`daemon off`, one
 * process, `sendfile on` as Debian's default `nginx.conf` has it, keep-alive on, no access log)
 * serves the same two bodies as the other fixtures as files: `/small` and `/1m`. nginx's answers
 * carry more header fields (`Server`, `Date`, `ETag`, ...) than the prebuilt ones; the bodies are
 * the same bytes.
 *
 * nginx must be installed (`apt-get install nginx`): there is no fallback, a missing binary is a
 * clear error, as is an nginx that exits or does not accept connections within 10 s.
 * @module
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { Child, type ChildOptions } from "../child.js";
import { BIG_BODY, BIG_PATH, SMALL_BODY, SMALL_PATH } from "../fixtures.js";
import { canConnect, freePort } from "../ports.js";

/** Requests nginx serves on one keep-alive connection before closing it (its default is 1,000). */
export const NGINX_KEEPALIVE_REQUESTS = 1_000_000;

/** Where nginx is looked for after PATH (root's sbin directories are often not on a user's PATH). */
const SBIN_DIRS = ["/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin"];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The nginx binary: `$NGINX`, else `nginx` on PATH or in `extraDirs`; null if none is executable. */
export function findNginx(env: NodeJS.ProcessEnv = process.env, extraDirs: readonly string[] = SBIN_DIRS): string | null {
  if (env.NGINX !== undefined && env.NGINX !== "") return executable(env.NGINX) ? env.NGINX : null;
  for (const dir of [...(env.PATH ?? "").split(delimiter), ...extraDirs]) {
    if (dir !== "" && executable(join(dir, "nginx"))) return join(dir, "nginx");
  }
  return null;
}

/** nginx's version line (`nginx version: nginx/1.22.1`), or null when it cannot be run. */
export function nginxVersion(binary: string): string | null {
  const r = spawnSync(binary, ["-v"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return null;
  return (r.stderr || r.stdout).trim();
}

/** What differs between the workloads' nginx configurations. */
export interface NginxConfigOptions {
  /** Who wrote it, for the first comment line. Default `client workload, --fixture nginx`. */
  purpose?: string;
  /** The `types { }` block's content (default none: everything `application/octet-stream`). */
  types?: string;
  /** `listen` values (default `127.0.0.1:<port>`), e.g. several addresses, or `... ssl`. */
  listen?: string[];
  /** More `http { }` directives (TLS certificate, session cache). */
  http?: string;
}

/** The configuration file for a server rooted in `dir` listening on 127.0.0.1:`port`. */
export function nginxConfig(dir: string, port: number, options: NginxConfigOptions = {}): string {
  const listen = (options.listen ?? [`127.0.0.1:${port}`]).map((l) => `    listen ${l};`).join("\n");
  return `# written by bench (${options.purpose ?? "client workload, --fixture nginx"})
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  keepalive_requests ${NGINX_KEEPALIVE_REQUESTS};
  default_type application/octet-stream;
  types { ${options.types ?? ""}}
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
${options.http ?? ""}  server {
${listen}
    root ${dir}/www;
    location / { }
  }
}
`;
}

/** A running nginx: its port, and `stop()` that ends it and removes its directory. */
export interface NginxServer {
  port: number;
  child: Child;
  stop(): Promise<void>;
}

/**
 * Starts nginx (`binary`, found by {@link findNginx} by default) on a free loopback port with
 * {@link nginxConfig}, serving `SMALL_BODY` at `/small` and `BIG_BODY` at `/1m`. Rejects with a
 * clear message when nginx is missing (`null`) or does not start.
 */
export async function startNginx(options: ChildOptions = {}, binary: string | null = findNginx()): Promise<NginxServer> {
  if (binary === null) {
    throw new Error("--fixture nginx: nginx not found (looked at $NGINX, PATH, /usr/sbin, /usr/local/sbin); install it, e.g. apt-get install nginx");
  }
  const dir = mkdtempSync(join(tmpdir(), "bench-nginx-"));
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  let child: Child | null = null;
  try {
    mkdirSync(join(dir, "www"));
    mkdirSync(join(dir, "tmp"));
    writeFileSync(join(dir, "www", SMALL_PATH.slice(1)), SMALL_BODY);
    writeFileSync(join(dir, "www", BIG_PATH.slice(1)), BIG_BODY);
    const port = await freePort();
    const conf = join(dir, "nginx.conf");
    writeFileSync(conf, nginxConfig(dir, port));
    const started = Child.spawn(binary, ["-p", dir, "-c", conf, "-e", join(dir, "error.log")], "nginx", options);
    child = started;
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
      const { exitCode, signalCode } = started.proc;
      if (exitCode !== null || signalCode !== null) throw new Error(`nginx exited (${String(exitCode ?? signalCode)}) before listening: ${started.stderr}`);
      if (Date.now() > deadline) throw new Error(`nginx did not accept connections on 127.0.0.1:${port} within 10 s: ${started.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return {
      port,
      child: started,
      async stop() {
        await started.stop();
        cleanup();
      },
    };
  } catch (err) {
    await child?.stop();
    cleanup();
    throw err;
  }
}
