import { expect } from 'vitest';
import { MemcachedError, MemcachedInvalidOptionError } from '../../src/index.js';

function checked(error: unknown, option: string): MemcachedInvalidOptionError {
  expect(error).toBeInstanceOf(MemcachedInvalidOptionError);
  expect(error).toBeInstanceOf(MemcachedError);
  const e = error as MemcachedInvalidOptionError;
  expect(e.code).toBe('ERR_MEMCACHED_INVALID_OPTION');
  expect(e.option).toBe(option);
  expect(e.message).toMatch(new RegExp(`^Invalid option "${option.replace(/\./g, '\\.')}": `));
  return e;
}

/** Runs `run`, expects it to throw the invalid-option error for `option`, and returns it. */
export function invalidOptionError(
  run: () => unknown,
  option: string,
): MemcachedInvalidOptionError {
  try {
    run();
  } catch (error) {
    return checked(error, option);
  }
  throw new Error(`expected an invalid-option error for "${option}", nothing was thrown`);
}

/** The same for a promise that must reject with it. */
export async function invalidOptionRejection(
  promise: Promise<unknown>,
  option: string,
): Promise<MemcachedInvalidOptionError> {
  try {
    await promise;
  } catch (error) {
    return checked(error, option);
  }
  throw new Error(`expected an invalid-option error for "${option}", the promise resolved`);
}
