import type { CacheBackend, BackendItem as CoreItem } from '@memkit/core';
import type { BackendItem, CasWriteResult, SessionBackend } from './session-backend.js';

/**
 * The session engine's operations on any core `CacheBackend` (Redis, or a custom one): a read
 * brings value, CAS token and remaining TTL together, a write returns the new token, and
 * `clear()`'s generation is the backend's namespace version.
 */
export function cacheBackendSessions(backend: CacheBackend): SessionBackend {
  return {
    async read(key) {
      return toItem(await backend.get(key));
    },

    async readWithGeneration(key, generationKey) {
      // Both requests go out before either reply is awaited: one round trip of latency.
      const [item, generation] = await Promise.all([backend.get(key), backend.get(generationKey)]);
      return { item: toItem(item), generation: parseGeneration(generation) };
    },

    async generation(generationKey) {
      return parseGeneration(await backend.get(generationKey));
    },

    async set(key, value, ttl) {
      const r = await backend.set(key, value, ttl);
      return r.cas;
    },

    async casSet(key, value, ttl, cas): Promise<CasWriteResult> {
      const r = await backend.set(key, value, ttl, { cas });
      if (r.status === 'stored') return { status: 'stored', cas: r.cas };
      return { status: r.status === 'not_found' ? 'not_found' : 'exists' };
    },

    touch(key, ttl) {
      return backend.touch(key, ttl);
    },

    async delete(key) {
      await backend.delete(key);
    },

    bumpGeneration(generationKey) {
      return backend.bumpVersion(generationKey);
    },
  };
}

function toItem(item: CoreItem | null): BackendItem | null {
  if (item === null) return null;
  return { value: item.value.toString('utf8'), cas: item.cas, ttlRemaining: item.ttl };
}

function parseGeneration(item: CoreItem | null): number | undefined {
  if (item === null) return undefined;
  const text = item.value.toString('latin1').trim();
  return /^\d{1,16}$/.test(text) ? Number(text) : undefined;
}
