import { type CacheBackend, type MemcachedClient, resolveBackend } from '@memkit/core';
import { type SessionData, Store } from 'express-session';
import { cacheBackendSessions } from './internal/cache-backend-session.js';
import { clientBackend } from './internal/client-backend.js';
import { VersionLedger } from './internal/version-ledger.js';
import {
  type MemcachedStoreOptions,
  type ResolvedMemcachedStoreOptions,
  resolveMemcachedStoreOptions,
  type StoredSession,
} from './options.js';
import { SessionEngine, type SessionVersion } from './session-engine.js';

type Callback<T> = (err: unknown, value?: T) => void;

/**
 * express-session `Store` on memcached (or on any core `CacheBackend`, e.g. Redis through
 * `backend`); the same object is a valid `store` for @fastify/session.
 * Writes only when the session changed, extends expiry with memcached's `touch` at most once per
 * `touchAfter`, never hangs (every call is bounded by the client's `timeoutMs`) and fails closed:
 * an unreachable memcached is an error to the framework, not an empty session.
 *
 * Methods take the frameworks' callbacks and also return a Promise; with a callback, errors go
 * to the callback only and the Promise resolves to `undefined`.
 *
 * `length()` and `all()` are deliberately absent: memcached cannot enumerate keys.
 * @example
 * app.use(session({ store: new MemcachedStore({ client }), secret, resave: false, saveUninitialized: false }));
 */
export class MemcachedStore extends Store {
  /** The options after defaults and validation. */
  readonly options: ResolvedMemcachedStoreOptions;
  /** Where sessions are stored: the memcached client wrapped, or the `backend` given. */
  readonly backend: CacheBackend;
  readonly #client: MemcachedClient | undefined;
  readonly #ownsClient: boolean;
  readonly #engine: SessionEngine;
  // Exact per request under express-session (keyed by the request's Session object, see
  // createSession); @fastify/session copies what `get` returns, so it falls back to `#bySid`.
  readonly #byObject = new WeakMap<object, SessionVersion>();
  readonly #bySid = new VersionLedger();

  /** @throws RangeError on a bad option. */
  constructor(options: MemcachedStoreOptions = {}) {
    super();
    this.options = resolveMemcachedStoreOptions(options);
    const o = this.options;
    // A core MemcachedBackend is unwrapped: memcached keeps its meta-command path either way.
    const resolved = resolveBackend(o);
    this.backend = resolved.backend;
    this.#client = resolved.client;
    this.#ownsClient = resolved.ownsClient;
    this.#engine = new SessionEngine(
      o,
      this.#client === undefined ? cacheBackendSessions(this.backend) : clientBackend(this.#client),
    );
  }

  /**
   * The memcached client in use (injected, or created from `servers`).
   * @throws RangeError when the store runs on another backend (see `backend`).
   */
  get client(): MemcachedClient {
    if (this.#client === undefined) {
      throw new RangeError(
        `This store runs on a ${this.backend.kind} backend and has no memcached client; use store.backend.`,
      );
    }
    return this.#client;
  }

  /** Reads a session; `null` when missing, expired, cleared or undeserializable. */
  override get(
    sid: string,
    callback?: Callback<SessionData | null>,
  ): Promise<SessionData | null | undefined> {
    const work = this.#engine.load(sid).then((loaded) => {
      if (loaded === null) {
        this.#bySid.delete(sid);
        return null;
      }
      this.#byObject.set(loaded.session, loaded.version);
      this.#bySid.set(sid, loaded.version);
      return loaded.session as unknown as SessionData;
    });
    return settle(work, callback);
  }

  /** Writes a session, or only touches it when it is unchanged since it was read. */
  override set(sid: string, session: SessionData, callback?: Callback<void>): Promise<void> {
    const data = session as unknown as StoredSession;
    const work = this.#engine.save(sid, data, this.#versionOf(sid, data)).then((version) => {
      if (version === undefined) return;
      this.#byObject.set(session, version);
      this.#bySid.noteWrite(sid, version);
    });
    return settle(work, callback);
  }

  /** Extends an unmodified session's expiry (memcached `touch`), at most once per `touchAfter`. */
  override touch(sid: string, session: SessionData, callback?: Callback<void>): Promise<void> {
    const data = session as unknown as StoredSession;
    const work = this.#engine.touch(sid, data, this.#versionOf(sid, data)).then((version) => {
      if (version !== undefined) this.#byObject.set(session, version);
    });
    return settle(work, callback);
  }

  /** Deletes a session. */
  override destroy(sid: string, callback?: Callback<void>): Promise<void> {
    this.#bySid.delete(sid);
    return settle(this.#engine.destroy(sid), callback);
  }

  /**
   * Retires every session under this store's prefix by moving its namespace generation on
   * (one `incr`); other prefixes and other data on the servers are untouched. Never `flush_all`.
   */
  override clear(callback?: Callback<void>): Promise<void> {
    this.#bySid.clear();
    return settle(this.#engine.clear(), callback);
  }

  /** Closes the client if the store created it (from `servers`); an injected client is left open. */
  async close(): Promise<void> {
    if (this.#ownsClient) await this.#client?.close();
  }

  // express-session builds req.session from what `get` returned; remembering the version under
  // the new object lets `set`/`touch` of that very request use its own read's CAS and expiry.
  override createSession(
    req: Parameters<Store['createSession']>[0],
    session: SessionData,
  ): ReturnType<Store['createSession']> {
    const version = this.#byObject.get(session);
    const created = super.createSession(req, session);
    if (version !== undefined) this.#byObject.set(created, version);
    return created;
  }

  #versionOf(sid: string, session: object): SessionVersion | undefined {
    return this.#byObject.get(session) ?? this.#bySid.get(sid, session);
  }
}

function settle<T>(work: Promise<T>, callback: Callback<T> | undefined): Promise<T | undefined> {
  if (callback === undefined) return work;
  // The callback runs outside the promise chain so an exception thrown by framework code is
  // not turned into an unhandled rejection of ours.
  return work.then(
    (value) => {
      process.nextTick(callback, null, value);
      return value;
    },
    (error: unknown) => {
      process.nextTick(callback, error);
      return undefined;
    },
  );
}
