/**
 * Child process: our CGI server of the `cgi` workload (`./stdhttp-cgi.ts`), serving one directory
 * (its `cgi-bin/` holds the scripts) on an ephemeral 127.0.0.1 port, keep-alive on, no request
 * log. Sends `{ type: "ready", port }`, or `{ type: "error", message }` when the package cannot be
 * imported or the server does not start.
 *
 * Config (argv[2], JSON): {@link CgiServerConfig}.
 * @module
 */
import { exitWithParent, fail, readConfig, send } from "./ipc.js";
import { startStdhttpCgi } from "./stdhttp-cgi.js";

/** What the parent asks of this child. */
export interface CgiServerConfig {
  /** The directory served; scripts live in its `cgi-bin/`. */
  directory: string;
  /** The handler's `cgiLauncher` (how scripts are started). */
  launcher: "auto" | "helper" | "spawn";
}

async function main(): Promise<void> {
  exitWithParent();
  const config = readConfig<CgiServerConfig>();
  const port = await startStdhttpCgi(config.directory, config.launcher);
  await send({ type: "ready", port });
}

void main().catch(fail);
