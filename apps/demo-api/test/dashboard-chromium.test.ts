import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from '../../../test/support/memcached.js';
import { type RunningDemo, startDemo } from '../src/index.js';

const CHROMIUM = '/usr/bin/chromium';

describe.skipIf(!requireBinary('chromium'))('GET /dashboard in headless Chromium', () => {
  let demo: RunningDemo;
  let context: BrowserContext;
  let profile: string;
  beforeAll(async () => {
    demo = await startDemo(
      { PORT: '0', DEMO_DB_LATENCY_MS: '1', RATE_LIMIT_MAX: '100000' },
      () => {},
    );
    profile = await mkdtemp(join(tmpdir(), 'memkit-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await context?.close();
    await demo?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('loads without console errors and its charts show the traffic', async () => {
    const problems: string[] = [];
    const outside: string[] = [];
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning')
        problems.push(`${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('request', (req) => {
      if (!req.url().startsWith(demo.url) && !req.url().startsWith('data:'))
        outside.push(req.url());
    });

    await page.goto(`${demo.url}/dashboard`);
    // Page functions are strings: the tests are type-checked without the DOM library.
    await page.waitForFunction(
      "document.querySelector('[data-metric=\"health\"]').textContent === 'HEALTHY'",
    );
    expect(await page.textContent('#status')).toMatch(/^updated /);
    expect(await page.textContent(`[data-server="${demo.backend.embedded!.address}"]`)).toContain(
      '✓',
    );

    // Traffic: misses then hits on the cached route, and sessions.
    for (let i = 0; i < 3; i++) {
      for (let id = 1; id <= 5; id++) await request(demo.url).get(`/api/users/${id}`).expect(200);
      await request(demo.url)
        .post('/api/sessions')
        .send({ username: 'admin', password: 'password' })
        .expect(201);
    }
    // The page polls every second; wait for a point that contains the traffic.
    for (const name of ['opsPerSec', 'hitRate']) {
      await page.waitForFunction(
        `Number(document.querySelector('[data-chart="${name}"]').getAttribute('data-peak')) > 0`,
        undefined,
        { timeout: 15_000 },
      );
    }
    const chart = async (name: string) =>
      page.$eval(`[data-chart="${name}"] polyline`, (el) => el.getAttribute('points') ?? '');
    expect((await chart('opsPerSec')).split(' ').length).toBeGreaterThan(1);
    expect(Number(await page.getAttribute('[data-chart="items"]', 'data-last'))).toBeGreaterThan(0);
    expect(Number(await page.getAttribute('[data-chart="bytes"]', 'data-last'))).toBeGreaterThan(0);
    expect(await page.textContent('[data-metric="hitRate"]')).toMatch(/^\d+(\.\d)?%$|^n\/a$/);
    expect(await page.textContent('[data-metric="items"]')).toMatch(/^[1-9]\d*$/);
    expect(problems).toEqual([]);
    expect(outside).toEqual([]);
  });
});
