import { createHash, randomBytes } from 'node:crypto';
import type {
  BackendCapabilities,
  BackendCounter,
  BackendIncrementOptions,
  BackendItem,
  BackendRecacheItem,
  BackendRecacheOptions,
  BackendSetOptions,
  BackendWriteResult,
  BackendWriteStatus,
  CacheBackend,
} from '../backend/cache-backend.js';
import { MemcachedProtocolError } from '../errors.js';
import { toExptime } from '../exptime.js';
import {
  type RedisBackendOptions,
  type ResolvedRedisBackendOptions,
  resolveRedisBackendOptions,
} from './redis-backend-options.js';
import { bounded } from './redis-errors.js';
import {
  DECREMENT_SCRIPT,
  FETCH_FOR_RECACHE_SCRIPT,
  GET_SCRIPT,
  INCREMENT_SCRIPT,
  MARK_STALE_SCRIPT,
  SET_SCRIPT,
  TOUCH_SCRIPT,
} from './redis-scripts.js';

type Arg = string | Buffer | number;

/**
 * The part of an ioredis `Redis` or `Cluster` the backend uses (ioredis-mock fits it too).
 * Structural, so `@memkit/core` never loads ioredis itself: it is an optional peer dependency.
 */
export interface RedisLike {
  evalsha(sha: string, numKeys: number, ...args: Arg[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: Arg[]): Promise<unknown>;
  del(...keys: string[]): Promise<number>;
  hgetBuffer(key: string, field: string): Promise<Buffer | null>;
}

/**
 * ioredis gives every command a `...Buffer` variant that returns bulk strings as Buffers; its
 * typings leave out the EVAL ones, so they are looked up at run time (strings otherwise).
 */
interface BufferEval {
  evalshaBuffer?: (sha: string, numKeys: number, ...args: Arg[]) => Promise<unknown>;
  evalBuffer?: (script: string, numKeys: number, ...args: Arg[]) => Promise<unknown>;
}

interface Script {
  readonly text: string;
  readonly sha: string;
}

function script(text: string): Script {
  return { text, sha: createHash('sha1').update(text).digest('hex') };
}

const GET = script(GET_SCRIPT);
const SET = script(SET_SCRIPT);
const TOUCH = script(TOUCH_SCRIPT);
const INCREMENT = script(INCREMENT_SCRIPT);
const DECREMENT = script(DECREMENT_SCRIPT);
const FETCH = script(FETCH_FOR_RECACHE_SCRIPT);
const MARK_STALE = script(MARK_STALE_SCRIPT);

const CAPABILITIES: BackendCapabilities = Object.freeze({
  maxKeyBytes: 512 * 1024 * 1024,
  binaryKeys: true,
  pipelinedMultiGet: true,
  staleWhileRevalidate: true,
});

const WRITE_STATUSES = new Set<string>(['stored', 'not_stored', 'not_found', 'exists']);

/**
 * The {@link CacheBackend} on Redis through ioredis: the same semantics as memcached in Redis
 * terms, each operation one Lua script (atomic, one round trip). Create-with-TTL-and-add is
 * `HINCRBY` + `PEXPIRE` in one script; CAS compares a token stored beside the value; the
 * stampede flags of memcached's `mg N R` / `md I` are marks in the same hash.
 *
 * The ioredis instance is the caller's: the backend never connects, quits or configures it.
 * Every operation is bounded by `timeoutMs`; failures are `MemcachedError` subclasses.
 *
 * @example
 * import Redis from 'ioredis';
 * import { RedisBackend } from '@memkit/core/redis';
 * app.use(rateLimiter({ limit: 100, windowSeconds: 60, backend: new RedisBackend(new Redis()) }));
 */
export class RedisBackend implements CacheBackend {
  /** Always `'redis'`. */
  readonly kind = 'redis';
  /** Redis's limits and extras. */
  readonly capabilities: BackendCapabilities = CAPABILITIES;
  /** The ioredis client every operation goes through (owned by the caller). */
  readonly redis: RedisLike;
  /** The options after defaults and validation. */
  readonly options: ResolvedRedisBackendOptions;
  // CAS tokens: unique across processes (random prefix) and within one (counter).
  readonly #tokenPrefix = randomBytes(6).toString('base64url');
  #tokenCounter = 0;

  /** @throws RangeError on a bad option. */
  constructor(redis: RedisLike, options: RedisBackendOptions = {}) {
    if (typeof redis !== 'object' || redis === null || typeof redis.evalsha !== 'function') {
      throw new RangeError(
        `Invalid redis client: expected an ioredis Redis or Cluster instance, got ${String(redis)}.`,
      );
    }
    this.redis = redis;
    this.options = resolveRedisBackendOptions(options);
  }

  async get(key: string): Promise<BackendItem | null> {
    const reply = await this.#run(GET, key, [], true);
    if (isNil(reply)) return null;
    const [value, cas, pttl] = tuple(reply, 3, 'get', key);
    return { value: buffer(value), cas: buffer(cas).toString('latin1'), ttl: seconds(pttl) };
  }

  async getMulti(keys: readonly string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    if (keys.length === 0) return out;
    // Separate commands rather than a MULTI or pipeline object: ioredis writes them back to back
    // (one round trip of latency), and on a Cluster keys in different slots still work.
    const values = await bounded(
      Promise.all(keys.map((key) => this.redis.hgetBuffer(key, 'v'))),
      this.options.timeoutMs,
      'getMulti',
    );
    values.forEach((value, i) => {
      const key = keys[i];
      if (key !== undefined && Buffer.isBuffer(value)) out.set(key, value);
    });
    return out;
  }

