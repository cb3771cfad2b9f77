/**
 * Who may use the proxy: client addresses as CIDR ranges (default: loopback only), and optional
 * Basic proxy authentication (RFC 9110 11.7.1, 11.7.2).
 * @module
 */
import { BlockList, isIP } from "node:net";
import { timingSafeEqual } from "node:crypto";

/** The loopback ranges: the default set of clients. */
export const LOOPBACK = ["127.0.0.0/8", "::1/128"] as const;

/** A set of CIDR ranges (`10.0.0.0/8`, `::1/128`, or single addresses). Throws RangeError on a bad range. */
export function clientList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const [addr = "", bits] = c.split("/");
    const family = isIP(addr);
    if (family === 0) throw new RangeError(`not an IP range: ${c}`);
    const type = family === 4 ? "ipv4" : "ipv6";
    if (bits === undefined) list.addAddress(addr, type);
    else {
      const n = Number(bits);
      if (!/^\d+$/.test(bits) || n > (family === 4 ? 32 : 128)) throw new RangeError(`not an IP range: ${c}`);
      list.addSubnet(addr, n, type);
    }
  }
  return list;
}

/** Whether `address` is in `list` (IPv4-mapped IPv6 addresses are checked as IPv4). */
export function clientAllowed(list: BlockList, address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const addr = mapped ? mapped[1] : address;
  const family = isIP(addr);
  if (family === 0) return false;
  return list.check(addr, family === 4 ? "ipv4" : "ipv6");
}

/** Whether a `Proxy-Authorization` value carries these Basic credentials (compared in constant time). */
export function basicAuthMatches(header: string | undefined, user: string, password: string): boolean {
  if (header === undefined) return false;
  const m = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header);
  if (m === null) return false;
  const got = Buffer.from(m[1], "base64");
  const want = Buffer.from(`${user}:${password}`, "utf8");
  return got.length === want.length && timingSafeEqual(got, want);
}
