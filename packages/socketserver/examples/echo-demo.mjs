// The demo `pnpm demo` runs: the handbook's echo server over TCP, UDP, a Unix socket and in
// worker processes, each answered by a real client, then a clean shutdown. Exits by itself.
import { createSocket } from "node:dgram";
import { mkdtempSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DatagramRequestHandler,
  ForkingTCPServer,
  StreamRequestHandler,
  ThreadingTCPServer,
  ThreadingUDPServer,
  ThreadingUnixStreamServer,
  isForkingWorker,
} from "@stdhttp/socketserver";

class UpperHandler extends StreamRequestHandler {
  async handle() {
    for await (const line of this.rfile) this.wfile.write(`${line.toString().toUpperCase().trim()} (pid ${process.pid})\n`);
  }
}

class UdpUpper extends DatagramRequestHandler {
  async handle() {
    this.wfile.write((await this.rfile.read()).toString().toUpperCase());
  }
}

// The forking server is created first: a worker re-runs this script and stops here.
const forking = new ForkingTCPServer(["127.0.0.1", 0], UpperHandler, { maxChildren: 2 });
if (isForkingWorker()) {
  await forking.serveForever();
} else {
  await main();
}

function ask(address, lines) {
  return new Promise((resolve, reject) => {
    const s = typeof address === "string" ? connect(address) : connect(address[1], address[0]);
    let out = "";
    s.setEncoding("utf8");
    s.on("data", (d) => (out += d));
    s.on("error", reject);
    s.on("close", () => resolve(out.trim()));
    s.end(lines.join("\n") + "\n");
  });
}

function askUdp(address, text) {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    s.once("message", (msg) => {
      s.close();
      resolve(msg.toString());
    });
    s.send(text, address[1], address[0]);
  });
}

async function main() {
  const tcp = new ThreadingTCPServer(["127.0.0.1", 0], UpperHandler);
  const udp = new ThreadingUDPServer(["127.0.0.1", 0], UdpUpper);
  const unix = new ThreadingUnixStreamServer(join(mkdtempSync(join(tmpdir(), "stdhttp-demo-")), "echo.sock"), UpperHandler);
  const servers = [tcp, udp, unix, forking];
  await Promise.all(servers.map((s) => s.ready));
  const loops = servers.map((s) => s.serveForever());

  console.log(`stdhttp socketserver demo (primary pid ${process.pid})`);
  console.log(`TCP   ${tcp.serverAddress.join(":")} ->`, await ask(tcp.serverAddress, ["hello", "world"]));
  console.log(`UDP   ${udp.serverAddress.join(":")} ->`, await askUdp(udp.serverAddress, "datagram"));
  console.log(`Unix  ${unix.serverAddress} ->`, await ask(unix.serverAddress, ["over a unix socket"]));
  const forked = await Promise.all([ask(forking.serverAddress, ["forked one"]), ask(forking.serverAddress, ["forked two"])]);
  console.log(`Fork  ${forking.serverAddress.join(":")} ->`, forked.join(" | "));

  await Promise.all(servers.map((s) => s.shutdown()));
  await Promise.all(loops);
  await Promise.all(servers.map((s) => s.serverClose()));
  console.log("all servers shut down cleanly");
}
