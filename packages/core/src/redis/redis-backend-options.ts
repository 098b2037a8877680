import { checkOptionKeys, positiveIntegerOption } from '../options/option-checks.js';

/** Options of {@link RedisBackend}. */
export interface RedisBackendOptions {
  /** Bound on every operation; past it the operation fails with `MemcachedTimeoutError`. @default 500 */
  timeoutMs?: number | undefined;
}

/** {@link RedisBackendOptions} after defaults and validation. */
export interface ResolvedRedisBackendOptions {
  readonly timeoutMs: number;
}

/** The defaults applied by {@link resolveRedisBackendOptions}. */
export const DEFAULT_REDIS_BACKEND_OPTIONS = Object.freeze({ timeoutMs: 500 } as const);

const KNOWN_KEYS: Record<keyof RedisBackendOptions, true> = { timeoutMs: true };

/**
 * Applies defaults, validates and freezes RedisBackend options.
 * @throws MemcachedInvalidOptionError on an unknown option or a bad value, naming both.
 */
export function resolveRedisBackendOptions(
  options: RedisBackendOptions = {},
): ResolvedRedisBackendOptions {
  const o = checkOptionKeys(options, KNOWN_KEYS);
  return Object.freeze({
    timeoutMs: positiveIntegerOption(
      'timeoutMs',
      o.timeoutMs ?? DEFAULT_REDIS_BACKEND_OPTIONS.timeoutMs,
    ),
  });
}
