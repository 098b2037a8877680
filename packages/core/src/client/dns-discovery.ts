import { Resolver } from 'node:dns/promises';
import { MemcachedError } from '../errors.js';
import { parseServerList, type ServerAddress } from './server-list.js';

/** What {@link resolveServers} looks up. */
export interface DnsQuery {
  readonly name: string;
  readonly port: number;
  readonly srv: boolean;
  readonly dnsServers: readonly string[] | undefined;
}

/**
 * The servers behind a DNS name: every A and AAAA address with `port` (a Kubernetes headless
 * Service lists one per ready pod), or with `srv` the SRV targets and their ports (pod names,
 * stable across restarts, so a restarted pod keeps its keys).
 * @throws MemcachedError `ERR_MEMCACHED_CONNECTION` when the name does not resolve.
 */
export async function resolveServers(query: DnsQuery, timeoutMs: number): Promise<ServerAddress[]> {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
  if (query.dnsServers !== undefined) resolver.setServers([...query.dnsServers]);
  const fail = (cause: unknown) =>
    new MemcachedError(
      'ERR_MEMCACHED_CONNECTION',
      `Cannot resolve ${query.srv ? 'SRV' : 'A/AAAA'} records of ${query.name}: ${(cause as Error)?.message ?? cause}`,
      { cause },
    );
  if (query.srv) {
    let records: { name: string; port: number }[];
    try {
      records = await resolver.resolveSrv(query.name);
    } catch (cause) {
      throw fail(cause);
    }
    return dedupe(records.map((r) => ({ host: r.name.replace(/\.$/, ''), port: r.port })));
  }
  const [v4, v6] = await Promise.allSettled([
    resolver.resolve4(query.name),
    resolver.resolve6(query.name),
  ]);
  const addresses = [
    ...(v4.status === 'fulfilled' ? v4.value : []),
    ...(v6.status === 'fulfilled' ? v6.value : []),
  ];
  if (addresses.length === 0) {
    throw fail(v4.status === 'rejected' ? v4.reason : 'no addresses');
  }
  return dedupe(addresses.map((host) => ({ host, port: query.port })));
}

function dedupe(specs: { host: string; port: number }[]): ServerAddress[] {
  const seen = new Set<string>();
  const unique = specs.filter((s) => {
    const id = `${s.host}:${s.port}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  // Sorted so every client of the fleet builds the same ring whatever order DNS answers in.
  unique.sort((a, b) => (a.host === b.host ? a.port - b.port : a.host < b.host ? -1 : 1));
  return parseServerList(unique, {});
}
