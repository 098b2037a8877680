import type { MemcachedClient } from '@memkit/core';
import type { Store } from 'express-session';
import Fastify from 'fastify';
import { expectTypeOf } from 'vitest';
import {
  type ManagedSession,
  type MemcachedStore,
  type MemcachedStoreOptions,
  memcachedSessionStore,
  type SessionManager,
} from '../src/index.js';

// The store is an express-session Store, so `session({ store })` accepts it.
expectTypeOf<MemcachedStore>().toMatchTypeOf<Store>();

// Options: TTL as seconds or a function of the session; cas as a boolean or merge settings.
declare const client: MemcachedClient;
const options: MemcachedStoreOptions[] = [
  { ttl: 60 },
  { ttl: (session) => (session.user === 'admin' ? 60 : 600) },
  { cas: true },
  { cas: { merge: (stored, mine) => ({ ...stored, ...mine }), retries: 2 } },
  { client, keyPrefix: 'app:', touchAfter: 0, disableTouch: false },
];
void options;
// @ts-expect-error ttl is seconds, not a string
const badTtl: MemcachedStoreOptions = { ttl: '1d' };
void badTtl;

// The Fastify plugin's declaration merging types the decoration.
const app = Fastify();
void app.register(memcachedSessionStore, { keyPrefix: 'x:' });
expectTypeOf(app.memcachedSessionStore).toEqualTypeOf<MemcachedStore>();

// SessionManager is generic over the data it holds.
declare const sessions: SessionManager<{ role: string }>;
expectTypeOf(sessions.get('id')).resolves.toEqualTypeOf<ManagedSession<{ role: string }> | null>();
expectTypeOf(sessions.update).parameter(1).toEqualTypeOf<Partial<{ role: string }>>();
expectTypeOf(sessions.create).returns.resolves.toBeString();
