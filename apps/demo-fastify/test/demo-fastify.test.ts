import { createServer } from 'node:net';
import { ConfigError } from '@memkit/demo-api';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RealMemcached,
  requireBinary,
  startRealMemcached,
} from '../../../test/support/memcached.js';
import { type RunningFastifyDemo, startFastifyDemo } from '../src/index.js';

async function start(env: Record<string, string> = {}) {
  const lines: string[] = [];
  const demo = await startFastifyDemo(
    { PORT: '0', DEMO_DB_LATENCY_MS: '5', RATE_LIMIT_MAX: '1000', ...env },
    { print: (line) => lines.push(line), logDestination: { write: () => {} } },
  );
  return { demo, lines };
}

describe('demo-fastify on the in-process memcached', () => {
  it('says first that it started the in-process memcached, with the admin links', async () => {
    const { demo, lines } = await start();
    try {
      expect(lines[0]).toBe(`memkit demo-fastify (Fastify 5) listening on ${demo.url}`);
      expect(lines[1]).toContain('started the in-process memcached');
      expect(lines).toContain(`  open ${demo.url}/dashboard?token=${demo.adminToken}`);
      // The user lookup is cached by the memcachedCache plugin.
      await demo.app.inject({ url: '/api/users/3' });
      const hit = await demo.app.inject({ url: '/api/users/3' });
      expect(hit.headers['x-cache']).toBe('HIT');
    } finally {
      await demo.close();
    }
  });

  it('a busy port is "port N is in use; set PORT", with nothing left running', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      await expect(start({ PORT: String(port) })).rejects.toThrow(
        new ConfigError(`port ${port} is in use; set PORT`),
      );
    } finally {
      blocker.close();
    }
  });
});

describe('demo-fastify shutdown', () => {
  it('close() drains the request in flight, then stops the embedded server', async () => {
    const { demo } = await start({ DEMO_DB_LATENCY_MS: '300' });
    const response = request(demo.url)
      .get('/api/users/2')
      .then((r: request.Response) => r.status);
    await new Promise<void>((resolve) => {
      const check = () => (demo.db.lookups > 0 ? resolve() : setImmediate(check));
      check();
    });
    const closed = demo.close();
    expect(await response).toBe(200);
    await closed;
    await expect(request(demo.url).get('/')).rejects.toThrow(/ECONNREFUSED/);
    await expect(demo.backend.client.get('x')).rejects.toMatchObject({
      code: 'ERR_MEMCACHED_CLOSED',
    });
  });
});

describe.skipIf(!requireBinary('memcached'))('demo-fastify on a real memcached', () => {
  let real: RealMemcached;
  let demo: RunningFastifyDemo;
  beforeAll(async () => {
    real = await startRealMemcached();
    ({ demo } = await start({ MEMCACHED_SERVERS: real.address }));
  });
  afterAll(async () => {
    await demo?.close();
    await real?.stop();
  });

  it('serves the cached user lookup from MEMCACHED_SERVERS', async () => {
    expect(demo.backend.embedded).toBeUndefined();
    await demo.app.inject({ url: '/api/users/5' });
    const hit = await demo.app.inject({ url: '/api/users/5' });
    expect(hit.headers['x-cache']).toBe('HIT');
    const stats = (
      await demo.app.inject({
        url: '/api/cache/stats',
        headers: { authorization: `Bearer ${demo.adminToken}` },
      })
    ).json();
    expect(Object.keys(stats.servers)).toEqual([real.address]);
  });
});
