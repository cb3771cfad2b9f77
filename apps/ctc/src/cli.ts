#!/usr/bin/env node
/**
 * The `ctc` command (the package's bin): runs {@link runCtc} with the process's arguments and
 * exits with its status; in a worker process of `--workers N` (re-run by node:cluster), runs
 * the worker instead.
 * @module
 */
import cluster from "node:cluster";
import { SETUP_ENV } from "./cluster/messages.js";
import { runWorker } from "./cluster/worker.js";
import { runCtc } from "./run.js";

const run = cluster.isWorker && process.env[SETUP_ENV] !== undefined ? runWorker().then(() => undefined) : runCtc(process.argv.slice(2));
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
