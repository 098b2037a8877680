import { createServer } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RealMemcached,
  requireBinary,
  startRealMemcached,
} from '../../../test/support/memcached.js';
import {
  ConfigError,
  describeStartError,
  type RunningDemo,
  readDemoConfig,
  startDemo,
} from '../src/index.js';

async function start(
  env: Record<string, string> = {},
): Promise<{ demo: RunningDemo; lines: string[] }> {
  const lines: string[] = [];
  const demo = await startDemo(
    { PORT: '0', DEMO_DB_LATENCY_MS: '5', RATE_LIMIT_MAX: '1000', ...env },
    { print: (line) => lines.push(line), logDestination: { write: () => {} } },
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

  it('says first that it started the in-process memcached, with the admin links and URLs to try', () => {
    expect(lines[0]).toBe(`memkit demo-api (Express) listening on ${demo.url}`);
    expect(lines[1]).toContain(
      'no MEMCACHED_SERVERS set: started the in-process memcached on 127.0.0.1:',
    );
    expect(lines[2]).toBe(
      'SESSION_SECRET not set: using the demo secret (refused when NODE_ENV=production)',
    );
    expect(lines).toContain(`  open ${demo.url}/dashboard?token=${demo.adminToken}`);
    expect(lines.join('\n')).toContain(`curl ${demo.url}/api/users/1`);
    expect(demo.backend.embedded).toBeDefined();
  });

  it('the cookie session lives in memcached', async () => {
    const before = Object.values(await demo.backend.client.stats())[0]!.curr_items as number;
    await request(demo.url)
      .post('/login')
      .send({ username: 'admin', password: 'password' })
      .expect(200);
    const after = Object.values(await demo.backend.client.stats())[0]!.curr_items as number;
    expect(after).toBeGreaterThan(before);
  });
});

