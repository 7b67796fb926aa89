/**
 * `NO_PROXY` as Go's net/http/httpproxy reads it (docker and skopeo are Go programs, so their
 * users' settings mean the same here): comma- or space-separated entries, each
 * - `*`: no proxy at all;
 * - an IP address (`10.1.2.3`, `::1`, `[::1]`), optionally with a port (`10.1.2.3:5000`,
 *   `[::1]:5000`): that address;
 * - a CIDR block (`10.0.0.0/8`, `fd00::/8`): every address in it;
 * - a domain (`example.com`): the domain and its subdomains; with a leading `.` or `*.`
 *   (`.example.com`): subdomains only; optionally with a port (`example.com:5000`).
 * IP entries match hosts written as IP addresses, domain entries host names; nothing is resolved.
 */
import { BlockList, isIP } from 'node:net';

/** One parsed entry. */
export type NoProxyRule =
  | { kind: 'all' }
  | { kind: 'ip'; address: string; port?: number }
  | { kind: 'cidr'; block: BlockList; text: string }
  | { kind: 'domain'; name: string; subdomainsOnly: boolean; port?: number };

const family = (ip: string) => (isIP(ip) === 6 ? 'ipv6' : 'ipv4');
const unbracket = (h: string) => h.replace(/^\[(.*)\]$/, '$1');

function parseEntry(entry: string): NoProxyRule | undefined {
  if (entry === '*') return { kind: 'all' };
  const slash = /^([^/]+)\/(\d{1,3})$/.exec(entry);
  if (slash && isIP(slash[1]!)) {
    const prefix = Number(slash[2]);
    const block = new BlockList();
    try {
      block.addSubnet(slash[1]!, prefix, family(slash[1]!));
    } catch {
      return undefined; // a prefix longer than the address: ignored, as Go does
    }
    return { kind: 'cidr', block, text: entry };
  }
  if (isIP(unbracket(entry))) return { kind: 'ip', address: unbracket(entry).toLowerCase() };
  const withPort = /^(.*):(\d{1,5})$/.exec(entry);
  const host = withPort ? unbracket(withPort[1]!) : entry;
  const port = withPort ? Number(withPort[2]) : undefined;
  if (isIP(host)) return { kind: 'ip', address: host.toLowerCase(), ...(port !== undefined && { port }) };
  const subdomainsOnly = host.startsWith('.') || host.startsWith('*.');
  const name = host.replace(/^\*?\./, '').toLowerCase();
  if (name === '' || /[/\s]/.test(name)) return undefined;
  return { kind: 'domain', name, subdomainsOnly, ...(port !== undefined && { port }) };
}

/** Parses a `NO_PROXY` value; entries that mean nothing are dropped. */
export function parseNoProxy(value: string | undefined): NoProxyRule[] {
  return (value ?? '').split(/[\s,]+/).filter((e) => e !== '').map(parseEntry).filter((r): r is NoProxyRule => r !== undefined);
}

/** True when a request to `hostname` (as in a URL; IPv6 may be bracketed) on `port` must not use a proxy. */
export function bypassesProxy(rules: readonly NoProxyRule[], hostname: string, port: number): boolean {
  const host = unbracket(hostname).toLowerCase().replace(/\.$/, '');
  const ip = isIP(host) !== 0;
  return rules.some((r) => {
    switch (r.kind) {
      case 'all': return true;
      case 'cidr': return ip && r.block.check(host, family(host));
      case 'ip': return ip && sameAddress(r.address, host) && (r.port === undefined || r.port === port);
      case 'domain':
        if (ip || (r.port !== undefined && r.port !== port)) return false;
        return host.endsWith(`.${r.name}`) || (!r.subdomainsOnly && host === r.name);
    }
  });
}

function sameAddress(a: string, b: string): boolean {
  if (isIP(a) !== isIP(b)) return false;
  const list = new BlockList();
  list.addAddress(a, family(a));
  return list.check(b, family(b));
}
