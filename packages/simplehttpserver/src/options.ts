/**
 * The handler's options: the policies' types, `SimpleHTTPOptions` (what `withOptions` sets), and
 * the shared small-file cache.
 * @module
 */
import { FileCache } from "./file-cache.js";

/** What a dotfile request gets: hidden and 404 (`"ignore"`), 403 (`"deny"`), or served (`"allow"`). */
export type DotfilesPolicy = "ignore" | "deny" | "allow";

/**
 * Which symbolic links are followed: those whose target stays inside `directory` (`"inside"`),
 * all (`"follow"`), or none (`"deny"`). A refused link is answered 403.
 */
export type SymlinkPolicy = "inside" | "follow" | "deny";

/** Options of {@link SimpleHTTPRequestHandler.withOptions}: each sets the class property of the same name. */
export interface SimpleHTTPOptions {
  directory?: string | null;
  indexPages?: readonly string[];
  extensionsMap?: Readonly<Record<string, string>>;
  defaultContentType?: string;
  extraHeaders?: ReadonlyArray<readonly [string, string]>;
  cacheControl?: string | null;
  corsOrigin?: string | null;
  spaFallback?: string | null;
  directoryListing?: boolean;
  dotfiles?: DotfilesPolicy;
  symlinks?: SymlinkPolicy;
  precompressed?: boolean;
  allowUpload?: boolean;
  fileCache?: FileCache;
  protocolVersion?: string;
  serverVersion?: string;
}

/** The file cache all handlers share unless given their own: files up to 1 MiB, 32 MiB in all (least recently used out). */
export const DEFAULT_FILE_CACHE = new FileCache(1024 * 1024, 32 * 1024 * 1024);
