/**
 * A static host map, as an `/etc/hosts` line per name but with a port too: the proxy connects to
 * the mapped address instead of resolving the name, while the request keeps the name (in its URL
 * and `Host`). Demos and tests use it to give loopback servers real-looking names, which browsers
 * send through the proxy (they bypass it for loopback addresses).
 * @module
 */

/**
 * Where to connect for `host:port`: the entry `"host:port"` first, then `"host"`, else the
 * name itself. A value is `"address:port"`, `"[v6]:port"` or a bare address (the port is kept).
 * Keys are matched case-insensitively.
 */
export function mapHost(map: Readonly<Record<string, string>>, host: string, port: number): [string, number] {
  if (isEmpty(map)) return [host, port];
  const name = host.toLowerCase();
  const value = map[`${name}:${port}`] ?? map[name];
  if (value === undefined) return [host, port];
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(value.trim());
  if (m === null) throw new Error(`host map: "${value}" (for ${name}) is not host[:port]`);
  return [m[1] ?? m[2], m[3] === undefined ? port : Number(m[3])];
}

function isEmpty(map: Readonly<Record<string, string>>): boolean {
  for (const _ in map) return false;
  return true;
}

/**
 * Parse `NAME=HOST[:PORT]` (a command-line form): returns `[name, target]` for a host map, or
 * throws an error that names the bad part.
 */
export function parseHostMapEntry(entry: string): [string, string] {
  const eq = entry.indexOf("=");
  if (eq <= 0) throw new Error(`host map entry "${entry}" is not NAME=HOST[:PORT]`);
  const name = entry.slice(0, eq).trim().toLowerCase();
  const target = entry.slice(eq + 1).trim();
  if (!/^[a-z0-9.-]+(?::\d{1,5})?$/.test(name)) throw new Error(`host map entry "${entry}": "${name}" is not a host name`);
  mapHost({ [name]: target }, name, 80);
  return [name, target];
}
