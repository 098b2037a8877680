/** One stored session item as read back from memcached. */
export interface BackendItem {
  /** The stored text (envelope + payload). */
  readonly value: string;
  /** CAS token of the item, when the read asked for one. */
  readonly cas: string | undefined;
  /** Seconds until memcached expires the item; `undefined` when unknown, -1 for never. */
  readonly ttlRemaining: number | undefined;
}

/** Outcome of a compare-and-swap write. */
export type CasWriteResult =
  | { readonly status: 'stored'; readonly cas: string | undefined }
  | { readonly status: 'exists' | 'not_found' };

/**
 * The memcached operations the session engine needs, each one round trip. Kept narrow so the
 * engine's rules do not depend on which client call implements them.
 */
export interface SessionBackend {
  /** Reads a session item. */
  read(key: string): Promise<BackendItem | null>;
  /** Reads a session item and the namespace generation together (pipelined: one round trip). */
  readWithGeneration(
    key: string,
    generationKey: string,
  ): Promise<{ item: BackendItem | null; generation: number | undefined }>;
  /** Reads only the namespace generation (`undefined` when the key is missing). */
  generation(generationKey: string): Promise<number | undefined>;
  /** Unconditional write; resolves to the new CAS token when the client reports it. */
  set(key: string, value: string, ttl: number): Promise<string | undefined>;
  /** Write only if the item still has `cas`. */
  casSet(key: string, value: string, ttl: number, cas: string): Promise<CasWriteResult>;
  /** memcached `touch`: new expiry, no rewrite. False when the item is gone. */
  touch(key: string, ttl: number): Promise<boolean>;
  /** Deletes an item; a missing item is not an error. */
  delete(key: string): Promise<void>;
  /** Atomically moves the generation past every earlier one, creating the key if missing. */
  bumpGeneration(generationKey: string): Promise<number>;
}
