/**
 * ForkingMixIn with real worker processes: requests run in other processes, concurrently
 * (shown by overlapping connections, never by timing), and errors stay in the worker.
 */
import { describe, expect, test } from "@jest/globals";
import { connectTo, readAll, readSome, udpRequest } from "./helpers.js";
import { startForking } from "./fork-helpers.js";

describe("ForkingTCPServer", () => {
  test("overlapping connections are served at once by distinct worker processes", async () => {
    const proc = await startForking("tcp", "pid");
    // Each handler answers its pid, then holds its connection until the client says goodbye:
    // all four answering before any goodbye proves four requests were in flight at once.
    const clients = await Promise.all([0, 1, 2, 3].map(() => connectTo(proc.address)));
    const pids = await Promise.all(
      clients.map(async (c) => {
        c.write("hello\n");
        return Number((await readSome(c)).toString().trim());
      }),
    );
    await Promise.all(
      clients.map((c) => {
        const done = readAll(c);
        c.end("bye\n");
        return done;
      }),
    );
    expect(new Set(pids).size).toBe(4);
    for (const pid of pids) {
      expect(pid).toBeGreaterThan(0);
      expect(pid).not.toBe(proc.pid);
    }
    const report = await proc.stop();
    expect(report.activeChildren).toBe(0);
    expect(report.code).toBe(0);
  });

  test("workers are reused for later requests and capped at maxChildren (4 in the fixture)", async () => {
    const proc = await startForking("tcp", "pid");
    const seen = new Set<number>();
    for (let i = 0; i < 6; i++) {
      const c = await connectTo(proc.address);
      c.write("hi\n");
      seen.add(Number((await readSome(c)).toString().trim()));
      const done = readAll(c);
      c.end("bye\n");
      await done;
    }
    expect(seen.size).toBeLessThanOrEqual(4);
    await proc.stop();
  });
});

describe("worker without its primary", () => {
  test("a worker whose primary was killed finishes its request and exits quietly", async () => {
    const proc = await startForking("tcp", "pid");
    const client = await connectTo(proc.address);
    client.write("hello\n");
    expect(Number((await readSome(client)).toString().trim())).toBeGreaterThan(0);
    const exited = new Promise((r) => proc.child.once("exit", r));
    proc.child.kill("SIGKILL");
    await exited;
    const done = readAll(client);
    client.end("bye\n");
    await done;
    // EOF on the shared stderr pipe: the worker has exited too, without an unhandled EPIPE.
    const stderr = await proc.stderr;
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
  });
});

describe("ForkingUDPServer", () => {
  test("datagrams are handled in a worker process and answered through the primary's socket", async () => {
    const proc = await startForking("udp", "pid");
    const answer = await udpRequest(proc.address as [string, number], "ping\n");
    const pid = Number(answer.toString().trim());
    expect(pid).toBeGreaterThan(0);
    expect(pid).not.toBe(proc.pid);
    await proc.stop();
  });
});
