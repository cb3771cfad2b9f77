// Second half of `pnpm demo`: the handbook's WelcomeHandler on ThreadingHTTPServer (HTTP/1.1,
// keep-alive), fetched with @stdhttp/httplib's HTTPConnection over one reused connection,
// plus a chunked upload and a malformed request answered 400. Exits by itself.
import { connect } from "node:net";
import { HTTPConnection } from "@stdhttp/httplib";
import { BaseHTTPRequestHandler, ThreadingHTTPServer } from "@stdhttp/basehttpserver";

class WelcomeHandler extends BaseHTTPRequestHandler {
  protocolVersion = "HTTP/1.1";

  do_GET() {
    const body = Buffer.from("<html><body><h1>Welcome!</h1></body></html>");
    this.sendResponse(200);
    this.sendHeader("Content-type", "text/html");
    this.sendHeader("Content-Length", body.length);
    this.endHeaders();
    this.wfile.write(body);
  }

  async do_POST() {
    const text = await this.body.text();
    const body = Buffer.from(`received ${text.length} bytes: ${text}`);
    this.sendResponse(201);
    this.sendHeader("Content-Length", body.length);
    this.endHeaders();
    this.wfile.write(body);
  }

  logMessage() {}
}

function rawRequest(port, bytes) {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => s.end(bytes));
    let out = "";
    s.setEncoding("latin1");
    s.on("data", (d) => (out += d));
    s.on("error", reject);
    s.on("close", () => resolve(out.split("\r\n")[0]));
  });
}

const httpd = new ThreadingHTTPServer(["127.0.0.1", 0], WelcomeHandler);
await httpd.ready;
let connections = 0;
httpd.socket.on("connection", () => connections++);
const loop = httpd.serveForever();
const [host, port] = httpd.serverAddress;
console.log(`\nstdhttp HTTP demo: ThreadingHTTPServer on ${host}:${port}`);

const conn = new HTTPConnection(host, port);
for (let i = 1; i <= 2; i++) {
  await conn.request("GET", "/");
  const res = await conn.getResponse();
  console.log(`GET /   -> ${res.status} ${res.reason} ${res.getHeader("Content-Type")}: ${(await res.read()).toString()}`);
}
await conn.request("POST", "/upload", (async function* () {
  yield "chunked ";
  yield "upload";
})());
const posted = await conn.getResponse();
console.log(`POST    -> ${posted.status} ${posted.reason}: ${(await posted.read()).toString()}`);
console.log(`three requests over ${connections} TCP connection(s) (keep-alive)`);
conn.close();
console.log(`smuggling attempt (Content-Length + Transfer-Encoding) -> ${await rawRequest(port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")}`);

await httpd.shutdown();
await loop;
await httpd.serverClose();
console.log("HTTP server shut down cleanly");
