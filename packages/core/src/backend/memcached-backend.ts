import type { MemcachedClient } from '../client/memcached-client.js';
import type { MetaResult } from '../client/meta.js';
import { MemcachedProtocolError } from '../errors.js';
import { toExptime } from '../exptime.js';
import type {
  BackendCapabilities,
  BackendCounter,
  BackendIncrementOptions,
  BackendItem,
  BackendRecacheItem,
  BackendRecacheOptions,
  BackendSetOptions,
  BackendWriteResult,
  CacheBackend,
} from './cache-backend.js';

const CAPABILITIES: BackendCapabilities = Object.freeze({
  maxKeyBytes: 250,
  binaryKeys: false,
  pipelinedMultiGet: true,
  staleWhileRevalidate: true,
});

/**
 * The default {@link CacheBackend}: a {@link MemcachedClient} through its meta commands, so
 * every operation is one round trip (`ma` creates, adds and reports the TTL at once; `mg` with
 * `N`/`R` and `md I` are memcached's own stampede protection). The client is the caller's.
 *
 * @example
 * const backend = new MemcachedBackend(new MemcachedClient('127.0.0.1:11211'));
 */
export class MemcachedBackend implements CacheBackend {
  /** Always `'memcached'`. */
  readonly kind = 'memcached';
  /** memcached's limits and extras. */
  readonly capabilities: BackendCapabilities = CAPABILITIES;
  /** The client every operation goes through (owned by the caller). */
  readonly client: MemcachedClient;

  constructor(client: MemcachedClient) {
    this.client = client;
  }

  async get(key: string): Promise<BackendItem | null> {
    const r = await this.client.metaGet(key, ['v', 'c', 't']);
    if (r.status === 'EN') return null;
    const cas = r.flags.c;
    if (r.status !== 'VA' || r.value === undefined || cas === undefined) {
      throw unexpected('mg', key, r.status);
    }
    return { value: r.value, cas, ttl: ttlOf(r) };
  }

  async getMulti(keys: readonly string[]): Promise<Map<string, Buffer>> {
    // Every request is written before any reply is awaited: one round trip per server.
    const replies = await Promise.all(keys.map((k) => this.client.metaGet(k, ['v'])));
    const out = new Map<string, Buffer>();
    replies.forEach((r, i) => {
      const key = keys[i];
      if (key !== undefined && r.status === 'VA' && r.value !== undefined) out.set(key, r.value);
    });
    return out;
  }

  async set(
    key: string,
    value: string | Buffer,
    ttl: number,
    options: BackendSetOptions = {},
  ): Promise<BackendWriteResult> {
    const flags = [`T${toExptime(ttl)}`, 'c'];
    if (options.mode === 'add') flags.push('ME');
    if (options.cas !== undefined) flags.push(`C${options.cas}`);
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    const r = await this.client.metaSet(key, bytes, flags);
    switch (r.status) {
      case 'HD':
        return { status: 'stored', cas: r.flags.c };
      case 'EX':
        return { status: 'exists', cas: undefined };
      case 'NF':
        return { status: 'not_found', cas: undefined };
      case 'NS':
        return { status: 'not_stored', cas: undefined };
      default:
        throw unexpected('ms', key, r.status);
    }
  }

  async delete(key: string): Promise<boolean> {
    const r = await this.client.metaDelete(key);
    return r.status === 'HD';
  }

  touch(key: string, ttl: number): Promise<boolean> {
    return this.client.touch(key, ttl);
  }

  async increment(
    key: string,
    delta: number,
    options: BackendIncrementOptions = {},
  ): Promise<BackendCounter | null> {
    const flags = ['t', 'v', `D${delta}`];
    if (options.initial !== undefined) {
      // N before t would matter on the wire: memcached applies the auto-create TTL while
      // walking the flags in order, so N goes first for `t` to report the TTL just set.
      flags.unshift(`N${toExptime(options.ttl ?? 0)}`, `J${options.initial}`);
    }
    const r = await this.client.metaArithmetic(key, flags);
    if (r.status === 'NF') return null;
    if (r.status !== 'VA' || r.value === undefined) throw unexpected('ma', key, r.status);
    return { value: Number(r.value.toString('latin1')), ttl: ttlOf(r) };
  }

  async decrement(key: string, delta: number): Promise<number | null> {
    const r = await this.client.metaArithmetic(key, ['MD', `D${delta}`, 'v']);
    if (r.status === 'NF') return null;
    if (r.status !== 'VA' || r.value === undefined) throw unexpected('ma', key, r.status);
    return Number(r.value.toString('latin1'));
  }

  async bumpVersion(key: string): Promise<number> {
    const counter = await this.increment(key, 1, {
      initial: Math.floor(Date.now() / 1000),
      ttl: 0,
    });
    if (counter === null) throw unexpected('ma', key, 'NF');
    return counter.value;
  }

  async fetchForRecache(
    key: string,
    options: BackendRecacheOptions,
  ): Promise<BackendRecacheItem | null> {
    const flags = ['v', 't'];
    if (options.lockTtl !== undefined)
      flags.push(`N${toExptime(Math.max(1, Math.ceil(options.lockTtl)))}`);
    if (options.recacheBelow !== undefined && options.recacheBelow > 0) {
      flags.push(`R${options.recacheBelow}`);
    }
    const r = await this.client.metaGet(key, flags);
    if (r.status !== 'VA' || r.value === undefined) return null;
    return {
      value: r.value,
      ttl: ttlOf(r),
      won: 'W' in r.flags,
      alreadyWon: 'Z' in r.flags,
      stale: 'X' in r.flags,
    };
  }

  async markStale(key: string): Promise<boolean> {
    const r = await this.client.metaDelete(key, ['I']);
    return r.status === 'HD';
  }
}

function ttlOf(r: MetaResult): number {
  const t = r.flags.t;
  if (t === undefined || t === '') return -1;
  const n = Number(t);
  return Number.isFinite(n) ? n : -1;
}

function unexpected(command: string, key: string, status: string): MemcachedProtocolError {
  return new MemcachedProtocolError(`Unexpected ${status} reply to ${command} on "${key}".`);
}
