import { EventEmitter } from 'node:events';
import { invalidOption, MemcachedClient, Namespace, type ServerList } from '@memkit/core';
import { decodeKeyvJson, encodeKeyvJson } from './internal/keyv-json.js';
import { memcachedKey, toStoreKey } from './internal/store-key.js';
import { ttlSeconds } from './internal/ttl-seconds.js';
import {
  isKeyText,
  type KeyvMemkitOptions,
  type ResolvedKeyvMemkitOptions,
  resolveKeyvMemkitOptions,
  storeOptionsOf,
} from './options.js';

/**
 * What a store read returns, as Keyv 5 types it: Keyv's serialized string (the usual case), or
 * its `{ value, expires }` envelope (Keyv's serialization off, or format `'keyv-json'`);
 * `undefined` on a miss.
 */
export type KeyvStoredData<Value> =
  | Value
  | { value?: Value; expires?: number | undefined }
  | undefined;

/** One entry of {@link KeyvMemkit.setMany}: Keyv's key, its serialized value, TTL in ms. */
export interface KeyvMemkitEntry {
  key: string;
  value: unknown;
  /** Milliseconds until expiry; absent or 0 never expires. */
  ttl?: number | undefined;
}

/** Events of {@link KeyvMemkit}: Keyv forwards `error` to its own listeners. */
export interface KeyvMemkitEvents {
  error: [Error];
}

/**
 * A Keyv storage adapter (Keyv 5, and Keyv 6 through its bridge) on memkit's memcached client.
 * `getMany` is one multi-get per server; `clear()` retires only this store's namespace, for every
 * process, in one atomic increment (core's namespace versions; memcached is never flushed).
 * memcached cannot list its keys, so there is no `iterator`.
 * A failure rejects with a `MemcachedError` (a miss is `undefined`, an outage never is) and is
 * emitted as `error` when something listens, as Keyv expects of a store.
 * @example
 * const keyv = new Keyv({ store: new KeyvMemkit('127.0.0.1:11211') });
 * await keyv.set('user:42', { name: 'Ada' }, 60_000);
 */
export class KeyvMemkit extends EventEmitter<KeyvMemkitEvents> {
  /** The resolved options, as Keyv and its test suite read them (`opts`). */
  readonly opts: ResolvedKeyvMemkitOptions & Record<string, unknown>;
  /** The client the store runs on (created from `servers`, or the one given). */
  readonly client: MemcachedClient;
  readonly #ownsClient: boolean;
  readonly #keyPrefix: string;
  readonly #keyvJson: boolean;
  readonly #defaultNamespace: string;
  #namespace: string;
  #versions: Namespace;
  // The current version's key prefix as last seen. Every operation re-reads the version in the
  // same round trip as its own request, so a clear() by any process is seen at once; the cache
  // only saves the second round trip a read-then-act would need.
  #base: string | undefined;
  // The version read of the current tick, shared by every operation started in it: a hundred
  // concurrent gets ask memcached for the version once, not a hundred times. Dropped after a
  // microtask, so an operation never relies on a read sent before it was called.
  #tickRead: { versions: Namespace; base: Promise<string> } | undefined;

  /**
   * @param target A `MemcachedClient` (you own it), servers (`"host:port"` or a list; the store
   *   owns that client), or {@link KeyvMemkitOptions}. Without it, `MEMCACHED_SERVERS` or
   *   `127.0.0.1:11211`.
   * @throws MemcachedInvalidOptionError (`ERR_MEMCACHED_INVALID_OPTION`) on a bad or unknown option.
   */
  constructor(target?: MemcachedClient | ServerList | KeyvMemkitOptions) {
    super();
    const resolved = resolveKeyvMemkitOptions(storeOptionsOf(target));
    // A mutable copy: Keyv's test suite writes to `opts`; the store itself never reads it again.
    this.opts = { ...resolved };
    this.#ownsClient = resolved.client === undefined;
    this.client = resolved.client ?? new MemcachedClient(resolved.servers, resolved.clientOptions);
    this.#keyPrefix = resolved.keyPrefix;
    this.#keyvJson = resolved.format === 'keyv-json';
    this.#defaultNamespace = resolved.namespace;
    this.#namespace = resolved.namespace;
    this.#versions = new Namespace(this.client, resolved.keyPrefix + resolved.namespace);
  }

