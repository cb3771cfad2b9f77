/**
 * A self-signed certificate for `localhost` / 127.0.0.1 made with openssl in a temp dir.
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** PEM key and certificate (the certificate is its own CA). */
export interface SelfSigned {
  key: Buffer;
  cert: Buffer;
}

/** Generates a fresh self-signed certificate (CN=localhost, SAN DNS:localhost, IP:127.0.0.1). */
export function selfSigned(cn = "localhost"): SelfSigned {
  const dir = mkdtempSync(join(tmpdir(), "httplib-tls-"));
  try {
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${cn}`, "-addext", `subjectAltName=DNS:${cn},IP:127.0.0.1`, "-keyout", key, "-out", cert],
      { stdio: "ignore" },
    );
    return { key: readFileSync(key), cert: readFileSync(cert) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
