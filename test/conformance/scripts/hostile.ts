import { type ConformanceScript, script, stepped, store } from '../lib/script.js';

/**
 * memcached answers in the same read()'s batch or not at all when it hangs up, so scripts that
 * end in a hang-up are sent whole: split sends make memcached's own reply depend on timing.
 */
const CLOSE = { end: 'close' as const, modes: ['whole' as const] };

const tokens = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`).join(' ');
const keys = (n: number, prefix = 'k') =>
  Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(' ');
const seed = `${store('set', 'k1', 'one')}${store('set', 'k399', 'last', { flags: 7 })}`;

/**
 * Cross-protocol requests (memcached 1.6.18 hangs up on an unknown command whose last token
 * starts with `HTTP/`) and long get lines, which memcached lets grow past its 2048-byte bound.
 */
export const hostileScripts: ConformanceScript[] = [
  script('HTTP GET request line hangs up', 'GET / HTTP/1.0\r\n\r\n', CLOSE),
  script('HTTP PUT with headers hangs up', 'PUT /x HTTP/1.1\r\nHost: a\r\n\r\n', CLOSE),
  script('HTTP DELETE without a path hangs up', 'DELETE HTTP/1.1\r\n', CLOSE),
  script('HTTP POST after a command hangs up unanswered', 'version\r\nPOST / HTTP/1.1\r\n', CLOSE),
  script('HTTP/ alone as a command hangs up', 'HTTP/1.1\r\n', CLOSE),
  script('HTTP status line is an error', 'HTTP/1.1 200 OK\r\nversion\r\n'),
  script('one-letter command with HTTP is an error', 'X / HTTP/1.1\r\nversion\r\n'),
  script('unknown m-command with HTTP hangs up', 'mget a HTTP/1.1\r\n', CLOSE),
  script('HTTP as the 23rd token hangs up', `XX ${tokens(21)} HTTP/1.1 more tokens\r\n`, CLOSE),
  script('HTTP after the 23rd token is an error', `XX ${tokens(22)} HTTP/1.1\r\nversion\r\n`),
  script('get with an HTTP token is a get', `${seed}get / HTTP/1.0\r\n`),
  script('unknown g-command with HTTP is an error', 'gx / HTTP/1.0\r\nversion\r\n'),
  script('unknown s-command with HTTP is an error', 'sx / HTTP/1.0\r\nversion\r\n'),
  script('two-letter m-command with HTTP is an error', 'mx HTTP/1.1\r\nversion\r\n'),
  script('stats with an HTTP token is an error', 'stats HTTP/1.1\r\nversion\r\n'),
  script('lowercase http is an error', 'FOO / http/1.1\r\nversion\r\n'),
  script('HTTP token in the middle is an error', 'FOO HTTP/1.1 x\r\nversion\r\n'),
  // Long get lines are sent split too: the keys then arrive in pieces past 2048 bytes.
  script('long get line', `${seed}get ${keys(400)}\r\n`),
  script('long gets line', `${seed}gets ${keys(400)}\r\n`),
  script('long get line with leading spaces', `${seed}${' '.repeat(90)}get ${keys(400)}\r\n`),
  script('long get line with runs of spaces', `${seed}get ${keys(300).replace(/ /g, '   ')}\r\n`),
  script('long get line ending in spaces', `${seed}get ${keys(400)}    \r\n`),
  script('long get line with bare LF', `${seed}get ${keys(400)}\n`),
  script('long get line with a NUL byte', `${seed}get ${keys(300)} k1\x00 k399 zz\r\nversion\r\n`),
  script('long get line with a CR inside a key', `${seed}get ${keys(400)} k1\r k399\r\n`),
  script(
    'long get line of 250-byte keys',
    `${store('set', 'x'.repeat(250), 'v')}get ${`${'x'.repeat(250)} `.repeat(20)}\r\n`,
  ),
  stepped('long get line with a 251-byte key', [
    seed,
    `get ${keys(300)} k1 ${'y'.repeat(251)} k399\r\nversion\r\n`,
  ]),
  stepped('long get line with an over-long key at its end', [
    seed,
    `get k1 ${keys(300)} ${'y'.repeat(3000)}\r\nversion\r\n`,
  ]),
  script('long get line of spaces only', `get ${' '.repeat(3000)}\r\nversion\r\n`),
  script('long line that is not a get closes', `set ${'k'.repeat(3000)}`, CLOSE),
  script(
    'long line with 101 leading spaces before get closes',
    `${' '.repeat(101)}get ${keys(600)}`,
    CLOSE,
  ),
];
