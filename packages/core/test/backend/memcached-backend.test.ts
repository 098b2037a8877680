import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MemcachedBackend,
  MemcachedClient,
  type MemcachedServer,
  MemcachedValueTooLargeError,
  startServer,
} from '../../src/index.js';

describe('MemcachedBackend', () => {
  let server: MemcachedServer;
  let client: MemcachedClient;
  beforeAll(async () => {
    server = await startServer({ host: '127.0.0.1', port: 0 });
    client = new MemcachedClient(server.address, { maxValueSize: 1024 });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it('refuses a value over the client’s maxValueSize before sending, keeping the stored item', async () => {
    const backend = new MemcachedBackend(client);
    const first = await backend.set('big', 'small', 60);
    await expect(backend.set('big', 'x'.repeat(1025), 60)).rejects.toBeInstanceOf(
      MemcachedValueTooLargeError,
    );
    await expect(
      backend.set('big', 'x'.repeat(1025), 60, { cas: first.cas }),
    ).rejects.toMatchObject({ code: 'ERR_MEMCACHED_VALUE_TOO_LARGE' });
    expect((await backend.get('big'))?.value.toString()).toBe('small');
    expect((await backend.set('big', 'x'.repeat(1024), 60)).status).toBe('stored');
  });
});
