import { type ConformanceScript, script, stepped, store } from '../lib/script.js';

const seed = `${store('set', 'a', 'alpha', { flags: 2 })}${store('set', 'b', 'beta')}`;
const EXPTIMES = ['0', '1000', '-1', 'abc', '1.5', '1000000000', ''];

/** touch, gat, gats. */
export const touchScripts: ConformanceScript[] = [
  script('touch hit', `${seed}touch a 1000\r\nmg a t v\r\n`, { bytewise: true }),
  script('touch miss', 'touch nope 1000\r\n'),
  script('touch noreply', `${seed}touch a 1000 noreply\r\ntouch nope 10 noreply\r\nmg a t\r\n`),
  script('touch without exptime', `${seed}touch a\r\n`),
  script('touch without key', 'touch\r\n'),
  script('touch too many fields', `${seed}touch a 1 noreply x\r\n`),
  script('touch key 251', `touch ${'k'.repeat(251)} 10\r\n`),
  ...EXPTIMES.map((e) =>
    script(`touch exptime ${JSON.stringify(e)}`, `${seed}touch a ${e}\r\nget a\r\nmg a t\r\n`),
  ),
  ...['gat', 'gats'].flatMap((cmd) => [
    script(`${cmd} hit`, `${seed}${cmd} 1000 a\r\nmg a t\r\n`, { bytewise: cmd === 'gat' }),
    script(`${cmd} miss`, `${cmd} 1000 nope\r\n`),
    script(`${cmd} multiple keys`, `${seed}${cmd} 1000 a nope b\r\nmg b t\r\n`),
    script(`${cmd} no keys`, `${seed}${cmd} 1000\r\n`),
    script(`${cmd} nothing`, `${cmd}\r\n`),
    script(`${cmd} exptime not numeric`, `${seed}${cmd} abc a\r\n`),
    script(`${cmd} negative exptime expires after returning`, `${seed}${cmd} -1 a\r\nget a\r\n`),
    script(
      `${cmd} zero exptime clears ttl`,
      `${store('set', 'a', 'v', { exptime: 1000 })}${cmd} 0 a\r\nmg a t\r\n`,
    ),
    // The failing gat runs alone after a sync: see retrieval.ts on conn_release_items.
    stepped(`${cmd} key 251`, [seed, `${cmd} 10 ${'k'.repeat(251)}\r\n`]),
  ]),
];
