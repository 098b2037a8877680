import { type ConformanceScript, script, stepped, store } from '../lib/script.js';

/** Scripts for a server started with -C (no CAS): every CAS reads as 0. */
export const noCasScripts: ConformanceScript[] = [
  script('no-cas gets', `${store('set', 'nc1', 'v')}gets nc1\r\n`),
  script(
    'no-cas cas command',
    `${store('set', 'nc2', 'v')}cas nc2 0 0 1 0\r\nx\r\ncas nc2 0 0 1 1\r\ny\r\nget nc2\r\n`,
  ),
  script(
    'no-cas mg c',
    `${store('set', 'nc3', 'v')}mg nc3 c v\r\nms nc3 1 c\r\nx\r\nma nc4 N0 J1 c\r\n`,
  ),
  script(
    'no-cas ms C',
    `${store('set', 'nc5', 'v')}ms nc5 1 C0\r\nx\r\nms nc5 1 C5\r\ny\r\nmg nc5 v\r\n`,
  ),
  script('no-cas me', `${store('set', 'nc6', 'v')}me nc6\r\n`),
  script('no-cas item size in stats', `${store('set', 'nc7', 'v')}stats slabs\r\n`, {
    fresh: true,
  }),
  stepped('no-cas stats settings', ['stats settings\r\n'], { fresh: true, until: 'END\r\n' }),
  // Without CAS, memcached keeps flush_all's time as given (with CAS it keeps one second less).
  stepped(
    'no-cas stats settings after a delayed flush_all',
    ['flush_all 100\r\nstats settings\r\n'],
    {
      fresh: true,
      until: 'END\r\n',
    },
  ),
];

/** Scripts for a server started with -F (flush_all disabled). */
export const noFlushScripts: ConformanceScript[] = [
  script(
    'no-flush flush_all',
    `${store('set', 'nf1', 'v')}flush_all\r\nflush_all 0\r\nflush_all noreply\r\nget nf1\r\n`,
  ),
  stepped('no-flush counts cmd_flush', ['flush_all\r\nflush_all noreply\r\n', 'stats\r\n'], {
    fresh: true,
    until: [undefined, 'END\r\n'],
  }),
  stepped('no-flush stats settings', ['stats settings\r\n'], { fresh: true, until: 'END\r\n' }),
];
