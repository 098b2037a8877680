import { bin, binStore, OP, STATS_END } from '../lib/binary.js';
import type { ConformanceScript } from '../lib/script.js';

/** The one user both servers accept in the -S suite. */
export const SASL_USER = { username: 'alice', password: 's3cret' };

function b(name: string, text: string, extra: Omit<ConformanceScript, 'name' | 'steps'> = {}) {
  return { name, steps: [text], binary: true, ...extra } satisfies ConformanceScript;
}

/** A script that ends unauthenticated: its last request is refused, which closes. */
function refused(name: string, text: string) {
  return b(name, `${text}${bin(OP.NOOP)}`, { end: 'close' });
}

const auth = (message: string, mech = 'PLAIN') => bin(OP.SASL_AUTH, { key: mech, value: message });
const step = (message: string, mech = 'PLAIN') => bin(OP.SASL_STEP, { key: mech, value: message });
const { username: user, password: pass } = SASL_USER;
const login = auth(`\0${user}\0${pass}`);
const wrong = auth(`\0${user}\0wrong`);
const use = (key: string) => binStore(OP.SET, key, 'v') + bin(OP.GET, { key });

/**
 * SASL PLAIN under -S (binary protocol only), against memcached 1.6.18 on Cyrus SASL 2.1 with
 * `mech_list: plain` and a sasldb: memcached clears a connection's authentication whenever it
 * reads a SASL request, and Cyrus refuses a second exchange on a connection until a failed
 * start resets it. Each script runs on a fresh connection.
 */
export const saslScripts: ConformanceScript[] = [
  b(
    'sasl: list mechanisms, authenticate, then use the cache',
    bin(OP.SASL_LIST_MECHS) + login + use('sasl-k') + bin(OP.GETK, { key: 'sasl-k' }),
    { bytewise: true },
  ),
  b('sasl: version is answered before authentication', bin(OP.VERSION) + login),
  refused('sasl: a get before authentication is refused and closes', bin(OP.GET, { key: 'k' })),
  refused('sasl: a noop before authentication is refused and closes', ''),
  refused(
    'sasl: a store before authentication is refused and closes, its value unread',
    binStore(OP.SET, 'sasl-early', 'value') + login,
  ),
  b(
    'sasl: wrong password, wrong user, empty password, then the right one',
    wrong + auth(`\0mallory\0${pass}`) + auth(`\0${user}\0`) + login + use('sasl-a'),
  ),
  b(
    'sasl: malformed PLAIN messages',
    auth(`${user} ${pass}`) +
      auth(`\0${user}`) +
      auth(`\0${user}\0${pass}\0`) +
      auth(`\0\0${pass}`) +
      auth(`\0${user.toUpperCase()}\0${pass}`) +
      login +
      use('sasl-b'),
  ),
  b('sasl: authzid equal to the user', auth(`${user}\0${user}\0${pass}`) + use('sasl-c')),
  refused('sasl: authzid of another user is not authorized', auth(`bob\0${user}\0${pass}`)),
  b(
    'sasl: mechanism names: unknown, unlisted, case, -PLUS, a NUL in the key',
    auth('x', 'CRAM-MD5') +
      auth(`\0${user}\0${pass}`, ' PLAIN') +
      auth(`\0${user}\0${pass}`, 'PLAINX') +
      auth(`\0${user}\0${pass}`, 'PLAI') +
      auth(`\0${user}\0${pass}`, 'plain') +
      wrong +
      auth(`\0${user}\0${pass}`, 'PLAIN-plus') +
      wrong +
      auth(`\0${user}\0${pass}`, 'PLAIN\0junk') +
      use('sasl-d'),
  ),
  b('sasl: a mechanism name past 32 bytes', auth(`\0${user}\0${pass}`, 'P'.repeat(33)) + login),
  b(
    'sasl: empty data asks for more; the step carries it, under any key',
    auth('') + step(`\0${user}\0${pass}`, 'CRAM-MD5') + use('sasl-e'),
  ),
  b('sasl: a new start after the empty one', auth('') + login + use('sasl-f')),
  b(
    'sasl: a failed step keeps the conversation',
    auth('') + step('') + step(`\0${user}\0wrong`) + step(`\0${user}\0${pass}`) + use('sasl-g'),
  ),
  b(
    'sasl: a step with no conversation',
    step(`\0${user}\0${pass}`) + wrong + step(`\0${user}\0${pass}`) + login + use('sasl-h'),
  ),
  refused(
    'sasl: a step with no key is a protocol error',
    auth('') + step(`\0${user}\0${pass}`, ''),
  ),
  refused('sasl: a second login on a connection fails and unauthenticates it', login + login),
  b('sasl: after a failed second start, a third succeeds', login + wrong + login + use('sasl-i')),
  b(
    'sasl: an unknown mechanism also resets the exchange',
    login + auth('x', 'CRAM-MD5') + login + use('sasl-j'),
  ),
  refused(
    'sasl: a step after success fails and unauthenticates',
    login + step(`\0${user}\0${pass}`) + step(`\0${user}\0${pass}`) + login,
  ),
  b(
    'sasl: a done exchange survives an empty start, not the next real one',
    login + auth('') + step(`\0${user}\0${pass}`) + login + login + use('sasl-k2'),
  ),
  refused('sasl: listing mechanisms unauthenticates', login + bin(OP.SASL_LIST_MECHS)),
  refused('sasl: an empty start after success unauthenticates', login + auth('')),
  b('sasl: version after authentication keeps it', login + bin(OP.VERSION) + use('sasl-l')),
  b('sasl: auth counters in stats', wrong + auth('') + step('') + login + bin(OP.STAT), {
    fresh: true,
    modes: ['whole'],
    // bytes_read counts what was read: the sync request must not be in the same read.
    until: STATS_END,
  }),
];
