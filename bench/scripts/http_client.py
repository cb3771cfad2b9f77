"""CPython peer of the `client` workload: http.client.HTTPConnection, one request in flight,
stock settings, the body read with resp.read() (one bytes object). Checks one response byte for
byte, runs `warmup` seconds untimed, then `duration` seconds timed, and prints
'RESULT {"ops": n, "seconds": s, "p99Ms": ms, "bytes": b}'.

usage: http_client.py PORT PATH WARMUP DURATION"""
import http.client
import json
import sys
import time

SMALL = b"Hello, world!\n"
BIG = bytes(i % 251 for i in range(1 << 20))


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    warmup, duration = float(sys.argv[3]), float(sys.argv[4])
    expected = {"/small": SMALL, "/1m": BIG}[path]
    conn = http.client.HTTPConnection("127.0.0.1", port)

    def get():
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()

    status, body = get()
    if status != 200 or body != expected:
        sys.exit("check failed: GET %s answered %d with %d body bytes" % (path, status, len(body)))
    end = time.perf_counter() + warmup
    while time.perf_counter() < end:
        get()
    latencies = []
    start = time.perf_counter()
    end = start + duration
    now = start
    while now < end:
        status, body = get()
        if status != 200 or len(body) != len(expected):
            sys.exit("bad response during the run: status %d, %d body bytes" % (status, len(body)))
        t = time.perf_counter()
        latencies.append(t - now)
        now = t
    seconds = now - start
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    print("RESULT " + json.dumps({"ops": len(latencies), "seconds": seconds, "p99Ms": p99, "bytes": len(latencies) * len(expected)}), flush=True)
    conn.close()


if __name__ == "__main__":
    main()
