import * as vitest from 'vitest';
import { CACHE_BACKENDS } from '../../../../test/support/cache-backends.js';
import { cacheBackendConformance } from '../../src/testing/index.js';

// One contract, every backend: the exported suite (@memkit/core/testing) on the in-process
// memcached, a real memcached, ioredis-mock and a real Redis. A backend whose binary is missing
// is left out on a developer's machine; under CI `available` throws, so CI can never pass
// without every backend.
for (const factory of CACHE_BACKENDS) {
  if (!factory.available) continue;
  cacheBackendConformance(vitest, {
    name: factory.name,
    kind: factory.kind,
    start: (options) => factory.start(options),
    advanceClock: factory.hasClock,
    // ioredis-mock has no server to hang or stop.
    canFail: factory.name !== 'ioredis-mock',
  });
}
