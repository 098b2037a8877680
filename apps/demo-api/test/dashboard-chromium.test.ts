import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MemcachedServer, startServer } from '@memkit/core';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from '../../../test/support/memcached.js';
import { type RunningDemo, startDemo } from '../src/index.js';

const CHROMIUM = '/usr/bin/chromium';
// `UPDATE_SCREENSHOTS=1` refreshes the README's pictures; a normal run writes to a scratch dir.
const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));

describe.skipIf(!requireBinary('chromium'))('GET /dashboard in headless Chromium', () => {
  let a: MemcachedServer;
  let b: MemcachedServer;
  let demo: RunningDemo;
  let context: BrowserContext;
  let profile: string;
  let shots: string;
  let page: Page;
  const problems: string[] = [];
  const outside: string[] = [];
  let traffic = true;
  let trafficDone: Promise<void> | undefined;

  beforeAll(async () => {
    a = await startServer();
    b = await startServer();
    demo = await startDemo(
      {
        PORT: '0',
        DEMO_DB_LATENCY_MS: '1',
        RATE_LIMIT_MAX: '1000000',
        LOGIN_LIMIT_MAX: '1000000',
        MEMCACHED_SERVERS: `${a.address},${b.address}`,
      },
      { print: () => {}, logDestination: { write: () => {} }, sampleIntervalMs: 500 },
    );
    profile = await mkdtemp(join(tmpdir(), 'memkit-chromium-'));
    shots = process.env.UPDATE_SCREENSHOTS ? DOCS : profile;
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1600, height: 900 },
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
    page = await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning')
        problems.push(`${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('request', (req) => {
      if (!req.url().startsWith(demo.url) && !req.url().startsWith('data:'))
        outside.push(req.url());
    });
    // Live traffic until the test ends: misses then hits on the cached route, and sessions.
    trafficDone = (async () => {
      for (let round = 0; traffic; round++) {
        for (let id = 1; id <= 5 && traffic; id++) {
          await request(demo.url).get(`/api/users/${id}`);
        }
        // Session lookups that miss, so the hit rate is not a flat 100 %.
        await request(demo.url).get(`/api/sessions/${String(round).padStart(43, 'x')}`);
        await request(demo.url)
          .post('/api/sessions')
          .send({ username: 'admin', password: 'password' });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
  });
  afterAll(async () => {
    traffic = false;
    await trafficDone;
    await context?.close();
    await demo?.close();
    await a?.close();
    await b?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  const attr = async (selector: string, name: string) =>
    Number(await page.getAttribute(selector, name));

  it('opens from the printed link and draws every chart with axes while traffic runs', async () => {
    await page.goto(`${demo.url}/dashboard?token=${demo.adminToken}`);
    // The token left the address bar: the cookie carries the session from here.
    expect(page.url()).toBe(`${demo.url}/dashboard`);
    await page.waitForFunction(
      "document.querySelector('[data-metric=\"health\"]').textContent === 'HEALTHY'",
    );
    // About ten seconds of points (one every 500 ms), so the picture shows a history.
    for (const name of ['hitRate', 'opsPerSec', 'latency', 'bytes', 'items', 'connections']) {
      await page.waitForFunction(
        `Number(document.querySelector('[data-chart="${name}"]').getAttribute('data-points')) >= ${name === 'opsPerSec' ? 20 : 3}`,
        undefined,
        { timeout: 20_000 },
      );
    }
    // Every chart has a time axis with clock labels and a value scale.
    for (const name of [
      'hitRate',
      'opsPerSec',
      'latency',
      'errors',
      'bytes',
      'items',
      'connections',
      'evictions',
    ]) {
      const chart = `[data-chart="${name}"]`;
      expect(await page.$$eval(`${chart} .y-axis text`, (els) => els.length)).toBe(5);
      expect(
        await page.$$eval(`${chart} .x-axis text`, (els) => els.map((e) => e.textContent)),
      ).toEqual(expect.arrayContaining([expect.stringMatching(/^\d{2}:\d{2}:\d{2}$/)]));
    }
    expect(await page.textContent('[data-chart="hitRate"] .y-axis text:last-of-type')).toBe('100%');
    expect(await page.textContent('[data-metric="hitRate"]')).toMatch(/^\d+%$/);
    expect(await page.textContent('[data-metric="latency"]')).toMatch(
      /^p50 [\d.]+ ms · p99 [\d.]+ ms$/,
    );
    // Memory, items and connections: one series per server, and a row per server.
    expect(await page.$$eval('[data-chart="bytes"] path.series', (els) => els.length)).toBe(2);
    for (const server of [a.address, b.address]) {
      expect(await page.getAttribute(`tr[data-server="${server}"]`, 'data-up')).toBe('true');
    }
    // The layout uses the page's width, not a third of it.
    const width = await page.$eval('#charts', (el) => el.getBoundingClientRect().width);
    expect(width).toBeGreaterThan(1500);
    expect(
      await page.$$eval(
        '.card',
        (els) => new Set(els.map((e) => Math.round(e.getBoundingClientRect().top))).size,
      ),
    ).toBeLessThanOrEqual(3);
    const png = join(shots, 'dashboard.png');
    await page.screenshot({ path: png, fullPage: true });
    expect((await stat(png)).size).toBeGreaterThan(20_000);
  });

  it('with one server stopped: DEGRADED, its row down, its series cut, errors counted; a gap once it is back', async () => {
    const port = b.port;
    const before = await attr('[data-chart="errors"]', 'data-points');
    await b.close();
    await page.waitForFunction(
      "document.querySelector('[data-metric=\"health\"]').textContent === 'DEGRADED'",
      undefined,
      { timeout: 15_000 },
    );
    await page.waitForFunction(
      `document.querySelector('tr[data-server="${b.address}"]').getAttribute('data-up') === 'false'`,
    );
    expect(await page.textContent(`tr[data-server="${b.address}"] td:nth-child(2)`)).toMatch(
      /^✗ down \(ERR_MEMCACHED_/,
    );
    // Requests for keys on the stopped server failed before it was ejected: errors show.
    await page.waitForFunction(
      `Number(document.querySelector('[data-chart="errors"] path[data-series="errors"]').getAttribute('data-peak')) > 0`,
      undefined,
      { timeout: 15_000 },
    );
    expect(before).toBeGreaterThan(0);
    // A few points while it is down (the sampler adds one every 500 ms), then the picture.
    const seen = await attr('[data-chart="opsPerSec"]', 'data-points');
    await page.waitForFunction(
      `Number(document.querySelector('[data-chart="opsPerSec"]').getAttribute('data-points')) >= ${seen + 4}`,
    );
    await page.screenshot({ path: join(shots, 'dashboard-server-down.png'), fullPage: true });

    // Back on the same port: its memory series resumes after a gap (two segments).
    b = await startServer({ port });
    await page.waitForFunction(
      `document.querySelector('tr[data-server="${b.address}"]').getAttribute('data-up') === 'true'`,
      undefined,
      { timeout: 15_000 },
    );
    await page.waitForFunction(
      `Number(document.querySelector('[data-chart="bytes"]').getAttribute('data-segments')) >= 3`,
      undefined,
      { timeout: 15_000 },
    );
    expect(problems).toEqual([]);
    expect(outside).toEqual([]);
  });
});
