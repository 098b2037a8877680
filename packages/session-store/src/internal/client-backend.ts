import type { MemcachedClient } from '@memkit/core';
import { MemcachedProtocolError } from '@memkit/core';
import { exptime } from './exptime.js';
import type { BackendItem, CasWriteResult, SessionBackend } from './session-backend.js';

/**
 * The session engine's operations on a {@link MemcachedClient}, via the meta protocol so a
 * read returns value, CAS and remaining TTL in one reply and a write returns the new CAS.
 * Values are sent as raw UTF-8 bytes: the client's own serializer does not apply.
 */
export function clientBackend(client: MemcachedClient): SessionBackend {
  return {
    async read(key) {
      const reply = await client.metaGet(key, ['v', 'c', 't']);
      return reply.status === 'VA' && reply.value !== undefined ? toItem(reply) : null;
    },

    async readWithGeneration(key, generationKey) {
      // Both requests are written before either reply is awaited: one round trip.
      const [item, generation] = await Promise.all([
        client.metaGet(key, ['v', 'c', 't']),
        client.metaGet(generationKey, ['v']),
      ]);
      return {
        item: item.status === 'VA' && item.value !== undefined ? toItem(item) : null,
        generation: parseGeneration(generation),
      };
    },

    async generation(generationKey) {
      return parseGeneration(await client.metaGet(generationKey, ['v']));
    },

    async set(key, value, ttl) {
      const reply = await client.metaSet(key, value, [`T${exptime(ttl)}`, 'c']);
      if (reply.status !== 'HD') throw unexpected('ms', reply.status);
      return reply.flags.c;
    },

    async casSet(key, value, ttl, cas): Promise<CasWriteResult> {
      const reply = await client.metaSet(key, value, [`T${exptime(ttl)}`, `C${cas}`, 'c']);
      if (reply.status === 'HD') return { status: 'stored', cas: reply.flags.c };
      if (reply.status === 'EX') return { status: 'exists' };
      if (reply.status === 'NF') return { status: 'not_found' };
      throw unexpected('ms', reply.status);
    },

    touch(key, ttl) {
      // client.touch applies the same 30-day conversion itself.
      return client.touch(key, ttl);
    },

    async delete(key) {
      await client.delete(key);
    },

    async bumpGeneration(generationKey) {
      // A missing key is (re)created at the current Unix time, which is past every generation
      // handed out before (unless clear() ran more than once a second on average), so an
      // evicted key never brings cleared sessions back.
      const next = await client.incr(generationKey, 1, {
        initial: Math.floor(Date.now() / 1000),
        ttl: 0,
      });
      if (next === null) throw unexpected('ma', 'NF');
      return next;
    },
  };
}

function toItem(reply: { value: Buffer | undefined; flags: Record<string, string> }): BackendItem {
  const ttl = reply.flags.t;
  return {
    value: (reply.value as Buffer).toString('utf8'),
    cas: reply.flags.c,
    ttlRemaining: ttl === undefined || ttl === '' ? undefined : Number(ttl),
  };
}

function parseGeneration(reply: { status: string; value: Buffer | undefined }): number | undefined {
  if (reply.status !== 'VA' || reply.value === undefined) return undefined;
  const text = reply.value.toString('latin1').trim();
  return /^\d{1,16}$/.test(text) ? Number(text) : undefined;
}

function unexpected(command: string, status: string): MemcachedProtocolError {
  return new MemcachedProtocolError(
    `Unexpected ${command} reply ${status} to a session-store request.`,
  );
}
