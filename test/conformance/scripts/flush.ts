import { type ConformanceScript, script, store } from '../lib/script.js';

const seed = `${store('set', 'a', 'alpha')}${store('set', 'b', 'beta')}`;

/**
 * flush_all. A delayed flush moves the server's flush horizon into the future, so those scripts
 * run on fresh servers; only the replies that do not depend on the clock are compared.
 */
export const flushScripts: ConformanceScript[] = [
  script('flush_all', `${seed}flush_all\r\nget a b\r\n`, { bytewise: true }),
  script('flush_all noreply', `${seed}flush_all noreply\r\nget a b\r\n`),
  script('flush_all 0', `${seed}flush_all 0\r\nget a\r\n`),
  script('flush_all 0 noreply', `${seed}flush_all 0 noreply\r\nget a\r\n`),
  script('flush_all not numeric', `${seed}flush_all abc\r\nget a\r\n`),
  script('flush_all negative', `${seed}flush_all -1\r\nget a\r\n`, { fresh: true }),
  script('flush_all too many fields', `${seed}flush_all 0 noreply x\r\nget a\r\n`),
  script(
    'flush_all delayed keeps items for now',
    `${seed}flush_all 1000\r\nget a b\r\n${store('set', 'c', 'gamma')}get c\r\n`,
    { fresh: true },
  ),
  script(
    'flush_all then set works at once',
    `${seed}flush_all\r\n${store('set', 'a', 'new')}get a b\r\n`,
  ),
  script('flush_all then add succeeds', `${seed}flush_all\r\n${store('add', 'a', 'new')}get a\r\n`),
  script('flush_all then incr misses', `${store('set', 'n', '1')}flush_all\r\nincr n 1\r\n`),
];
