import type { FastifyInstance } from 'fastify';
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
    (line) => lines.push(line),
  );
  return { demo, lines };
}

function cookieOf(setCookie: string | string[] | undefined): string {
  const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  return first?.split(';')[0] ?? '';
}

describe('demo-fastify on the in-process memcached', () => {
  let demo: RunningFastifyDemo;
  let app: FastifyInstance;
  let lines: string[];
  beforeAll(async () => {
    ({ demo, lines } = await start());
    app = demo.app;
  });
  afterAll(async () => {
    await demo.close();
  });

  it('says first that it started the in-process memcached, with URLs to try', () => {
    expect(lines[0]).toBe(`memkit demo-fastify (Fastify 5) listening on ${demo.url}`);
    expect(lines[1]).toContain('started the in-process memcached');
    expect(lines.join('\n')).toContain(`${demo.url}/api/users/1`);
  });

  it('GET /api/users/:id is cached by memcachedCache after the first lookup', async () => {
    const before = demo.db.lookups;
    const first = await app.inject({ url: '/api/users/3' });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ id: 3, name: 'Grace Hopper' });
    const second = await app.inject({ url: '/api/users/3' });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual(first.json());
    expect(second.headers['x-cache']).toBe('HIT');
    expect(demo.db.lookups - before).toBe(1);
    expect((await app.inject({ url: '/api/users/999' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/users/zero' })).statusCode).toBe(400);
  });

  it('POST, GET and DELETE /api/sessions', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/api/sessions',
      payload: { username: 'admin', password: 'x' },
    });
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toEqual({ error: 'Invalid credentials' });
    const ok = await app.inject({
      method: 'POST',
      url: '/api/sessions',
      payload: { username: 'admin', password: 'password' },
    });
    expect(ok.statusCode).toBe(201);
    const { sessionId, user } = ok.json();
    expect(user).toMatchObject({ id: 1, role: 'admin' });
    const got = await app.inject({ url: `/api/sessions/${sessionId}` });
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({ sessionId, userId: '1' });
    const del = await app.inject({ method: 'DELETE', url: `/api/sessions/${sessionId}` });
    expect(del.json()).toEqual({ deleted: true });
    expect((await app.inject({ url: `/api/sessions/${sessionId}` })).statusCode).toBe(404);
    expect(
      (await app.inject({ method: 'DELETE', url: `/api/sessions/${sessionId}` })).statusCode,
    ).toBe(404);
  });

  it('GET /api/cache/stats and POST /api/cache/flush', async () => {
    await app.inject({ url: '/api/users/4' });
    await app.inject({ url: '/api/users/4' });
    const stats = await app.inject({ url: '/api/cache/stats' });
    expect(stats.statusCode).toBe(200);
    const body = stats.json();
    const address = demo.backend.embedded!.address;
    expect(body.servers[address].currentItems).toBeGreaterThan(0);
    expect(body.hitRate).toBeGreaterThan(0);
    const before = demo.db.lookups;
    const flush = await app.inject({ method: 'POST', url: '/api/cache/flush' });
    expect(flush.json()).toEqual({ flushed: true });
    await app.inject({ url: '/api/users/4' });
    expect(demo.db.lookups - before).toBe(1);
  });

  it('the cookie login flow on @fastify/session with the memcached store', async () => {
    expect((await app.inject({ url: '/me' })).statusCode).toBe(401);
    const wrong = await app.inject({
      method: 'POST',
      url: '/login',
      payload: { username: 'admin', password: 'no' },
    });
    expect(wrong.statusCode).toBe(401);
    const login = await app.inject({
      method: 'POST',
      url: '/login',
      payload: { username: 'admin', password: 'password' },
    });
    expect(login.statusCode).toBe(200);
    const cookie = cookieOf(login.headers['set-cookie']);
    expect(cookie).toMatch(/^sessionId=/);
    const me = await app.inject({ url: '/me', headers: { cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json().user).toMatchObject({ name: 'Ada Lovelace' });
    expect(
      (await app.inject({ method: 'POST', url: '/logout', headers: { cookie } })).statusCode,
    ).toBe(200);
    expect((await app.inject({ url: '/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it('/metrics and /dashboard over HTTP', async () => {
    const metrics = await request(demo.url).get('/metrics').expect(200);
    expect(metrics.text).toContain(`memcached_up{server="${demo.backend.embedded!.address}"} 1`);
    expect(metrics.text).toContain('memkit_client_request_duration_seconds_bucket');
    const page = await request(demo.url).get('/dashboard').expect(200);
    expect(page.headers['content-type']).toContain('text/html');
    await request(demo.url).get('/dashboard/data').expect(200);
  });
});

describe('demo-fastify rate limit and shutdown', () => {
  it('limits /api/ to RATE_LIMIT_MAX per IP, not the other routes', async () => {
    const { demo } = await start({ RATE_LIMIT_MAX: '2' });
    try {
      // The same user twice: the second answer is a cache HIT, and a HIT is counted too
      // (the cache serves from the route's last preHandler, after the limiter's onRequest).
      expect((await demo.app.inject({ url: '/api/users/1' })).statusCode).toBe(200);
      const hit = await demo.app.inject({ url: '/api/users/1' });
      expect(hit.statusCode).toBe(200);
      expect(hit.headers['x-cache']).toBe('HIT');
      const limited = await demo.app.inject({ url: '/api/users/1' });
      expect(limited.statusCode).toBe(429);
      const login = await demo.app.inject({ method: 'POST', url: '/api/sessions', payload: {} });
      expect(login.statusCode).toBe(429);
      expect((await demo.app.inject({ url: '/dashboard' })).statusCode).toBe(200);
    } finally {
      await demo.close();
    }
  });

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
    const stats = (await demo.app.inject({ url: '/api/cache/stats' })).json();
    expect(Object.keys(stats.servers)).toEqual([real.address]);
  });
});
