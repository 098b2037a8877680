import { requireBinary, startRealMemcached } from '../../../../test/support/memcached.js';
import { type MemcachedClient, startServer } from '../../src/index.js';

/** A memcached to run the cache-aside tests against. */
export interface Backend {
  address: string;
  /** Makes `seconds` pass for TTLs, when the backend can (the in-process server). */
  advanceClock: ((seconds: number) => void) | undefined;
  stop(): Promise<void>;
}

/** Each backend the suite must hold for: the in-process server always, a real memcached when installed. */
export const backends: { name: string; enabled: boolean; start(): Promise<Backend> }[] = [
  {
    name: 'in-process server',
    enabled: true,
    async start() {
      const server = await startServer({ host: '127.0.0.1', port: 0 });
      return {
        address: server.address,
        advanceClock: (seconds) => server.advanceClock(seconds),
        stop: () => server.close(),
      };
    },
  },
  {
    name: 'real memcached',
    enabled: requireBinary('memcached'),
    async start() {
      const real = await startRealMemcached();
      return { address: real.address, advanceClock: undefined, stop: () => real.stop() };
    },
  },
];

/** The calls a test counts, made on a real client. */
export interface CallLog {
  getMulti: string[][];
  setMulti: [string, unknown][][];
}

/**
 * The real client with its multi-key calls recorded (not mocked: every call reaches the server),
 * to check how many round trips a helper makes.
 */
export function recordingClient(client: MemcachedClient, log: CallLog): MemcachedClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'getMulti') {
        return (keys: Iterable<string>) => {
          const list = [...keys];
          log.getMulti.push(list);
          return target.getMulti(list);
        };
      }
      if (property === 'setMulti') {
        return (entries: Iterable<readonly [string, unknown]>, options?: { ttl?: number }) => {
          const list = [...entries].map(([k, v]) => [k, v] as [string, unknown]);
          log.setMulti.push(list);
          return target.setMulti(list, options);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A promise with its resolve/reject exposed, to control when a loader finishes. */
export function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
