import { CACHE_BACKENDS } from '../../../../test/support/cache-backends.js';
import { BACKENDS } from '../../../../test/support/memcached-backends.js';
import type { TestStore } from './apps.js';

/** A started store the HTTP suites run against. */
export interface StartedStore {
  store: TestStore;
  stop(): Promise<void>;
}

/** A store of the adapter × storage matrix. */
export interface StoreFactory {
  name: string;
  available: boolean;
  start(): Promise<StartedStore>;
}

const redis = CACHE_BACKENDS.find((b) => b.name === 'real Redis');

/**
 * The storage side of the HTTP matrix: the in-process memcached and a real memcached (each app
 * gets its own client on the address) and a real Redis (one `RedisBackend` shared by the apps,
 * as instances of a fleet share one Redis).
 */
export const STORES: StoreFactory[] = [
  ...BACKENDS.map((b) => ({
    name: b.name,
    available: b.available,
    async start(): Promise<StartedStore> {
      const mc = await b.start();
      return { store: mc.address, stop: () => mc.stop() };
    },
  })),
  ...(redis === undefined
    ? []
    : [
        {
          name: redis.name,
          available: redis.available,
          async start(): Promise<StartedStore> {
            const started = await redis.start({ timeoutMs: 5000 });
            return { store: { backend: started.backend }, stop: () => started.stop() };
          },
        },
      ]),
];
