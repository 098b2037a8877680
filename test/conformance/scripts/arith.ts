import { type ConformanceScript, script, store } from '../lib/script.js';

const U64_MAX = '18446744073709551615';

function arith(
  cmd: 'incr' | 'decr',
  initial: string,
  delta: string,
  extra = '',
): ConformanceScript {
  return script(
    `${cmd} ${JSON.stringify(initial)} by ${JSON.stringify(delta)}${extra ? ` ${extra}` : ''}`,
    `${store('set', 'n', initial, { flags: 5 })}${cmd} n ${delta}${extra ? ` ${extra}` : ''}\r\nget n\r\ngets n\r\n`,
  );
}

const VALUES = [
  '0',
  '1',
  '9',
  '10',
  '99',
  '100',
  '1000',
  U64_MAX,
  '18446744073709551614',
  '18446744073709551616',
  '-1',
  'abc',
  '12abc',
  ' 12',
  '12 ',
  '',
  '007',
  '99999999999999999999999',
];
const DELTAS = [
  '1',
  '0',
  '2',
  '100',
  U64_MAX,
  '18446744073709551616',
  '-1',
  'abc',
  '1.5',
  '+1',
  '',
];

/** incr / decr: wrap at 2^64, decr floor at 0, length changes, non-numeric values and deltas. */
export const arithScripts: ConformanceScript[] = [
  ...VALUES.flatMap((v) => [arith('incr', v, '1'), arith('decr', v, '1')]),
  ...DELTAS.filter((d) => d !== '1').flatMap((d) => [
    arith('incr', '10', d),
    arith('decr', '10', d),
  ]),
  arith('incr', '5', '3', 'noreply'),
  arith('decr', '5', '3', 'noreply'),
  arith('incr', 'x', '3', 'noreply'),
  arith('decr', '100', '1', 'extra'),
  script('incr missing key', 'incr nope 1\r\ndecr nope 1\r\n'),
  script('incr missing key noreply', 'incr nope 1 noreply\r\ndecr nope 1 noreply\r\nget nope\r\n'),
  script('incr without delta', `${store('set', 'n', '1')}incr n\r\ndecr n\r\n`),
  script('incr without key', 'incr\r\ndecr\r\n'),
  script(
    'decr shrinks length then incr grows it',
    `${store('set', 'n', '1000')}decr n 1\r\nget n\r\nincr n 1\r\nget n\r\nincr n 9000\r\nget n\r\n`,
    { bytewise: true },
  ),
  script(
    'incr wraps to zero',
    `${store('set', 'n', U64_MAX)}incr n 1\r\nget n\r\nincr n ${U64_MAX}\r\nget n\r\n`,
  ),
  script('incr key too long', `incr ${'k'.repeat(251)} 1\r\n`),
  script(
    'append then incr',
    `${store('set', 'n', '1')}${store('append', 'n', '2')}incr n 1\r\nget n\r\n`,
  ),
];