  async set(
    key: string,
    value: string | Buffer,
    ttl: number,
    options: BackendSetOptions = {},
  ): Promise<BackendWriteResult> {
    const token = this.#token();
    const reply = await this.#run(SET, key, [
      value,
      ttlMs(ttl),
      token,
      options.mode ?? 'set',
      options.cas ?? '',
    ]);
    const status = String(reply);
    if (!WRITE_STATUSES.has(status)) throw unexpected('set', key, reply);
    return { status: status as BackendWriteStatus, cas: status === 'stored' ? token : undefined };
  }

  async delete(key: string): Promise<boolean> {
    return (await bounded(this.redis.del(key), this.options.timeoutMs, 'delete')) > 0;
  }

  async touch(key: string, ttl: number): Promise<boolean> {
    return Number(await this.#run(TOUCH, key, [ttlMs(ttl)])) === 1;
  }

  async increment(
    key: string,
    delta: number,
    options: BackendIncrementOptions = {},
  ): Promise<BackendCounter | null> {
    const initial = options.initial === undefined ? '' : String(options.initial);
    const reply = await this.#run(INCREMENT, key, [
      delta,
      initial,
      ttlMs(options.ttl ?? 0),
      this.#token(),
    ]);
    if (isNil(reply)) return null;
    const [value, pttl] = tuple(reply, 2, 'increment', key);
    return { value: Number(value), ttl: seconds(pttl) };
  }

  async decrement(key: string, delta: number): Promise<number | null> {
    const reply = await this.#run(DECREMENT, key, [delta, this.#token()]);
    return isNil(reply) ? null : Number(reply);
  }

  async bumpVersion(key: string): Promise<number> {
    const counter = await this.increment(key, 1, {
      initial: Math.floor(Date.now() / 1000),
      ttl: 0,
    });
    if (counter === null) throw unexpected('bumpVersion', key, null);
    return counter.value;
  }

  async fetchForRecache(
    key: string,
    options: BackendRecacheOptions,
  ): Promise<BackendRecacheItem | null> {
    const lock =
      options.lockTtl === undefined ? '' : ttlMs(Math.max(1, Math.floor(options.lockTtl)));
    const below =
      options.recacheBelow !== undefined && options.recacheBelow > 0
        ? options.recacheBelow * 1000
        : '';
    const reply = await this.#run(FETCH, key, [lock, below, this.#token()], true);
    if (isNil(reply)) return null;
    const [value, pttl, won, alreadyWon, stale] = tuple(reply, 5, 'fetchForRecache', key);
    return {
      value: buffer(value),
      ttl: seconds(pttl),
      won: Number(won) === 1,
      alreadyWon: Number(alreadyWon) === 1,
      stale: Number(stale) === 1,
    };
  }

  async markStale(key: string): Promise<boolean> {
    return Number(await this.#run(MARK_STALE, key, [])) === 1;
  }

  #token(): string {
    this.#tokenCounter = (this.#tokenCounter + 1) % Number.MAX_SAFE_INTEGER;
    return `${this.#tokenPrefix}${this.#tokenCounter.toString(36)}`;
  }

  /** EVALSHA, loading the script with EVAL when the server does not know it yet (NOSCRIPT). */
  async #run(s: Script, key: string, args: Arg[], binary = false): Promise<unknown> {
    const redis = this.redis;
    const buffers = redis as RedisLike & BufferEval;
    const attempt = async (): Promise<unknown> => {
      try {
        return binary && buffers.evalshaBuffer !== undefined
          ? await buffers.evalshaBuffer(s.sha, 1, key, ...args)
          : await redis.evalsha(s.sha, 1, key, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return binary && buffers.evalBuffer !== undefined
          ? await buffers.evalBuffer(s.text, 1, key, ...args)
          : await redis.eval(s.text, 1, key, ...args);
      }
    };
    return bounded(attempt(), this.options.timeoutMs, 'script');
  }
}

/**
 * TTL seconds to Redis milliseconds with memcached's meaning (core's `toExptime` rule): 0 never
 * expires, a negative TTL expires at once (-1 tells the scripts to delete). Redis has no 30-day
 * cliff, so long TTLs stay relative.
 * @throws RangeError on a TTL that is not an integer.
 */
function ttlMs(ttl: number): number {
  const exptime = toExptime(ttl);
  return exptime < 0 ? -1 : ttl * 1000;
}

/** PTTL (ms, -1 = none) to whole seconds, rounded up so a window never reads as shorter. */
function seconds(pttl: unknown): number {
  const ms = Number(pttl);
  if (!Number.isFinite(ms) || ms < 0) return -1;
  return Math.ceil(ms / 1000);
}

/** Lua's false/nil: ioredis reads it as null, ioredis-mock as false. */
function isNil(reply: unknown): boolean {
  return reply === null || reply === false;
}

function buffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  // An empty string comes back from ioredis-mock's Lua as false.
  if (value === null || value === undefined || value === false) return Buffer.alloc(0);
  return Buffer.from(String(value), 'utf8');
}

function tuple(reply: unknown, length: number, command: string, key: string): unknown[] {
  if (!Array.isArray(reply) || reply.length < length) throw unexpected(command, key, reply);
  return reply;
}

function unexpected(command: string, key: string, reply: unknown): MemcachedProtocolError {
  return new MemcachedProtocolError(
    `Unexpected Redis reply ${JSON.stringify(String(reply))} to ${command} on "${key}".`,
  );
}
