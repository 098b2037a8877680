import { performance } from 'node:perf_hooks';
import type { MemcachedClient } from '../client/index.js';
import { MemcachedError } from '../errors.js';

/** What an instrumented client reports for each call. */
export interface ClientCallSink {
  /** A call settled after `seconds`; `error` is set when it rejected or threw. */
  call(command: string, seconds: number, error: unknown): void;
  /** Keys found and not found by a read. */
  lookups(hits: number, misses: number): void;
}

/** The calls measured, so wrappers of wrappers (getOrSet calls get) are each counted once. */
const COMMANDS = [
  'get',
  'gets',
  'gat',
  'getMulti',
  'set',
  'add',
  'replace',
  'append',
  'prepend',
  'cas',
  'setMulti',
  'delete',
  'deleteMulti',
  'incr',
  'decr',
  'touch',
  'flushAll',
  'stats',
  'version',
  'metaGet',
  'metaSet',
  'metaDelete',
  'metaArithmetic',
] as const;

const SINGLE_READS = new Set(['get', 'gets', 'gat']);

type Method = (this: MemcachedClient, ...args: unknown[]) => unknown;

const sinks = new WeakMap<MemcachedClient, Set<ClientCallSink>>();

function report(set: Set<ClientCallSink>, command: string, start: number, error: unknown): void {
  const seconds = (performance.now() - start) / 1000;
  for (const s of set) s.call(command, seconds, error);
}

function lookups(set: Set<ClientCallSink>, hits: number, misses: number): void {
  for (const s of set) s.lookups(hits, misses);
}

/**
 * Measures every call of `client` from now on by wrapping its methods on the instance (the
 * client has no hooks, and the prototype is shared by every client). Returns the function that
 * detaches `sink`; the wrappers stay but cost one empty loop once no sink is attached.
 */
export function instrumentClient(client: MemcachedClient, sink: ClientCallSink): () => void {
  let set = sinks.get(client);
  if (set === undefined) {
    const attached = new Set<ClientCallSink>();
    set = attached;
    sinks.set(client, attached);
    const target = client as unknown as Record<string, Method>;
    for (const command of COMMANDS) {
      const original = target[command];
      if (typeof original !== 'function') continue;
      target[command] = function (this: MemcachedClient, ...args: unknown[]): unknown {
        const start = performance.now();
        let result: unknown;
        try {
          result = original.apply(this, args);
        } catch (err) {
          report(attached, command, start, err);
          throw err;
        }
        if (!(result instanceof Promise)) {
          report(attached, command, start, undefined);
          return result;
        }
        return result.then(
          (value: unknown) => {
            report(attached, command, start, undefined);
            if (SINGLE_READS.has(command)) {
              lookups(attached, value === null ? 0 : 1, value === null ? 1 : 0);
            } else if (command === 'getMulti' && value instanceof Map) {
              const asked = args[0];
              const n = Array.isArray(asked) ? new Set(asked).size : value.size;
              lookups(attached, value.size, Math.max(0, n - value.size));
            }
            return value;
          },
          (err: unknown) => {
            report(attached, command, start, err);
            throw err;
          },
        );
      };
    }
  }
  set.add(sink);
  const attached = set;
  return () => {
    attached.delete(sink);
  };
}

/** The label of an error: its memkit `code`, else `ERR_OTHER` (a RangeError for a bad key). */
export function errorCode(error: unknown): string {
  if (error instanceof MemcachedError) return error.code;
  if (error instanceof RangeError) return 'ERR_INVALID_ARGUMENT';
  return 'ERR_OTHER';
}
