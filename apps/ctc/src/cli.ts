#!/usr/bin/env node
/**
 * The `ctc` command (the package's bin): runs {@link runCtc} with the process's arguments and
 * exits with its status; in a worker process of `--workers N` (re-run by node:cluster), runs
 * the worker instead.
 * @module
 */
import cluster from "node:cluster";
import { SETUP_ENV } from "./cluster/messages.js";

// Each role loads only its own modules: the primary of `--workers N` never loads the proxy (its
// workers do), which keeps it a few tens of MB smaller.
const run =
  cluster.isWorker && process.env[SETUP_ENV] !== undefined
    ? import("./cluster/worker.js").then(({ runWorker }) => runWorker()).then(() => undefined)
    : import("./run.js").then(({ runCtc }) => runCtc(process.argv.slice(2)));
run.then(
  // A worker goes on serving once started; the command exits with its status.
  (status) => {
    if (status !== undefined) process.exit(status);
  },
  (err: unknown) => {
    process.stderr.write(`ctc: error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
