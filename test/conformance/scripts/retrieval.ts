import { type ConformanceScript, script, stepped, store } from '../lib/script.js';

const seed = `${store('set', 'a', 'alpha', { flags: 1 })}${store('set', 'b', 'beta', { flags: 4294967295 })}${store('set', 'c', '')}`;
const manyKeys = (n: number, prefix = 'key') =>
  Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(' ');

/** get / gets: hits, misses, many keys, odd spacing, limits. */
export const retrievalScripts: ConformanceScript[] = [
  ...['get', 'gets'].flatMap((cmd) => [
    script(`${cmd} hit`, `${seed}${cmd} a\r\n`, { bytewise: cmd === 'get' }),
    script(`${cmd} miss`, `${cmd} nope\r\n`),
    script(`${cmd} multiple keys mixed hits`, `${seed}${cmd} a nope b c\r\n`),
    script(`${cmd} duplicate keys`, `${seed}${cmd} a a a\r\n`),
    script(`${cmd} no key`, `${cmd}\r\n`),
    script(`${cmd} only a space`, `${cmd} \r\n`),
    script(`${cmd} trailing spaces`, `${seed}${cmd} a   \r\n`),
    script(`${cmd} leading spaces`, `${seed}   ${cmd} a\r\n`),
    script(`${cmd} multiple spaces between keys`, `${seed}${cmd} a    b\r\n`),
    script(`${cmd} tab between keys`, `${seed}${cmd} a\tb\r\n`),
    script(`${cmd} 24 keys`, `${seed}${cmd} ${manyKeys(24)} a\r\n`),
    script(`${cmd} 300 keys (line over 2048 bytes)`, `${seed}${cmd} ${manyKeys(300)} b\r\n`),
    script(`${cmd} 2000 keys`, `${seed}${cmd} ${manyKeys(2000, 'longer-key-name-')} c\r\n`),
    script(`${cmd} key 250`, `${store('set', 'x'.repeat(250), 'v')}${cmd} ${'x'.repeat(250)}\r\n`),
    // memcached drops every reply still queued on the connection when a get fails on a long key
    // (conn_release_items), so what survives depends on read batching: the failing get runs
    // alone, after a sync.
    stepped(`${cmd} key 251 among valid keys`, [seed, `${cmd} a ${'x'.repeat(251)} b\r\n`]),
    script(`${cmd} bare LF`, `${seed}${cmd} a\n`),
    script(`${cmd} uppercase`, `${seed}${cmd.toUpperCase()} a\r\n`),
  ]),
  ...[22, 23, 24, 25, 47, 48].map((n) =>
    script(
      `get with ${n} keys (tokenizer batch boundary)`,
      `${seed}get ${manyKeys(n - 2)} a b\r\n`,
    ),
  ),
  script(
    'pipelined 2000 commands',
    Array.from({ length: 1000 }, (_, i) => `${store('set', `p${i}`, `v${i}`)}get p${i}\r\n`).join(
      '',
    ),
  ),
  script('get after flush', `${seed}flush_all\r\nget a b c\r\n`),
  script(
    'gets cas changes on every set',
    `${store('set', 'a', '1')}gets a\r\n${store('set', 'a', '2')}gets a\r\ngets a\r\n`,
  ),
  script(
    'binary value round trip',
    `set bin 0 0 256\r\n${Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('')}\r\nget bin\r\n`,
  ),
];
