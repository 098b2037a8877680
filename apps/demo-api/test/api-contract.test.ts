// The one suite of the contract in apps/API.md, run against the Express and the Fastify demo.
import { MemcachedClient, type MemcachedServer, startServer } from '@memkit/core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAMEWORKS, type Started, startHungServer, startWith } from './support/demos.js';

const ADMIN = { username: 'admin', password: 'password' };

/** Items a server holds, read over its own connection. */
async function itemsOn(server: MemcachedServer): Promise<number> {
  const probe = new MemcachedClient(server.address);
  try {
    return Number(Object.values(await probe.stats())[0]!.curr_items);
  } finally {
    await probe.close();
  }
}

function setCookies(res: request.Response): string[] {
  const raw = res.headers['set-cookie'] as unknown;
  return Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
}

describe.each(FRAMEWORKS)('the demo API contract on $name', (framework) => {
  describe('public routes', () => {
    let started: Started;
    let url: string;
    beforeAll(async () => {
      started = await startWith(framework);
      url = started.demo.url;
    });
    afterAll(() => started.demo.close());

    it('GET / lists the routes; every answer carries an X-Request-Id, the caller’s when sane', async () => {
      const res = await request(url).get('/').expect(200);
      expect(res.body.routes).toContain('POST /api/sessions');
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      const echoed = await request(url).get('/').set('x-request-id', 'trace-42').expect(200);
      expect(echoed.headers['x-request-id']).toBe('trace-42');
      const refused = await request(url).get('/').set('x-request-id', 'bad id\u00e9').expect(200);
      expect(refused.headers['x-request-id']).not.toBe('bad id\u00e9');
    });

    it('an unknown route is 404 { error, code }', async () => {
      await request(url).get('/nope').expect(404, { error: 'Not found', code: 'ERR_NOT_FOUND' });
      await request(url)
        .get('/api/nope')
        .expect(404, { error: 'Not found', code: 'ERR_NOT_FOUND' });
    });

    it('GET /api/users/:id: MISS then HIT from memcached, 404 and 400 with codes', async () => {
      const before = started.demo.lookups();
      const first = await request(url).get('/api/users/2').expect(200);
      expect(first.body).toEqual({
        id: 2,
        name: 'Alan Turing',
        email: 'alan@example.com',
        role: 'user',
      });
      expect(first.headers['x-cache']).toBe('MISS');
      const second = await request(url).get('/api/users/2').expect(200);
      expect(second.body).toEqual(first.body);
      expect(second.headers['x-cache']).toBe('HIT');
      expect(started.demo.lookups() - before).toBe(1);
      await request(url)
        .get('/api/users/999')
        .expect(404, { error: 'User not found', code: 'ERR_NOT_FOUND' });
      for (const bad of ['abc', '0', '1.5', '-1']) {
        await request(url)
          .get(`/api/users/${bad}`)
          .expect(400, { error: 'Invalid user id', code: 'ERR_INVALID_ID' });
      }
    });

    it('token sessions: 401 for bad credentials, 201, read, delete, then 404', async () => {
      await request(url)
        .post('/api/sessions')
        .send({ username: 'admin', password: 'wrong' })
        .expect(401, { error: 'Invalid credentials', code: 'ERR_INVALID_CREDENTIALS' });
      await request(url)
        .post('/api/sessions')
        .expect(401, { error: 'Invalid credentials', code: 'ERR_INVALID_CREDENTIALS' });
      const created = await request(url).post('/api/sessions').send(ADMIN).expect(201);
      expect(Object.keys(created.body).sort()).toEqual(['sessionId', 'user']);
      expect(created.body.sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(created.body.user).toMatchObject({ id: 1, role: 'admin' });
      const id = created.body.sessionId as string;
      const got = await request(url).get(`/api/sessions/${id}`).expect(200);
      expect(got.body).toMatchObject({
        sessionId: id,
        userId: '1',
        user: { name: 'Ada Lovelace' },
      });
      expect(got.body.createdAt).toEqual(expect.any(Number));
      await request(url).delete(`/api/sessions/${id}`).expect(200, { deleted: true });
      const gone = { error: 'Session not found', code: 'ERR_NOT_FOUND' };
      await request(url).get(`/api/sessions/${id}`).expect(404, gone);
      await request(url).delete(`/api/sessions/${id}`).expect(404, gone);
    });

    it('bodies: JSON only; malformed is 400, another type 415, oversized 413', async () => {
      for (const path of ['/api/sessions', '/login']) {
        await request(url)
          .post(path)
          .set('content-type', 'application/json')
          .send('{"username":')
          .expect(400, { error: 'Malformed JSON body', code: 'ERR_BAD_JSON' });
        const unsupported = {
          error: 'Unsupported content type: send application/json',
          code: 'ERR_UNSUPPORTED_MEDIA_TYPE',
        };
        await request(url)
          .post(path)
          .type('form')
          .send('username=admin&password=password')
          .expect(415, unsupported);
        await request(url)
          .post(path)
          .set('content-type', 'text/plain')
          .send('admin:password')
          .expect(415, unsupported);
        await request(url)
          .post(path)
          .set('content-type', 'application/json')
          .send(JSON.stringify({ username: 'x'.repeat(200 * 1024) }))
          .expect(413, { error: 'Body too large', code: 'ERR_BODY_TOO_LARGE' });
      }
    });

    it('cookie login: memkit.sid, HttpOnly, SameSite=Lax; logout clears it and ends the session', async () => {
      const agent = request.agent(url);
      await agent.get('/me').expect(401, { error: 'Not logged in', code: 'ERR_NOT_LOGGED_IN' });
      await agent
        .post('/login')
        .send({ username: 'admin', password: 'nope' })
        .expect(401, { error: 'Invalid credentials', code: 'ERR_INVALID_CREDENTIALS' });
      const login = await agent.post('/login').send(ADMIN).expect(200);
      expect(login.body).toEqual({ user: expect.objectContaining({ id: 1 }) });
      const [cookie] = setCookies(login);
      expect(cookie).toMatch(/^memkit\.sid=[^;]+;/);
      expect(cookie).toMatch(/; HttpOnly/i);
      expect(cookie).toMatch(/; SameSite=Lax/i);
      expect(cookie).toMatch(/; Path=\//i);
      const sent = cookie!.split(';')[0]!;
      const me = await request(url).get('/me').set('cookie', sent).expect(200);
      expect(me.body.user).toMatchObject({ name: 'Ada Lovelace' });
      const logout = await request(url).post('/logout').set('cookie', sent).expect(200);
      expect(logout.body).toEqual({ loggedOut: true });
      const cleared = setCookies(logout).find((c) => c.startsWith('memkit.sid='));
      expect(cleared).toMatch(/^memkit\.sid=;/);
      expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/i);
      // The old cookie is dead on the server too, not only forgotten by the browser.
      await request(url).get('/me').set('cookie', sent).expect(401);
    });
  });

  describe('admin routes', () => {
    let started: Started;
    let url: string;
    let bearer: string;
    beforeAll(async () => {
      started = await startWith(framework);
      url = started.demo.url;
      bearer = `Bearer ${started.demo.adminToken}`;
    });
    afterAll(() => started.demo.close());

    const routes = [
      ['get', '/api/cache/stats'],
      ['post', '/api/cache/flush'],
      ['get', '/metrics'],
      ['get', '/dashboard'],
      ['get', '/dashboard/data'],
    ] as const;

    it('prints ready-to-open URLs with the generated token', () => {
      const text = started.banner.join('\n');
      expect(text).toContain(`open ${url}/dashboard?token=${started.demo.adminToken}`);
      expect(text).toContain(
        `curl -H 'Authorization: Bearer ${started.demo.adminToken}' ${url}/metrics`,
      );
      expect(started.demo.adminToken.length).toBeGreaterThanOrEqual(32);
    });

    it('anonymous or wrong-token requests get 401 with WWW-Authenticate: Bearer', async () => {
      const unauthorized = { error: 'Admin token required', code: 'ERR_ADMIN_TOKEN' };
      for (const [method, path] of routes) {
        for (const auth of [undefined, 'Bearer wrong-token', `Basic ${started.demo.adminToken}`]) {
          const req = request(url)[method](path);
          if (auth !== undefined) req.set('authorization', auth);
          const res = await req.expect(401, unauthorized);
          expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
        }
      }
    });

    it('Authorization: Bearer <token> opens every admin route', async () => {
      await request(url).get('/api/users/4').expect(200);
      const stats = await request(url)
        .get('/api/cache/stats')
        .set('authorization', bearer)
        .expect(200);
      expect(stats.headers['cache-control']).toBe('no-store');
      expect(
        Object.values(stats.body.servers as Record<string, { currentItems: number }>)[0]!
          .currentItems,
      ).toBeGreaterThan(0);
      const metrics = await request(url).get('/metrics').set('authorization', bearer).expect(200);
      expect(metrics.text).toContain('memcached_up{server=');
      expect(metrics.text).toContain('memkit_client_request_duration_seconds_bucket');
      const page = await request(url).get('/dashboard').set('authorization', bearer).expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      const data = await request(url)
        .get('/dashboard/data')
        .set('authorization', bearer)
        .expect(200);
      expect(Array.isArray(data.body.samples)).toBe(true);
      // Flush empties the cache: the next lookup reaches the database again.
      await request(url).get('/api/users/4').expect(200);
      const before = started.demo.lookups();
      await request(url)
        .post('/api/cache/flush')
        .set('authorization', bearer)
        .expect(200, { flushed: true });
      const after = await request(url).get('/api/users/4').expect(200);
      expect(after.headers['x-cache']).toBe('MISS');
      expect(started.demo.lookups() - before).toBe(1);
    });

    it('the printed link works once: 303 to /dashboard with an HttpOnly cookie that opens the rest', async () => {
      const res = await request(url)
        .get(`/dashboard?token=${started.demo.adminToken}`)
        .redirects(0)
        .expect(303);
      expect(res.headers.location).toBe('/dashboard');
      const [cookie] = setCookies(res);
      expect(cookie).toMatch(/^memkit_admin=[^;]+; Path=\/; HttpOnly; SameSite=Strict$/);
      // The cookie is not the token itself.
      expect(cookie).not.toContain(started.demo.adminToken);
      const sent = cookie!.split(';')[0]!;
      await request(url).get('/dashboard').set('cookie', sent).expect(200);
      await request(url).get('/dashboard/data').set('cookie', sent).expect(200);
      await request(url).get('/metrics').set('cookie', sent).expect(200);
      await request(url).get('/dashboard').set('cookie', 'memkit_admin=forged').expect(401);
      // A token in the URL is honoured on the dashboard link only.
      await request(url).get(`/metrics?token=${started.demo.adminToken}`).expect(401);
      await request(url).get('/dashboard?token=wrong').redirects(0).expect(401);
    });
  });

  describe('ADMIN_TOKEN', () => {
    it('is used as given and not printed', async () => {
      const token = 'a-chosen-admin-token-0123456789';
      const started = await startWith(framework, { ADMIN_TOKEN: token });
      try {
        expect(started.demo.adminToken).toBe(token);
        expect(started.banner.join('\n')).not.toContain(token);
        expect(started.banner.join('\n')).toContain('/dashboard?token=$ADMIN_TOKEN');
        await request(started.demo.url)
          .get('/metrics')
          .set('authorization', `Bearer ${token}`)
          .expect(200);
      } finally {
        await started.demo.close();
      }
    });
  });

  describe('rate limits', () => {
    it('/api/ allows RATE_LIMIT_MAX per IP, every answer counted (hits, 404s, bad bodies), then 429', async () => {
      const started = await startWith(framework, { RATE_LIMIT_MAX: '5' });
      const { url } = started.demo;
      try {
        await request(url).get('/api/users/1').expect(200);
        const hit = await request(url).get('/api/users/1').expect(200);
        expect(hit.headers['x-cache']).toBe('HIT');
        expect(hit.headers['x-ratelimit-limit']).toBe('5');
        expect(hit.headers['x-ratelimit-remaining']).toBe('3');
        await request(url).get('/api/users/999').expect(404);
        await request(url).get('/api/no-such-route').expect(404);
        await request(url)
          .post('/api/sessions')
          .set('content-type', 'application/json')
          .send('{')
          .expect(400);
        const limited = await request(url).get('/api/users/1').expect(429);
        expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
        expect(limited.body).toEqual({ error: expect.any(String), message: expect.any(String) });
        // Outside /api/ nothing counts against it.
        await request(url).get('/').expect(200);
        await request(url).post('/login').send(ADMIN).expect(200);
      } finally {
        await started.demo.close();
      }
    });

    it('logins: LOGIN_LIMIT_MAX (10) attempts per IP over /login and /api/sessions, then 429 even with the right password', async () => {
      const started = await startWith(framework);
      const { url } = started.demo;
      try {
        for (let i = 0; i < 10; i++) {
          await request(url)
            .post(i % 2 === 0 ? '/login' : '/api/sessions')
            .send({ username: `user${i}`, password: 'guess' })
            .expect(401);
        }
        for (const path of ['/login', '/api/sessions']) {
          const res = await request(url)
            .post(path)
            .send(ADMIN)
            .expect(429, { error: 'Too many login attempts', code: 'ERR_LOGIN_RATE_LIMITED' });
          expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
          expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(900);
        }
      } finally {
        await started.demo.close();
      }
    });
  });

  describe('MEMCACHED_DISCOVERY=elasticache:<endpoint>', () => {
    const nodes: MemcachedServer[] = [];
    let endpoint: MemcachedServer;
    let started: Started;
    let url: string;
    beforeAll(async () => {
      nodes.push(await startServer(), await startServer());
      // The in-process server plays the ElastiCache configuration endpoint.
      endpoint = await startServer({ clusterConfig: nodes.map((n) => n.address) });
      started = await startWith(framework, {
        MEMCACHED_DISCOVERY: `elasticache:${endpoint.address}`,
      });
      url = started.demo.url;
    });
    afterAll(async () => {
      await started?.demo.close();
      await Promise.all([endpoint, ...nodes].map((s) => s?.close()));
    });

    it('says where the fleet came from and which nodes it found', () => {
      expect(started.banner[1]).toBe(
        `using the memcached fleet found by MEMCACHED_DISCOVERY=elasticache:${endpoint.address}: ${nodes.map((n) => n.address).join(', ')}`,
      );
    });

    it('serves a cached route and a login from the discovered nodes, never the endpoint', async () => {
      const before = started.demo.lookups();
      for (const id of [1, 2, 3, 4]) {
        expect((await request(url).get(`/api/users/${id}`).expect(200)).headers['x-cache']).toBe(
          'MISS',
        );
        expect((await request(url).get(`/api/users/${id}`).expect(200)).headers['x-cache']).toBe(
          'HIT',
        );
      }
      expect(started.demo.lookups() - before).toBe(4);
      const login = await request(url).post('/login').send(ADMIN).expect(200);
      const sent = setCookies(login)[0]!.split(';')[0]!;
      const me = await request(url).get('/me').set('cookie', sent).expect(200);
      expect(me.body.user).toMatchObject({ name: 'Ada Lovelace' });
      const stored = await Promise.all(nodes.map(itemsOn));
      // 4 cached users, a session and the login counters, spread over the two nodes.
      expect(stored[0]! + stored[1]!).toBeGreaterThanOrEqual(6);
      expect(await itemsOn(endpoint)).toBe(0);
    });
  });

  it('MEMCACHED_DISCOVERY with no endpoint answering: starts, says so, and answers 503 until it finds a fleet', async () => {
    const gone = await startServer();
    const address = gone.address;
    await gone.close();
    const started = await startWith(framework, { MEMCACHED_DISCOVERY: `elasticache:${address}` });
    try {
      expect(started.banner[1]).toMatch(/: none yet$/);
      expect(started.logs).toContainEqual(
        expect.objectContaining({
          level: 40,
          code: 'ERR_MEMCACHED_DISCOVERY',
          msg: 'memcached discovery failed; keeping the last fleet',
        }),
      );
      const res = await request(started.demo.url).post('/api/sessions').send(ADMIN).expect(503);
      expect(res.body).toEqual({ error: 'Cache unavailable', code: 'ERR_MEMCACHED_NO_SERVERS' });
    } finally {
      await started.demo.close();
    }
  });

  describe('TRUST_PROXY (the client behind an ingress)', () => {
    const loginFrom = (url: string, ip: string, i: number) =>
      request(url)
        .post('/login')
        .set('x-forwarded-for', ip)
        .send({ username: `user${i}`, password: 'guess' });

    it('TRUST_PROXY=1: two X-Forwarded-For clients get separate login and /api/ limits', async () => {
      const started = await startWith(framework, {
        TRUST_PROXY: '1',
        LOGIN_LIMIT_MAX: '2',
        RATE_LIMIT_MAX: '5',
      });
      const { url } = started.demo;
      try {
        expect(started.banner.join('\n')).toContain('X-Forwarded-For behind TRUST_PROXY=1');
        await loginFrom(url, '203.0.113.1', 0).expect(401);
        await loginFrom(url, '203.0.113.1', 1).expect(401);
        await loginFrom(url, '203.0.113.1', 2).expect(429);
        // Another client behind the same proxy is not held back by the first one.
        await loginFrom(url, '203.0.113.2', 3).expect(401);
        // Only the hop next to the proxy counts: a forged leftmost entry changes nothing.
        await loginFrom(url, '198.51.100.7, 203.0.113.1', 4).expect(429);
        const a = await request(url).get('/api/users/1').set('x-forwarded-for', '203.0.113.1');
        const b = await request(url).get('/api/users/1').set('x-forwarded-for', '203.0.113.2');
        expect(a.headers['x-ratelimit-remaining']).toBe('4');
        expect(b.headers['x-ratelimit-remaining']).toBe('4');
      } finally {
        await started.demo.close();
      }
    });

    it('without TRUST_PROXY, X-Forwarded-For is ignored: a spoofed header cannot dodge a limit', async () => {
      const started = await startWith(framework, { LOGIN_LIMIT_MAX: '2', RATE_LIMIT_MAX: '5' });
      const { url } = started.demo;
      try {
        await loginFrom(url, '203.0.113.1', 0).expect(401);
        await loginFrom(url, '203.0.113.2', 1).expect(401);
        await loginFrom(url, '203.0.113.3', 2).expect(429);
        await request(url).post('/login').send(ADMIN).expect(429);
        const a = await request(url).get('/api/users/1').set('x-forwarded-for', '203.0.113.1');
        const b = await request(url).get('/api/users/1').set('x-forwarded-for', '203.0.113.2');
        expect(a.headers['x-ratelimit-remaining']).toBe('4');
        expect(b.headers['x-ratelimit-remaining']).toBe('3');
      } finally {
        await started.demo.close();
      }
    });
  });

  describe('a memcached outage (a server that accepts and never answers)', () => {
    let hung: Awaited<ReturnType<typeof startHungServer>>;
    let started: Started;
    let url: string;
    beforeAll(async () => {
      hung = await startHungServer();
      started = await startWith(framework, { MEMCACHED_SERVERS: hung.address });
      url = started.demo.url;
    });
    afterAll(async () => {
      await started?.demo.close();
      await hung?.close();
    });

    it('routes that need memcached answer 503 { error, code } and nothing about the servers', async () => {
      const answers = [
        await request(url).post('/api/sessions').send(ADMIN),
        await request(url).get('/api/sessions/FnMtAbCdEfGhIjKlMnOpQrStUvWxYz0123456789abc'),
        await request(url).post('/login').send(ADMIN),
      ];
      for (const res of answers) {
        expect(res.status).toBe(503);
        expect(Object.keys(res.body).sort()).toEqual(['code', 'error']);
        expect(res.body.error).toBe('Cache unavailable');
        expect(res.body.code).toMatch(/^ERR_MEMCACHED_(TIMEOUT|NO_SERVERS|CONNECTION)$/);
        expect(res.text).not.toContain('127.0.0.1');
        expect(res.text).not.toMatch(/session:|timed out|key/i);
      }
    });

    it('logs one JSON line per failure (time, request id, route, code) and one "memcached unavailable" warning', async () => {
      const before = started.logs.length;
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await request(url).post('/api/sessions').send(ADMIN).expect(503);
        ids.push(res.headers['x-request-id'] as string);
      }
      const lines = started.logs.slice(before);
      const failures = lines.filter((l) => l.level === 50);
      expect(failures.map((l) => l.reqId)).toEqual(ids);
      for (const line of failures) {
        expect(line).toMatchObject({
          method: 'POST',
          route: '/api/sessions',
          status: 503,
          code: expect.stringMatching(/^ERR_MEMCACHED_/),
        });
        expect(new Date(line.time as string).getTime()).toBeGreaterThan(Date.now() - 60_000);
        expect(JSON.stringify(line)).not.toContain('stack');
      }
      // The warning is rate-limited: once for the whole outage so far, not once per request.
      const warnings = started.logs.filter((l) => l.msg === 'memcached unavailable');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({
        level: 40,
        code: expect.stringMatching(/^ERR_MEMCACHED_/),
      });
    });
  });
});
