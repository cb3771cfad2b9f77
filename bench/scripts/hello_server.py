"""CPython peer of the `hello` workload: http.server.ThreadingHTTPServer, HTTP/1.1 keep-alive,
quiet log. Stock settings otherwise (Nagle left on, as CPython ships it). Prints "PORT <n>"."""
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY = b"Hello, world!"


class Hello(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format, *args):
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()
