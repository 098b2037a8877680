import { bin, binDelta, binStore, OP, STATS_END, u32, u64 } from '../lib/binary.js';
import type { ConformanceScript } from '../lib/script.js';

function b(name: string, text: string, extra: Omit<ConformanceScript, 'name' | 'steps'> = {}) {
  return { name, steps: [text], binary: true, ...extra } satisfies ConformanceScript;
}

function bs(name: string, steps: string[], extra: Omit<ConformanceScript, 'name' | 'steps'> = {}) {
  return { name, steps, binary: true, ...extra } satisfies ConformanceScript;
}

const none = '';

/** Binary scripts run on a `-B auto` server: the first byte (0x80) selects the protocol. */
export const binaryScripts: ConformanceScript[] = [
  b(
    'bin set get getk',
    binStore(OP.SET, 'k1', 'hello', { flags: 0xdeadbeef, opaque: 7 }) +
      bin(OP.GET, { key: 'k1', opaque: 8 }) +
      bin(OP.GETK, { key: 'k1', opaque: 9 }) +
      bin(OP.GET, { key: 'missing' }) +
      bin(OP.GETK, { key: 'missing' }),
    { bytewise: true },
  ),
  b(
    'bin value holding a text command is stored, not executed',
    binStore(OP.SET, 'victim', 'alive') +
      binStore(OP.SET, 'carrier', 'x\r\ndelete victim\r\nflush_all\r\n') +
      bin(OP.GET, { key: 'victim' }) +
      bin(OP.GET, { key: 'carrier' }),
  ),
  b(
    'bin quiet get pipeline',
    binStore(OP.SETQ, 'a', '1') +
      binStore(OP.SETQ, 'b', '22') +
      bin(OP.GETQ, { key: 'a' }) +
      bin(OP.GETQ, { key: 'zz' }) +
      bin(OP.GETKQ, { key: 'b' }) +
      bin(OP.GETKQ, { key: 'zz' }) +
      bin(OP.NOOP),
  ),
  b(
    'bin add replace and quiet errors',
    binStore(OP.ADD, 'k', 'v1') +
      binStore(OP.ADD, 'k', 'v2') +
      binStore(OP.ADDQ, 'k', 'v3') +
      binStore(OP.REPLACE, 'nope', 'x') +
      binStore(OP.REPLACEQ, 'nope', 'x') +
      binStore(OP.REPLACE, 'k', 'v4') +
      binStore(OP.REPLACEQ, 'k', 'v5') +
      bin(OP.GET, { key: 'k' }),
  ),
  bs('bin cas', [
    binStore(OP.SET, 'c', 'one') + bin(OP.GET, { key: 'c' }),
    binStore(OP.SET, 'c', 'two', { cas: '{cas:01}' }) +
      binStore(OP.SET, 'c', 'three', { cas: '{cas:01}' }) +
      binStore(OP.SET, 'nocas', 'x', { cas: 12345 }) +
      binStore(OP.ADD, 'c', 'four', { cas: 999999 }) +
      bin(OP.GET, { key: 'c' }),
  ]),
  bs('bin delete with cas', [
    binStore(OP.SET, 'd', 'v'),
    bin(OP.DELETE, { key: 'd', cas: 424242 }) +
      bin(OP.DELETE, { key: 'd', cas: '{cas:01}' }) +
      bin(OP.DELETE, { key: 'd' }) +
      binStore(OP.SET, 'd2', 'v') +
      bin(OP.DELETEQ, { key: 'd2' }) +
      bin(OP.DELETEQ, { key: 'd2' }) +
      bin(OP.GET, { key: 'd2' }),
  ]),
  b(
    'bin incr decr',
    binDelta(OP.INCREMENT, 'n', 5, 10, 0) +
      binDelta(OP.INCREMENT, 'n', 5, 10, 0) +
      binDelta(OP.DECREMENT, 'n', 100, 0, 0) +
      binDelta(OP.INCREMENT, 'none', 1, 0, 0xffffffff) +
      binDelta(OP.DECREMENT, 'none', 1, 0, 0xffffffff) +
      binStore(OP.SET, 'txt', 'abc') +
      binDelta(OP.INCREMENT, 'txt', 1, 0, 0) +
      binStore(OP.SET, 'big', '18446744073709551615') +
      binDelta(OP.INCREMENT, 'big', 2, 0, 0) +
      bin(OP.GET, { key: 'big' }) +
      binDelta(OP.INCREMENTQ, 'n', 1, 0, 0) +
      binDelta(OP.DECREMENTQ, 'none', 1, 0, 0xffffffff) +
      bin(OP.GET, { key: 'n' }),
  ),
  bs('bin incr with cas', [
    binDelta(OP.INCREMENT, 'ic', 1, 7, 0),
    binDelta(OP.INCREMENT, 'ic', 1, 0, 0, { cas: 5555 }) +
      binDelta(OP.INCREMENT, 'ic', 1, 0, 0, { cas: '{cas:01}' }),
  ]),
  b(
    'bin append prepend',
    binStore(OP.SET, 'ap', 'mid', { flags: 3 }) +
      bin(OP.APPEND, { key: 'ap', value: '-end' }) +
      bin(OP.PREPEND, { key: 'ap', value: 'start-' }) +
      bin(OP.APPENDQ, { key: 'ap', value: '!' }) +
      bin(OP.PREPENDQ, { key: 'missing', value: 'x' }) +
      bin(OP.APPEND, { key: 'missing', value: 'x' }) +
      bin(OP.GET, { key: 'ap' }),
  ),
  b(
    'bin touch gat gatk',
    binStore(OP.SET, 't', 'val', { flags: 9 }) +
      bin(OP.TOUCH, { key: 't', extras: u32(100) }) +
      bin(OP.GAT, { key: 't', extras: u32(200) }) +
      bin(OP.GATK, { key: 't', extras: u32(300) }) +
      bin(OP.GATQ, { key: 't', extras: u32(0) }) +
      bin(OP.GATKQ, { key: 't', extras: u32(0) }) +
      bin(OP.TOUCH, { key: 'no', extras: u32(1) }) +
      bin(OP.GAT, { key: 'no', extras: u32(1) }) +
      bin(OP.GATK, { key: 'no', extras: u32(1) }) +
      bin(OP.GATQ, { key: 'no', extras: u32(1) }) +
      bin(OP.GATKQ, { key: 'no', extras: u32(1) }) +
      bin(OP.NOOP),
  ),
  b(
    'bin touch to the past expires',
    binStore(OP.SET, 'tp', 'v') +
      bin(OP.TOUCH, { key: 'tp', extras: u32(1000000000) }) +
      bin(OP.GET, { key: 'tp' }),
  ),
  b(
    'bin flush and flushq',
    binStore(OP.SET, 'f', 'v') +
      bin(OP.FLUSH) +
      bin(OP.GET, { key: 'f' }) +
      binStore(OP.SET, 'f', 'v') +
      bin(OP.FLUSHQ, { extras: u32(0) }) +
      bin(OP.GET, { key: 'f' }) +
      binStore(OP.SET, 'g', 'v') +
      bin(OP.FLUSH, { extras: u32(3600) }) +
      bin(OP.GET, { key: 'g' }),
  ),
  b('bin version noop', bin(OP.VERSION) + bin(OP.NOOP, { opaque: 0x01020304 })),
  b('bin quit', binStore(OP.SET, 'q', 'v') + bin(OP.QUIT), { end: 'close' }),
  b('bin quitq', bin(OP.GET, { key: 'q' }) + bin(OP.QUITQ), { end: 'close' }),
  b(
    'bin unknown opcodes and verbosity',
    bin(0x1b, { extras: u32(1) }) + bin(0x50, { key: 'k', value: 'abc' }) + bin(OP.NOOP),
    // The over-long swallow (below) makes the next packet garbage, and whether memcached sent
    // the first reply before it closes depends on how its reads fall: sent whole only.
    { end: 'close', modes: ['whole'] },
  ),
  b('bin unknown opcode without a body', bin(0x1b) + bin(0x60) + bin(OP.NOOP)),
  b(
    'bin unknown opcode swallows its whole body length',
    // memcached skips bodylen bytes after the key and extras it already read, so the next
    // request's first bytes are eaten too; a pipeline after it must line up the same way.
    `${bin(0x55, { key: 'abcd', extras: 'xy', value: 'v' })}pad-to${bin(OP.NOOP, { opaque: 77 })}`,
  ),
  b('bin get with extras is a protocol error', bin(OP.GET, { key: 'k', extras: 'xxxx' }), {
    end: 'close',
  }),
  b('bin set without extras is a protocol error', bin(OP.SET, { key: 'k', value: 'v' }), {
    end: 'close',
  }),
  b('bin key longer than 250', bin(OP.GET, { key: 'k'.repeat(251) }), { end: 'close' }),
  b('bin key and extras longer than the body', bin(OP.GET, { key: 'kk', bodyLength: 1 }), {
    end: 'close',
  }),
  b('bin version with a body', bin(OP.VERSION, { value: 'x' }), { end: 'close' }),
  b('bin noop with a key', bin(OP.NOOP, { key: 'x' }), { end: 'close' }),
  b('bin delete without key', bin(OP.DELETE), { end: 'close' }),
  b('bin incr with short extras', bin(OP.INCREMENT, { key: 'x', extras: u64(1) }), {
    end: 'close',
  }),
  b('bin flush with a key', bin(OP.FLUSH, { key: 'x' }), { end: 'close' }),
  b('bin bad magic after a request', `${bin(OP.NOOP)}get foo\r\n${'x'.repeat(20)}`, {
    end: 'close',
    modes: ['whole'],
  }),
  b(
    'bin value too large is swallowed',
    binStore(OP.SET, 'big', 'v') +
      binStore(OP.SET, 'big', 'x'.repeat(1024 * 1024 + 1)) +
      bin(OP.GET, { key: 'big' }) +
      bin(OP.APPEND, { key: 'big', value: 'y'.repeat(1024 * 1024 + 1) }) +
      bin(OP.NOOP),
  ),
  b(
    'bin sasl without -S',
    bin(OP.SASL_LIST_MECHS) + bin(OP.SASL_AUTH, { key: 'PLAIN', value: '\0u\0p' }) + bin(OP.NOOP),
  ),
  b(
    'bin keys with any bytes',
    binStore(OP.SET, 'a b\r\nc', 'sp') +
      binStore(OP.SET, '\x00\xff', 'nul') +
      bin(OP.GETK, { key: 'a b\r\nc' }) +
      bin(OP.GETK, { key: '\x00\xff' }),
  ),
  b(
    'bin empty value and zero-length append',
    binStore(OP.SET, 'e', none) +
      bin(OP.GET, { key: 'e' }) +
      bin(OP.APPEND, { key: 'e', value: none }) +
      bin(OP.GET, { key: 'e' }),
  ),
  b('bin stat settings', bin(OP.STAT, { key: 'settings' }) + bin(OP.NOOP), { fresh: true }),
  b(
    'bin stat general after traffic',
    binStore(OP.SET, 's', 'v') +
      bin(OP.GET, { key: 's' }) +
      bin(OP.GET, { key: 'miss' }) +
      bin(OP.DELETE, { key: 'miss' }) +
      bin(OP.STAT),
    // bytes_read counts what was read: the sync request must not be in the same read.
    { fresh: true, until: STATS_END },
  ),
  b(
    'bin stat items slabs sizes',
    binStore(OP.SET, 's', 'v') +
      bin(OP.STAT, { key: 'items' }) +
      bin(OP.STAT, { key: 'slabs' }) +
      bin(OP.STAT, { key: 'sizes' }) +
      bin(OP.NOOP),
    { fresh: true },
  ),
  b(
    'bin stat detail and unknown groups',
    bin(OP.STAT, { key: 'detail on' }) +
      binStore(OP.SET, 'p:x', 'v') +
      bin(OP.GET, { key: 'p:x' }) +
      bin(OP.STAT, { key: 'detail dump' }) +
      bin(OP.STAT, { key: 'detail off' }) +
      bin(OP.STAT, { key: 'detail what' }) +
      bin(OP.STAT, { key: 'conns' }) +
      bin(OP.STAT, { key: 'nonsense' }) +
      bin(OP.STAT, { key: 'reset' }) +
      bin(OP.NOOP),
    { fresh: true },
  ),
];

