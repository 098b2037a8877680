import type { BackendItem, CacheBackend } from '@memkit/core';
import { SessionConflictError } from './errors.js';
import {
  decodeEnvelope,
  encodeEnvelope,
  encodeTombstone,
  generationIsLive,
  isTombstone,
} from './internal/envelope.js';
import { sessionFingerprint } from './internal/fingerprint.js';
import { sessionRef } from './internal/session-ref.js';
import { sessionTtl, touchIsDue } from './internal/session-ttl.js';
import type { ResolvedMemcachedStoreOptions, StoredSession } from './options.js';

/**
 * How long a read namespace generation is trusted. `clear()` is immediate in the process that
 * calls it and reaches other processes within this bound; in exchange a request costs one `mg`.
 */
export const GENERATION_CACHE_MS = 1000;

/** What a read learnt about the stored copy, needed to write back cheaply and safely. */
export interface SessionVersion {
  /** CAS token of the stored item (when the read fetched one). */
  readonly cas: string | undefined;
  /** Namespace generation the session was written under. */
  readonly generation: number;
  /** Digest of the data as read; an equal digest at save time means "unmodified". */
  readonly fingerprint: string;
  /** When memcached will expire the item, on this process's clock; `undefined` if unknown. */
  readonly expiresAtMs: number | undefined;
}

/** A session read from memcached, with the version to hand back to `save`/`touch`. */
export interface LoadedSession {
  /** The deserialized session data. */
  readonly session: StoredSession;
  /** What the store needs to write it back. */
  readonly version: SessionVersion;
}

/** What a `save` did: the version now stored, or `undefined` when the session is gone. */
export type SaveOutcome = SessionVersion | undefined;

/** Bound on re-read-and-write rounds of a last-writer-wins save (`cas: false`) that keeps racing. */
const LAST_WRITER_ROUNDS = 8;

/** How long a logout's tombstone lives when the store's `ttl` is a function: the default `ttl`, one day. */
const TOMBSTONE_FALLBACK_TTL = 86_400;

/**
 * The framework-free rules of the session store: TTLs, touch throttling, unmodified detection,
 * CAS with merge, namespace generations, logout that sticks. Adapters (express-session's
 * `Store`, @fastify/session) only translate callbacks and carry the `SessionVersion` from a read
 * to the write. Storage is core's `CacheBackend` (memcached or Redis), nothing else.
 */
export class SessionEngine {
  readonly #options: ResolvedMemcachedStoreOptions;
  readonly #backend: CacheBackend;
  readonly #generationKey: string;
  // The namespace generation as last read, so most requests cost one `mg` instead of two.
  #generation: { value: number | undefined; readAtMs: number } | undefined;

  constructor(options: ResolvedMemcachedStoreOptions, backend: CacheBackend) {
    this.#options = options;
    this.#backend = backend;
    // "~" never appears in the ids express-session and @fastify/session generate.
    this.#generationKey = `${options.keyPrefix}~generation`;
  }

  /** The storage key of a session id. */
  key(sid: string): string {
    return `${this.#options.keyPrefix}${sid}`;
  }

  /** Reads a session; `null` when missing, expired, cleared or undeserializable. */
  async load(sid: string): Promise<LoadedSession | null> {
    const nowMs = Date.now();
    let item: BackendItem | null;
    let generation: number | undefined;
    const cached = this.#generation;
    if (cached !== undefined && nowMs - cached.readAtMs < GENERATION_CACHE_MS) {
      item = await this.#backend.get(this.key(sid));
      generation = cached.value;
    } else {
      // Both requests go out before either reply is awaited: one round trip of latency.
      [item, generation] = await Promise.all([
        this.#backend.get(this.key(sid)),
        this.#backend.readVersion(this.#generationKey),
      ]);
      this.#generation = { value: generation, readAtMs: nowMs };
    }
    if (item === null || isTombstone(item.value)) return null;
    const decoded = this.#decode(sid, item);
    if (decoded === null) return null;
    if (!generationIsLive(decoded.generation, generation)) return null;
    const expiresAtMs = item.ttl < 0 ? undefined : nowMs + item.ttl * 1000;
    const session = decoded.session;
    // Touches move memcached's expiry without rewriting the stored cookie, so report the
    // expiry memcached actually holds (@fastify/session rejects a past `cookie.expires`).
    if (expiresAtMs !== undefined && session.cookie && typeof session.cookie === 'object') {
      if (session.cookie.expires !== undefined && session.cookie.expires !== null) {
        session.cookie.expires = new Date(expiresAtMs).toISOString();
      }
    }
    return {
      session,
      version: {
        cas: item.cas,
        generation: decoded.generation,
        fingerprint: sessionFingerprint(session),
        expiresAtMs,
      },
    };
  }

