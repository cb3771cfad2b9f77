#!/usr/bin/env node
/**
 * The `ctc` command (the package's bin): runs {@link runCtc} with the process's arguments and
 * exits with its status.
 * @module
 */
import { runCtc } from "./run.js";

runCtc(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (err: unknown) => {
    process.stderr.write(`ctc: error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
