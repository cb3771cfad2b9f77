// Fetch a URL with @stdhttp/httplib and print the status line, headers and body.
// Usage: node examples/get.mjs http://127.0.0.1:8000/ [--debug]
import { HTTPConnection, HTTPSConnection } from "@stdhttp/httplib";

const url = new URL(process.argv[2] ?? "http://127.0.0.1:8000/");
const Connection = url.protocol === "https:" ? HTTPSConnection : HTTPConnection;
const conn = new Connection(url.host, undefined, { timeout: 10 }); // seconds, as in Python
if (process.argv.includes("--debug")) conn.setDebugLevel(1);
try {
  await conn.request("GET", `${url.pathname}${url.search}`, null, { "User-Agent": "stdhttp-example" });
  const res = await conn.getResponse();
  console.log(`HTTP/${res.version === 10 ? "1.0" : "1.1"} ${res.status} ${res.reason}`);
  for (const [name, value] of res.getHeaders()) console.log(`${name}: ${value}`);
  console.log();
  for await (const chunk of res) process.stdout.write(chunk);
} catch (err) {
  console.error(`${err.name} (${err.code}): ${err.message}`);
  process.exitCode = 1;
} finally {
  conn.close();
}
