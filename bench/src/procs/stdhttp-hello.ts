/**
 * Our hello server: @stdhttp/basehttpserver's `ThreadingHTTPServer` with an HTTP/1.1
 * `BaseHTTPRequestHandler` answering `do_GET`. That package does not exist yet: until it does
 * (and is added to bench's dependencies), this throws and the table says so.
 * @module
 */

/** The slice of @stdhttp/basehttpserver's API used here (Python's http.server shape, DESIGN.md). */
interface BaseHttpServerApi {
  ThreadingHTTPServer: new (
    address: [string, number],
    handler: unknown,
  ) => { ready: Promise<void>; serverAddress: unknown; serveForever(): Promise<void> };
  BaseHTTPRequestHandler: new (...args: never[]) => {
    protocolVersion: string;
    sendResponse(code: number): void;
    sendHeader(name: string, value: string): void;
    endHeaders(): unknown;
    logMessage(...args: unknown[]): void;
    wfile: { write(data: Buffer): number };
  };
}

/** Start the server on an ephemeral 127.0.0.1 port; resolves with the port once it listens. */
export async function startStdhttpHello(text: string): Promise<number> {
  // A variable specifier: bench does not depend on the package until it exists.
  const specifier = "@stdhttp/basehttpserver";
  const api = (await import(specifier)) as Partial<BaseHttpServerApi>;
  if (typeof api.ThreadingHTTPServer !== "function" || typeof api.BaseHTTPRequestHandler !== "function") {
    throw new Error("@stdhttp/basehttpserver does not export ThreadingHTTPServer and BaseHTTPRequestHandler yet");
  }
  const body = Buffer.from(text);

  class Hello extends api.BaseHTTPRequestHandler {
    override protocolVersion = "HTTP/1.1";

    do_GET(): void {
      this.sendResponse(200);
      this.sendHeader("Content-Type", "text/plain");
      this.sendHeader("Content-Length", String(body.length));
      this.endHeaders();
      this.wfile.write(body);
    }

    override logMessage(): void {}
  }

  const server = new api.ThreadingHTTPServer(["127.0.0.1", 0], Hello);
  await server.ready;
  void server.serveForever();
  return (server.serverAddress as [string, number])[1];
}
