import { SessionConflictError } from './errors.js';
import { decodeEnvelope, encodeEnvelope, generationIsLive } from './internal/envelope.js';
import { sessionFingerprint } from './internal/fingerprint.js';
import type { BackendItem, SessionBackend } from './internal/session-backend.js';
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

/**
 * The framework-free rules of the session store: TTLs, touch throttling, unmodified detection,
 * CAS with merge, namespace generations. Adapters (express-session's `Store`, @fastify/session)
 * only translate callbacks and carry the `SessionVersion` from a read to the write.
 */
export class SessionEngine {
  readonly #options: ResolvedMemcachedStoreOptions;
  readonly #backend: SessionBackend;
  readonly #generationKey: string;
  // The namespace generation as last read, so most requests cost one `mg` instead of two.
  #generation: { value: number | undefined; readAtMs: number } | undefined;

  constructor(options: ResolvedMemcachedStoreOptions, backend: SessionBackend) {
    this.#options = options;
    this.#backend = backend;
    // "~" never appears in the ids express-session and @fastify/session generate.
    this.#generationKey = `${options.prefix}~generation`;
  }

  /** The memcached key of a session id. */
  key(sid: string): string {
    return `${this.#options.prefix}${sid}`;
  }

  /** Reads a session; `null` when missing, expired, cleared or undeserializable. */
  async load(sid: string): Promise<LoadedSession | null> {
    const nowMs = Date.now();
    let item: BackendItem | null;
    let generation: number | undefined;
    const cached = this.#generation;
    if (cached !== undefined && nowMs - cached.readAtMs < GENERATION_CACHE_MS) {
      item = await this.#backend.read(this.key(sid));
      generation = cached.value;
    } else {
      ({ item, generation } = await this.#backend.readWithGeneration(
        this.key(sid),
        this.#generationKey,
      ));
      this.#generation = { value: generation, readAtMs: nowMs };
    }
    if (item === null) return null;
    const decoded = this.#decode(sid, item);
    if (decoded === null) return null;
    if (!generationIsLive(decoded.generation, generation)) return null;
    const expiresAtMs =
      item.ttlRemaining === undefined || item.ttlRemaining < 0
        ? undefined
        : nowMs + item.ttlRemaining * 1000;
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
   * Stores a session. Unmodified since `version` → only a (throttled) touch. With CAS on and a
   * `version`, the write succeeds only over the copy that was read (see {@link SessionConflictError})
   * and a session that vanished since it was read (logout elsewhere, expiry) is not resurrected.
   */
  async save(sid: string, session: StoredSession, version?: SessionVersion): Promise<SaveOutcome> {
    const fingerprint = sessionFingerprint(session);
    if (version !== undefined && version.fingerprint === fingerprint) {
      return this.touch(sid, session, version);
    }
    const key = this.key(sid);
    const generation = version?.generation ?? (await this.#currentGeneration()) ?? 0;
    const ttl = sessionTtl(session, this.#options.ttl);
    const cas = this.#options.cas;
    if (cas === undefined || version?.cas === undefined) {
      const newCas = await this.#backend.set(key, this.#encode(generation, session), ttl);
      return this.#version(newCas, generation, fingerprint, ttl);
    }

    let mine = session;
    let expected = version.cas;
    for (let attempt = 0; ; attempt++) {
      const result = await this.#backend.casSet(key, this.#encode(generation, mine), ttl, expected);
      if (result.status === 'stored') {
        return this.#version(result.cas, generation, sessionFingerprint(mine), ttl);
      }
      if (result.status === 'not_found') return undefined;
      if (cas.merge === undefined) {
        throw new SessionConflictError(
          sessionRef(sid),
          'The session was changed by another request since it was read; the write was refused (cas: true). Pass cas: { merge } to combine both changes instead.',
        );
      }
      if (attempt >= cas.retries) {
        throw new SessionConflictError(
          sessionRef(sid),
          `The session kept changing under ${attempt + 1} write attempts; giving up (cas.retries: ${cas.retries}).`,
        );
      }
      const item = await this.#backend.read(key);
      const current = item === null ? null : this.#decode(sid, item);
      if (item === null || current === null || item.cas === undefined) return undefined;
      mine = cas.merge(current.session, mine);
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

  /** Deletes a session; deleting a missing one succeeds. */
  async destroy(sid: string): Promise<void> {
    await this.#backend.delete(this.key(sid));
  }

  /** Retires every session of this prefix at once by moving the namespace generation on. */
  async clear(): Promise<void> {
    const value = await this.#backend.bumpGeneration(this.#generationKey);
    this.#generation = { value, readAtMs: Date.now() };
  }

  async #currentGeneration(): Promise<number | undefined> {
    const nowMs = Date.now();
    const cached = this.#generation;
    if (cached !== undefined && nowMs - cached.readAtMs < GENERATION_CACHE_MS) return cached.value;
    const value = await this.#backend.generation(this.#generationKey);
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
    const envelope = decodeEnvelope(item.value);
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
        { session: sessionRef(sid), prefix: this.#options.prefix, err: cause },
        'memkit session-store: stored session data does not deserialize; treating it as missing',
      );
      return null;
    }
    return { generation: envelope.generation, session: session as StoredSession };
  }
}
