import { MemcachedInvalidOptionError } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * The option checks every memkit package validates its options with, so a bad option reads the
 * same everywhere: a {@link MemcachedInvalidOptionError} (`ERR_MEMCACHED_INVALID_OPTION`) thrown
 * at construction, naming the option, what was expected and what was given, e.g.
 * `Invalid option "windowSeconds": expected a positive integer, got -1.` Each check returns the
 * value it accepted, typed, so `resolveXxxOptions()` reads as a list of checks.
 */

/** Shows a bad value in an error message without dumping objects or calling user code. */
export function describeOptionValue(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'bigint') return `${value}n`;
  return String(value);
}

/**
 * The error for a bad option: `Invalid option "<name>": expected <expected>, got <value>.`
 * @example throw invalidOption('limit', 'a positive integer', -1);
 */
export function invalidOption(
  name: string,
  expected: string,
  got: unknown,
): MemcachedInvalidOptionError {
  return new MemcachedInvalidOptionError(
    name,
    `Invalid option "${name}": expected ${expected}, got ${describeOptionValue(got)}.`,
  );
}

/**
 * Checks that `options` is a plain object whose every key is in `known` and returns it; an
 * unknown key is refused, never dropped (a typo such as `windowSecond` must not pass unseen).
 * Build `known` as a `Record<keyof XxxOptions, true>` so the compiler keeps it in step with the
 * type. `path` prefixes nested option names (`'cas.'`).
 * @throws MemcachedInvalidOptionError naming the first unknown key and listing the known ones.
 */
export function checkOptionKeys<T extends object>(
  options: T | undefined,
  known: Readonly<Record<string, true>>,
  path = '',
): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalidOption(path === '' ? 'options' : path.slice(0, -1), 'an object', options);
  }
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(known, key)) {
      throw new MemcachedInvalidOptionError(
        `${path}${key}`,
        `Invalid option "${path}${key}": unknown option. Known options: ${Object.keys(known).join(', ')}.`,
      );
    }
  }
  return options;
}

/** Bounds of {@link integerOption}, both inclusive. */
export interface IntegerBounds {
  /** @default Number.MIN_SAFE_INTEGER */
  readonly min?: number;
  /** @default Number.MAX_SAFE_INTEGER */
  readonly max?: number;
}

/**
 * A safe integer within `bounds`.
 * @throws MemcachedInvalidOptionError otherwise.
 */
export function integerOption(name: string, value: unknown, bounds: IntegerBounds = {}): number {
  const min = bounds.min ?? Number.MIN_SAFE_INTEGER;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalidOption(name, integerExpectation(min, max), value);
  }
  return value;
}

function integerExpectation(min: number, max: number): string {
  const unbounded = max === Number.MAX_SAFE_INTEGER;
  if (min === 1 && unbounded) return 'a positive integer';
  if (min === 0 && unbounded) return 'a non-negative integer';
  if (unbounded) return `an integer of at least ${min}`;
  if (min === Number.MIN_SAFE_INTEGER) return `an integer of at most ${max}`;
  return `an integer from ${min} to ${max}`;
}

/** An integer ≥ 1. @throws MemcachedInvalidOptionError otherwise. */
export function positiveIntegerOption(name: string, value: unknown): number {
  return integerOption(name, value, { min: 1 });
}

/** An integer ≥ 0. @throws MemcachedInvalidOptionError otherwise. */
export function nonNegativeIntegerOption(name: string, value: unknown): number {
  return integerOption(name, value, { min: 0 });
}

/** `true` or `false`, nothing truthy. @throws MemcachedInvalidOptionError otherwise. */
export function booleanOption(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalidOption(name, 'a boolean', value);
  return value;
}

/**
 * One of `allowed`.
 * @throws MemcachedInvalidOptionError listing the allowed values otherwise.
 */
export function enumOption<const T extends string | number | boolean>(
  name: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (!allowed.includes(value as T)) {
    const shown = allowed.map((a) => (typeof a === 'string' ? `'${a}'` : String(a)));
    const expected =
      shown.length === 1
        ? (shown[0] as string)
        : `one of ${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}`;
    throw invalidOption(name, expected, value);
  }
  return value as T;
}

/** Constraints of {@link stringOption}. */
export interface StringConstraints {
  /** The string must match this. @default none */
  readonly pattern?: RegExp;
  /** Longest accepted UTF-8 length. @default none */
  readonly maxBytes?: number;
  /** Whether `''` is accepted. @default true */
  readonly allowEmpty?: boolean;
  /** What the message says was expected. @default 'a string' */
  readonly expected?: string;
}

/** A string meeting `constraints`. @throws MemcachedInvalidOptionError otherwise. */
export function stringOption(
  name: string,
  value: unknown,
  constraints: StringConstraints = {},
): string {
  const expected = constraints.expected ?? 'a string';
  if (typeof value !== 'string') throw invalidOption(name, expected, value);
  if (constraints.allowEmpty === false && value === '') throw invalidOption(name, expected, value);
  if (constraints.pattern !== undefined && !constraints.pattern.test(value)) {
    throw invalidOption(name, expected, value);
  }
  if (constraints.maxBytes !== undefined && Buffer.byteLength(value) > constraints.maxBytes) {
    throw invalidOption(name, `${expected} of at most ${constraints.maxBytes} bytes`, value);
  }
  return value;
}

/**
 * A storage key prefix (`keyPrefix` in every package): no whitespace or control characters
 * (memcached would refuse the key) and at most `maxBytes` bytes, leaving room for the rest of
 * the key under memcached's 250-byte limit.
 * @throws MemcachedInvalidOptionError otherwise.
 */
export function keyPrefixOption(name: string, value: unknown, maxBytes = 200): string {
  return stringOption(name, value, {
    pattern: /^[^\s\u0000-\u001f\u007f]*$/,
    maxBytes,
    expected: 'a string without whitespace or control characters',
  });
}

/** A function or `undefined`. @throws MemcachedInvalidOptionError otherwise. */
export function functionOption<F extends (...args: never[]) => unknown>(
  name: string,
  value: F | undefined,
): F | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw invalidOption(name, 'a function', value);
  }
  return value;
}

/** A pino-compatible {@link Logger} (an object with `warn()`) or `undefined`. */
export function loggerOption(name: string, value: unknown): Logger | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as { warn?: unknown }).warn !== 'function'
  ) {
    throw invalidOption(name, 'a pino-compatible logger with warn()', value);
  }
  return value as Logger;
}
