/** A counter's value and its remaining lifetime in seconds (-1: no expiry). */
export interface CounterState {
  value: number;
  ttlSeconds: number;
}

/** A CAS token: memcached's 64-bit number, or an opaque string from another backend (Redis). */
export type CasToken = bigint | string;

/** A stored string and the CAS token that guards replacing it. */
export interface CasEntry {
  value: string;
  cas: CasToken;
}

/**
 * The storage operations the algorithms need. Implemented on memcached (shared by every process)
 * and in process memory (the fallback while memcached fails), so both count the same way.
 */
export interface Backend {
  /**
   * Adds `delta` to a counter in one atomic step; a missing counter is created holding `delta`
   * with a TTL of `ttlSeconds`. Returns the new value and the remaining TTL.
   */
  increment(key: string, delta: number, ttlSeconds: number): Promise<CounterState>;
  /** Subtracts `delta` (not below zero) from an existing counter; a missing one stays missing. */
  decrement(key: string, delta: number): Promise<void>;
  /** A counter's value and TTL without changing it; `null` when missing. */
  readCounter(key: string): Promise<CounterState | null>;
  /** A string value with its CAS token; `null` when missing. */
  gets(key: string): Promise<CasEntry | null>;
  /** Stores only if missing; false when another writer got there first. */
  add(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  /** Replaces only if unchanged since `cas`; false when it changed or vanished. */
  cas(key: string, value: string, cas: CasToken, ttlSeconds: number): Promise<boolean>;
  /** Removes keys; missing keys are not an error. */
  delete(keys: readonly string[]): Promise<void>;
}
