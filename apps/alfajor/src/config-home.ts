/**
 * The user's configuration directory, as the XDG Base Directory specification places it.
 * @module
 */
import os from "node:os";
import path from "node:path";

/** `$XDG_CONFIG_HOME` when set to an absolute path (the spec ignores relative ones), else `~/.config`. */
export function configHome(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  return xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(env.HOME ?? os.homedir(), ".config");
}
