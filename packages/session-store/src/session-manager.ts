import { randomBytes } from 'node:crypto';
import {
  type CacheBackend,
  type MemcachedClient,
  MemcachedProtocolError,
  type ResolvedBackend,
  resolveBackend,
} from '@memkit/core';
import { SessionConflictError } from './errors.js';
import { sessionRef } from './internal/session-ref.js';
import {
  type ResolvedSessionManagerOptions,
  resolveSessionManagerOptions,
  type SessionManagerOptions,
} from './session-manager-options.js';

/** A session as {@link SessionManager.get} returns it. */
export interface ManagedSession<T> {
  /** The session id (43 URL-safe characters, 256 random bits). */
  readonly id: string;
  /** The user the session was created for. */
  readonly userId: string;
  /** Unix time in milliseconds when the session was created. */
  readonly createdAt: number;
  /** The application's data. */
  readonly data: T;
}

interface Record_<T> {
  u: string;
  c: number;
  d: T;
}

/**
 * Framework-free sessions on memcached with a Promise API: ids from `crypto.randomBytes`, sliding
 * expiry done with get-and-touch (one round trip, no rewrite), updates that cannot lose a
 * concurrent update (CAS), and errors, never `null`, when memcached is unreachable.
 * @example
 * const sessions = new SessionManager({ client });
 * const id = await sessions.create('user-42', { role: 'admin' });
 */
export class SessionManager<T extends object = Record<string, unknown>> {
  /** The options after defaults and validation. */
  readonly options: ResolvedSessionManagerOptions;
  /** Where sessions are stored: the memcached client wrapped, or the `backend` given. */
  readonly backend: CacheBackend;
  readonly #storage: ResolvedBackend;

  /** @throws MemcachedInvalidOptionError on a bad option. */
  constructor(options: SessionManagerOptions = {}) {
    this.options = resolveSessionManagerOptions(options);
    this.#storage = resolveBackend(this.options);
    this.backend = this.#storage.backend;
  }

  /**
   * The memcached client in use (injected, or created from `servers`).
   * @throws RangeError when the manager runs on another backend (see `backend`).
   */
  get client(): MemcachedClient {
    const client = this.#storage.client;
    if (client === undefined) {
      throw new RangeError(
        `This SessionManager runs on a ${this.backend.kind} backend and has no memcached client; use .backend.`,
      );
    }
    return client;
  }

  /** Creates a session for `userId` and returns its new id. */
  async create(userId: string, data: T): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const ttl = this.options.ttl;
    const record: Record_<T> = { u: String(userId), c: Date.now(), d: data };
    // Add mode: a colliding id (2^-256) fails loudly instead of overwriting someone.
    const r = await this.backend.set(this.#key(id), JSON.stringify(record), ttl, { mode: 'add' });
    if (r.status !== 'stored') throw unexpected('add', r.status);
    return id;
  }

  /** Reads a session and restarts its idle timer; `null` when missing or expired. */
  async get(id: string): Promise<ManagedSession<T> | null> {
    if (!validId(id)) return null;
    // Get-and-touch in one round trip: the idle timer restarts without rewriting the item.
    const item = await this.backend.getAndTouch(this.#key(id), this.options.ttl);
    const record = decodeBytes<T>(item?.value);
    if (record === null) return null;
    return { id, userId: record.u, createdAt: record.c, data: record.d };
  }

  /**
   * Shallow-merges `data` into the session's data. False when the session does not exist.
   * A concurrent update is re-read and merged again (CAS), never silently overwritten.
   * @throws SessionConflictError when `updateRetries` rounds all lost a race.
   */
  async update(id: string, data: Partial<T>): Promise<boolean> {
    if (!validId(id)) return false;
    const key = this.#key(id);
    for (let attempt = 0; attempt <= this.options.updateRetries; attempt++) {
      const item = await this.backend.get(key);
      const record = decodeBytes<T>(item?.value);
      if (item === null || record === null) return false;
      const next: Record_<T> = { ...record, d: { ...record.d, ...data } };
      const write = await this.backend.set(key, JSON.stringify(next), this.options.ttl, {
        cas: item.cas,
      });
      if (write.status === 'stored') return true;
      if (write.status === 'not_found') return false;
      if (write.status !== 'exists') throw unexpected('set', write.status);
    }
    throw new SessionConflictError(
      sessionRef(id),
      `The session kept changing under ${this.options.updateRetries + 1} update attempts; giving up (updateRetries: ${this.options.updateRetries}).`,
    );
  }

  /** Deletes a session. True when it existed. */
  async destroy(id: string): Promise<boolean> {
    if (!validId(id)) return false;
    return this.backend.delete(this.#key(id));
  }

  /**
   * Gives the session `ttl` seconds from now (default: the manager's `ttl`) with memcached's
   * `touch`. The next `get` slides it by the manager's `ttl` again. False when it does not exist.
   */
  async extend(id: string, ttl: number = this.options.ttl): Promise<boolean> {
    if (!Number.isInteger(ttl) || ttl < 1) {
      throw new RangeError(`Invalid ttl: expected a positive integer of seconds, got ${ttl}.`);
    }
    if (!validId(id)) return false;
    return this.backend.touch(this.#key(id), ttl);
  }

  /** Closes the client if the manager created it; an injected client or backend is left open. */
  async close(): Promise<void> {
    await this.#storage.close();
  }

  #key(id: string): string {
    return `${this.options.keyPrefix}${id}`;
  }
}

// Ids come from randomBytes(32).toString('base64url'); anything else cannot be ours and would
// only reach memcached as an invalid-key error.
function validId(id: string): boolean {
  return typeof id === 'string' && /^[A-Za-z0-9_-]{43}$/.test(id);
}

function decodeBytes<T>(value: Buffer | undefined): Record_<T> | null {
  if (value === undefined) return null;
  try {
    const record = JSON.parse(value.toString('utf8')) as Record_<T>;
    if (typeof record !== 'object' || record === null || typeof record.u !== 'string') return null;
    return record;
  } catch {
    return null;
  }
}

function unexpected(command: string, status: string): MemcachedProtocolError {
  return new MemcachedProtocolError(
    `Unexpected ${command} reply ${status} to a SessionManager request.`,
  );
}
