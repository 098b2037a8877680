import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  annotateActiveSpan,
  commandChannel,
  MemcachedClient,
  type MemcachedServer,
  startServer,
} from '../../src/index.js';
import { MemkitInstrumentation } from '../../src/otel/index.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();
let server: MemcachedServer;
let client: MemcachedClient;
let instrumentation: MemkitInstrumentation;

beforeAll(async () => {
  context.setGlobalContextManager(contextManager.enable());
  server = await startServer();
  client = new MemcachedClient(server.address, { timeoutMs: 300 });
});
afterEach(() => {
  instrumentation?.disable();
  exporter.reset();
});
afterAll(async () => {
  await client.close();
  await server.close();
  context.disable();
});

function instrument(config = {}): MemkitInstrumentation {
  instrumentation = new MemkitInstrumentation(config);
  instrumentation.setTracerProvider(provider);
  return instrumentation;
}

describe('MemkitInstrumentation', () => {
  test('a CLIENT span per command with the database semantic conventions, keys left out', async () => {
    instrument();
    const [host, port] = server.address.split(':');
    await client.set('user:42', { name: 'Ada' });
    await client.get('user:42');
    await client.getMulti(['user:42', 'user:43', 'user:42']);
    await client.metaGet('nope', ['v']);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['set', 'get', 'get', 'mg']);
    for (const span of spans) {
      expect(span.kind).toBe(2); // SpanKind.CLIENT
      expect(span.attributes).toMatchObject({
        'db.system.name': 'memcached',
        'server.address': host,
        'server.port': Number(port),
      });
      expect(span.attributes).not.toHaveProperty('db.query.text');
      expect(JSON.stringify(span.attributes)).not.toContain('user:42');
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
    const [set, get, multi, mg] = spans;
    expect(set?.attributes).toMatchObject({ 'db.operation.name': 'set', 'memkit.bytes': 14 });
    expect(get?.attributes).toMatchObject({ 'memkit.hits': 1, 'memkit.misses': 0 });
    expect(multi?.attributes).toMatchObject({
      'db.operation.batch.size': 2,
      'memkit.hits': 1,
      'memkit.misses': 1,
    });
    expect(mg?.attributes).toMatchObject({ 'db.operation.name': 'mg', 'memkit.misses': 1 });
  });

  test('recordKeys: true puts the command and key in db.query.text', async () => {
    instrument({ recordKeys: true });
    await client.get('user:42');
    expect(exporter.getFinishedSpans()[0]?.attributes['db.query.text']).toBe('get user:42');
  });

  test('a failure ends the span with status ERROR and error.type the MemcachedError code', async () => {
    instrument();
    const hung = await startServer();
    const slow = new MemcachedClient(hung.address, { timeoutMs: 100 });
    hung.hang();
    try {
      await expect(slow.get('k')).rejects.toMatchObject({ code: 'ERR_MEMCACHED_TIMEOUT' });
      await expect(client.get('bad key')).rejects.toMatchObject({
        code: 'ERR_MEMCACHED_INVALID_KEY',
      });
    } finally {
      hung.resume();
      await slow.close();
      await hung.close();
    }
    const [timeout, invalid] = exporter.getFinishedSpans();
    expect(timeout?.status.code).toBe(SpanStatusCode.ERROR);
    expect(timeout?.attributes['error.type']).toBe('ERR_MEMCACHED_TIMEOUT');
    expect(timeout?.events.map((e) => e.name)).toContain('exception');
    expect(invalid?.attributes['error.type']).toBe('ERR_MEMCACHED_INVALID_KEY');
  });

  test('spans are children of the active span, and annotateActiveSpan sets attributes on it', async () => {
    instrument();
    const tracer = provider.getTracer('test');
    await tracer.startActiveSpan('GET /users/42', async (parent) => {
      await client.get('user:42');
      annotateActiveSpan({ 'memkit.cache.status': 'hit', 'memkit.ratelimit.remaining': 9 });
      parent.end();
    });
    const [child, parent] = exporter.getFinishedSpans();
    expect(child?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
    expect(parent?.attributes).toMatchObject({
      'memkit.cache.status': 'hit',
      'memkit.ratelimit.remaining': 9,
    });
  });

  test('works with registerInstrumentations; disable() unsubscribes and enable() subscribes again', async () => {
    const inst = new MemkitInstrumentation({ enabled: false });
    instrumentation = inst;
    const unregister = registerInstrumentations({
      instrumentations: [inst],
      tracerProvider: provider,
    });
    await client.get('a');
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    inst.disable();
    expect(commandChannel.hasSubscribers).toBe(false);
    await client.get('a');
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    inst.enable();
    await client.get('a');
    expect(exporter.getFinishedSpans()).toHaveLength(2);
    unregister();
    expect(commandChannel.hasSubscribers).toBe(false);
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});

test('importing @memkit/core never loads OpenTelemetry (its packages are optional peers)', () => {
  // Follows every relative import from the root entry point and looks for a package import.
  const seen = new Set<string>();
  const open = [fileURLToPath(new URL('../../src/index.ts', import.meta.url))];
  const packages = new Set<string>();
  while (open.length > 0) {
    const file = open.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
      const spec = m[1] as string;
      if (spec.startsWith('.')) open.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  }
  expect(seen.size).toBeGreaterThan(20);
  expect([...packages].filter((p) => p.includes('opentelemetry'))).toEqual([]);
});
