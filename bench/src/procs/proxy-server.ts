/**
 * Child process: our forward proxy of the `proxy` workload (`./stdhttp-proxy.ts`) on an ephemeral
 * 127.0.0.1 port. Sends `{ type: "ready", port }`, or `{ type: "error", message }` when the package
 * cannot be imported or the server does not start.
 * @module
 */
import { exitWithParent, fail, send } from "./ipc.js";
import { startStdhttpProxy } from "./stdhttp-proxy.js";

async function main(): Promise<void> {
  exitWithParent();
  const port = await startStdhttpProxy();
  await send({ type: "ready", port });
}

void main().catch(fail);