  /**
   * Stores a session. Unmodified since `version` → only a (throttled) touch. A session that was
   * read is written with the CAS token of that read, so a session that vanished since (logout in
   * another request, `clear()`, expiry) is never resurrected: the write finds it gone or
   * destroyed and is dropped. A write whose read is unknown (a new session, or a read this
   * process no longer remembers) is an `add`: a new id is stored in one round trip, a destroyed
   * one finds its tombstone and is dropped, a live one is overwritten through its CAS token. A
   * session changed by another request since the read is, with `cas` off, re-read and
   * overwritten (last writer wins, still never over a logout); with `cas` on, merged or refused
   * (see {@link SessionConflictError}).
   * @throws MemcachedValueTooLargeError when the session is over the client's `maxValueSize`;
   * nothing is sent and the stored session is kept.
   */
  async save(sid: string, session: StoredSession, version?: SessionVersion): Promise<SaveOutcome> {
    const fingerprint = sessionFingerprint(session);
    if (version !== undefined && version.fingerprint === fingerprint) {
      return this.touch(sid, session, version);
    }
    const key = this.key(sid);
    const generation = version?.generation ?? (await this.#currentGeneration()) ?? 0;
    const ttl = sessionTtl(session, this.#options.ttl);
    let expected = version?.cas;
    for (let attempt = 0; expected === undefined; attempt++) {
      // A plain set here would bring back a session destroyed after a read we lost track of.
      const added = await this.#backend.set(key, this.#encode(generation, session), ttl, {
        mode: 'add',
      });
      if (added.status === 'stored') return this.#version(added.cas, generation, fingerprint, ttl);
      const item = await this.#backend.get(key);
      if (item !== null && isTombstone(item.value)) return undefined;
      if (item !== null) expected = item.cas;
      else if (attempt >= LAST_WRITER_ROUNDS) {
        throw new SessionConflictError(
          sessionRef(sid),
          `The session kept appearing and vanishing under ${attempt + 1} write attempts; giving up.`,
        );
      }
    }

    const cas = this.#options.cas;
    let mine = session;
    const rounds = cas === undefined ? LAST_WRITER_ROUNDS : cas.retries;
    for (let attempt = 0; ; attempt++) {
      const result = await this.#backend.set(key, this.#encode(generation, mine), ttl, {
        cas: expected,
      });
      if (result.status === 'stored') {
        return this.#version(result.cas, generation, sessionFingerprint(mine), ttl);
      }
      if (result.status === 'not_found') return undefined;
      // Changed since the read: a logout (tombstone) drops the write before any conflict rule.
      const item = await this.#backend.get(key);
      if (item === null || isTombstone(item.value)) return undefined;
      if (cas !== undefined && cas.merge === undefined) {
        throw new SessionConflictError(
          sessionRef(sid),
          'The session was changed by another request since it was read; the write was refused (cas: true). Pass cas: { merge } to combine both changes instead.',
        );
      }
      if (attempt >= rounds) {
        throw new SessionConflictError(
          sessionRef(sid),
          `The session kept changing under ${attempt + 1} write attempts; giving up${cas === undefined ? '' : ` (cas.retries: ${cas.retries})`}.`,
        );
      }
      const current = this.#decode(sid, item);
      if (current === null) return undefined;
      if (cas?.merge !== undefined) mine = cas.merge(current.session, mine);
      expected = item.cas;
    }
  }

  /**
   * Extends an unmodified session's expiry with memcached's `touch` (no rewrite), at most once
   * per `touchAfter` seconds. A session gone from memcached is left gone.
   */
  async touch(sid: string, session: StoredSession, version?: SessionVersion): Promise<SaveOutcome> {
    if (this.#options.disableTouch) return version;
    const nowMs = Date.now();
    const ttl = sessionTtl(session, this.#options.ttl, nowMs);
    if (!touchIsDue(ttl, version?.expiresAtMs, this.#options.touchAfter, nowMs)) return version;
    const touched = await this.#backend.touch(this.key(sid), ttl);
    if (!touched || version === undefined) return undefined;
    return { ...version, expiresAtMs: nowMs + ttl * 1000 };
  }

  /**
   * Ends a session for good: its item is replaced by a tombstone that reads as missing and that
   * a later write of a copy read before the logout finds and respects, even when that write no
   * longer knows its read's CAS token. The tombstone lives as long as a session would (`ttl`).
   * Destroying a missing session succeeds.
   */
  async destroy(sid: string): Promise<void> {
    const ttl = typeof this.#options.ttl === 'number' ? this.#options.ttl : TOMBSTONE_FALLBACK_TTL;
    await this.#backend.set(this.key(sid), encodeTombstone(), ttl);
  }

  /** Retires every session of this prefix at once by moving the namespace generation on. */
  async clear(): Promise<void> {
    const value = await this.#backend.bumpVersion(this.#generationKey);
    this.#generation = { value, readAtMs: Date.now() };
  }

  async #currentGeneration(): Promise<number | undefined> {
    const nowMs = Date.now();
    const cached = this.#generation;
    if (cached !== undefined && nowMs - cached.readAtMs < GENERATION_CACHE_MS) return cached.value;
    const value = await this.#backend.readVersion(this.#generationKey);
    this.#generation = { value, readAtMs: nowMs };
    return value;
  }

  #version(
    cas: string | undefined,
    generation: number,
    fingerprint: string,
    ttl: number,
  ): SessionVersion {
    return { cas, generation, fingerprint, expiresAtMs: Date.now() + ttl * 1000 };
  }

  #encode(generation: number, session: StoredSession): string {
    return encodeEnvelope(generation, this.#options.serializer.stringify(session));
  }

  #decode(sid: string, item: BackendItem): { generation: number; session: StoredSession } | null {
    const envelope = decodeEnvelope(item.value.toString('utf8'));
    let session: unknown;
    let cause: unknown;
    if (envelope !== null) {
      try {
        session = this.#options.serializer.parse(envelope.payload);
      } catch (error) {
        cause = error;
      }
    }
    if (
      envelope === null ||
      session === null ||
      typeof session !== 'object' ||
      Array.isArray(session)
    ) {
      this.#options.logger?.warn(
        { session: sessionRef(sid), keyPrefix: this.#options.keyPrefix, err: cause },
        'memkit session-store: stored session data does not deserialize; treating it as missing',
      );
      return null;
    }
    return { generation: envelope.generation, session: session as StoredSession };
  }
}
