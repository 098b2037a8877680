import { MemcachedProtocolError, MemcachedSerializationError } from '../errors.js';
import {
  type CacheAsideOptions,
  getMany,
  getOrSet,
  type Loader,
  type ManyLoader,
} from './cache-aside.js';
import type { IncrOptions, MemcachedClient, SetOptions } from './memcached-client.js';

/** The client operations a {@link Namespace} runs on (a `MemcachedClient` has them all). */
export type NamespaceClient = Pick<
  MemcachedClient,
  'get' | 'getMulti' | 'set' | 'setMulti' | 'add' | 'replace' | 'delete' | 'incr' | 'decr' | 'touch'
>;

const VERSION_SUFFIX = ':ns-version';
const DIGITS = /^\d{1,20}$/;

/**
 * A prefixed view of the client's key operations whose {@link invalidate} retires every key
 * under it at once, for every process sharing the servers. memcached cannot delete by pattern, so
 * each key is stored as `<name>:v<version>:<key>` and the version lives in the counter
 * `<name>:ns-version`: invalidating is one atomic increment, and the old keys, no longer
 * reachable, age out through their TTL or the LRU. Each operation first reads the version (one
 * extra round trip, coalesced with other gets of the same tick), so no process ever reads a
 * retired key. Names should not look like `<other>:v<digits>`, which would overlap another
 * namespace's keys.
 * @example
 * const users = new Namespace(client, 'users');
 * await users.set('42', { name: 'Ada' }, { ttl: 300 });
 * await users.invalidate(); // every users:* key is gone for everyone
 */
export class Namespace {
  /** The namespace's name, the prefix of its keys. */
  readonly name: string;
  readonly #client: NamespaceClient;
  readonly #versionKey: string;

  constructor(client: NamespaceClient, name: string) {
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(
        `Invalid namespace name ${JSON.stringify(name)}: expected a non-empty string.`,
      );
    }
    this.#client = client;
    this.name = name;
    this.#versionKey = `${name}${VERSION_SUFFIX}`;
  }

  /** The current version: a counter that {@link invalidate} increments. */
  async version(): Promise<number> {
    const stored = await this.#client.get<unknown>(this.#versionKey);
    if (stored !== null) return parseVersion(stored);
    // Missing (first use, or evicted): create it atomically. It starts from the clock, in
    // microseconds, so a version evicted and recreated never reuses a number whose keys may
    // still be cached.
    const created = await this.#client.incr(this.#versionKey, 0, { initial: freshVersion() });
    if (created === null) throw new MemcachedProtocolError('incr with initial returned no value.');
    return created;
  }

  /** Retires every key of the namespace, for every process, in one atomic increment. */
  async invalidate(): Promise<void> {
    await this.#client.incr(this.#versionKey, 1, { initial: freshVersion() });
  }

  /** The full key `key` is stored under at the current version. */
  async keyFor(key: string): Promise<string> {
    return this.#prefix(await this.version()) + key;
  }

  /** The value, or `null` on a miss. */
  async get<T = unknown>(key: string): Promise<T | null> {
    return this.#client.get<T>(await this.keyFor(key));
  }

  /** The hits among `keys`, keyed by the un-prefixed keys. */
  async getMulti<T = unknown>(keys: Iterable<string>): Promise<Map<string, T>> {
    const prefix = this.#prefix(await this.version());
    const hits = await this.#client.getMulti<T>([...keys].map((key) => prefix + key));
    return unprefixed(hits, prefix);
  }

  /** Stores `value` unconditionally. */
  async set(key: string, value: unknown, options?: SetOptions): Promise<boolean> {
    return this.#client.set(await this.keyFor(key), value, options);
  }

  /** Stores `value` only if the key does not exist. */
  async add(key: string, value: unknown, options?: SetOptions): Promise<boolean> {
    return this.#client.add(await this.keyFor(key), value, options);
  }

  /** Stores `value` only if the key exists. */
  async replace(key: string, value: unknown, options?: SetOptions): Promise<boolean> {
    return this.#client.replace(await this.keyFor(key), value, options);
  }

  /** `true` when the key was deleted, `false` when it did not exist. */
  async delete(key: string): Promise<boolean> {
    return this.#client.delete(await this.keyFor(key));
  }

  /** Adds `delta` to a counter of the namespace, as `MemcachedClient.incr`. */
  async incr(key: string, delta?: number, options?: IncrOptions): Promise<number | null> {
    return this.#client.incr(await this.keyFor(key), delta, options);
  }

  /** Subtracts `delta` from a counter of the namespace, as `MemcachedClient.decr`. */
  async decr(key: string, delta?: number, options?: IncrOptions): Promise<number | null> {
    return this.#client.decr(await this.keyFor(key), delta, options);
  }

  /** Sets a new TTL; `false` when the key does not exist. */
  async touch(key: string, ttl: number): Promise<boolean> {
    return this.#client.touch(await this.keyFor(key), ttl);
  }

  /** {@link getOrSet} within the namespace (single-flight per key and version). */
  async getOrSet<T>(key: string, loader: Loader<T>, options?: CacheAsideOptions): Promise<T> {
    return getOrSet(this.#client, await this.keyFor(key), loader, options);
  }

  /** {@link getMany} within the namespace; the loader and the result see un-prefixed keys. */
  async getMany<T>(
    keys: Iterable<string>,
    loadMissing: ManyLoader<T>,
    options?: CacheAsideOptions,
  ): Promise<Map<string, T>> {
    const prefix = this.#prefix(await this.version());
    const loader: ManyLoader<T> = async (missing) => {
      const loaded = await loadMissing(missing.map((key) => key.slice(prefix.length)));
      const entries = loaded instanceof Map ? [...loaded] : Object.entries(loaded);
      return new Map(entries.map(([key, value]) => [prefix + key, value]));
    };
    const found = await getMany(
      this.#client,
      [...keys].map((key) => prefix + key),
      loader,
      options,
    );
    return unprefixed(found, prefix);
  }

  #prefix(version: number): string {
    return `${this.name}:v${version}:`;
  }
}

function unprefixed<T>(map: Map<string, T>, prefix: string): Map<string, T> {
  const out = new Map<string, T>();
  for (const [key, value] of map) out.set(key.slice(prefix.length), value);
  return out;
}

function parseVersion(stored: unknown): number {
  // Created by `incr` the counter has flags 0 and reads back as a string ("123", or padded with
  // spaces after a shrink); written by a json-codec set it is a number.
  const text = (Buffer.isBuffer(stored) ? stored.toString('latin1') : String(stored)).trim();
  if (!DIGITS.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new MemcachedSerializationError(
      `Namespace version key holds ${JSON.stringify(text.slice(0, 40))}, not a counter.`,
    );
  }
  return Number(text);
}

let lastVersion = 0;

/**
 * A version past every one handed out before: wall-clock microseconds, and within this process
 * strictly increasing. Milliseconds times 1000 alone repeated itself when a version key was
 * created, invalidated, evicted and re-created within one millisecond (a fast local memcached),
 * which brought the retired keys back.
 */
function freshVersion(): number {
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  lastVersion = Math.max(micros, lastVersion + 1);
  return lastVersion;
}
