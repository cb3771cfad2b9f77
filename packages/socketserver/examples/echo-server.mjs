// The socketserver handbook's echo server, rewritten: `node echo-server.mjs [port]`,
// then `printf 'hello\n' | nc -q1 localhost 9999` answers HELLO.
import { StreamRequestHandler, ThreadingTCPServer } from "@stdhttp/socketserver";

class MyTCPHandler extends StreamRequestHandler {
  async handle() {
    // rfile is a buffered reader: readline() gives one line, "\n" included.
    const data = (await this.rfile.readline()).toString().trim();
    console.log(`${this.clientAddress[0]} wrote: ${data}`);
    // Likewise, wfile writes back to the client.
    this.wfile.write(data.toUpperCase() + "\n");
  }
}

const port = Number(process.argv[2] ?? 9999);
const server = new ThreadingTCPServer(["localhost", port], MyTCPHandler);
await server.ready;
console.log(`serving on ${server.serverAddress.join(":")} (Ctrl-C to stop)`);
process.once("SIGINT", () => void server.shutdown());
try {
  await server.serveForever();
} finally {
  // In TypeScript (or Node >= 24): `await using server = ...` does this.
  await server.serverClose();
}
