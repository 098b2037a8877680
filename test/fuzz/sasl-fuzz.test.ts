// Random SASL exchanges against memcached -S on Cyrus SASL: the connection's state (authenticated
// or not, an exchange started or done) is what the conformance scripts check one story at a
// time; here fast-check mixes every SASL request with ordinary ones and compares the replies
// byte for byte.
import { type MemcachedServer, startServer } from '@memkit/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, binStore, normalizeBinaryTranscript, OP } from '../conformance/lib/binary.js';
import { saslConfig } from '../conformance/lib/sasl-config.js';
import { request } from '../conformance/lib/wire.js';
import { type RealMemcached, requireBinary, startRealMemcached } from '../support/memcached.js';
import { play } from './binary-play.js';

const SEED = Number(process.env.MEMKIT_FUZZ_SEED ?? 20261203);
const RUNS = Number(process.env.MEMKIT_FUZZ_RUNS ?? 200);
const USER = 'alice';
const PASSWORD = 's3cret';

const mechanism = fc.constantFrom('PLAIN', 'plain', 'PLAIN-PLUS', 'PLAIN\0x', 'CRAM-MD5', 'PLAI');
const message = fc.constantFrom(
  `\0${USER}\0${PASSWORD}`,
  `\0${USER}\0${PASSWORD}`,
  `\0${USER}\0wrong`,
  '',
  `\0${USER}`,
  `${USER}\0${USER}\0${PASSWORD}`,
  `bob\0${USER}\0${PASSWORD}`,
  `\0${USER}\0${PASSWORD}\0`,
);
const request_: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(mechanism, message)
      .map(([k, v]) => bin(OP.SASL_AUTH, { key: k, value: v })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(mechanism, message)
      .map(([k, v]) => bin(OP.SASL_STEP, { key: k, value: v })),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      bin(OP.SASL_LIST_MECHS),
      bin(OP.VERSION),
      bin(OP.GET, { key: 'k' }),
      binStore(OP.SET, 'k', 'v'),
      bin(OP.NOOP),
    ),
  },
);
const stream = fc.array(request_, { minLength: 1, maxLength: 10 }).map((parts) => parts.join(''));

describe.skipIf(!requireBinary('memcached') || !requireBinary('saslpasswd2'))(
  'fuzzing SASL against memcached -S',
  () => {
    let real: RealMemcached;
    let ours: MemcachedServer;

    beforeAll(async () => {
      const sasl = saslConfig(USER, PASSWORD);
      real = await startRealMemcached(['-S'], { env: { SASL_CONF_PATH: sasl.confDir } });
      ours = await startServer({
        port: 0,
        host: '127.0.0.1',
        sasl: { username: USER, password: PASSWORD },
      });
    });
    afterAll(async () => {
      await Promise.all([real?.stop(), ours?.close()]);
    });

    it(
      'random SASL exchanges get the replies memcached gives, byte for byte',
      async () => {
        await fc.assert(
          fc.asyncProperty(stream, async (s) => {
            const [theirs, mine] = await Promise.all([play(real.port, s), play(ours.port, s)]);
            expect(normalizeBinaryTranscript(mine), `stream: ${JSON.stringify(s)}`).toBe(
              normalizeBinaryTranscript(theirs),
            );
          }),
          { seed: SEED, numRuns: RUNS },
        );
        // The server is still up: a brand-new connection is answered.
        expect(await request(ours.port, bin(OP.VERSION), '1')).toContain('\x81\x0b');
      },
      Math.max(60_000, RUNS * 400),
    );
  },
);
