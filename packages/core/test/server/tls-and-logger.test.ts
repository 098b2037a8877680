import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/index.js';
import { RawClient } from './raw-client.js';

// A self-signed certificate for localhost/127.0.0.1, valid for 100 years (test use only).
const cert = readFileSync(new URL('./fixtures/localhost-cert.pem', import.meta.url));
const key = readFileSync(new URL('./fixtures/localhost-key.pem', import.meta.url));

describe('TLS', () => {
  it('speaks the protocol over TLS when given tls options', async () => {
    const server = await startServer({ tls: { cert, key } });
    try {
      const socket = connect({
        host: '127.0.0.1',
        port: server.port,
        ca: cert,
        servername: 'localhost',
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('secureConnect', resolve);
        socket.once('error', reject);
      });
      let got = '';
      const done = new Promise<void>((resolve) => {
        socket.on('data', (d: Buffer) => {
          got += d.toString('latin1');
          if (got.endsWith('END\r\n')) resolve();
        });
      });
      socket.write('set k 0 0 2\r\nhi\r\nget k\r\n');
      await done;
      expect(got).toBe('STORED\r\nVALUE k 0 2\r\nhi\r\nEND\r\n');
      socket.destroy();
    } finally {
      await server.close();
    }
  });
});

describe('logger', () => {
  it('sends -vv style command logs to the logger, never to the console', async () => {
    const lines: string[] = [];
    const log = (m: string) => lines.push(m);
    const server = await startServer({
      verbosity: 2,
      logger: { info: log, warn: log, error: log, debug: log },
    });
    const c = await RawClient.open(server.port);
    await c.request('version\r\n');
    c.close();
    await server.close();
    expect(lines.some((l) => l.includes('version'))).toBe(true);
  });

  it('verbosity command changes what is logged', async () => {
    const lines: string[] = [];
    const log = (m: string) => lines.push(m);
    const server = await startServer({ logger: { info: log, warn: log, error: log, debug: log } });
    const c = await RawClient.open(server.port);
    await c.request('version\r\n');
    expect(lines).toEqual([]);
    expect(await c.request('verbosity 2\r\n')).toBe('OK\r\n');
    await c.request('get abc\r\n', 'END\r\n');
    expect(lines.some((l) => l.includes('get abc'))).toBe(true);
    c.close();
    await server.close();
  });
});