  /**
   * The namespace `clear()` retires. Keyv sets it to its own; `undefined` restores the store's.
   * @throws MemcachedInvalidOptionError on an empty name or one with whitespace or control
   *   characters (memcached keys cannot hold them).
   */
  get namespace(): string {
    return this.#namespace;
  }

  set namespace(name: string | undefined) {
    const next = name ?? this.#defaultNamespace;
    if (!isKeyText(next) || next.length === 0) {
      throw invalidOption(
        'namespace',
        'a non-empty string without whitespace or control characters',
        next,
      );
    }
    if (next === this.#namespace) return;
    this.#namespace = next;
    this.#versions = new Namespace(this.client, this.#keyPrefix + next);
    this.#base = undefined;
  }

  /** The stored data, or `undefined` on a miss. */
  get<Value = unknown>(key: string): Promise<KeyvStoredData<Value>> {
    return this.#readOne(key, this.#decode) as Promise<KeyvStoredData<Value>>;
  }

  /** The stored data of every key, in order, `undefined` for misses: one multi-get per server. */
  getMany<Value = unknown>(keys: string[]): Promise<Array<KeyvStoredData<Value>>> {
    return this.#readMany(keys, (hits, key) => this.#decode(hits.get(key))) as Promise<
      Array<KeyvStoredData<Value>>
    >;
  }

  /**
   * Stores `value` (Keyv's serialized string, or its envelope when Keyv's serialization is off)
   * for `ttl` milliseconds, rounded up to whole seconds; absent or 0 never expires.
   */
  set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    let storeKey: string;
    let seconds: number;
    let stored: unknown;
    try {
      storeKey = toStoreKey(key);
      seconds = ttlSeconds(ttl);
      // Encoded now: the caller may change its object once set() has returned.
      stored = this.#encode(value);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run((base) =>
      this.client.set(memcachedKey(base, storeKey), stored, { ttl: seconds }),
    );
  }

