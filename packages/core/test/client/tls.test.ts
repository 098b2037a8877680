import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  hasBinary,
  type RealMemcached,
  requireBinary,
  startRealMemcached,
} from '../../../../test/support/memcached.js';
import { MemcachedClient, MemcachedError } from '../../src/index.js';

const canRun = requireBinary('memcached') && hasBinary('openssl');

describe.skipIf(!canRun)('TLS (memcached -Z)', () => {
  let dir: string;
  let server: RealMemcached;
  let ca: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'memkit-tls-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-keyout',
        key,
        '-out',
        cert,
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    ca = readFileSync(cert);
    server = await startRealMemcached(['-Z', '-o', `ssl_chain_cert=${cert},ssl_key=${key}`]);
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('values round-trip over TLS with a verified certificate', async () => {
    const client = new MemcachedClient(server.address, { tls: { ca } });
    try {
      await client.set('tls:key', { secure: true });
      expect(await client.get('tls:key')).toEqual({ secure: true });
      expect(await client.getMulti(['tls:key', 'tls:none'])).toEqual(
        new Map([['tls:key', { secure: true }]]),
      );
      expect(Object.values(await client.version())).toEqual(['1.6.18']);
    } finally {
      await client.close();
    }
  });

  test('an untrusted certificate fails with a connection error, not a hang', async () => {
    const client = new MemcachedClient(server.address, { tls: true, failureLimit: 100 });
    try {
      const error = await client.get('tls:key').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(MemcachedError);
      expect((error as MemcachedError).code).toBe('ERR_MEMCACHED_CONNECTION');
    } finally {
      await client.close();
    }
  });
});
