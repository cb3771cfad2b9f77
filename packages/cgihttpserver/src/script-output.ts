/**
 * A running script's stdout or stderr as the server reads it: chunks in order, then the end,
 * taken one at a time with `read()` (the producer is paused while a chunk waits). The helper
 * launcher's `FifoOutput` reads a script straight from its FIFO (no stream object at all) when it
 * has exited and now and then while it runs, and through a socket only when it runs long or
 * writes fast; the spawn launcher's outputs come from the child's pipes.
 * @module
 */
import { closeSync, readSync } from "node:fs";
import { Socket } from "node:net";
import type { Readable } from "node:stream";

/** Why a script's output ended before its end: the time limit cut it, or it was abandoned. */
export class OutputCut extends Error {
  override name = "OutputCut";
  /** Stable code: `ERR_CGI_OUTPUT_CUT`. */
  readonly code = "ERR_CGI_OUTPUT_CUT";
}

/** One output of a running script. @internal */
export class ScriptOutput {
  private readonly chunks: Buffer[] = [];
  private ended = false;
  /** Set when the output failed or was cut (then nothing more comes either). */
  private failure: Error | null = null;
  private waiting: { resolve: (chunk: Buffer | null) => void; reject: (err: Error) => void } | null = null;
  private source: Readable | null = null;

  /** True when `read()` would settle at once (a chunk, the end or a failure is there). */
  get ready(): boolean {
    return this.chunks.length > 0 || this.finished;
  }

  /** True once nothing more will come (ended, failed or cut). */
  get finished(): boolean {
    return this.ended || this.failure !== null;
  }

  /** The next chunk, or null at the end; rejects when the output failed or was cut. */
  read(): Promise<Buffer | null> {
    const chunk = this.chunks.shift();
    if (chunk !== undefined) {
      if (this.chunks.length === 0) this.source?.resume();
      return Promise.resolve(chunk);
    }
    if (this.ended) return Promise.resolve(null);
    if (this.failure !== null) return Promise.reject(this.failure);
    this.source?.resume();
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** Producer: a chunk of output. */
  push(chunk: Buffer): void {
    if (this.finished) return;
    const waiting = this.waiting;
    if (waiting !== null) {
      this.waiting = null;
      waiting.resolve(chunk);
      return;
    }
    this.chunks.push(chunk);
    this.source?.pause();
  }

  /** Producer: the end of output. */
  end(): void {
    if (this.finished) return;
    this.ended = true;
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.resolve(null);
  }

  /** Producer: the output failed (or was cut): what was queued is dropped, and reads reject. */
  fail(err: Error): void {
    if (this.finished) return;
    this.failure = err;
    this.chunks.length = 0;
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.reject(err);
  }

  /** End the output now, whatever is still to come (the time limit): reads reject with {@link OutputCut}. */
  cut(): void {
    if (this.finished) return;
    this.fail(new OutputCut("output cut at the time limit"));
    this.source?.destroy();
  }

  /** Read `readable` from now on: its data, its end, its error (closed before its end: cut). */
  protected attach(readable: Readable): void {
    this.source = readable;
    readable.on("data", (chunk: Buffer) => this.push(chunk));
    readable.once("end", () => this.end());
    readable.once("error", (err) => this.fail(err));
    readable.once("close", () => this.fail(new OutputCut("output closed before its end")));
    if (this.chunks.length > 0) readable.pause();
  }

  /** An output read from `readable` (the spawn launcher's pipes). */
  static from(readable: Readable): ScriptOutput {
    const output = new ScriptOutput();
    output.attach(readable);
    return output;
  }
}

/** See {@link FifoOutputs}. */
const POLL_FIRST_MS = 20;
const STREAM_AFTER_MS = 300;

/** Where a FIFO's content is read to before it is copied out (one read holds what a pipe holds). */
const scratch = Buffer.allocUnsafe(65536);

/**
 * An output that arrives through a FIFO (the helper launcher). It is read without any stream
 * object while it can be: when the script has exited (`collect()`), what it wrote is all in the
 * FIFO, and a few `read(2)` calls take it to its end; while it runs, `poll()` now and then takes
 * what is there. Only a script that writes faster than that (a read that fills a FIFO's worth),
 * one that runs long, or an end still held open by something the script left running, is read
 * through a `net.Socket` (`stream()`). A socket per output was ~50 us of the server's CPU per
 * script (made, watched by epoll, closed), a third of what the server spent starting and
 * answering a short script.
 * @internal
 */
export class FifoOutput extends ScriptOutput {
  /** `fd`: the FIFO's read end (non-blocking); `closed` runs once when it is closed. */
  constructor(
    private fd: number,
    private readonly closed: () => void,
  ) {
    super();
  }

