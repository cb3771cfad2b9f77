// The demo command end to end, with the real commands (cgihttpserver, Alfajor, CTC) as child
// processes on free ports: its check mode, the interactive mode with curl through what it prints,
// a clean stop on Ctrl-C (no process left listening), the fallback when a port is taken, and
// its usage errors.
import { afterEach, expect, test } from "@jest/globals";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { accepts, curl, runDemo, stopDemos } from "./helpers.js";

afterEach(stopDemos);

const TIMEOUT = 120_000;

/** The addresses the running demo printed: CTC, Alfajor, the news site and the ad server. */
function addresses(stdout: string): { ctc: string; alfajor: string; ports: number[] } {
  const chain = /browser -> CTC (http:\/\/127\.0\.0\.1:\d+) \(cuts banners\) -> Alfajor (http:\/\/127\.0\.0\.1:\d+) /.exec(stdout);
  if (!chain) throw new Error(`no chain line in:\n${stdout}`);
  const ports = [...new Set([...stdout.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1])))];
  return { ctc: chain[1], alfajor: chain[2], ports };
}

test(
  "--check makes the tries through both proxies and every check passes",
  async () => {
    const demo = runDemo(["--check"]);
    const code = await demo.exited;
    expect({ code, stderr: demo.stderr(), failed: demo.stdout().split("\n").filter((line) => line.includes("FAIL")) }).toEqual({ code: 0, stderr: "", failed: [] });
    expect(demo.stdout()).toMatch(/^Checking the demo chain: CTC http:\/\/127\.0\.0\.1:\d+\/ -> Alfajor /);
    const summary = /^(\d+) of (\d+) checks passed\.$/m.exec(demo.stdout());
    expect(summary).not.toBeNull();
    expect(summary![1]).toBe(summary![2]);
  },
  TIMEOUT,
);

test(
  "runs until Ctrl-C; the curl commands it prints work; then every process is gone",
  async () => {
    const demo = runDemo(["--ctc-port", "0", "--alfajor-port", "0"]);
    await demo.waitFor(/Press Ctrl-C to stop\.\n/);
    const { ctc, alfajor, ports } = addresses(demo.stdout());
    expect(ports).toHaveLength(4);
    expect(demo.stdout()).toContain(`curl -x ${ctc} http://news.demo.test/`);

    const throughCtc = await curl(["-x", ctc, "http://news.demo.test/"]);
    expect(throughCtc).toContain("The Demo Gazette");
    expect(throughCtc).not.toMatch(/<img[^>]*ads\.demo\.test/);
    const throughAlfajor = await curl(["-x", alfajor, "http://news.demo.test/"]);
    expect(throughAlfajor).toMatch(/<img[^>]*ads\.demo\.test\/banners\/728x90\.svg/);
    const article = await curl(["-si", "-x", ctc, "http://news.demo.test/cgi-bin/article.sh?id=cookies"]);
    expect(article).toMatch(/^Set-Cookie: news_session=[0-9a-f]+/im);

    demo.process.kill("SIGINT");
    expect(await demo.exited).toBe(0);
    expect(demo.stdout()).toMatch(/Stopping the demo \.\.\.\nStopped\.\n$/);
    expect(demo.stderr()).toBe("");
    for (const port of ports) expect({ port, accepts: await accepts(port) }).toEqual({ port, accepts: false });
  },
  TIMEOUT,
);

test(
  "a port that is taken is said to be, and a free one is used instead",
  async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    const taken = (squatter.address() as AddressInfo).port;
    try {
      const demo = runDemo(["--ctc-port", String(taken), "--alfajor-port", "0"]);
      await demo.waitFor(/Press Ctrl-C to stop\.\n/);
      expect(demo.stdout()).toContain(`Port ${taken} is taken on 127.0.0.1`);
      const { ctc } = addresses(demo.stdout());
      expect(ctc).not.toBe(`http://127.0.0.1:${taken}`);
      expect(await curl(["-x", ctc, "http://news.demo.test/"])).toContain("The Demo Gazette");
      demo.process.kill("SIGTERM");
      expect(await demo.exited).toBe(0);
    } finally {
      squatter.close();
    }
  },
  TIMEOUT,
);

/** The pid of the process whose command line holds every one of `words`, from /proc. */
function pidOf(words: string[]): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let commandLine: string[];
    try {
      commandLine = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (words.every((word) => commandLine.includes(word))) return Number(entry);
  }
  throw new Error(`no process with ${words.join(" ")}`);
}

test(
  "a process that dies makes the demo say so, stop the others and exit 1",
  async () => {
    const demo = runDemo(["--ctc-port", "0", "--alfajor-port", "0"]);
    await demo.waitFor(/Press Ctrl-C to stop\.\n/);
    const { alfajor, ports } = addresses(demo.stdout());
    // CTC is the one process whose upstream is this demo's Alfajor.
    process.kill(pidOf(["--upstream", alfajor]), "SIGKILL");
    expect(await demo.exited).toBe(1);
    expect(demo.stderr()).toMatch(/^\ndemo: CTC stopped unexpectedly \(signal SIGKILL\):\n[^]*\nStopping the rest of the demo\.\n$/);
    for (const port of ports) expect({ port, accepts: await accepts(port) }).toEqual({ port, accepts: false });
  },
  TIMEOUT,
);

test("a bad argument prints the usage and exits 2", async () => {
  const demo = runDemo(["--ctc-port", "http"]);
  expect(await demo.exited).toBe(2);
  expect(demo.stderr()).toMatch(/^demo: --ctc-port: not a port number: http\n\nusage: pnpm demo/);
  expect(demo.stdout()).toBe("");
});
