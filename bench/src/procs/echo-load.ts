/**
 * Child process: the echo load generator. Opens `connections` sockets; on each, sends a
 * `size`-byte message ending in "\n" and waits for the whole echo before sending the next.
 * First every connection checks one full echo byte for byte; then it runs `warmup` seconds
 * untimed and `duration` seconds timed (announced with `{ type: "measuring" }` when it starts), and sends
 * `{ type: "result", ops, seconds, p99Ms }`.
 * Config (argv[2], JSON): {@link EchoLoadConfig}.
 * @module
 */
import { connect, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { LatencyRecorder } from "../stats.js";
import { exitWithParent, fail, readConfig, send, sleep } from "./ipc.js";

/** What the parent asks of this child. */
export interface EchoLoadConfig {
  port: number;
  connections: number;
  /** Message size in bytes, the final "\n" included. */
  size: number;
  warmup: number;
  duration: number;
}

type Phase = "warmup" | "measure" | "done";

/** A printable message of `size` bytes ending in "\n", different on each connection. */
function message(size: number, seed: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  for (let i = 0; i < size - 1; i++) buf[i] = 0x21 + ((i + seed) % 90);
  buf[size - 1] = 0x0a;
  return buf;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1", noDelay: true });
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/** Send `msg` once and check the echo is exactly `msg` (the correctness check before timing). */
function checkEcho(socket: Socket, msg: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      got += chunk.length;
      if (got < msg.length) return;
      socket.off("data", onData);
      socket.off("close", onClose);
      if (Buffer.concat(chunks).equals(msg)) resolve();
      else reject(new Error(`echo check failed: sent ${msg.length} bytes, got ${got} different bytes back`));
    };
    const onClose = (): void => reject(new Error(`echo check failed: connection closed after ${got} of ${msg.length} bytes`));
    socket.on("data", onData);
    socket.once("close", onClose);
    socket.write(msg);
  });
}

async function main(): Promise<void> {
  exitWithParent();
  const config = readConfig<EchoLoadConfig>();
  const sockets = await Promise.all(Array.from({ length: config.connections }, () => open(config.port)));
  const messages = sockets.map((_, i) => message(config.size, i));
  await Promise.all(sockets.map((s, i) => checkEcho(s, messages[i])));

  let phase: Phase = "warmup";
  let ops = 0;
  // An object, not a `let`: TypeScript would narrow a `let` to `null` across the awaits below.
  const trouble: { failure: Error | null } = { failure: null };
  const latencies = new LatencyRecorder();

  sockets.forEach((socket, i) => {
    const msg = messages[i];
    let got = 0;
    let sentAt = 0;
    const sendOne = (): void => {
      got = 0;
      sentAt = performance.now();
      socket.write(msg);
    };
    socket.on("data", (chunk: Buffer) => {
      got += chunk.length;
      if (got < msg.length) return;
      if (got > msg.length) trouble.failure ??= new Error(`server echoed ${got} bytes for a ${msg.length}-byte message`);
      if (phase === "measure") {
        ops++;
        latencies.record(performance.now() - sentAt);
      }
      if (phase !== "done") sendOne();
    });
    socket.on("close", () => {
      if (phase !== "done") trouble.failure ??= new Error("server closed a connection during the run");
    });
    socket.on("error", (err) => {
      if (phase !== "done") trouble.failure ??= err;
    });
    sendOne();
  });

  await sleep(config.warmup);
  phase = "measure";
  ops = 0;
  latencies.reset();
  // The parent samples the server's CPU time when the window opens (and again at the result).
  void send({ type: "measuring" });
  const start = performance.now();
  await sleep(config.duration);
  const seconds = (performance.now() - start) / 1000;
  phase = "done";
  const measured = ops;
  for (const s of sockets) s.destroy();
  if (trouble.failure) throw trouble.failure;
  await send({ type: "result", ops: measured, seconds, p99Ms: latencies.percentile(99), bytes: measured * config.size });
  process.exit(0);
}

void main().catch(fail);
