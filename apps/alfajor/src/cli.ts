#!/usr/bin/env node
/**
 * The `alfajor` command: parse the arguments, start the proxy, print its addresses (the first
 * line is exactly `alfajor: proxy on http://<host>:<port>/`), run until SIGINT or SIGTERM, then
 * close and exit 0. Usage errors: the message and the usage on stderr, exit 2; an unusable CA
 * directory or `--origin-ca` file: the reason on stderr, exit 2. With HTTPS inspection on, where
 * the CA is and how to trust it follow the first line, and a non-loopback `--bind` is warned
 * about loudly on stderr.
 * @module
 */
import { trustInstructions } from "@stdhttp/proxy-filters";
import { Alfajor } from "./app.js";
import { exposedWarning, InspectionSetupError } from "./https-inspection.js";
import { parseArgs, USAGE, UsageError, type AlfajorOptions } from "./options.js";
import { PolicyFileError } from "./policy-document.js";

let options: AlfajorOptions | null;
try {
  options = parseArgs(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`alfajor: ${err.message}\n${USAGE}`);
  process.exit(2);
}
if (options === null) {
  process.stdout.write(USAGE);
  process.exit(0);
}

let app: Alfajor;
try {
  app = await Alfajor.start(options, { accessLog: false });
} catch (err) {
  if (err instanceof InspectionSetupError) {
    process.stderr.write(`alfajor: HTTPS inspection: ${err.message}\n`);
    process.exit(2);
  }
  const message = err instanceof PolicyFileError ? `invalid policy file: ${err.message}` : (err as Error).message;
  process.stderr.write(`alfajor: ${message}\n`);
  process.exit(1);
}

const url = app.proxyUrl;
const lines = [`alfajor: proxy on ${url}`];
const ca = app.inspection.enabled ? app.inspection.ca : null;
if (ca !== null) {
  const proxy = url.replace(/\/$/, "");
  lines.push(...trustInstructions(ca).replaceAll("http://127.0.0.1:PORT", proxy).split("\n").map((l) => `alfajor: ${l}`));
  if (options.gui) lines.push(`alfajor: the CA certificate is also at ${url}ca.pem and http://alfajor.local/ca.pem through the proxy`);
}
if (options.gui) lines.push(`alfajor: GUI on ${url} (and at http://alfajor.local/ through the proxy)`);
lines.push(`alfajor: policy file ${app.store.file}`);
if (options.upstream !== null) lines.push(`alfajor: forwarding through ${app.upstreamDisplay()}`);
lines.push(`alfajor: try  curl -x ${url} http://example.com/  or set ${url.replace(/\/$/, "")} as your browser's HTTP proxy`);
// Listening for signals before the address is printed: whoever reads it may signal at once.
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  app.close().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`alfajor: error while closing: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
process.stdout.write(lines.join("\n") + "\n");
if (ca !== null && app.inspection.exposed) process.stderr.write(exposedWarning(options.bind) + "\n");

