import { type MemcachedClient, MemcachedProtocolError, type MetaFlags } from '@memkit/core';
import type { Backend, CasEntry, CasToken, CounterState } from './backend.js';

/**
 * The {@link Backend} on memcached, through the client's low-level meta commands: every
 * operation is one request, and the counters are memcached's own 64-bit numbers, so `ma`
 * (increment, create-on-miss with a TTL, report value and TTL) is a single atomic round trip.
 */
export class MemcachedBackend implements Backend {
  readonly #client: MemcachedClient;
  // A limiter sends the same (cost, window) flags on nearly every hit: built once, not per call.
  readonly #flagCache = new Map<string, MetaFlags>();

  constructor(client: MemcachedClient) {
    this.#client = client;
  }

  async increment(key: string, delta: number, ttlSeconds: number): Promise<CounterState> {
    const reply = await this.#client.metaArithmetic(key, this.#incrementFlags(delta, ttlSeconds));
    if (reply.status !== 'VA' || reply.value === undefined) {
      throw unexpected('ma', key, reply.status);
    }
    return { value: Number(reply.value.toString('latin1')), ttlSeconds: ttlOf(reply.flags) };
  }

  #incrementFlags(delta: number, ttlSeconds: number): MetaFlags {
    const id = `${delta}/${ttlSeconds}`;
    let flags = this.#flagCache.get(id);
    if (flags === undefined) {
      // N before t: memcached applies the auto-create TTL while walking the flags in order, so
      // `t` after `N` reports the TTL just set. A created counter holds J (not J + D).
      flags = Object.freeze([`N${ttlSeconds}`, `J${delta}`, `D${delta}`, 't', 'v']);
      if (this.#flagCache.size < 64) this.#flagCache.set(id, flags);
    }
    return flags;
  }

  async decrement(key: string, delta: number): Promise<void> {
    const reply = await this.#client.metaArithmetic(key, ['MD', `D${delta}`]);
    if (reply.status !== 'HD' && reply.status !== 'NF') throw unexpected('ma', key, reply.status);
  }

  async readCounter(key: string): Promise<CounterState | null> {
    const reply = await this.#client.metaGet(key, ['v', 't']);
    if (reply.status === 'EN') return null;
    if (reply.status !== 'VA' || reply.value === undefined) {
      throw unexpected('mg', key, reply.status);
    }
    return { value: Number(reply.value.toString('latin1')), ttlSeconds: ttlOf(reply.flags) };
  }

  async gets(key: string): Promise<CasEntry | null> {
    const reply = await this.#client.metaGet(key, ['v', 'c']);
    if (reply.status === 'EN') return null;
    const cas = reply.flags.c;
    if (reply.status !== 'VA' || reply.value === undefined || cas === undefined) {
      throw unexpected('mg', key, reply.status);
    }
    return { value: reply.value.toString('latin1'), cas: BigInt(cas) };
  }

  async add(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    const reply = await this.#client.metaSet(key, Buffer.from(value, 'latin1'), [
      `T${ttlSeconds}`,
      'ME',
    ]);
    return reply.status === 'HD';
  }

  async cas(key: string, value: string, cas: CasToken, ttlSeconds: number): Promise<boolean> {
    const reply = await this.#client.metaSet(key, Buffer.from(value, 'latin1'), [
      `T${ttlSeconds}`,
      `C${cas}`,
    ]);
    return reply.status === 'HD';
  }

  async delete(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => this.#client.metaDelete(key, [])));
  }
}

function ttlOf(flags: Record<string, string>): number {
  const t = flags.t;
  return t === undefined ? -1 : Number(t);
}

function unexpected(command: string, key: string, status: string): MemcachedProtocolError {
  return new MemcachedProtocolError(`Unexpected ${status} reply to ${command} on "${key}"`);
}
