/**
 * TLS: a stream server with the `tls` option wraps accepted sockets, so HTTPS-style servers
 * can be built on it. The certificate is generated here with openssl.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect, createSecureContext } from "node:tls";
import { StreamRequestHandler, ThreadingTCPServer, type SocketAddress } from "../src/index.js";
import { serve, stop } from "./helpers.js";

let dir: string;
let key: Buffer;
let cert: Buffer;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "stdhttp-tls-"));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
  ], { stdio: "ignore" });
  key = readFileSync(join(dir, "key.pem"));
  cert = readFileSync(join(dir, "cert.pem"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

class Upper extends StreamRequestHandler {
  override async handle(): Promise<void> {
    const line = await this.rfile.readline();
    const alpn = (this.connection as unknown as { alpnProtocol?: string | false }).alpnProtocol;
    this.wfile.write(`${line.toString().toUpperCase().trim()} ${String(alpn)}\n`);
  }
}

function tlsRequest(address: SocketAddress, line: string, options: { ca?: Buffer; ALPNProtocols?: string[] } = {}): Promise<string> {
  const [host, port] = address as [string, number];
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host, port, servername: "localhost", ...options }, () => s.end(line));
    let out = "";
    s.setEncoding("utf8");
    s.on("data", (d: string) => (out += d));
    s.on("error", reject);
    s.on("close", () => resolve(out));
  });
}

describe("tls option", () => {
  test("serves over TLS with key/cert options and negotiates ALPN", async () => {
    const server = new ThreadingTCPServer(["127.0.0.1", 0], Upper, { tls: { key, cert, ALPNProtocols: ["echo/1"] } });
    const { loop } = await serve(server);
    expect(await tlsRequest(server.serverAddress, "secret\n", { ca: cert, ALPNProtocols: ["echo/1"] })).toBe("SECRET echo/1\n");
    await stop(server, loop);
  });

  test("accepts a prebuilt SecureContext", async () => {
    const server = new ThreadingTCPServer(["127.0.0.1", 0], Upper, { tls: createSecureContext({ key, cert }) });
    const { loop } = await serve(server);
    expect(await tlsRequest(server.serverAddress, "ctx\n", { ca: cert })).toBe("CTX false\n");
    await stop(server, loop);
  });

  test("a prebuilt secureContext combines with per-connection options (ALPN)", async () => {
    const server = new ThreadingTCPServer(["127.0.0.1", 0], Upper, { tls: { secureContext: createSecureContext({ key, cert }), ALPNProtocols: ["echo/2"] } });
    const { loop } = await serve(server);
    expect(await tlsRequest(server.serverAddress, "both\n", { ca: cert, ALPNProtocols: ["echo/2"] })).toBe("BOTH echo/2\n");
    await stop(server, loop);
  });

  test("a client that does not trust the certificate fails its handshake; the server keeps serving", async () => {
    const errors: unknown[] = [];
    class Server extends ThreadingTCPServer {
      override handleError(_r: unknown, _a: SocketAddress, error?: unknown): void {
        errors.push(error);
      }
    }
    const server = new Server(["127.0.0.1", 0], Upper, { tls: { key, cert } });
    const { loop } = await serve(server);
    await expect(tlsRequest(server.serverAddress, "x\n")).rejects.toMatchObject({ code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
    expect(await tlsRequest(server.serverAddress, "again\n", { ca: cert })).toBe("AGAIN false\n");
    await stop(server, loop);
    expect(errors.length).toBeLessThanOrEqual(1);
  });
});
