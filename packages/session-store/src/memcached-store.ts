import {
  type CacheBackend,
  type MemcachedClient,
  type ResolvedBackend,
  resolveBackend,
} from '@memkit/core';
import { type SessionData, Store } from 'express-session';
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
  readonly #storage: ResolvedBackend;
  readonly #engine: SessionEngine;
  // Exact per request under express-session (keyed by the request's Session object, see
  // createSession); @fastify/session copies what `get` returns, so it falls back to `#bySid`.
  readonly #byObject = new WeakMap<object, SessionVersion>();
  readonly #bySid: VersionLedger;

  /**
   * @param defaultClient used, not owned, when none of `client`/`servers`/`backend` is given
   * (the Fastify plugin passes `app.memcached`).
   * @param internal not part of the API: `ledgerEntries` bounds the per-process memory of reads
   * (default 10,000), for tests that need a read to be forgotten.
   * @throws MemcachedInvalidOptionError on a bad option.
   */
  constructor(
    options: MemcachedStoreOptions = {},
    defaultClient?: MemcachedClient,
    internal: { ledgerEntries?: number } = {},
  ) {
    super();
    this.#bySid = new VersionLedger(internal.ledgerEntries);
    this.options = resolveMemcachedStoreOptions(options);
    this.#storage = resolveBackend(this.options, { defaultClient });
    this.backend = this.#storage.backend;
    this.#engine = new SessionEngine(this.options, this.backend);
  }

  /**
   * The memcached client in use (injected, or created from `servers`).
   * @throws RangeError when the store runs on another backend (see `backend`).
   */
  get client(): MemcachedClient {
    const client = this.#storage.client;
    if (client === undefined) {
      throw new RangeError(
        `This store runs on a ${this.backend.kind} backend and has no memcached client; use store.backend.`,
      );
    }
    return client;
  }

  /** Reads a session; `null` when missing, expired, cleared or undeserializable. */
  override get(
    sid: string,
    callback?: Callback<SessionData | null>,
  ): Promise<SessionData | null | undefined> {
    const work = this.#engine.load(sid).then((loaded) => {
      // A miss keeps what an earlier read of this id remembered: a request still holding that
      // read must write against its CAS token and find the session gone, not recreate it.
      if (loaded === null) return null;
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

  /**
   * Destroys a session. Final: it leaves a tombstone, so a request that read it before and saves
   * afterwards is dropped, whether it still carries that read's CAS token or the read was
   * forgotten (the ledger entry is kept; a forgotten read writes with `add` and finds the tombstone).
   */
  override destroy(sid: string, callback?: Callback<void>): Promise<void> {
    return settle(this.#engine.destroy(sid), callback);
  }

  /**
   * Retires every session under this store's prefix by moving its namespace generation on
   * (one `incr`); other prefixes and other data on the servers are untouched. Never `flush_all`.
   */
  override clear(callback?: Callback<void>): Promise<void> {
    // The ledger is kept: writes of sessions read before the clear carry the old generation,
    // which the next read treats as cleared.
    return settle(this.#engine.clear(), callback);
  }

  /** Closes the client if the store created it (from `servers`); an injected client or backend is left open. */
  async close(): Promise<void> {
    await this.#storage.close();
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