  /** Stores every entry (pipelined, one write per server); one result per entry. */
  async setMany(entries: KeyvMemkitEntry[]): Promise<boolean[]> {
    const prepared = entries.map((entry) => ({
      key: toStoreKey(entry.key),
      value: this.#encode(entry.value),
      ttl: ttlSeconds(entry.ttl),
    }));
    return this.#run((base) =>
      Promise.all(
        prepared.map((entry) =>
          this.client.set(memcachedKey(base, entry.key), entry.value, { ttl: entry.ttl }),
        ),
      ),
    );
  }

  /** `true` when the key existed and was deleted. */
  async delete(key: string): Promise<boolean> {
    const storeKey = toStoreKey(key);
    return this.#run((base) => this.client.delete(memcachedKey(base, storeKey)));
  }

  /** `true` when every key existed and was deleted (Keyv's own rule for stores without it). */
  async deleteMany(keys: string[]): Promise<boolean> {
    const storeKeys = keys.map(toStoreKey);
    const deleted = await this.#run((base) =>
      this.client.deleteMulti(storeKeys.map((key) => memcachedKey(base, key))),
    );
    return deleted.size > 0 && [...deleted.values()].every(Boolean);
  }

  /** Whether the key holds a value; it is not read as Keyv's JSON, so any stored text counts. */
  has(key: string): Promise<boolean> {
    return this.#readOne(key, (value) => value !== null);
  }

  /** Whether each key holds a value: one multi-get per server, values not read as Keyv's. */
  hasMany(keys: string[]): Promise<boolean[]> {
    return this.#readMany(keys, (hits, key) => hits.has(key));
  }

  /** One key's read under the current namespace version, its reply mapped by `then`. */
  #readOne<T>(key: string, then: (value: unknown) => T): Promise<T> {
    let storeKey: string;
    try {
      storeKey = toStoreKey(key);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run((base) => this.client.get(memcachedKey(base, storeKey)).then(then));
  }

  /** One multi-get per server for `keys`; `pick` makes each key's answer from the hits. */
  #readMany<T>(keys: string[], pick: (hits: Map<string, unknown>, key: string) => T): Promise<T[]> {
    let storeKeys: string[];
    try {
      storeKeys = keys.map(toStoreKey);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run((base) => {
      const full = storeKeys.map((key) => memcachedKey(base, key));
      return this.client.getMulti(full).then((hits) => full.map((key) => pick(hits, key)));
    });
  }

  /**
   * Retires every key of this store's namespace, for every process, in one atomic increment.
   * Other namespaces and other applications' keys are untouched: memcached is never flushed.
   */
  async clear(): Promise<void> {
    const versions = this.#versions;
    try {
      await versions.invalidate();
    } catch (error) {
      throw this.#failed(error);
    }
    if (versions === this.#versions) this.#base = undefined;
    this.#tickRead = undefined;
  }

  /** Closes the client the store created from `servers`; a client you gave it stays open. */
  async disconnect(): Promise<void> {
    if (this.#ownsClient) await this.client.close();
  }

  /**
   * Runs `op` under the namespace's current key prefix. With a prefix seen before, the version
   * is re-read in the same tick, so both requests share the client's coalesced round trip; when
   * a clear() has moved the version meanwhile, `op` runs again under the new one (the write under
   * the retired prefix is unreachable and ages out).
   */
  #run<T>(op: (base: string) => Promise<T>): Promise<T> {
    const versions = this.#versions;
    const seen = this.#base;
    try {
      if (seen === undefined) {
        return this.#readBase(versions).then((base) => {
          if (versions === this.#versions) this.#base = base;
          return op(base).catch(this.#rethrow);
        }, this.#rethrow);
      }
      // No async frames or Promise.all on this path: one `then` on the version read, which settles
      // in the same reply batch as `op`'s own request, decides between `op`'s result and a retry.
      const current = this.#readBase(versions);
      const result = op(seen);
      return current.then(
        (base) => {
          if (base === seen) return result.catch(this.#rethrow);
          result.catch(ignore);
          if (versions === this.#versions) this.#base = base;
          return op(base).catch(this.#rethrow);
        },
        (error: unknown) => {
          result.catch(ignore);
          throw this.#failed(error);
        },
      );
    } catch (error) {
      return Promise.reject(this.#failed(error));
    }
  }

  // In 'keyv-json' format a string is Keyv's own serialized envelope, stored as it is; anything
  // else (Keyv's envelope with its serialization off) is written in Keyv's format here.
  #encode(value: unknown): unknown {
    return this.#keyvJson && typeof value !== 'string' ? encodeKeyvJson(value) : value;
  }

  // A miss is `undefined` to Keyv; memkit's client says `null`.
  readonly #decode = (value: unknown): unknown => {
    if (value === null || value === undefined) return undefined;
    return this.#keyvJson && typeof value === 'string' ? decodeKeyvJson(value) : value;
  };

  readonly #rethrow = (error: unknown): never => {
    throw this.#failed(error);
  };

  #readBase(versions: Namespace): Promise<string> {
    const shared = this.#tickRead;
    if (shared !== undefined && shared.versions === versions) return shared.base;
    const read = { versions, base: versions.keyFor('') };
    this.#tickRead = read;
    queueMicrotask(() => {
      if (this.#tickRead === read) this.#tickRead = undefined;
    });
    return read.base;
  }

  #failed(error: unknown): unknown {
    // An 'error' event with no listener would throw out of emit(); Keyv always listens.
    if (error instanceof Error && this.listenerCount('error') > 0) this.emit('error', error);
    return error;
  }
}

function ignore(): void {}
