import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RealMemcached,
  requireBinary,
  startRealMemcached,
} from '../../../test/support/memcached.js';
import { type RunningDemo, startDemo } from '../src/index.js';

async function start(
  env: Record<string, string> = {},
): Promise<{ demo: RunningDemo; lines: string[] }> {
  const lines: string[] = [];
  const demo = await startDemo(
    { PORT: '0', DEMO_DB_LATENCY_MS: '5', RATE_LIMIT_MAX: '1000', ...env },
    (line) => lines.push(line),
  );
  return { demo, lines };
}

describe('demo-api on the in-process memcached', () => {
  let demo: RunningDemo;
  let lines: string[];
  beforeAll(async () => {
    ({ demo, lines } = await start());
  });
  afterAll(async () => {
    await demo.close();
  });

  it('says first that it started the in-process memcached, with URLs to try', () => {
    expect(lines[0]).toBe(`memkit demo-api (Express) listening on ${demo.url}`);
    expect(lines[1]).toContain(
      'no MEMCACHED_SERVERS set: started the in-process memcached on 127.0.0.1:',
    );
    expect(lines.join('\n')).toContain(`curl ${demo.url}/api/users/1`);
    expect(demo.backend.embedded).toBeDefined();
  });

  it('GET /api/users/:id is served from the cache after the first database lookup', async () => {
    const before = demo.db.lookups;
    const first = await request(demo.url).get('/api/users/2').expect(200);
    expect(first.body).toMatchObject({ id: 2, name: 'Alan Turing' });
    expect(first.headers['x-cache']).toBe('MISS');
    const second = await request(demo.url).get('/api/users/2').expect(200);
    expect(second.body).toEqual(first.body);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(demo.db.lookups - before).toBe(1);
    await request(demo.url).get('/api/users/999').expect(404, { error: 'User not found' });
    await request(demo.url).get('/api/users/abc').expect(400);
  });

  it('POST /api/sessions logs in admin/password and rejects anything else with 401', async () => {
    await request(demo.url)
      .post('/api/sessions')
      .send({ username: 'admin', password: 'wrong' })
      .expect(401, { error: 'Invalid credentials' });
    const res = await request(demo.url)
      .post('/api/sessions')
      .send({ username: 'admin', password: 'password' })
      .expect(201);
    expect(res.body.sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.body.user).toMatchObject({ id: 1, role: 'admin' });
  });

  it('GET and DELETE /api/sessions/:id, then 404 once it is gone', async () => {
    const { body } = await request(demo.url)
      .post('/api/sessions')
      .send({ username: 'admin', password: 'password' })
      .expect(201);
    const got = await request(demo.url).get(`/api/sessions/${body.sessionId}`).expect(200);
    expect(got.body).toMatchObject({
      sessionId: body.sessionId,
      userId: '1',
      user: { name: 'Ada Lovelace' },
    });
    await request(demo.url)
      .delete(`/api/sessions/${body.sessionId}`)
      .expect(200, { deleted: true });
    await request(demo.url).get(`/api/sessions/${body.sessionId}`).expect(404);
    await request(demo.url).delete(`/api/sessions/${body.sessionId}`).expect(404);
    await request(demo.url).get('/api/sessions/not-a-session').expect(404);
  });

  it("GET /api/cache/stats gives each server's stats and the hit rate", async () => {
    await request(demo.url).get('/api/users/3').expect(200);
    await request(demo.url).get('/api/users/3').expect(200);
    const { body } = await request(demo.url).get('/api/cache/stats').expect(200);
    const address = demo.backend.embedded!.address;
    expect(Object.keys(body.servers)).toEqual([address]);
    expect(body.servers[address]).toMatchObject({
      version: expect.any(String),
      bytesLimit: 64 * 1024 * 1024,
    });
    expect(body.servers[address].currentItems).toBeGreaterThan(0);
    expect(body.hitRate).toBeGreaterThan(0);
    expect(body.hitRate).toBeLessThanOrEqual(100);
    expect(body.raw[address].pid).toEqual(expect.any(Number));
  });

  it('POST /api/cache/flush empties the cache: the next lookup reaches the database', async () => {
    await request(demo.url).get('/api/users/4').expect(200);
    await request(demo.url).get('/api/users/4').expect(200);
    const before = demo.db.lookups;
    await request(demo.url).post('/api/cache/flush').expect(200, { flushed: true });
    const after = await request(demo.url).get('/api/users/4').expect(200);
    expect(after.headers['x-cache']).toBe('MISS');
    expect(demo.db.lookups - before).toBe(1);
  });

  it('the cookie login flow keeps the user in a memcached-backed session', async () => {
    const agent = request.agent(demo.url);
    await agent.get('/me').expect(401);
    await agent.post('/login').send({ username: 'admin', password: 'nope' }).expect(401);
    const login = await agent
      .post('/login')
      .send({ username: 'admin', password: 'password' })
      .expect(200);
    expect(String(login.headers['set-cookie'])).toMatch(/connect\.sid=.*HttpOnly/);
    const me = await agent.get('/me').expect(200);
    expect(me.body.user).toMatchObject({ id: 1, name: 'Ada Lovelace' });
    const stored = await demo.backend.client.stats();
    expect(Object.values(stored)[0]!.curr_items).toBeGreaterThan(0);
    await agent.post('/logout').expect(200, { loggedOut: true });
    await agent.get('/me').expect(401);
  });

  it('/metrics serves the memcached_exporter metrics and the client metrics', async () => {
    await request(demo.url).get('/api/users/1').expect(200);
    const res = await request(demo.url).get('/metrics').expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const address = demo.backend.embedded!.address;
    expect(res.text).toContain(`memcached_up{server="${address}"} 1`);
    expect(res.text).toContain('memcached_commands_total{server=');
    // The response cache and the session manager read through the client: their calls show.
    expect(res.text).toMatch(/memkit_client_request_duration_seconds_count\{command="\w+"\} [1-9]/);
    expect(res.text).toMatch(/memkit_client_hits_total \d/);
    expect(res.text).toContain('memkit_client_ejected_servers 0');
  });

  it('/dashboard is a self-contained page and /dashboard/data its points', async () => {
    const page = await request(demo.url).get('/dashboard').expect(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.text).not.toMatch(/<script[^>]+src=|<link[^>]+href="http|https?:\/\/(?!127)/);
    await demo.sampler.sample();
    await request(demo.url).get('/api/users/5').expect(200);
    await demo.sampler.sample();
    const { body } = await request(demo.url).get('/dashboard/data').expect(200);
    const last = body.samples.at(-1);
    expect(last.opsPerSec).toBeGreaterThan(0);
    expect(last.items).toBeGreaterThan(0);
    expect(last.servers).toEqual([{ server: demo.backend.embedded!.address, up: true }]);
  });
});

describe('demo-api rate limit', () => {
  it('allows RATE_LIMIT_MAX requests per IP on /api/ and answers 429 after', async () => {
    const { demo } = await start({ RATE_LIMIT_MAX: '3' });
    try {
      for (let i = 0; i < 3; i++) await request(demo.url).get('/api/users/1').expect(200);
      const limited = await request(demo.url).get('/api/users/1').expect(429);
      expect(limited.headers['retry-after']).toBeDefined();
      // Routes outside /api/ are not limited.
      await request(demo.url).get('/dashboard').expect(200);
    } finally {
      await demo.close();
    }
  });
});

describe('demo-api graceful shutdown', () => {
  it('finishes the request in flight, then stops accepting and stops the embedded server', async () => {
    const { demo } = await start({ DEMO_DB_LATENCY_MS: '300' });
    const inFlight = request(demo.url).get('/api/users/1');
    const response = new Promise<request.Response>((resolve, reject) =>
      inFlight.then(resolve, reject),
    );
    // Wait until the request reached the database before asking to shut down.
    await new Promise<void>((resolve) => {
      const check = () => (demo.db.lookups > 0 ? resolve() : setImmediate(check));
      check();
    });
    const closed = demo.close();
    expect((await response).status).toBe(200);
    await closed;
    await expect(request(demo.url).get('/api/users/1')).rejects.toThrow(/ECONNREFUSED/);
    await expect(demo.backend.client.get('x')).rejects.toMatchObject({
      code: 'ERR_MEMCACHED_CLOSED',
    });
  });
});

describe.skipIf(!requireBinary('memcached'))(
  'demo-api on a real memcached (MEMCACHED_SERVERS)',
  () => {
    let real: RealMemcached;
    let demo: RunningDemo;
    let lines: string[];
    beforeAll(async () => {
      real = await startRealMemcached();
      ({ demo, lines } = await start({ MEMCACHED_SERVERS: real.address }));
    });
    afterAll(async () => {
      await demo?.close();
      await real?.stop();
    });

    it('uses the fleet from MEMCACHED_SERVERS and serves the API from it', async () => {
      expect(lines[1]).toBe(`using memcached at ${real.address} (MEMCACHED_SERVERS)`);
      expect(demo.backend.embedded).toBeUndefined();
      await request(demo.url).get('/api/users/1').expect(200);
      const hit = await request(demo.url).get('/api/users/1').expect(200);
      expect(hit.headers['x-cache']).toBe('HIT');
      const { body } = await request(demo.url).get('/api/cache/stats').expect(200);
      expect(Object.keys(body.servers)).toEqual([real.address]);
      expect(body.servers[real.address].version).toBe('1.6.18');
    });
  },
);
