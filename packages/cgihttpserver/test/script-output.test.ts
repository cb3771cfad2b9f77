/**
 * A script's output as the server reads it (`ScriptOutput`, `FifoOutput`): order, backpressure,
 * the end, cuts; a FIFO read at once when its writer is gone, streamed while one holds it.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFileSync, spawn } from "node:child_process";
import { closeSync, constants, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { FifoOutput, OutputCut, ScriptOutput } from "../src/script-output.js";
import { until } from "./helpers.js";

/** Everything `output` gives until its end, as one string. */
async function readAll(output: ScriptOutput): Promise<string> {
  let text = "";
  for (let chunk = await output.read(); chunk !== null; chunk = await output.read()) text += chunk.toString("latin1");
  return text;
}

describe("ScriptOutput", () => {
  test("chunks in order, then null; the source is paused while a chunk waits and resumed by read()", async () => {
    const source = new PassThrough();
    const output = ScriptOutput.from(source);
    expect(output.ready).toBe(false);
    source.write("one ");
    await until(() => output.ready);
    expect(source.isPaused()).toBe(true);
    source.write("two ");
    source.end("three");
    expect(await output.read()).toEqual(Buffer.from("one "));
    expect(source.isPaused()).toBe(false);
    expect(await readAll(output)).toBe("two three");
    expect(await output.read()).toBeNull();
    expect(output.finished).toBe(true);
  });

  test("a read that waits gets the next chunk, then the end", async () => {
    const source = new PassThrough();
    const output = ScriptOutput.from(source);
    const first = output.read();
    source.write("late");
    expect(await first).toEqual(Buffer.from("late"));
    const end = output.read();
    source.end();
    expect(await end).toBeNull();
  });

  test("a source closed before its end, or an output cut, makes reads reject with OutputCut; what was queued is dropped", async () => {
    const source = new PassThrough();
    const output = ScriptOutput.from(source);
    source.write("queued");
    await until(() => output.ready);
    source.destroy();
    await until(() => output.finished);
    await expect(output.read()).rejects.toBeInstanceOf(OutputCut);

    const cutSource = new PassThrough();
    const cut = ScriptOutput.from(cutSource);
    const waiting = cut.read();
    cut.cut();
    await expect(waiting).rejects.toThrow(/time limit/);
    expect(cutSource.destroyed).toBe(true);
  });

  test("an error of the source rejects the reads with it", async () => {
    const source = new PassThrough();
    const output = ScriptOutput.from(source);
    source.destroy(new Error("EIO"));
    await expect(output.read()).rejects.toThrow("EIO");
  });
});

