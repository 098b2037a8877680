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
 * @throws RangeError on an unknown option or a bad value, naming both.
 */
export function resolveRedisBackendOptions(
  options: RedisBackendOptions = {},
): ResolvedRedisBackendOptions {
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && !(key in KNOWN_KEYS)) {
      throw new RangeError(
        `Invalid option "${key}": unknown option. Known options: ${Object.keys(KNOWN_KEYS).join(', ')}.`,
      );
    }
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_REDIS_BACKEND_OPTIONS.timeoutMs;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw new RangeError(
      `Invalid option "timeoutMs": expected a positive integer, got ${String(timeoutMs)}.`,
    );
  }
  return Object.freeze({ timeoutMs });
}
