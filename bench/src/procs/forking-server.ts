/**
 * Child process: a CPU-bound line service on `ForkingTCPServer` (worker processes) or
 * `ThreadingTCPServer` (one process), for the `forking` workload. Each line costs `rounds`
 * SHA-256 hashes, then is echoed. The same script runs as the forking server's workers (they
 * re-run the main script, as node:cluster does), so only the primary talks to the bench.
 * Config (argv[2], JSON): {@link ForkingServerConfig}.
 * @module
 */
import { createHash } from "node:crypto";
import { ForkingTCPServer, StreamRequestHandler, ThreadingTCPServer, isForkingWorker } from "@stdhttp/socketserver";
import { exitWithParent, fail, readConfig, send } from "./ipc.js";
import { serveOnLoopback } from "./listen.js";

/** What the parent asks of this child. */
export interface ForkingServerConfig {
  kind: "forking" | "threading";
  /** SHA-256 rounds per line: the handler's CPU cost. */
  rounds: number;
  /** ForkingMixIn's `maxChildren`. */
  maxChildren: number;
}

const config = readConfig<ForkingServerConfig>();

class Work extends StreamRequestHandler {
  override disableNagleAlgorithm = true;

  override async handle(): Promise<void> {
    for (;;) {
      const line = await this.rfile.readline();
      if (line.length === 0) break;
      let digest: Buffer = line;
      for (let i = 0; i < config.rounds; i++) digest = createHash("sha256").update(digest).digest();
      this.wfile.write(line);
    }
  }
}

async function main(): Promise<void> {
  const Server = config.kind === "forking" ? ForkingTCPServer : ThreadingTCPServer;
  const server = new Server(["127.0.0.1", 0], Work, { maxChildren: config.maxChildren });
  if (isForkingWorker()) {
    await server.serveForever();
    return;
  }
  exitWithParent();
  await send({ type: "ready", port: await serveOnLoopback(server) });
}

void main().catch(fail);
