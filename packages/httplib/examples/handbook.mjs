// The Python handbook's httplib example, rewritten for @stdhttp/httplib (the 2002 API).
// Usage: node examples/handbook.mjs [host[:port]]   (default 127.0.0.1:8000, e.g. `python3 -m http.server`)
import { HTTP } from "@stdhttp/httplib";

const h = new HTTP(process.argv[2] ?? "127.0.0.1:8000");
h.putRequest("GET", "/index.html");
h.putHeader("Accept", "text/html");
h.putHeader("Accept", "text/plain");
await h.endHeaders();
const [errcode, errmsg, headers] = await h.getReply();
console.log(errcode, errmsg); // Should be 200
console.log(headers?.toString());
const f = h.getFile();
const data = await f.read(); // Get the raw HTML
f.close();
console.log(data.toString());
