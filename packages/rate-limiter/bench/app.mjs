// One benchmark app per process: `node app.mjs <variant> <memcached host:port> [redis port]`. Prints
// "listening <port>" once it accepts requests. Every limiter is configured so that no request
// is limited: the benchmark measures what counting costs, not how fast a 429 is.
import { MemcachedClient } from '@memkit/core';
import { MemcachedRateLimitStore, rateLimit, rateLimiter } from '@memkit/rate-limiter';
import express from 'express';
import { rateLimit as expressRateLimit } from 'express-rate-limit';
import Fastify from 'fastify';
import { MemcachedStore } from 'rate-limit-memcached';

const [variant, address, redisPort] = process.argv.slice(2);
const LIMIT = 1_000_000_000;
const WINDOW_SECONDS = 3600;
// The `memcached` package behind rate-limit-memcached waits 5 s for a reply; memkit gets the
// same, so that on a loaded machine memkit is never measured answering from its fallback.
const client = new MemcachedClient(address, { timeoutMs: 5000 });
// The `-redis` variants run the same limiter on Redis: `backend` in place of `client`.
const backend = variant.endsWith('-redis') ? await redisBackend() : undefined;

async function redisBackend() {
  const { Redis } = await import('ioredis');
  const { RedisBackend } = await import('@memkit/core/redis');
  return new RedisBackend(new Redis({ host: '127.0.0.1', port: Number(redisPort) }), {
    timeoutMs: 5000,
  });
}

async function start() {
  if (variant.startsWith('fastify')) {
    const app = Fastify();
    if (variant === 'fastify-memkit') {
      await app.register(rateLimit, {
        limit: LIMIT,
        windowSeconds: WINDOW_SECONDS,
        client,
      });
    } else if (variant === 'fastify-memkit-redis') {
      await app.register(rateLimit, { limit: LIMIT, windowSeconds: WINDOW_SECONDS, backend });
    } else if (variant === 'fastify-rate-limit') {
      const { default: fastifyRateLimit } = await import('@fastify/rate-limit');
      await app.register(fastifyRateLimit, { max: LIMIT, timeWindow: WINDOW_SECONDS * 1000 });
    }
    app.get('/', async () => 'ok');
    await app.listen({ port: 0, host: '127.0.0.1' });
    return app.server.address().port;
  }
  const app = express();
  app.disable('x-powered-by');
  if (variant === 'express-memkit') {
    app.use(rateLimiter({ limit: LIMIT, windowSeconds: WINDOW_SECONDS, client }));
  } else if (variant === 'express-memkit-redis') {
    app.use(rateLimiter({ limit: LIMIT, windowSeconds: WINDOW_SECONDS, backend }));
  } else if (variant === 'express-erl-memcached') {
    app.use(
      expressRateLimit({
        windowMs: WINDOW_SECONDS * 1000,
        limit: LIMIT,
        store: new MemcachedStore({ locations: [address] }),
        validate: false,
      }),
    );
  } else if (variant === 'express-erl-memkit-store') {
    app.use(
      expressRateLimit({
        windowMs: WINDOW_SECONDS * 1000,
        limit: LIMIT,
        store: new MemcachedRateLimitStore({ client }),
        validate: false,
      }),
    );
  }
  app.get('/', (_req, res) => {
    res.send('ok');
  });
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

const port = await start();
// The bench asks for this process's CPU time over IPC: CPU per request is a measure that the
// machine's other load disturbs far less than requests per second.
process.on('message', () => process.send?.(process.cpuUsage()));
// A clean exit on SIGINT lets `node --cpu-prof app.mjs ...` write its profile.
process.on('SIGINT', () => process.exit(0));
process.stdout.write(`listening ${port}\n`);
