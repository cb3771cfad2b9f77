/**
 * Correctness checks run on an HTTP server before it is timed: two keep-alive GETs on one
 * connection with the exact expected body, and (for pipelined cases) `depth` requests sent
 * in one write, all answered in order.
 * @module
 */
import { Agent, request } from "node:http";
import { connect } from "node:net";

interface Answer {
  status: number;
  body: string;
  reusedSocket: boolean;
}

function get(url: string, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (s: string) => (body += s));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, reusedSocket: req.reusedSocket }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(5000, () => req.destroy(new Error("no answer within 5 s")));
    req.end();
  });
}

/** Two GETs on one keep-alive connection; throws unless both answer 200 with `expected`. */
export async function checkKeepAlive(url: string, expected: string): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await get(url, agent);
    const second = await get(url, agent);
    for (const a of [first, second]) {
      if (a.status !== 200 || a.body !== expected) {
        throw new Error(`check failed: GET ${url} answered ${a.status} ${JSON.stringify(a.body.slice(0, 80))}`);
      }
    }
    if (!second.reusedSocket) throw new Error("check failed: the server closed the keep-alive connection");
  } finally {
    agent.destroy();
  }
}

/** Send `depth` GETs in one write; throws unless `depth` responses with `expected` come back. */
export function checkPipelined(port: number, expected: string, depth: number): Promise<void> {
  const requests = `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`.repeat(depth);
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    let text = "";
    const count = (needle: string): number => text.split(needle).length - 1;
    const timer = setTimeout(() => done(new Error(`check failed: ${count("HTTP/1.1 200 ")} of ${depth} pipelined requests answered`)), 5000);
    const done = (err?: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    socket.setEncoding("latin1");
    socket.on("connect", () => socket.write(requests));
    socket.on("data", (s: string) => {
      text += s;
      if (count("HTTP/1.1 200 ") >= depth && count(expected) >= depth) done();
    });
    socket.on("error", (err) => done(err));
  });
}
