import { type ConformanceScript, script, stepped, store } from '../lib/script.js';

/** cas: match, mismatch, missing, noreply, malformed unique, and which commands change CAS. */
export const casScripts: ConformanceScript[] = [
  stepped('cas with current value stores', [
    `${store('set', 'k', 'v1')}gets k\r\n`,
    'cas k 5 0 2 {c1}\r\nv2\r\ngets k\r\n',
  ]),
  stepped('cas with stale value is EXISTS', [
    `${store('set', 'k', 'v1')}gets k\r\n`,
    `${store('set', 'k', 'v2')}cas k 0 0 2 {c1}\r\nv3\r\nget k\r\n`,
  ]),
  stepped('cas noreply', [
    `${store('set', 'k', 'v1')}gets k\r\n`,
    'cas k 0 0 2 {c1} noreply\r\nv2\r\ncas k 0 0 2 {c1} noreply\r\nv3\r\nget k\r\n',
  ]),
  stepped(
    'cas twice with the same unique',
    [
      `${store('set', 'k', 'v1')}gets k\r\n`,
      'cas k 0 0 2 {c1}\r\nv2\r\ncas k 0 0 2 {c1}\r\nv3\r\ngets k\r\n',
    ],
    { bytewise: true },
  ),
  script('cas on missing key', 'cas nope 0 0 1 1\r\nx\r\n'),
  script('cas on missing key noreply', 'cas nope 0 0 1 1 noreply\r\nx\r\nget nope\r\n'),
  script('cas unique 0', `${store('set', 'k', 'v')}cas k 0 0 1 0\r\nx\r\nget k\r\n`),
  script(
    'cas unique max u64',
    `${store('set', 'k', 'v')}cas k 0 0 1 18446744073709551615\r\nx\r\n`,
  ),
  script(
    'cas unique overflow',
    `${store('set', 'k', 'v')}cas k 0 0 1 18446744073709551616\r\nx\r\n`,
  ),
  script('cas unique negative', `${store('set', 'k', 'v')}cas k 0 0 1 -1\r\nx\r\n`),
  script('cas unique not numeric', `${store('set', 'k', 'v')}cas k 0 0 1 abc\r\nx\r\n`),
  script('cas missing unique', `${store('set', 'k', 'v')}cas k 0 0 1\r\nx\r\n`),
  script('cas too many fields', `${store('set', 'k', 'v')}cas k 0 0 1 1 noreply x\r\nx\r\n`),
  script('cas with bad data chunk', `${store('set', 'k', 'v')}cas k 0 0 1 1\r\nxyz\r\n`),
  stepped('append changes cas', [
    `${store('set', 'k', 'v')}gets k\r\n`,
    `${store('append', 'k', 'w')}gets k\r\ncas k 0 0 1 {c1}\r\nz\r\n`,
  ]),
  stepped('incr changes cas', [
    `${store('set', 'k', '5')}gets k\r\n`,
    'incr k 1\r\ngets k\r\ncas k 0 0 1 {c1}\r\nz\r\n',
  ]),
  stepped('touch keeps cas', [
    `${store('set', 'k', 'v')}gets k\r\n`,
    'touch k 1000\r\ngets k\r\ncas k 0 0 1 {c1}\r\nz\r\nget k\r\n',
  ]),
  stepped('gat keeps cas', [
    `${store('set', 'k', 'v')}gets k\r\n`,
    'gats 1000 k\r\ncas k 0 0 1 {c1}\r\nz\r\n',
  ]),
  stepped('cas after delete is NOT_FOUND', [
    `${store('set', 'k', 'v')}gets k\r\n`,
    'delete k\r\ncas k 0 0 1 {c1}\r\nz\r\n',
  ]),
  stepped('distinct keys get distinct cas', [
    `${store('set', 'a', '1')}${store('set', 'b', '2')}gets a b\r\n`,
    'cas b 0 0 1 {c1}\r\nx\r\ncas a 0 0 1 {c1}\r\ny\r\ngets a b\r\n',
  ]),
];
