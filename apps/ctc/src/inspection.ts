/**
 * CTC's HTTPS inspection state: the local CA (loaded or created at start when inspection is on,
 * else the first time it is switched on), the extra origin CAs, the inspect / never lists (editable
 * at run time from the control page), and the hosts whose clients refused our certificate. It
 * builds the `httpsInspection` option of `@stdhttp/proxy-filters` once per CA and keeps it: the
 * lists are read through it on every CONNECT, so editing them needs no new object (and the
 * library's memory of refused hosts, kept per object, survives).
 * @module
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { LocalCA, refusedHosts, type HttpsInspection } from "@stdhttp/proxy-filters";
import { UsageError } from "./errors.js";

/** What the control page shows and changes of HTTPS inspection. */
export interface InspectionSettings {
  /** Whether CONNECTs are inspected. */
  enabled: boolean;
  /** Hosts (and subdomains) to inspect; empty: every host. */
  inspect: string[];
  /** Hosts (and subdomains) never inspected. */
  neverInspect: string[];
}

/** Whether `host` is `domain` or one of its subdomains. */
export function underDomain(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}

/** The PEM texts of the `--origin-ca` files. Throws `UsageError` naming a file that cannot be read or holds no certificate. */
export function readOriginCAs(paths: readonly string[]): string[] {
  return paths.map((path) => {
    let pem: string;
    try {
      pem = readFileSync(resolve(path), "utf8");
    } catch (err) {
      throw new UsageError(`--origin-ca: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new UsageError(`--origin-ca: ${path} holds no PEM certificate`);
    return pem;
  });
}

/** File system errors in words. */
const FS_ERRORS: Record<string, string | undefined> = {
  EEXIST: "exists and is not a directory",
  ENOTDIR: "a part of the path is not a directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
};

/** The local CA in `dir`, created there if missing. Rejects with a `UsageError` that says what is wrong with the directory. */
export async function loadCA(dir: string): Promise<LocalCA> {
  try {
    return await LocalCA.loadOrCreate(resolve(dir));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const code = e.code ?? "";
    const why = code.startsWith("ERR_CA_") ? e.message : `${e.path ?? dir}: ${FS_ERRORS[code] ?? (code !== "" ? code : e.message)}`;
    throw new UsageError(`--ca-dir: unusable CA directory: ${why}`, false);
  }
}

/** The HTTPS inspection of one running CTC process. */
export class Inspection {
  /** The CA, once loaded (null while inspection was never on). */
  ca: LocalCA | null = null;
  /** The CA directory. */
  readonly caDir: string;
  private settings: InspectionSettings;
  private readonly extraCA: string[];
  private option: HttpsInspection | null = null;
  /** Hosts other processes of the same proxy saw refused (`--workers`). */
  private readonly refusedElsewhere = new Set<string>();
  private loading: Promise<LocalCA> | null = null;

  constructor(settings: InspectionSettings, caDir: string, extraCA: string[]) {
    this.settings = { ...settings, inspect: [...settings.inspect], neverInspect: [...settings.neverInspect] };
    this.caDir = caDir;
    this.extraCA = extraCA;
  }

  /** The current settings (copies). */
  get current(): InspectionSettings {
    return { enabled: this.settings.enabled, inspect: [...this.settings.inspect], neverInspect: [...this.settings.neverInspect] };
  }

  /** Load (or create) the CA if not yet done; rejects with a `UsageError`. */
  async ensureCA(): Promise<LocalCA> {
    if (this.ca !== null) return this.ca;
    this.loading ??= loadCA(this.caDir).finally(() => (this.loading = null));
    this.ca = await this.loading;
    return this.ca;
  }

  /**
   * Apply new settings: switching on loads the CA first (and rejects, changing nothing, when the
   * directory is unusable).
   */
  async apply(next: InspectionSettings): Promise<void> {
    if (next.enabled) await this.ensureCA();
    this.settings = { enabled: next.enabled, inspect: [...next.inspect], neverInspect: [...next.neverInspect] };
    if (this.option !== null) this.option.neverInspect = this.settings.neverInspect;
  }

  /** The `httpsInspection` option for the handler: null while off. */
  handlerOption(): HttpsInspection | null {
    if (!this.settings.enabled || this.ca === null) return null;
    if (this.option === null || this.option.ca !== this.ca) {
      this.option = {
        ca: this.ca,
        inspect: (host) => !this.refusedElsewhere.has(host) && (this.settings.inspect.length === 0 || this.settings.inspect.some((d) => underDomain(host, d))),
        neverInspect: this.settings.neverInspect,
        extraCA: this.extraCA.length === 0 ? undefined : this.extraCA,
      };
    }
    return this.option;
  }

  /** Hosts whose client refused our certificate (here or, with workers, in another process), sorted. */
  refused(): string[] {
    const here = this.option === null ? [] : [...refusedHosts(this.option)];
    return [...new Set([...here, ...this.refusedElsewhere])].sort();
  }

  /** Hosts refused here (not those learnt from other processes). */
  refusedHere(): string[] {
    return this.option === null ? [] : [...refusedHosts(this.option)];
  }

  /** Hosts another process of the proxy saw refused: tunnelled here too from now on. */
  learnRefused(hosts: readonly string[]): void {
    for (const h of hosts) this.refusedElsewhere.add(h);
  }
}
