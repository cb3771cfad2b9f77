/**
 * The demo's command line: `demo [--check] [--no-build] [--ctc-port N] [--alfajor-port N]`.
 * @module
 */

/** The usage text (`--help`). */
export const USAGE = `usage: pnpm demo [-- OPTIONS]    (or: node tools/demo/demo.mjs [OPTIONS])

Runs a demo news site with ad banners and cookies behind the two proxies, on 127.0.0.1:
the browser asks CTC (cuts banners), CTC asks Alfajor (filters cookies), Alfajor asks the site.

options:
  --check            start everything on free ports, make the tries through both proxies,
                     print the results, stop; exit status 0 when every check passed, else 1
  --ctc-port N       CTC's port (default 8080; a free port when it is taken; 0: any free port)
  --alfajor-port N   Alfajor's port (default 8081; likewise)
  --no-build         do not build the packages first (they must be built already)
  -h, --help         show this help
`;

/** A command-line mistake (printed with the usage; exit status 2). */
export class UsageError extends Error {}

/**
 * @typedef {object} DemoOptions
 * @property {boolean} check
 * @property {boolean} build
 * @property {number} ctcPort
 * @property {number} alfajorPort
 * @property {boolean} help
 */

/**
 * Parses the arguments after the script name.
 * @param {readonly string[]} argv
 * @returns {DemoOptions}
 */
export function parseArgs(argv) {
  const options = { check: false, build: true, ctcPort: 8080, alfajorPort: 8081, help: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith("--") && argv[i].includes("=") ? [argv[i].slice(0, argv[i].indexOf("=")), argv[i].slice(argv[i].indexOf("=") + 1)] : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new UsageError(`${flag}: not a port number: ${v}`);
      return Number(v);
    };
    if (flag === "--check") options.check = true;
    else if (flag === "--no-build") options.build = false;
    else if (flag === "--ctc-port") options.ctcPort = value();
    else if (flag === "--alfajor-port") options.alfajorPort = value();
    else if (flag === "-h" || flag === "--help") options.help = true;
    else if (flag === "--") continue;
    else throw new UsageError(`unknown argument: ${argv[i]}`);
  }
  return options;
}
