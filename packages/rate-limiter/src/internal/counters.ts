import { MemcachedProtocolError } from '@memkit/core';
import type { Backend } from './algorithm.js';

/** A counter's value and its remaining lifetime in seconds (-1: no expiry). */
export interface CounterState {
  value: number;
  ttlSeconds: number;
}

/**
 * Adds `delta` to a counter in one atomic step; a missing counter is created holding `delta`
 * for `ttlSeconds` (memcached's `ma N J D`, Redis's HINCRBY + PEXPIRE in one script).
 */
export async function incrementCounter(
  backend: Backend,
  key: string,
  delta: number,
  ttlSeconds: number,
): Promise<CounterState> {
  const counter = await backend.increment(key, delta, { initial: delta, ttl: ttlSeconds });
  if (counter === null) {
    throw new MemcachedProtocolError(`A counter with an initial value was not created: "${key}".`);
  }
  return { value: counter.value, ttlSeconds: counter.ttl };
}

/** A counter's value and TTL without changing it; `null` when missing. */
export async function readCounter(backend: Backend, key: string): Promise<CounterState | null> {
  const item = await backend.get(key);
  if (item === null) return null;
  return { value: Number(item.value.toString('latin1')), ttlSeconds: item.ttl };
}
