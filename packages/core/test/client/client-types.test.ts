import { describe, expectTypeOf, test } from 'vitest';
import type {
  CasResult,
  ClientEvents,
  ClientOptions,
  CommandEvent,
  DiscoveryOptions,
  FailureEvent,
  MemcachedError,
  MetaResult,
  ServerStats,
  TopologyEvent,
} from '../../src/index.js';
import { MemcachedClient } from '../../src/index.js';

// Checked by `pnpm typecheck` (tsc covers the tests); at run time these are no-ops.
describe('public types of MemcachedClient', () => {
  const client = new MemcachedClient('127.0.0.1:1');

  test('reads are typed by the caller and a miss is null', () => {
    expectTypeOf(client.get<{ id: number }>).returns.resolves.toEqualTypeOf<{
      id: number;
    } | null>();
    expectTypeOf(client.gets<string>).returns.resolves.toEqualTypeOf<CasResult<string> | null>();
    expectTypeOf(client.getMulti<number>).returns.resolves.toEqualTypeOf<Map<string, number>>();
    expectTypeOf(client.gat<string>).returns.resolves.toEqualTypeOf<string | null>();
  });

  test('conditional writes resolve to booleans, counters to number | null', () => {
    expectTypeOf(client.add).returns.resolves.toEqualTypeOf<boolean>();
    expectTypeOf(client.cas).returns.resolves.toEqualTypeOf<boolean>();
    expectTypeOf(client.delete).returns.resolves.toEqualTypeOf<boolean>();
    expectTypeOf(client.incr).returns.resolves.toEqualTypeOf<number | null>();
    expectTypeOf(client.stats).returns.resolves.toEqualTypeOf<ServerStats>();
    expectTypeOf(client.metaGet).returns.resolves.toEqualTypeOf<MetaResult>();
    expectTypeOf(client.serverFor).returns.toEqualTypeOf<string>();
  });

  test('events are typed', () => {
    expectTypeOf<ClientEvents['failure']>().toEqualTypeOf<[FailureEvent]>();
    expectTypeOf<ClientEvents['error']>().toEqualTypeOf<[MemcachedError]>();
    client.on('remove', (event) => {
      expectTypeOf(event.server).toEqualTypeOf<string>();
      expectTypeOf(event.retryDelayMs).toEqualTypeOf<number>();
    });
  });

  test('discovery: options, the topology event, the current ring', () => {
    expectTypeOf<ClientOptions['discovery']>().toEqualTypeOf<DiscoveryOptions | undefined>();
    expectTypeOf<{ elasticache: string }>().toExtend<DiscoveryOptions>();
    expectTypeOf<{ dns: string; srv: true; port: number }>().toExtend<DiscoveryOptions>();
    expectTypeOf<ClientEvents['topology']>().toEqualTypeOf<[TopologyEvent]>();
    expectTypeOf(client.servers).toEqualTypeOf<string[]>();
    expectTypeOf(client.ready).returns.resolves.toEqualTypeOf<void>();
  });

  test("serializer names include the other clients' conventions", () => {
    expectTypeOf<'pymemcache'>().toExtend<NonNullable<ClientOptions['serializer']>>();
    expectTypeOf<'memcached'>().toExtend<NonNullable<ClientOptions['serializer']>>();
    expectTypeOf<'memcache-client'>().toExtend<NonNullable<ClientOptions['serializer']>>();
  });

  test('command events carry what tracing needs', () => {
    expectTypeOf<CommandEvent['operation']>().toEqualTypeOf<string>();
    expectTypeOf<CommandEvent['hits']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<CommandEvent['server']>().toEqualTypeOf<string | undefined>();
  });
});