  /**
   * The script has exited: read what the FIFO holds. At its end (no writer left) the output ends
   * and the FIFO is closed; if something still holds it open, the rest is streamed.
   */
  collect(): void {
    if (this.take() !== "ended") this.stream();
  }

  /**
   * The script runs: take what the FIFO holds now (its end, if the script closed it). A writer
   * that filled it is read through a socket from now on, as fast as it writes.
   */
  poll(): void {
    if (this.take() === "full") this.stream();
  }

  /**
   * Read until the FIFO is empty, at its end, or after a read that filled the scratch buffer (a
   * writer that keeps it full is left to a socket's backpressure, not read here without end).
   */
  private take(): "empty" | "ended" | "full" {
    while (this.fd >= 0) {
      let n: number;
      try {
        n = readSync(this.fd, scratch, 0, scratch.length, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EAGAIN") return "empty";
        this.fail(err as Error);
        this.close();
        return "ended";
      }
      if (n === 0) {
        this.end();
        return "ended";
      }
      this.push(Buffer.from(scratch.subarray(0, n)));
      if (n === scratch.length) return "full";
    }
    return "ended";
  }

  /** Read through a socket from now on (a script that runs on, or whose output is held open). */
  stream(): void {
    // A closed FIFO, or one already handed to a socket (fd -1 both), or an output already over.
    if (this.fd < 0 || this.finished) return;
    const socket = new Socket({ fd: this.fd, readable: true, writable: false });
    this.fd = -1;
    socket.once("close", () => this.closed());
    this.attach(socket);
  }

  /** Nobody will write (the script never started): the output ends empty. */
  override end(): void {
    super.end();
    this.close();
  }

  override cut(): void {
    super.cut();
    this.close();
  }

  private close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
    this.closed();
  }
}

/**
 * The stdout and stderr of a script started by the helper, and when they are read. Both are read
 * at once when the script has exited (`collect()`). While it runs, they are polled (read without
 * waiting) POLL_FIRST_MS after it started, then at twice the previous interval (20, 60 and
 * 140 ms); from STREAM_AFTER_MS on, or as soon as a poll finds a FIFO full, they are read
 * through sockets as they come. A short script
 * (most CGI answers) is read once, when it has exited, also when load makes it take a few polls;
 * output that a script writes and then works on reaches the client at the next poll (within
 * 160 ms at worst, 20 ms in its first 20 ms); a script that fills a FIFO (64 KiB) before the first
 * poll waits for it once.
 * @internal
 */
export class FifoOutputs {
  readonly stdout: FifoOutput;
  readonly stderr: FifoOutput;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private interval = POLL_FIRST_MS;
  private polled = 0;

  /** The read ends of the script's stdout and stderr FIFOs; `closed` runs when each is closed. */
  constructor(stdoutFd: number, stderrFd: number, closed: () => void) {
    this.stdout = new FifoOutput(stdoutFd, closed);
    this.stderr = new FifoOutput(stderrFd, closed);
  }

  /** The script started: it holds the write ends from now on (before, a read would see their end), so polls begin. */
  started(): void {
    this.timer = setTimeout(FifoOutputs.poll, this.interval, this);
  }

  /** The script exited: read what it wrote. */
  collect(): void {
    this.stopPolling();
    this.stdout.collect();
    this.stderr.collect();
  }

  /** Read through sockets from now on (a script that runs long, or whose exit will not be reported). */
  stream(): void {
    this.stopPolling();
    this.stdout.stream();
    this.stderr.stream();
  }

  /** Nothing will be written (the script never started): both end empty. */
  end(): void {
    this.stopPolling();
    this.stdout.end();
    this.stderr.end();
  }

  private stopPolling(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private static poll(this: void, outputs: FifoOutputs): void {
    outputs.timer = null;
    outputs.polled += outputs.interval;
    if (outputs.polled >= STREAM_AFTER_MS) return outputs.stream();
    outputs.stdout.poll();
    outputs.stderr.poll();
    if (outputs.stdout.finished && outputs.stderr.finished) return;
    outputs.interval *= 2;
    outputs.timer = setTimeout(FifoOutputs.poll, outputs.interval, outputs);
  }
}
