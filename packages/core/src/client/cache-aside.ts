import { createHash } from 'node:crypto';
import type { MemcachedClient } from './memcached-client.js';

/** The client operations cache-aside runs on (a `MemcachedClient` has them all). */
export type CacheAsideClient = Pick<MemcachedClient, 'get' | 'getMulti' | 'set' | 'setMulti'>;

/** Options of {@link getOrSet} and {@link getMany}. */
export interface CacheAsideOptions {
  /** Seconds the loaded value stays cached; 0 never expires. @default 0 */
  ttl?: number | undefined;
}

/** Options of {@link cached}. */
export interface CachedOptions<A extends unknown[]> extends CacheAsideOptions {
  /**
   * The cache key of a call: a function of the arguments, or a prefix to which the JSON of the
   * arguments is appended (hashed with SHA-256 when it is not a short printable-ASCII string).
   * @default `cached:${fn.name}` as the prefix; anonymous functions must give one
   */
  key?: string | ((...args: A) => string) | undefined;
}

/** Loads a value on a miss; `null` and `undefined` are returned but never cached. */
export type Loader<T> = () => T | Promise<T>;

/** Loads the values of missed keys; keys it leaves out are absent from the result, not cached. */
export type ManyLoader<T> = (
  missing: string[],
) => Map<string, T> | Record<string, T> | Promise<Map<string, T> | Record<string, T>>;

// In-flight getOrSet calls per client and key: concurrent callers of one key share one cache read
// and one loader call (single-flight), so a hot key's expiry sends one query to the source, not
// one per waiting request. Keyed weakly by client so a dropped client leaves nothing behind.
const inFlight = new WeakMap<object, Map<string, Promise<unknown>>>();

const READABLE_ARGS = /^[\x21-\x7e]{0,200}$/;

/**
 * The cached value of `key`, or on a miss the loader's value, stored with `ttl` before it is
 * returned. Concurrent calls for one key in this process share one loader call. Cache failures
 * reject (an outage never silently turns into a stampede on the source); a loader that throws
 * rejects every waiting caller and caches nothing.
 * @example
 * const user = await getOrSet(client, `user:${id}`, () => db.users.find(id), { ttl: 300 });
 */
export function getOrSet<T>(
  client: CacheAsideClient,
  key: string,
  loader: Loader<T>,
  options: CacheAsideOptions = {},
): Promise<T> {
  let pending = inFlight.get(client);
  if (pending === undefined) {
    pending = new Map();
    inFlight.set(client, pending);
  }
  const shared = pending.get(key);
  if (shared !== undefined) return shared as Promise<T>;
  const calls = pending;
  const promise = readThrough(client, key, loader, options).finally(() => {
    if (calls.get(key) === promise) calls.delete(key);
  });
  calls.set(key, promise);
  return promise;
}

async function readThrough<T>(
  client: CacheAsideClient,
  key: string,
  loader: Loader<T>,
  options: CacheAsideOptions,
): Promise<T> {
  const hit = await client.get<T>(key);
  if (hit !== null) return hit;
  const value = await loader();
  if (value !== null && value !== undefined) {
    await client.set(key, value, ttlOption(options));
  }
  return value;
}

/**
 * Wraps `fn` so each call goes through {@link getOrSet} under a key derived from its arguments.
 * @throws {TypeError} when `fn` is anonymous and no `key` is given.
 * @example
 * const findUser = cached(client, (id: number) => db.users.find(id), { ttl: 60, key: 'user' });
 */
export function cached<A extends unknown[], R>(
  client: CacheAsideClient,
  fn: (...args: A) => R | Promise<R>,
  options: CachedOptions<A> = {},
): (...args: A) => Promise<R> {
  const key = options.key;
  let keyOf: (args: A) => string;
  if (typeof key === 'function') {
    keyOf = (args) => key(...args);
  } else {
    const prefix = key ?? (fn.name === '' ? undefined : `cached:${fn.name}`);
    if (prefix === undefined) {
      throw new TypeError('cached(): give a `key` option for an anonymous function.');
    }
    keyOf = (args) => `${prefix}:${argsKey(args)}`;
  }
  const ttl = ttlOption(options);
  return (...args: A) => getOrSet(client, keyOf(args), () => fn(...args), ttl);
}

/**
 * Values of `keys`: one multi-get, one `loadMissing` call with the missed keys (skipped when
 * everything hit), one multi-set of what it returned. The map holds every key found in the cache
 * or by the loader, in the order of `keys`.
 * @example
 * const users = await getMany(client, ids.map((id) => `user:${id}`), loadUsersByKey, { ttl: 300 });
 */
export async function getMany<T>(
  client: CacheAsideClient,
  keys: Iterable<string>,
  loadMissing: ManyLoader<T>,
  options: CacheAsideOptions = {},
): Promise<Map<string, T>> {
  const unique = [...new Set(keys)];
  const out = new Map<string, T>();
  if (unique.length === 0) return out;
  const hits = await client.getMulti<T>(unique);
  const missing = unique.filter((key) => !hits.has(key));
  const loaded = missing.length === 0 ? new Map<string, T>() : toMap(await loadMissing(missing));
  const wanted = new Set(missing);
  const toStore: [string, T][] = [];
  for (const [key, value] of loaded) {
    if (wanted.has(key) && value !== null && value !== undefined) toStore.push([key, value]);
  }
  if (toStore.length > 0) await client.setMulti(toStore, ttlOption(options));
  for (const key of unique) {
    if (hits.has(key)) out.set(key, hits.get(key) as T);
    else if (wanted.has(key) && loaded.has(key)) out.set(key, loaded.get(key) as T);
  }
  return out;
}

function toMap<T>(values: Map<string, T> | Record<string, T>): Map<string, T> {
  return values instanceof Map ? values : new Map(Object.entries(values));
}

function ttlOption(options: CacheAsideOptions): { ttl?: number } {
  return options.ttl === undefined ? {} : { ttl: options.ttl };
}

function argsKey(args: unknown[]): string {
  const json = JSON.stringify(args, (_, value: unknown) =>
    typeof value === 'bigint' ? `${value}n` : value,
  );
  // Readable when it can be a key as-is; '#' never starts a JSON array, so the forms never clash.
  if (READABLE_ARGS.test(json)) return json;
  return `#${createHash('sha256').update(json).digest('hex')}`;
}
