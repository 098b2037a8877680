import { type ConformanceScript, script, stepped, store } from '../lib/script.js';

const COMMANDS = ['set', 'add', 'replace', 'append', 'prepend'] as const;

/** Every storage command against a missing and an existing key, with and without noreply. */
function commandMatrix(): ConformanceScript[] {
  const out: ConformanceScript[] = [];
  for (const cmd of COMMANDS) {
    for (const existing of [false, true]) {
      for (const noreply of [false, true]) {
        const pre = existing ? store('set', 'k', 'old', { flags: 7 }) : '';
        out.push(
          script(
            `${cmd} ${existing ? 'existing' : 'missing'} key${noreply ? ' noreply' : ''}`,
            `${pre}${store(cmd, 'k', 'new', { flags: 3, noreply })}get k\r\ngets k\r\n`,
            { bytewise: cmd === 'set' && !existing },
          ),
        );
      }
    }
  }
  return out;
}

const FLAGS = [
  '0',
  '1',
  '65535',
  '65536',
  '4294967295',
  '4294967296',
  '-1',
  'abc',
  '1.5',
  '0x10',
  '01',
  '+1',
  '',
];
const EXPTIMES = [
  '0',
  '-1',
  '1000',
  '2592000',
  '2592001',
  '1000000000',
  '99999999999',
  'abc',
  '1.5',
  '-2592001',
  '+5',
  '',
];
const LENGTHS = [
  '-1',
  'abc',
  '1.5',
  '4294967295',
  '4294967296',
  '18446744073709551616',
  '+1',
  '01',
  '',
];

function fieldVariants(): ConformanceScript[] {
  const out: ConformanceScript[] = [];
  for (const cmd of ['set', 'add', 'append'] as const) {
    for (const f of FLAGS) {
      out.push(script(`${cmd} flags ${JSON.stringify(f)}`, `${cmd} k ${f} 0 1\r\nx\r\nget k\r\n`));
    }
  }
  for (const e of EXPTIMES) {
    out.push(
      script(`set exptime ${JSON.stringify(e)}`, `set k 0 ${e} 1\r\nx\r\nget k\r\nmg k v t\r\n`),
    );
  }
  for (const n of LENGTHS) {
    out.push(script(`set length ${JSON.stringify(n)}`, `set k 0 0 ${n}\r\nx\r\nget k\r\n`));
  }
  return out;
}

const keyOf = (n: number) => 'k'.repeat(n);

function misc(): ConformanceScript[] {
  return [
    script(
      'set then overwrite changes flags and value',
      `${store('set', 'k', 'aaaa', { flags: 1 })}${store('set', 'k', 'b', { flags: 2 })}get k\r\n`,
    ),
    script('set empty value', `${store('set', 'k', '')}get k\r\n`, { bytewise: true }),
    script('value with CRLF and NUL inside', `set k 0 0 6\r\na\r\n\x00b\xff\r\nget k\r\n`, {
      bytewise: true,
    }),
    script('data block longer than declared', 'set k 0 0 3\r\nabcd\r\nget k\r\n'),
    script('data block shorter than declared', 'set k 0 0 3\r\nab\r\n\r\nget k\r\n'),
    script('data block terminated by bare LF', 'set k 0 0 1\n1\nget k\r\n'),
    script('data block without terminator then command', 'set k 0 0 2\r\nabXXget k\r\n'),
    script('bare LF command lines', 'set k 0 0 1\n1\r\nget k\nversion\n'),
    script('key of 250 bytes', `${store('set', keyOf(250), 'v')}get ${keyOf(250)}\r\n`),
    // The failing get runs alone after a sync: see retrieval.ts on conn_release_items.
    stepped('key of 251 bytes', [store('set', keyOf(251), 'v'), `get ${keyOf(251)}\r\n`]),
    script('key with control character', `${store('set', 'a\x01b', 'v')}get a\x01b\r\n`),
    script('key with DEL and high bytes', `${store('set', 'a\x7f\xe9', 'v')}get a\x7f\xe9\r\n`),
    script('extra spaces between fields', 'set  k  0  0  1\r\nx\r\nget   k\r\n'),
    script('trailing space after length', 'set k 0 0 1 \r\nx\r\nget k\r\n'),
    script('tab separated storage line', 'set\tk\t0\t0\t1\r\nx\r\nget k\r\n'),
    script('missing length', 'set k 0 0\r\nget k\r\n'),
    script('missing everything', 'set\r\nset k\r\nset k 0\r\n'),
    script('too many fields', 'set k 0 0 1 noreply extra\r\nx\r\nget k\r\n'),
    script('misspelled noreply', 'set k 0 0 1 norepl\r\nx\r\nget k\r\n'),
    script('uppercase NOREPLY', 'set k 0 0 1 NOREPLY\r\nx\r\nget k\r\n'),
    script('uppercase command', 'SET k 0 0 1\r\nx\r\nget k\r\n'),
    script(
      'append keeps flags',
      `${store('set', 'k', 'a', { flags: 9 })}${store('append', 'k', 'b', { flags: 1 })}${store('prepend', 'k', 'c', { flags: 2 })}gets k\r\n`,
    ),
    script(
      'append to empty value',
      `${store('set', 'k', '')}${store('append', 'k', 'xyz')}get k\r\n`,
    ),
    script(
      'pipelined many sets',
      Array.from({ length: 50 }, (_, i) => store('set', `p${i}`, `value-${i}`)).join('') +
        `get ${Array.from({ length: 50 }, (_, i) => `p${i}`).join(' ')}\r\n`,
    ),
    script('noreply set then error', 'set k 0 0 1 noreply\r\nxx\r\nget k\r\n'),
    script(
      'add existing noreply then get',
      `${store('set', 'k', '1')}${store('add', 'k', '2', { noreply: true })}get k\r\n`,
    ),
  ];
}

/** Text storage commands: set/add/replace/append/prepend. */
export const storageScripts: ConformanceScript[] = [
  ...commandMatrix(),
  ...fieldVariants(),
  ...misc(),
];
