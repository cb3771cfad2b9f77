/**
 * `ForkingMixIn`: serve each request in a worker process (Python forks one per request).
 *
 * As node:cluster does, a worker re-runs the main script, so the user's handler class exists there
 * without naming a module; the N-th forking server the script constructs in the worker pairs with
 * the N-th in the primary. The primary accepts, hands the connection (or the datagram) to an idle
 * worker over IPC and closes its own copy; the worker runs the handler and reports back.
 * @module
 */
import { fork, type ChildProcess } from "node:child_process";
import type { Socket } from "node:net";
import { NoWorkerScript } from "./errors.js";
import type { MixinClass, ServerClass } from "./threading.js";
import type { DatagramReplySocket, SocketAddress } from "./types.js";
import { WorkerPool, type WorkerMessage } from "./worker-pool.js";

const WORKER_ENV = "STDHTTP_SOCKETSERVER_WORKER";
const ADDRESSES_ENV = "STDHTTP_SOCKETSERVER_ADDRESSES";

/** True in a worker process started by a forking server (guard one-time output with it). */
export function isForkingWorker(): boolean {
  return process.env[WORKER_ENV] === "1" && typeof process.send === "function";
}

/**
 * Worker side: message the primary. Once the primary is gone (the channel is closed) there is
 * nobody to tell: drop it rather than let `process.send` raise EPIPE as an unhandled 'error'.
 */
function sendToPrimary(msg: WorkerMessage): void {
  if (!process.connected || !process.send) return;
  process.send(msg, undefined, {}, () => undefined);
}

let forkingServers = 0;
const workerSide = new Map<number, { receive(msg: WorkerMessage, handle: unknown): void }>();

if (isForkingWorker()) {
  process.on("message", (msg: WorkerMessage, handle: unknown) => workerSide.get(msg.server)?.receive(msg, handle));
  // The primary went away: finish what is running, then leave.
  process.once("disconnect", () => {
    for (const server of workerSide.values()) server.receive({ type: "stop", server: -1, id: -1 }, undefined);
    setTimeout(() => process.exit(0), 2000).unref();
  });
}

/** What `ForkingMixIn` adds to a server. */
export interface ForkingMembers {
  /** Most worker processes at once (Python's `max_children`). */
  maxChildren: number;
  /** `serverClose()` waits for requests still running in workers. */
  blockOnClose: boolean;
  /** Script a worker runs; `null` for the main script. */
  workerScript: string | null;
  /** This server's ordinal among the forking servers of the process. */
  readonly forkingId: number;
  /** True when this object is the worker-side copy of the server. */
  readonly isWorker: boolean;
  /** Pids of the live worker processes (Python's `active_children`). */
  readonly activeChildren: Set<number>;
  /** Forget workers that have exited; with `blocking`, wait for running requests first. */
  collectChildren(options?: { blocking?: boolean }): Promise<void>;
  /** Start one worker process running the same script. May be overridden. */
  spawnWorker(): ChildProcess;
}

/**
 * Mix-in that serves each request in a worker process (Python's `socketserver.ForkingMixIn`):
 * handlers run in parallel on all cores and a crash in one cannot take the server down.
 *
 * Workers are started on demand, at most `maxChildren` (Python's `max_children`, default 40);
 * when all are busy the loop waits for one to finish, as Python's `collect_children` does.
 * A worker serves one request at a time and is reused for later ones (Python forks anew).
 *
 * Class properties that may be overridden: `maxChildren`, `blockOnClose`, `timeout` (300 as Python),
 * `workerScript` (default: the main script, `process.argv[1]`).
 *
 * @example
 * // server.mjs: the same file runs as primary and as worker.
 * class Handler extends StreamRequestHandler { override async handle() { this.wfile.write(`${process.pid}\n`); } }
 * const server = new ForkingTCPServer(["127.0.0.1", 8000], Handler);
 * await server.serveForever();
 */