describe('demo-api configuration', () => {
  it('refuses to start in production without SESSION_SECRET, in one line', () => {
    expect(() => readDemoConfig({ NODE_ENV: 'production' })).toThrow(
      new ConfigError(
        'SESSION_SECRET is not set: NODE_ENV=production refuses the demo secret; set SESSION_SECRET to 32+ random characters',
      ),
    );
    expect(
      readDemoConfig({ NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(32) }).sessionSecret,
    ).toBe('s'.repeat(32));
    expect(() => readDemoConfig({ SESSION_SECRET: 'short' })).toThrow(
      /SESSION_SECRET is too short/,
    );
  });

  it('names the variable and what it must be for a bad PORT, MEMCACHED_SERVERS or number', () => {
    expect(() => readDemoConfig({ PORT: '99999' })).toThrow(
      'PORT=99999 is not valid: expected an integer 0-65535',
    );
    expect(() => readDemoConfig({ PORT: 'http' })).toThrow(/^PORT=http is not valid/);
    expect(() => readDemoConfig({ MEMCACHED_SERVERS: 'foo:bar' })).toThrow(
      /^MEMCACHED_SERVERS=foo:bar is not valid: expected comma-separated host:port/,
    );
    expect(() => readDemoConfig({ RATE_LIMIT_MAX: '0' })).toThrow(/^RATE_LIMIT_MAX=0 is not valid/);
    expect(() => readDemoConfig({ ADMIN_TOKEN: 'abc' })).toThrow(/^ADMIN_TOKEN is too short/);
    expect(readDemoConfig({ MEMCACHED_SERVERS: 'a:1, b:2' }).servers).toEqual(['a:1', 'b:2']);
  });

  it("MEMCACHED_DISCOVERY: dns:, srv: and elasticache: become the client's discovery option", () => {
    expect(
      readDemoConfig({
        MEMCACHED_DISCOVERY: 'dns:memcached-headless.default.svc.cluster.local:11311',
      }).discovery,
    ).toEqual({
      dns: 'memcached-headless.default.svc.cluster.local',
      port: 11311,
      intervalMs: 60_000,
    });
    expect(readDemoConfig({ MEMCACHED_DISCOVERY: 'dns:memcached' }).discovery).toEqual({
      dns: 'memcached',
      port: 11211,
      intervalMs: 60_000,
    });
    expect(
      readDemoConfig({
        MEMCACHED_DISCOVERY: 'srv:_memcached._tcp.memcached.default.svc.cluster.local',
        MEMCACHED_DISCOVERY_INTERVAL_SECONDS: '15',
      }).discovery,
    ).toEqual({
      dns: '_memcached._tcp.memcached.default.svc.cluster.local',
      srv: true,
      intervalMs: 15_000,
    });
    expect(
      readDemoConfig({ MEMCACHED_DISCOVERY: 'elasticache:cfg.abc.cache.amazonaws.com:11211' })
        .discovery,
    ).toEqual({ elasticache: 'cfg.abc.cache.amazonaws.com:11211', intervalMs: 60_000 });
    expect(readDemoConfig({}).discovery).toBeUndefined();
  });

  it.each([
    ['consul:memcached', 'unknown kind "consul"'],
    ['memcached.local', 'no "dns:", "srv:" or "elasticache:" in front'],
    ['dns:', 'nothing after "dns:"'],
    ['dns:memcached:0', 'port 0 is not 1-65535'],
    ['dns:memcached:99999', 'port 99999 is not 1-65535'],
    ['dns:http://memcached', '"http://memcached" is not a DNS name'],
    ['srv:_memcached._tcp.memcached:11211', 'SRV records carry their own ports: give no port'],
    ['elasticache:cfg.example.com', 'the endpoint must be one host:port with a port 1-65535'],
    ['elasticache:a:1,b:2', 'the endpoint must be one host:port with a port 1-65535'],
  ])('MEMCACHED_DISCOVERY=%s is refused in one line naming the forms', (value, why) => {
    expect(() => readDemoConfig({ MEMCACHED_DISCOVERY: value })).toThrow(
      new ConfigError(
        `MEMCACHED_DISCOVERY=${value} is not valid: ${why}; expected dns:<name>[:port] (A/AAAA records, e.g. dns:memcached-headless.default.svc.cluster.local:11211), srv:<name> (SRV records) or elasticache:<host>:<port> (a configuration endpoint)`,
      ),
    );
  });

  it('TRUST_PROXY: a hop count or proxy addresses; true is refused, unset or 0 ignores X-Forwarded-For', () => {
    expect(readDemoConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(readDemoConfig({ TRUST_PROXY: '10.0.0.0/8, loopback,fd00::/8' }).trustProxy).toEqual([
      '10.0.0.0/8',
      'loopback',
      'fd00::/8',
    ]);
    for (const off of [{}, { TRUST_PROXY: '' }, { TRUST_PROXY: '0' }, { TRUST_PROXY: 'false' }]) {
      expect(readDemoConfig(off).trustProxy).toBeUndefined();
    }
    expect(() => readDemoConfig({ TRUST_PROXY: 'true' })).toThrow(
      /^TRUST_PROXY=true is refused: it trusts every X-Forwarded-For hop/,
    );
    for (const bad of ['10.0.0.0/33', 'proxy.local', '1.2.3.4/8/9', '-1', '1,']) {
      expect(() => readDemoConfig({ TRUST_PROXY: bad }), bad).toThrow(
        new RegExp(`^TRUST_PROXY=${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not valid`),
      );
    }
  });

  it('main prints one line: a setting exits 78, anything else 1 with its first line only', () => {
    expect(
      describeStartError('demo-api', new ConfigError('port 3000 is in use; set PORT')),
    ).toEqual({ line: 'demo-api: port 3000 is in use; set PORT', exitCode: 78 });
    expect(describeStartError('demo-api', new Error('boom\n    at somewhere'))).toEqual({
      line: 'demo-api: cannot start: boom',
      exitCode: 1,
    });
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
      const { body } = await request(demo.url)
        .get('/api/cache/stats')
        .set('authorization', `Bearer ${demo.adminToken}`)
        .expect(200);
      expect(Object.keys(body.servers)).toEqual([real.address]);
      expect(body.servers[real.address].version).toBe('1.6.18');
    });
  },
);
