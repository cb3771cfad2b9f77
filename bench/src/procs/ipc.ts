/**
 * The child's side of the IPC channel (see `../child.ts` for the parent's): read the JSON
 * config from argv, report `ready` / `result` / `error`, and exit with the parent.
 * @module
 */

/** A message sent to the parent: `{ type: "ready", port }`, `{ type: "result", ... }`, `{ type: "error", message }`. */
export interface ParentMessage {
  type: string;
  [key: string]: unknown;
}

/** Send one message to the parent; resolves once it is handed to the channel. */
export function send(message: ParentMessage): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (!process.send) {
      process.stdout.write(`${JSON.stringify(message)}\n`);
      resolve();
      return;
    }
    process.send(message, undefined, {}, (err) => (err ? reject(err) : resolve()));
  });
}

/** Report `err` to the parent as an `error` message, then exit 1. */
export async function fail(err: unknown): Promise<never> {
  const message = err instanceof Error ? err.message : String(err);
  try {
    await send({ type: "error", message });
  } finally {
    process.exit(1);
  }
}

/** The JSON config the parent passed as the first argument. */
export function readConfig<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error("missing JSON config argument");
  return JSON.parse(raw) as T;
}

/** Exit when the parent goes away or asks us to stop, so no child outlives a run. */
export function exitWithParent(): void {
  process.on("disconnect", () => process.exit(0));
  process.on("SIGTERM", () => process.exit(0));
  process.on("SIGINT", () => process.exit(0));
}

/** Resolve after `seconds`. */
export function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}
