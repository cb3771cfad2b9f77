// The BaseHTTPServer handbook's WelcomeHandler, rewritten: `node welcome-server.mjs [port]`,
// then `curl http://localhost:8000/` answers the welcome page.
import { BaseHTTPRequestHandler, HTTPServer } from "@stdhttp/basehttpserver";

class WelcomeHandler extends BaseHTTPRequestHandler {
  do_GET() {
    this.sendResponse(200);
    this.sendHeader("Content-type", "text/html");
    this.endHeaders();
    this.wfile.write("<html><body><h1>Welcome!</h1></body></html>");
  }
}

const port = Number(process.argv[2] ?? 8000);
const httpd = new HTTPServer(["", port], WelcomeHandler);
await httpd.ready;
console.log(`serving on ${httpd.serverName}:${httpd.serverPort} (Ctrl-C to stop)`);
process.once("SIGINT", () => void httpd.shutdown());
try {
  await httpd.serveForever();
} finally {
  await httpd.serverClose();
}
