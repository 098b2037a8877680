import { describe, expect, it } from 'vitest';
import {
  booleanOption,
  checkOptionKeys,
  enumOption,
  functionOption,
  integerOption,
  keyPrefixOption,
  loggerOption,
  MemcachedError,
  MemcachedInvalidOptionError,
  positiveIntegerOption,
  stringOption,
} from '../../src/index.js';

function thrown(run: () => unknown): MemcachedInvalidOptionError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MemcachedInvalidOptionError);
    expect(error).toBeInstanceOf(MemcachedError);
    expect((error as MemcachedError).code).toBe('ERR_MEMCACHED_INVALID_OPTION');
    return error as MemcachedInvalidOptionError;
  }
  throw new Error('expected a throw');
}

describe('option checks', () => {
  it('name the option, what was expected and what was given', () => {
    const e = thrown(() => positiveIntegerOption('windowSeconds', -1));
    expect(e.message).toBe('Invalid option "windowSeconds": expected a positive integer, got -1.');
    expect(e.option).toBe('windowSeconds');
    expect(thrown(() => integerOption('statusCode', 200, { min: 400, max: 599 })).message).toBe(
      'Invalid option "statusCode": expected an integer from 400 to 599, got 200.',
    );
    expect(thrown(() => booleanOption('failOpen', 'yes')).message).toBe(
      'Invalid option "failOpen": expected a boolean, got "yes".',
    );
    expect(thrown(() => enumOption('algorithm', 'leaky', ['fixed-window', 'gcra'])).message).toBe(
      'Invalid option "algorithm": expected one of \'fixed-window\' or \'gcra\', got "leaky".',
    );
    expect(thrown(() => functionOption('skip', 1 as never)).message).toBe(
      'Invalid option "skip": expected a function, got 1.',
    );
  });

  it('accept good values and return them', () => {
    expect(positiveIntegerOption('limit', 5)).toBe(5);
    expect(integerOption('n', 0, { min: 0, max: 1 })).toBe(0);
    expect(booleanOption('b', false)).toBe(false);
    expect(enumOption('e', 'gcra', ['fixed-window', 'gcra'])).toBe('gcra');
    expect(stringOption('s', 'abc', { pattern: /^[a-z]+$/ })).toBe('abc');
    const fn = () => 1;
    expect(functionOption('f', fn)).toBe(fn);
    expect(functionOption('f', undefined)).toBeUndefined();
    const logger = { warn() {} };
    expect(loggerOption('logger', logger)).toBe(logger);
  });

  it('refuse integers that are fractional, unsafe or not numbers', () => {
    for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60, '3', null]) {
      thrown(() => positiveIntegerOption('limit', bad));
    }
  });

  it('refuse unknown keys, never drop them, and list the known ones', () => {
    const known = { limit: true, windowSeconds: true } as const;
    const e = thrown(() => checkOptionKeys({ limit: 1, windowSecond: 2 }, known));
    expect(e.option).toBe('windowSecond');
    expect(e.message).toBe(
      'Invalid option "windowSecond": unknown option. Known options: limit, windowSeconds.',
    );
    // An unknown key is refused even when its value is undefined.
    thrown(() => checkOptionKeys({ prefix: undefined }, known));
    expect(thrown(() => checkOptionKeys({ merge: 1 }, { retries: true }, 'cas.')).option).toBe(
      'cas.merge',
    );
    thrown(() => checkOptionKeys(42 as unknown as object, known));
    expect(checkOptionKeys(undefined, known)).toEqual({});
  });

  it('keyPrefix: no whitespace or control characters, bounded length', () => {
    expect(keyPrefixOption('keyPrefix', 'rl:')).toBe('rl:');
    thrown(() => keyPrefixOption('keyPrefix', 'a b'));
    thrown(() => keyPrefixOption('keyPrefix', 'a\nb'));
    expect(thrown(() => keyPrefixOption('keyPrefix', 'x'.repeat(201))).message).toMatch(
      /at most 200 bytes/,
    );
  });

  it('logger: anything with warn()', () => {
    thrown(() => loggerOption('logger', {}));
    thrown(() => loggerOption('logger', 'console'));
  });
});
