import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './memcached.js';

/** A real redis-server started for a test, with a connected ioredis client. */
export interface RealRedis {
  host: string;
  port: number;
  /** A client the test owns; closed by `stop()`. */
  redis: Redis;
  /** The server's process, for SIGSTOP/SIGCONT fault injection. */
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts Debian's redis-server on an ephemeral loopback port (no persistence) and connects to
 * it. The listener's `process_id` is checked, so a port taken by a parallel test is retried.
 */
export async function startRealRedis(): Promise<RealRedis> {
  const host = '127.0.0.1';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn(
      'redis-server',
      ['--bind', host, '--port', String(port), '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'ignore', 'ignore'] },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const redis = new Redis({
      host,
      port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => (times > 200 ? null : 25),
    });
    // Connection errors reach the commands that hit them; the event itself is only noise here.
    redis.on('error', () => {});
    let ok = false;
    for (let i = 0; i < 200 && child.exitCode === null; i++) {
      try {
        if (redis.status !== 'ready') await redis.connect();
        const info = await redis.info('server');
        ok = new RegExp(`process_id:${child.pid}\\r?\\n`).test(info);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    if (ok && child.pid !== undefined) {
      const pid = child.pid;
      return {
        host,
        port,
        redis,
        pid,
        stop: async () => {
          redis.disconnect();
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGCONT');
            child.kill('SIGKILL');
            await exited;
          }
        },
      };
    }
    redis.disconnect();
    child.kill('SIGKILL');
    await exited;
  }
  throw new Error('redis-server failed to start after 5 attempts');
}