describe("FifoOutput", () => {
  let dir: string;
  let n = 0;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "fifo-output-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const fds = (): number => readdirSync("/proc/self/fd").length;
  /** A new FIFO: its non-blocking read end, and a write end. */
  function fifo(): { reader: number; writer: number } {
    const name = path.join(dir, `f${n++}`);
    execFileSync("mkfifo", [name]);
    const reader = openSync(name, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(name, constants.O_WRONLY | constants.O_NONBLOCK);
    return { reader, writer };
  }

  test("collected when its writer is gone: everything it holds (more than one read), the end, closed once", async () => {
    const before = fds();
    const { reader, writer } = fifo();
    const text = "x".repeat(50_000) + "y".repeat(10_000);
    writeSync(writer, text);
    closeSync(writer);
    let closed = 0;
    const output = new FifoOutput(reader, () => closed++);
    output.collect();
    expect(closed).toBe(1);
    expect(output.finished).toBe(true);
    expect(await readAll(output)).toBe(text);
    expect(fds()).toBe(before);
  });

  test("collected while a writer still holds it: what is there, then the rest streamed until that writer closes", async () => {
    const before = fds();
    const { reader, writer } = fifo();
    writeSync(writer, "now ");
    let closed = 0;
    const output = new FifoOutput(reader, () => closed++);
    output.collect();
    expect(output.finished).toBe(false);
    expect(await output.read()).toEqual(Buffer.from("now "));
    writeSync(writer, "later");
    closeSync(writer);
    expect(await readAll(output)).toBe("later");
    await until(() => closed === 1);
    await until(() => fds() === before);
  });

  test("streamed from the start (a script that runs on), then collected at its exit: nothing twice, nothing lost", async () => {
    const { reader, writer } = fifo();
    let closed = 0;
    const output = new FifoOutput(reader, () => closed++);
    output.stream();
    writeSync(writer, "streamed");
    expect(await output.read()).toEqual(Buffer.from("streamed"));
    closeSync(writer);
    output.collect(); // no-op once streaming: the socket sees the end
    expect(await output.read()).toBeNull();
    await until(() => closed === 1);
  });

  test("polled while it runs: what is there, without a socket; a poll that finds it full streams the rest", async () => {
    const { reader, writer } = fifo();
    let closed = 0;
    const output = new FifoOutput(reader, () => closed++);
    output.poll(); // nothing written yet: nothing happens
    expect(output.ready).toBe(false);
    writeSync(writer, "progress ");
    output.poll();
    expect(await output.read()).toEqual(Buffer.from("progress "));
    // Not streaming: what is written now waits for the next poll.
    writeSync(writer, "more ");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(output.ready).toBe(false);
    output.poll();
    expect(await output.read()).toEqual(Buffer.from("more "));
    // A FIFO found full: from now on it is read as it is written, without polls.
    const full = Buffer.alloc(65536, 0x61);
    expect(writeSync(writer, full)).toBe(65536);
    output.poll();
    expect((await output.read())?.length).toBe(65536);
    writeSync(writer, "streamed");
    expect(await output.read()).toEqual(Buffer.from("streamed"));
    closeSync(writer);
    expect(await output.read()).toBeNull();
    await until(() => closed === 1);
  });

  test("a poll that finds its end (the script closed it and works on) ends it and closes it", async () => {
    const { reader, writer } = fifo();
    writeSync(writer, "all of it");
    closeSync(writer);
    let closed = 0;
    const output = new FifoOutput(reader, () => closed++);
    output.poll();
    expect(closed).toBe(1);
    expect(await readAll(output)).toBe("all of it");
  });

  test("collected with more in it than one read takes (a FIFO enlarged by its writer): one buffer's worth at once, the rest streamed with backpressure", async () => {
    const name = path.join(dir, `f${n++}`);
    execFileSync("mkfifo", [name]);
    const reader = openSync(name, constants.O_RDONLY | constants.O_NONBLOCK);
    // A writer that something left running: it grows the pipe to 1 MiB (F_SETPIPE_SZ, 1031),
    // fills half of it, and holds it open until its stdin ends.
    const program = "import fcntl, os, sys\nfd = os.open(sys.argv[1], os.O_WRONLY)\nfcntl.fcntl(fd, 1031, 1 << 20)\nos.write(fd, b'x' * 524288)\nprint('ready', flush=True)\nsys.stdin.read()";
    const writer = spawn("python3", ["-c", program, name], { stdio: ["pipe", "pipe", "inherit"] });
    await new Promise<void>((resolve) => writer.stdout.once("data", () => resolve()));
    let closed = 0;
    const output = new FifoOutput(reader, () => closed++);
    output.collect();
    // What collect() read synchronously is there without a turn of the event loop; the rest can
    // only come through the socket it handed the FIFO to.
    let atOnce = 0;
    while (output.ready) {
      const chunk = await output.read();
      if (chunk === null) break;
      atOnce += chunk.length;
    }
    expect(atOnce).toBe(65536);
    expect(output.finished).toBe(false);
    writer.stdin.end();
    let rest = 0;
    for (let chunk = await output.read(); chunk !== null; chunk = await output.read()) rest += chunk.length;
    expect(atOnce + rest).toBe(524288);
    await until(() => closed === 1);
  });

  test("end() (the script never started) and cut() (the time limit) close it once", async () => {
    const before = fds();
    const a = fifo();
    closeSync(a.writer);
    let closedA = 0;
    const never = new FifoOutput(a.reader, () => closedA++);
    never.end();
    never.end();
    expect(closedA).toBe(1);
    expect(await never.read()).toBeNull();

    const b = fifo();
    let closedB = 0;
    const cut = new FifoOutput(b.reader, () => closedB++);
    cut.cut();
    cut.collect();
    expect(closedB).toBe(1);
    await expect(cut.read()).rejects.toBeInstanceOf(OutputCut);
    closeSync(b.writer);
    expect(fds()).toBe(before);
  });
});
