import { isIPv4, isIPv6 } from 'node:net';

/**
 * The rate-limit key for a client address. An IPv6 customer usually holds a whole /56 (or /48),
 * so keying by the full address would let one client rotate through 2^72 keys; addresses are
 * grouped by `subnet` bits instead. IPv4-mapped IPv6 addresses are keyed as the IPv4 address.
 */
export function clientIpKey(ip: string, subnet: number | false): string {
  const bare = ip.includes('%') ? ip.slice(0, ip.indexOf('%')) : ip;
  if (!isIPv6(bare)) return bare;
  const groups = expandIPv6(bare);
  if (groups === undefined) return bare;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const hi = groups[6] ?? 0;
    const lo = groups[7] ?? 0;
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  if (subnet === false || subnet >= 128) return groups.map((g) => g.toString(16)).join(':');
  const masked = groups.map((g, i) => {
    const bits = Math.min(16, Math.max(0, subnet - i * 16));
    return bits === 0 ? 0 : g & ((0xffff << (16 - bits)) & 0xffff);
  });
  return `${masked.map((g) => g.toString(16)).join(':')}/${subnet}`;
}

/** Eight 16-bit groups of a valid IPv6 address (which may end in dotted IPv4). */
function expandIPv6(ip: string): number[] | undefined {
  let text = ip;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (isIPv4(tail)) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - left.length - right.length;
  if (rest === undefined ? missing !== 0 : missing < 1) return undefined;
  const all = [...left, ...Array<string>(missing).fill('0'), ...right];
  return all.map((g) => Number.parseInt(g, 16));
}
