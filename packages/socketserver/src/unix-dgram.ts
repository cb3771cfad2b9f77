/**
 * Loader and hand-written types for the optional native addon `unix-dgram`
 * (Node has no AF_UNIX/SOCK_DGRAM sockets of its own).
 * @module
 */
import type { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import { UnixDatagramUnavailable } from "./errors.js";

/** The part of unix-dgram's socket this package uses. */
export interface UnixDgramSocket extends EventEmitter {
  bind(path: string): void;
  connect(path: string): void;
  send(buf: Buffer, offset: number, length: number, path: string, callback?: (err?: Error) => void): void;
  close(): void;
  readonly fd: number;
}

/** The module's entry point. */
export interface UnixDgramModule {
  createSocket(type: "unix_dgram", listener?: (msg: Buffer, rinfo: { path?: string }) => void): UnixDgramSocket;
}

let loaded: UnixDgramModule | null = null;

/** Load `unix-dgram`, or throw {@link UnixDatagramUnavailable} when it is missing or did not build. */
export function loadUnixDgram(): Promise<UnixDgramModule> {
  if (loaded) return Promise.resolve(loaded);
  try {
    loaded = createRequire(import.meta.url)("unix-dgram") as UnixDgramModule;
    return Promise.resolve(loaded);
  } catch (cause) {
    return Promise.reject(new UnixDatagramUnavailable({ cause }));
  }
}
