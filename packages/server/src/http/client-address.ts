import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** `::ffff:192.0.2.1` (an IPv4 peer on a dual-stack socket) as `192.0.2.1`; other addresses unchanged. */
function canonical(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address.toLowerCase();
}

/**
 * The reverse proxies whose `X-Forwarded-For` header is believed (`--trust-proxy`):
 * addresses and CIDR subnets, IPv4 or IPv6, e.g. `127.0.0.1, 10.0.0.0/8, ::1`.
 * Empty by default: no proxy is trusted and the header is ignored.
 */
export class TrustedProxies {
  private readonly list = new BlockList();

  private constructor(readonly entries: readonly string[]) {
    for (const entry of entries) {
      const [address, bits] = entry.split('/') as [string, string | undefined];
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.list.addAddress(canonical(address), family);
      else this.list.addSubnet(canonical(address), Number(bits), family);
    }
  }

  /** Trusts nobody. */
  static readonly none = new TrustedProxies([]);

  /**
   * Parses a list of addresses and CIDR subnets, as strings or one comma- or
   * space-separated string.
   * @throws Error naming the first entry that is neither an IP address nor a subnet
   */
  static parse(list: string | readonly string[]): TrustedProxies {
    const entries = (typeof list === 'string' ? [list] : list).flatMap((s) => s.split(/[\s,]+/)).filter((s) => s !== '');
    for (const entry of entries) {
      const [address = '', bits, extra] = entry.split('/');
      const family = isIP(canonical(address));
      const maxBits = family === 6 ? 128 : 32;
      const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
      if (family === 0 || !bitsOk || extra !== undefined) throw new Error(`not an IP address or CIDR subnet: "${entry.slice(0, 64)}"`);
    }
    return new TrustedProxies(entries);
  }

  /** True when `address` (a peer or a forwarded hop) is one of the trusted proxies. */
  has(address: string): boolean {
    if (this.entries.length === 0) return false;
    const a = canonical(address);
    const family = isIP(a);
    return family !== 0 && this.list.check(a, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/**
 * The address a request comes from, for rate limits and connection caps: the
 * TCP peer, unless the peer is a trusted proxy, in which case `X-Forwarded-For`
 * is read from the right (the hop the trusted proxy saw) and the first address
 * that is not itself a trusted proxy is the client. An entry that is not an IP
 * address ends the walk at the last trusted hop (a forged or garbled header
 * cannot pick an arbitrary address). IPv4-mapped IPv6 addresses are shown as
 * IPv4. `unknown` when the socket has no peer address (already closed).
 */
export function clientAddress(req: IncomingMessage, trusted: TrustedProxies = TrustedProxies.none): string {
  const peer = req.socket.remoteAddress;
  if (peer === undefined) return 'unknown';
  let address = canonical(peer);
  const header = req.headers['x-forwarded-for'];
  if (header === undefined || !trusted.has(address)) return address;
  const hops = (Array.isArray(header) ? header.join(',') : header).split(',').map((h) => canonical(h.trim()));
  for (let i = hops.length - 1; i >= 0 && trusted.has(address); i--) {
    const hop = hops[i]!;
    if (isIP(hop) === 0) break;
    address = hop;
  }
  return address;
}
