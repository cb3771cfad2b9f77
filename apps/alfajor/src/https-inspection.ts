/**
 * HTTPS inspection at run time: the switch, the inspect / never-inspect lists (runtime only:
 * Alfajor's only settings file is the cookie policy), the local CA (loaded or created the first
 * time inspection is switched on), the extra origin CAs, and the one `HttpsInspection` object
 * handed to proxy-filters. That object lives as long as the process, so the hosts whose client
 * refused our certificate (remembered per object) survive switching inspection off and on.
 * @module
 */
import { readFile } from "node:fs/promises";
import { X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { LocalCA, refusedHosts, type HttpsInspection } from "@stdhttp/proxy-filters";
import { checkHostPattern, hostUnder, normaliseHostPattern, type InspectionSettings } from "./inspection-settings.js";

/** The CA directory or an `--origin-ca` file cannot be used: the CLI prints it and exits 2. */
export class InspectionSetupError extends Error {
  override readonly name = "InspectionSetupError";
  readonly code = "ERR_ALFAJOR_INSPECTION";
}

/** What the GUI shows of HTTPS inspection. */
export interface InspectionStateJson {
  enabled: boolean;
  caDir: string;
  /** `<caDir>/ca.pem` once the CA is loaded, else null. */
  caFile: string | null;
  /** SHA-256 fingerprint of the CA certificate once loaded, else null. */
  fingerprint: string | null;
  inspect: string[];
  neverInspect: string[];
  /** Hosts whose client refused our certificate: tunnelled untouched from then on. */
  refused: string[];
  originCa: string[];
  /** The proxy listens beyond loopback: other machines' HTTPS can be decrypted. */
  exposed: boolean;
}

/** Whether `bind` is a loopback address (127.0.0.0/8, ::1, localhost). */
export function isLoopbackBind(bind: string): boolean {
  const b = bind.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (b === "localhost" || b === "::1") return true;
  if (isIP(b) === 4) return b.startsWith("127.");
  return /^::ffff:127\./.test(b);
}

/** The loud warning printed when inspection is on and the proxy listens beyond loopback. */
export function exposedWarning(bind: string): string {
  return [
    "alfajor: WARNING: ******************************************************************",
    `alfajor: WARNING: HTTPS inspection is on and the proxy listens on ${bind}, not only on loopback:`,
    "alfajor: WARNING: the HTTPS traffic of every client --allow admits from other machines can be",
    "alfajor: WARNING: decrypted here. Bind 127.0.0.1 unless that is exactly what you want.",
    "alfajor: WARNING: ******************************************************************",
  ].join("\n");
}

/** Read the `--origin-ca` files: PEM certificates, checked. Throws {@link InspectionSetupError}. */
export async function readOriginCAs(files: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      throw new InspectionSetupError(`--origin-ca ${file}: ${(err as Error).message}`);
    }
    const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (pems.length === 0) throw new InspectionSetupError(`--origin-ca ${file}: no PEM certificate in the file`);
    for (const pem of pems) {
      try {
        new X509Certificate(pem);
      } catch (err) {
        throw new InspectionSetupError(`--origin-ca ${file}: not a valid certificate (${(err as Error).message})`);
      }
    }
    out.push(...pems);
  }
  return out;
}

/** Check and normalise a list of host patterns; throws TypeError naming the first bad one. */
export function hostList(hosts: readonly string[]): string[] {
  const out: string[] = [];
  for (const host of hosts) {
    if (host.trim() === "") continue;
    const problem = checkHostPattern(host);
    if (problem !== null) throw new TypeError(problem);
    const h = normaliseHostPattern(host);
    if (!out.includes(h)) out.push(h);
  }
  return out;
}

/**
 * The switch and the lists of HTTPS inspection, and the CA behind them.
 *
 * For the caller: `await InspectionControl.open(settings, bind)`, `active()` (what the handler
 * uses on each CONNECT), `setEnabled()`, `setLists()`, `ca`, `toJson()`.
 */
export class InspectionControl {
  private enabledNow = false;
  private inspectList: string[];
  private neverList: string[];
  private caNow: LocalCA | null = null;
  private config: HttpsInspection | null = null;
  private loading: Promise<LocalCA> | null = null;

  private constructor(
    private readonly settings: InspectionSettings,
    private readonly extraCA: string[],
    private readonly bind: string,
  ) {
    this.inspectList = hostList(settings.inspect);
    this.neverList = hostList(settings.neverInspect);
  }

  /**
   * Read the origin CAs and, when inspection starts on, load or create the CA. Throws
   * {@link InspectionSetupError} for an unusable CA directory or origin CA file.
   */
  static async open(settings: InspectionSettings, bind: string): Promise<InspectionControl> {
    const control = new InspectionControl(settings, await readOriginCAs(settings.originCa), bind);
    if (settings.enabled) await control.setEnabled(true);
    return control;
  }

  /** Whether CONNECTs are inspected. */
  get enabled(): boolean {
    return this.enabledNow;
  }

  /** The local CA, once inspection was switched on (null before). */
  get ca(): LocalCA | null {
    return this.caNow;
  }

  /** The proxy listens beyond loopback. */
  get exposed(): boolean {
    return !isLoopbackBind(this.bind);
  }

  /** The `httpsInspection` option for the next CONNECT: null while inspection is off. */
  active(): HttpsInspection | null {
    return this.enabledNow ? this.config : null;
  }

  /** The `httpsInspection` option inside a tunnel already inspected: the same object whatever the switch says now. */
  tunnelInspection(): HttpsInspection | null {
    return this.config;
  }

  /**
   * Switch inspection on (loading or creating the CA the first time) or off. Throws
   * {@link InspectionSetupError} when the CA directory cannot be used; inspection stays off then.
   */
  async setEnabled(on: boolean): Promise<void> {
    if (on && this.config === null) {
      const ca = await this.loadCA();
      this.config ??= {
        ca,
        inspect: (host) => this.inspectList.length === 0 || this.inspectList.some((p) => hostUnder(host, p)),
        neverInspect: this.neverList,
        extraCA: this.extraCA.length > 0 ? this.extraCA : undefined,
      };
    }
    this.enabledNow = on;
  }

  /** Replace the lists (runtime only). Throws TypeError for a bad host pattern. */
  setLists(lists: { inspect?: readonly string[]; neverInspect?: readonly string[] }): void {
    const inspect = lists.inspect === undefined ? this.inspectList : hostList(lists.inspect);
    const never = lists.neverInspect === undefined ? this.neverList : hostList(lists.neverInspect);
    this.inspectList = inspect;
    this.neverList = never;
    if (this.config !== null) this.config.neverInspect = never;
  }

  /** Hosts whose client refused our certificate. */
  refused(): string[] {
    return this.config === null ? [] : [...refusedHosts(this.config)].sort();
  }

  /** The state as the GUI shows it. */
  toJson(): InspectionStateJson {
    return {
      enabled: this.enabledNow,
      caDir: this.settings.caDir,
      caFile: this.caNow?.certificatePath ?? null,
      fingerprint: this.caNow?.fingerprint ?? null,
      inspect: [...this.inspectList],
      neverInspect: [...this.neverList],
      refused: this.refused(),
      originCa: [...this.settings.originCa],
      exposed: this.exposed,
    };
  }

  private loadCA(): Promise<LocalCA> {
    this.loading ??= LocalCA.loadOrCreate(this.settings.caDir).then(
      (ca) => (this.caNow = ca),
      (err: unknown) => {
        this.loading = null;
        throw new InspectionSetupError(`--ca-dir ${this.settings.caDir}: ${(err as Error).message}`);
      },
    );
    return this.loading;
  }
}
