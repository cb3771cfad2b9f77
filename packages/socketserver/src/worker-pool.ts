/**
 * The primary's side of `ForkingMixIn`: worker processes, each serving one request at a time,
 * and the IPC messages exchanged with them.
 * @module
 */
import type { ChildProcess } from "node:child_process";
import type { Socket } from "node:net";
import { WorkerExited } from "./errors.js";
import type { DatagramReplySocket, DatagramRequest, SocketAddress } from "./types.js";

/** IPC message between a forking server's primary and its workers. */
export interface WorkerMessage {
  type: "ready" | "stream" | "datagram" | "done" | "sendto" | "stop";
  /** The forking server's ordinal (`forkingId`). */
  server: number;
  /** The request's id (per pool). */
  id: number;
  clientAddress?: SocketAddress;
  packet?: Buffer;
}

const READY_TIMEOUT_MS = 15000;

interface Assignment {
  id: number;
  resolve: () => void;
  reject: (err: Error) => void;
  reply: DatagramReplySocket | null;
}

interface Worker {
  child: ChildProcess;
  ready: Promise<void>;
  busy: Assignment | null;
  exited: boolean;
}

/** Worker processes of one forking server, started on demand up to a limit. */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly waiters: Array<() => void> = [];
  private nextId = 1;

  constructor(
    private readonly spawn: () => ChildProcess,
    private readonly serverId: number,
  ) {}

  /** Pids of live workers. */
  pids(): number[] {
    return this.workers.filter((w) => !w.exited && w.child.pid !== undefined).map((w) => w.child.pid!);
  }

  /**
   * Hand a request to an idle worker (starting one if fewer than `limit` run, else waiting for one).
   * Resolves once handed over, with `done`: settles when the worker has finished the request.
   */
  async dispatch(request: unknown, clientAddress: SocketAddress, limit: number): Promise<{ done: Promise<void> }> {
    const worker = await this.acquire(limit);
    const id = this.nextId++;
    const stream = !Array.isArray(request);
    const done = new Promise<void>((resolve, reject) => {
      worker.busy = { id, resolve, reject, reply: stream ? null : (request as DatagramRequest)[1] };
    });
    done.catch(() => undefined);
    const msg: WorkerMessage = { type: stream ? "stream" : "datagram", server: this.serverId, id, clientAddress };
    if (!stream) msg.packet = (request as DatagramRequest)[0];
    await new Promise<void>((resolve) => {
      worker.child.send(msg, stream ? (request as Socket) : undefined, { keepOpen: stream }, (err) => {
        if (err) this.settle(worker, new WorkerExited(`could not hand the request to worker ${worker.child.pid}: ${err.message}`));
        resolve();
      });
    });
    return { done };
  }

  /** Drop workers that have exited. */
  reap(): void {
    for (let i = this.workers.length - 1; i >= 0; i--) if (this.workers[i].exited) this.workers.splice(i, 1);
  }

  /** Stop every worker: disconnect them, kill those still alive after a grace period. */
  async close(): Promise<void> {
    const live = this.workers.filter((w) => !w.exited);
    await Promise.all(
      live.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.exited) return resolve();
            const kill = setTimeout(() => w.child.kill("SIGKILL"), 5000);
            w.child.once("exit", () => {
              clearTimeout(kill);
              resolve();
            });
            if (w.child.connected) w.child.disconnect();
            else w.child.kill();
          }),
      ),
    );
    this.reap();
  }

  private async acquire(limit: number): Promise<Worker> {
    for (;;) {
      this.reap();
      const idle = this.workers.find((w) => !w.busy && !w.exited);
      if (idle) {
        try {
          await idle.ready;
        } catch {
          continue;
        }
        if (!idle.busy && !idle.exited) return idle;
        continue;
      }
      if (this.workers.length < Math.max(1, limit)) {
        const worker = this.start();
        worker.busy = { id: 0, resolve: () => undefined, reject: () => undefined, reply: null };
        await worker.ready;
        worker.busy = null;
        return worker;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private start(): Worker {
    const child = this.spawn();
    let markReady!: () => void;
    let fail!: (err: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      fail = reject;
    });
    ready.catch(() => undefined);
    const worker: Worker = { child, ready, busy: null, exited: false };
    const timer = setTimeout(() => fail(new WorkerExited(`worker ${child.pid} did not construct forking server #${this.serverId} within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
    child.on("message", (msg: WorkerMessage) => {
      if (msg.server !== this.serverId) return;
      if (msg.type === "ready") {
        clearTimeout(timer);
        markReady();
      } else if (msg.type === "done" && worker.busy?.id === msg.id) {
        this.settle(worker, null);
      } else if (msg.type === "sendto" && worker.busy?.reply && msg.packet && msg.clientAddress !== undefined) {
        worker.busy.reply.sendto(Buffer.from(msg.packet), msg.clientAddress).catch(() => undefined);
      }
    });
    child.on("error", () => undefined);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      worker.exited = true;
      const err = new WorkerExited(`worker ${child.pid} exited (${signal ?? `code ${code}`})`);
      fail(err);
      if (worker.busy) this.settle(worker, err);
      this.wakeOne();
    });
    this.workers.push(worker);
    return worker;
  }

  private settle(worker: Worker, err: Error | null): void {
    const job = worker.busy;
    worker.busy = null;
    if (job) {
      if (err) job.reject(err);
      else job.resolve();
    }
    this.wakeOne();
  }

  private wakeOne(): void {
    this.waiters.shift()?.();
  }
}