/** On a `-B binary` server: text is not understood (the connection closes). */
export const binaryOnlyScripts: ConformanceScript[] = [
  b('binary-only stat settings', bin(OP.STAT, { key: 'settings' }) + bin(OP.NOOP), {
    fresh: true,
  }),
  b('binary-only get', binStore(OP.SET, 'k', 'v') + bin(OP.GET, { key: 'k' })),
  b('binary-only text request closes', 'get k\r\nget k\r\nget k\r\nget k\r\n', {
    end: 'close',
    modes: ['whole'],
  }),
];

/** On a `-B ascii` server binary requests are read as text lines (text transcripts). */
export const asciiOnlyScripts: ConformanceScript[] = [
  {
    name: 'ascii-only: a binary request with a newline in its key is text garbage',
    steps: [`${bin(OP.GET, { key: 'k\r\n' })}version\r\n`],
  },
  {
    name: 'ascii-only: a binary request without a newline closes past 2048 bytes',
    steps: [binStore(OP.SET, 'k', 'v'.repeat(3000))],
    end: 'close',
    modes: ['whole'],
  },
  { name: 'ascii-only: stats settings', steps: ['stats settings\r\n'], fresh: true },
];

/** On a server started with -C (no CAS) and -F (no flush_all). */
export const binarySettingsScripts: ConformanceScript[] = [
  b(
    'bin -C: a CAS sent with a store is ignored, with a delete or incr it never matches',
    binStore(OP.SET, 'nc1', 'v') +
      binStore(OP.SET, 'nc1', 'w', { cas: 5 }) +
      binStore(OP.ADD, 'nc2', 'v', { cas: 5 }) +
      bin(OP.APPEND, { key: 'nc1', value: '!', cas: 5 }) +
      bin(OP.GET, { key: 'nc1' }) +
      binDelta(OP.INCREMENT, 'nc3', 1, 1, 0) +
      binDelta(OP.INCREMENT, 'nc3', 1, 1, 0, { cas: 5 }) +
      bin(OP.DELETE, { key: 'nc1', cas: 5 }) +
      bin(OP.DELETE, { key: 'nc1' }),
    // Without flush_all between runs, each send mode needs servers of its own.
    { fresh: true },
  ),
  b('bin -F: flush is refused with an auth error', bin(OP.FLUSH) + bin(OP.FLUSHQ)),
];
