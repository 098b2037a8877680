import { startServer } from '@memkit/core';
import { requireBinary, startRealMemcached } from './memcached.js';

/** A memcached the tests run against, with the controls that backend offers. */
export interface TestMemcached {
  address: string;
  /** Moves expiry time forward (in-process server only). */
  advanceClock?: (seconds: number) => void;
  /** Stops answering while keeping connections open (in-process server only). */
  hang?: () => void;
  resume?: () => void;
  stop(): Promise<void>;
}

/** A backend the packages' conformance suites (rate limiter, response cache) run on. */
export interface BackendFactory {
  name: string;
  /** False when the backend cannot run here (no memcached binary outside CI). */
  available: boolean;
  /** Whether started servers offer clock, hang and resume controls. */
  controls: boolean;
  start(): Promise<TestMemcached>;
}

/** The in-process server always; Debian's memcached 1.6 when installed (required under CI). */
export const BACKENDS: BackendFactory[] = [
  {
    name: 'in-process server',
    available: true,
    controls: true,
    async start() {
      const server = await startServer({ port: 0, host: '127.0.0.1' });
      return {
        address: server.address,
        advanceClock: (s) => server.advanceClock(s),
        hang: () => server.hang(),
        resume: () => server.resume(),
        stop: () => server.close(),
      };
    },
  },
  {
    name: 'real memcached',
    available: requireBinary('memcached'),
    controls: false,
    async start() {
      const m = await startRealMemcached();
      return { address: m.address, stop: () => m.stop() };
    },
  },
];
