import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  type RealMemcached,
  requireBinary,
  startRealMemcached,
} from '../../../../test/support/memcached.js';
import {
  MemcachedAuthError,
  MemcachedClient,
  MemcachedClientError,
  type MemcachedServer,
  startServer,
} from '../../src/index.js';
import { invalidOptionError } from '../options/expect-invalid-option.js';

const USERS = 'app:s3cret\nops:other\n';
const good = { username: 'app', password: 's3cret' };
const bad = { username: 'app', password: 'wrong' };

const clients: MemcachedClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

function client(address: string, auth?: { username: string; password: string }) {
  const c = new MemcachedClient(address, { timeoutMs: 2000, ...(auth ? { auth } : {}) });
  clients.push(c);
  return c;
}

/** The same checks against memkit-server and memcached 1.6.18, both started with -Y. */
function authSuite(name: string, start: () => Promise<{ address: string; stop(): Promise<void> }>) {
  describe(name, () => {
    let target: { address: string; stop(): Promise<void> };
    beforeAll(async () => {
      target = await start();
    });
    afterAll(() => target.stop());

    test('with credentials, text and meta commands work on every connection', async () => {
      const c = client(target.address, good);
      expect(await c.set('k', 'v')).toBe(true);
      expect(await c.get('k')).toBe('v');
      await c.metaSet('m', 'raw');
      expect((await c.metaGet('m', ['v'])).value?.toString()).toBe('raw');
      expect(await c.incr('n', 1, { initial: 1 })).toBe(1);
      // A second client (its own connection) authenticates as well.
      const d = client(target.address, good);
      expect(await d.get('k')).toBe('v');
    });

    test('wrong credentials fail with ERR_MEMCACHED_AUTH', async () => {
      const c = client(target.address, bad);
      const error = await c.get('k').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MemcachedAuthError);
      expect((error as MemcachedAuthError).code).toBe('ERR_MEMCACHED_AUTH');
    });

    test('without credentials the server refuses each request', async () => {
      const c = client(target.address);
      await expect(c.get('k')).rejects.toBeInstanceOf(MemcachedClientError);
    });
  });
}

authSuite('client auth against memkit-server (asciiAuth)', async () => {
  const server: MemcachedServer = await startServer({
    asciiAuth: [
      { username: 'app', password: 's3cret' },
      { username: 'ops', password: 'other' },
    ],
  });
  return { address: server.address, stop: () => server.close() };
});

describe.skipIf(!requireBinary('memcached'))('with memcached 1.6.18 -Y', () => {
  authSuite('client auth against memcached -Y', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memkit-auth-'));
    const file = join(dir, 'auth');
    writeFileSync(file, USERS);
    const mc: RealMemcached = await startRealMemcached(['-Y', file]);
    return { address: mc.address, stop: () => mc.stop() };
  });
});

test('auth credentials are validated at construction, naming the field but never the password', () => {
  const make = (auth: unknown) => () =>
    new MemcachedClient('127.0.0.1:1', { auth: auth as { username: string; password: string } });
  expect(
    invalidOptionError(make({ username: 'a b', password: 'x' }), 'auth.username').message,
  ).toBe(
    'Invalid option "auth.username": expected a non-empty string without spaces or control characters, got "a b".',
  );
  invalidOptionError(make({ username: '', password: 'x' }), 'auth.username');
  const e = invalidOptionError(make({ username: 'app', password: 'top secret' }), 'auth.password');
  expect(e.message).not.toContain('secret');
  invalidOptionError(make({ username: 'app', password: 5 }), 'auth.password');
  invalidOptionError(make('app:secret'), 'auth');
  invalidOptionError(
    make({ username: 'app', password: 'x', mechanism: 'PLAIN' }),
    'auth.mechanism',
  );
});
