import { type ConformanceScript, stepped, store } from '../lib/script.js';

const workload = [
  store('set', 'a', 'alpha'),
  store('set', 'b', 'x'.repeat(500)),
  store('add', 'a', 'no'),
  store('replace', 'zz', 'no'),
  'get a b nope\r\n',
  'gets a\r\n',
  'delete b\r\ndelete b\r\n',
  'incr a 1\r\n',
  store('set', 'n', '5'),
  'incr n 2\r\ndecr n 1\r\ndecr nope 1\r\n',
  'touch a 1000\r\ntouch nope 1\r\n',
  'gat 1000 a nope\r\n',
  'cas a 0 0 1 99999\r\nx\r\ncas nope 0 0 1 1\r\nx\r\n',
  'mg a v\r\nmg nope v\r\nms m 2\r\nhi\r\nmd m\r\nma n\r\nmn\r\n',
  `set big 0 0 2000000\r\n${'y'.repeat(2000000)}\r\n`,
].join('');

/** Storage commands whose data block is bad, too large or never sent. */
const malformed = [
  'set a 0 0 3\r\nabcd\r\n',
  'set b 0 0 -1\r\n',
  'cas a 0 0 1 1\r\nxyz\r\n',
  'append a 0 0 1\r\nxy\r\n',
  'ms c 2\r\nxyz\r\n',
  `set ${'k'.repeat(251)} 0 0 1\r\nx\r\n`,
  'set d 0 0 1048577\r\n',
  `${'d'.repeat(1048577)}\r\n`,
  'incr a x\r\ntouch a x\r\ndelete a 5\r\n',
].join('');

/**
 * A script whose last step is a stats request. It runs on freshly started servers (counters
 * are global), and the last step is sent only after everything before it was answered and
 * ends on the reply itself, so bytes_read never depends on how reads were batched.
 */
function stats(name: string, before: string, last: string, until = 'END\r\n'): ConformanceScript {
  return stepped(name, before ? [before, last] : [last], { fresh: true, until });
}

/**
 * stats and its subcommands after the same workload. Nothing here reads an expired or flushed
 * item: memcached's LRU maintainer thread may reclaim such items first, so even memcached
 * against itself disagrees on get_expired/get_flushed/reclaimed.
 */
export const statsScripts: ConformanceScript[] = [
  stats('stats on a fresh server', '', 'stats\r\n'),
  stats('stats after workload', workload, 'stats\r\n'),
  stats('stats settings', '', 'stats settings\r\n'),
  stats('stats items after workload', workload, 'stats items\r\n'),
  stats('stats slabs after workload', workload, 'stats slabs\r\n'),
  stats('stats sizes', workload, 'stats sizes\r\n'),
  stepped('stats reset', [workload, 'stats reset\r\n', 'stats\r\n'], {
    fresh: true,
    until: [undefined, 'RESET\r\n', 'END\r\n'],
  }),
  stats(
    'stats detail',
    'stats detail on\r\nstats detail dump\r\nstats detail off\r\nstats detail\r\n',
    'stats\r\n',
  ),
  stats('stats unknown subcommand', 'stats nonsense\r\nstats items extra\r\n', 'stats\r\n'),
  stats('stats with trailing space', '', 'stats \r\n'),
  stats(
    'stats too large counter',
    `set big 0 0 2000000\r\n${'y'.repeat(2000000)}\r\n`,
    'stats\r\n',
  ),
  stats('stats slabs after malformed storage commands', malformed, 'stats slabs\r\n'),
  stats('stats after malformed storage commands', malformed, 'stats\r\n'),
  stats(
    'stats after meta commands',
    `mg a N30 v\r\nms b 1 MA\r\nx\r\nmd nope q\r\nma c N0 J5\r\nme a\r\nmn\r\n`,
    'stats\r\n',
  ),
];
