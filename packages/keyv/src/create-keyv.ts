import type { MemcachedClient, ServerList } from '@memkit/core';
import { Keyv, type KeyvOptions } from 'keyv';
import { createKeyvWith, type KeyvClass } from './internal/create-keyv-with.js';
import type { KeyvMemkitOptions } from './options.js';

/**
 * Keyv's options for {@link createKeyv}: all but the store and the serialization, which
 * createKeyv chooses.
 */
export type CreateKeyvOptions = Omit<
  KeyvOptions,
  'store' | 'serialize' | 'deserialize' | 'compression'
>;

/**
 * A Keyv on memcached, wired for speed. On Keyv 5, Keyv writes as ever (the same bytes as
 * `new Keyv({ store })`) and the store reads Keyv's JSON format itself, without JSON.parse's
 * per-node reviver; Keyv's `deserialize` is off. On Keyv 6 (another format) it is the plain
 * `new Keyv({ store: new KeyvMemkit(target) })`. For your own serializer or compression, use
 * that plain wiring.
 * @param target As for {@link KeyvMemkit}: a client you own, servers, or store options.
 * @param options Keyv's options (`namespace`, `ttl`, `stats`, …).
 * @throws MemcachedInvalidOptionError (`ERR_MEMCACHED_INVALID_OPTION`) on a bad store option, on
 *   a `format`, or on a serialization option (`serialize`, `deserialize`, `compression`).
 * @example
 * const keyv = createKeyv('127.0.0.1:11211', { namespace: 'users' });
 * await keyv.set('42', { name: 'Ada' }, 60_000);
 */
export function createKeyv<Value = unknown>(
  target?: MemcachedClient | ServerList | KeyvMemkitOptions,
  options: CreateKeyvOptions = {},
): Keyv<Value> {
  return createKeyvWith(Keyv as unknown as KeyvClass, target, options) as Keyv<Value>;
}
