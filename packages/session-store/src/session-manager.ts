import { randomBytes } from 'node:crypto';
import {
  type CacheBackend,
  type MemcachedClient,
  MemcachedProtocolError,
  resolveBackend,
} from '@memkit/core';
import { SessionConflictError } from './errors.js';
import { exptime } from './internal/exptime.js';
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
  readonly #client: MemcachedClient | undefined;
  readonly #ownsClient: boolean;

  /** @throws RangeError on a bad option. */
  constructor(options: SessionManagerOptions = {}) {
    const o = resolveSessionManagerOptions(options);
    this.options = o;
    // A core MemcachedBackend is unwrapped: memcached keeps its meta-command path either way.
    const resolved = resolveBackend(o);
    this.backend = resolved.backend;
    this.#client = resolved.client;
    this.#ownsClient = resolved.ownsClient;
  }

  /**
   * The memcached client in use (injected, or created from `servers`).
   * @throws RangeError when the manager runs on another backend (see `backend`).
   */
  get client(): MemcachedClient {
    if (this.#client === undefined) {
      throw new RangeError(
        `This SessionManager runs on a ${this.backend.kind} backend and has no memcached client; use .backend.`,
      );
    }
    return this.#client;
  }

  /** Creates a session for `userId` and returns its new id. */
  async create(userId: string, data: T): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const ttl = this.options.ttl;
    const record: Record_<T> = { u: String(userId), c: Date.now(), d: data };
    if (this.#client === undefined) {
      const r = await this.backend.set(this.#key(id), JSON.stringify(record), ttl, { mode: 'add' });
      if (r.status !== 'stored') throw unexpected('add', r.status);
      return id;
    }
    // Mode E (add): a colliding id (2^-256) fails loudly instead of overwriting someone.
    const reply = await this.client.metaSet(this.#key(id), JSON.stringify(record), [
      `T${exptime(ttl)}`,
      'ME',
    ]);
    if (reply.status !== 'HD') throw unexpected('ms', reply.status);
    return id;
  }

  /** Reads a session and restarts its idle timer; `null` when missing or expired. */
  async get(id: string): Promise<ManagedSession<T> | null> {
    if (!validId(id)) return null;
    if (this.#client === undefined) {
      // Read and touch go out together: one round trip of latency, no rewrite.
      const [item] = await Promise.all([
        this.backend.get(this.#key(id)),
        this.backend.touch(this.#key(id), this.options.ttl),
      ]);
      const found = decodeBytes<T>(item?.value);
      return found === null ? null : { id, userId: found.u, createdAt: found.c, data: found.d };
    }
    // Get-and-touch in one round trip: the idle timer restarts without rewriting the item.
    const reply = await this.client.metaGet(this.#key(id), ['v', `T${exptime(this.options.ttl)}`]);
    const record = decode<T>(reply);
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
    if (this.#client === undefined) return this.#updateOnBackend(id, key, data);
    for (let attempt = 0; attempt <= this.options.updateRetries; attempt++) {
      const reply = await this.client.metaGet(key, ['v', 'c']);
      const record = decode<T>(reply);
      const cas = reply.flags.c;
      if (record === null || cas === undefined) return false;
      const next: Record_<T> = { ...record, d: { ...record.d, ...data } };
      const write = await this.client.metaSet(key, JSON.stringify(next), [
        `T${exptime(this.options.ttl)}`,
        `C${cas}`,
      ]);
      if (write.status === 'HD') return true;
      if (write.status === 'NF') return false;
      if (write.status !== 'EX') throw unexpected('ms', write.status);
    }
    throw new SessionConflictError(
      sessionRef(id),
      `The session kept changing under ${this.options.updateRetries + 1} update attempts; giving up (updateRetries: ${this.options.updateRetries}).`,
    );
  }

  /** Deletes a session. True when it existed. */
  async destroy(id: string): Promise<boolean> {
    if (!validId(id)) return false;
    return this.#client === undefined
      ? this.backend.delete(this.#key(id))
      : this.#client.delete(this.#key(id));
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
    return this.#client === undefined
      ? this.backend.touch(this.#key(id), ttl)
      : this.#client.touch(this.#key(id), ttl);
  }

  /** Closes the client if the manager created it; an injected client is left open. */
  async close(): Promise<void> {
    if (this.#ownsClient) await this.#client?.close();
  }

  async #updateOnBackend(id: string, key: string, data: Partial<T>): Promise<boolean> {
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
    }
    throw new SessionConflictError(
      sessionRef(id),
      `The session kept changing under ${this.options.updateRetries + 1} update attempts; giving up (updateRetries: ${this.options.updateRetries}).`,
    );
  }

  #key(id: string): string {
    return `${this.options.prefix}${id}`;
  }
}

// Ids come from randomBytes(32).toString('base64url'); anything else cannot be ours and would
// only reach memcached as an invalid-key error.
function validId(id: string): boolean {
  return typeof id === 'string' && /^[A-Za-z0-9_-]{43}$/.test(id);
}

function decode<T>(reply: { status: string; value: Buffer | undefined }): Record_<T> | null {
  return reply.status === 'VA' ? decodeBytes<T>(reply.value) : null;
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