export function ForkingMixIn<TBase extends ServerClass>(Base: TBase): TBase & MixinClass<ForkingMembers> {
  abstract class ForkingServer extends Base implements ForkingMembers {
    /** Python's `timeout` for ForkingMixIn. */
    override timeout: number | null = 300;
    /** Most worker processes at once (Python's `max_children`). */
    maxChildren = 40;
    /** `serverClose()` waits for requests still running in workers. */
    blockOnClose = true;
    /** Script a worker runs; `null` for the main script. */
    workerScript: string | null = null;
    /** This server's ordinal among the forking servers of the process (pairs primary and worker). */
    readonly forkingId = forkingServers++;
    /** True when this object is the worker-side copy of the server. */
    readonly isWorker = isForkingWorker();
    /** Worker processes of the primary (`null` in a worker). */
    pool: WorkerPool | null = null;

    /** Pids of the live worker processes (Python's `active_children`). */
    get activeChildren(): Set<number> {
      return new Set(this.pool?.pids() ?? []);
    }

    /** In a worker: take the primary's address instead of binding. */
    override async serverBind(): Promise<void> {
      if (!this.isWorker) return super.serverBind();
      const addresses = JSON.parse(process.env[ADDRESSES_ENV] ?? "{}") as Record<string, SocketAddress>;
      this.serverAddress = addresses[this.forkingId] ?? this.serverAddress;
      workerSide.set(this.forkingId, { receive: (msg, handle) => this.receiveInWorker(msg, handle) });
      sendToPrimary({ type: "ready", server: this.forkingId, id: -1 });
    }

    /** Hand the request to a worker; return once it has been handed over. */
    override async processRequest(request: unknown, clientAddress: SocketAddress): Promise<void> {
      if (this.isWorker) return this.processInWorker(request, clientAddress);
      this.pool ??= new WorkerPool(() => this.spawnWorker(), this.forkingId);
      const limit = this.options.maxChildren ?? this.maxChildren;
      const { done } = await this.pool.dispatch(request, clientAddress, limit);
      // The worker has its own copy now: close ours (Python's parent does the same).
      if (isStream(request)) void this.closeRequest(request);
      this.trackRequest(request, done.catch((err: unknown) => this.handleError(request, clientAddress, err)));
    }

    /** Forget workers that have exited; with `blocking`, wait for running requests first. */
    async collectChildren({ blocking = false }: { blocking?: boolean } = {}): Promise<void> {
      if (blocking) await this.drain(null);
      this.pool?.reap();
    }

    /** Python's `handle_timeout`: collect children. */
    override async handleTimeout(): Promise<void> {
      await this.collectChildren();
    }

    /** Python's `service_actions`: collect children. */
    override async serviceActions(): Promise<void> {
      await this.collectChildren();
    }

    /** Close the listener, wait for running requests (`blockOnClose`), then stop the workers. */
    override async serverClose(): Promise<void> {
      await super.serverClose();
      if (this.isWorker) return;
      await this.collectChildren({ blocking: this.blockOnClose });
      await this.pool?.close();
    }

    /** Start one worker process running the same script. May be overridden. */
    spawnWorker(): ChildProcess {
      const script = this.options.workerScript ?? this.workerScript ?? process.argv[1];
      if (!script) throw new NoWorkerScript();
      return fork(script, process.argv.slice(2), {
        env: { ...process.env, [WORKER_ENV]: "1", [ADDRESSES_ENV]: JSON.stringify(registeredAddresses(this.forkingId, this.serverAddress)) },
        execArgv: process.execArgv,
        serialization: "advanced",
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
    }

    /** Worker side: queue what the primary sent, as the accept queue would. */
    receiveInWorker(msg: WorkerMessage, handle: unknown): void {
      if (msg.type === "stop") {
        void this.shutdown();
        return;
      }
      if (msg.type === "stream" && handle) {
        const socket = handle as Socket;
        socket.on("error", () => undefined);
        (socket as Socket & { requestId?: number }).requestId = msg.id;
        this.enqueueRequest(socket, msg.clientAddress ?? "");
      } else if (msg.type === "datagram" && msg.packet) {
        const id = msg.id;
        const reply: DatagramReplySocket & { requestId: number } = {
          requestId: id,
          sendto: (data, address) => {
            const buf = typeof data === "string" ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
            sendToPrimary({ type: "sendto", server: this.forkingId, id, packet: buf, clientAddress: address });
            return Promise.resolve();
          },
        };
        this.enqueueRequest([Buffer.from(msg.packet), reply] as never, msg.clientAddress ?? "");
      }
    }

    /** Worker side: Python's forked child: finish, report errors, shut the request down, tell the primary. */
    async processInWorker(request: unknown, clientAddress: SocketAddress): Promise<void> {
      try {
        await this.finishAndShutdown(request, clientAddress);
      } finally {
        const id = Array.isArray(request) ? (request[1] as { requestId: number }).requestId : (request as { requestId: number }).requestId;
        sendToPrimary({ type: "done", server: this.forkingId, id });
      }
    }
  }
  return ForkingServer as unknown as TBase & MixinClass<ForkingMembers>;
}

/** Addresses of this process's forking servers, by ordinal, for the workers' environment. */
const addressesById: Record<number, SocketAddress> = {};
function registeredAddresses(id: number, address: SocketAddress): Record<number, SocketAddress> {
  addressesById[id] = address;
  return addressesById;
}

function isStream(request: unknown): request is Socket {
  return !Array.isArray(request);
}
