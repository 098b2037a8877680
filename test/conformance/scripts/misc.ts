import { type ConformanceScript, script, store } from '../lib/script.js';

/** Lines over 2048 bytes: memcached closes only if no newline has arrived by then. */
const WHOLE = { modes: ['whole' as const] };

/** version, verbosity, quit, shutdown, unknown commands and line-level oddities. */
export const miscScripts: ConformanceScript[] = [
  script('version', 'version\r\n', { bytewise: true }),
  script('version with argument', 'version x\r\n'),
  script('verbosity', 'verbosity\r\n'),
  script('verbosity 1', 'verbosity 1\r\n'),
  script('verbosity 0 noreply', 'verbosity 0 noreply\r\nversion\r\n'),
  script('verbosity not numeric', 'verbosity abc\r\n'),
  script('verbosity too many fields', 'verbosity 1 2 3\r\n'),
  script('quit', `${store('set', 'k', 'v')}quit\r\n`, { end: 'close', bytewise: true }),
  script('quit discards what follows', 'version\r\nquit\r\nversion\r\nget k\r\n', { end: 'close' }),
  script('quit with argument', 'quit now\r\n', { end: 'close' }),
  script('shutdown not enabled', 'shutdown\r\n'),
  script('shutdown graceful not enabled', 'shutdown graceful\r\n'),
  script('unknown command', 'foo\r\n'),
  script('unknown command with arguments', 'foo bar baz\r\n'),
  script('empty line', '\r\n'),
  script('empty lines and bare LF', '\r\n\n\r\nversion\r\n'),
  script('only spaces', '   \r\n'),
  script('lone CR inside line', 'ver\rsion\r\n'),
  script('NUL byte command', '\x00\r\n'),
  script('high bytes command', '\xff\xfe\r\n'),
  script('line of 2047 bytes', `${'x'.repeat(2047)}\r\nversion\r\n`, WHOLE),
  script('line of 2049 bytes', `${'x'.repeat(2049)}\r\nversion\r\n`, WHOLE),
  script('line of 8000 bytes', `${'x'.repeat(8000)}\r\nversion\r\n`, WHOLE),
  script('set line over 2048 bytes', `set ${'k'.repeat(3000)} 0 0 1\r\nx\r\nversion\r\n`, WHOLE),
  script('unterminated long line closes', 'x'.repeat(5000), { end: 'close' }),
  script('unterminated long get line', `get ${'k '.repeat(3000)}`, { end: 'close' }),
  script('misbehave', 'misbehave\r\n'),
];
