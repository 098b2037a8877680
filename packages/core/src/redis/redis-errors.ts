import {
  MemcachedConnectionError,
  MemcachedError,
  MemcachedServerError,
  MemcachedTimeoutError,
} from '../errors.js';

/**
 * Turns an ioredis failure into memkit's error classes, so middleware tells an outage from a bug
 * the same way on both backends: a Redis error reply (`ReplyError`, e.g. WRONGTYPE) is a
 * server error, anything else (closed connection, refused, offline queue off) a connection error.
 */
export function toMemcachedError(error: unknown, command: string): MemcachedError {
  if (error instanceof MemcachedError) return error;
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'ReplyError') {
    return new MemcachedServerError(`Redis refused ${command}: ${message}`, { cause: error });
  }
  return new MemcachedConnectionError(`Redis ${command} failed: ${message}`, { cause: error });
}

/**
 * Settles with `work`, or rejects with `MemcachedTimeoutError` after `timeoutMs`: ioredis waits
 * forever on a hung server unless told otherwise, and memkit's operations never hang.
 */
export function bounded<T>(work: Promise<T>, timeoutMs: number, command: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new MemcachedTimeoutError(`Redis ${command} got no reply within ${timeoutMs} ms.`));
    }, timeoutMs);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(toMemcachedError(error, command));
      },
    );
  });
}
