import { type ConformanceScript, script, stepped, store } from '../lib/script.js';

const seed = `${store('set', 'a', 'alpha', { flags: 9, exptime: 1000 })}${store('set', 'n', '10')}`;
const MG_FLAGS = [
  'v',
  'k',
  's',
  'f',
  't',
  'c',
  'h',
  'l',
  'O123',
  'q',
  'u',
  'E77',
  'N100',
  'R30',
  'T500',
  'x',
  'Z',
  'W',
  'X',
  'Oabcdefghijklmnopqrstuvwxyz012345',
  'Oabcdefghijklmnopqrstuvwxyz0123456',
];

/** mg with every flag, alone and combined, on a hit and on a miss. */
function metaGet(): ConformanceScript[] {
  const out: ConformanceScript[] = [];
  for (const f of MG_FLAGS) {
    out.push(script(`mg hit ${f}`, `${seed}mg a ${f}\r\nmg a v\r\n`));
    out.push(script(`mg miss ${f}`, `mg nope ${f}\r\nmg nope v\r\n`));
  }
  out.push(
    script('mg all flags', `${seed}mg a v k s f t c h l O9\r\nmg a h l\r\n`, { bytewise: true }),
    script('mg no flags', `${seed}mg a\r\nmg nope\r\n`),
    script('mg duplicate flags', `${seed}mg a v v k k\r\n`),
    script('mg unknown flag', `${seed}mg a !\r\nmg a v @\r\n`),
    script('mg lowercase unknown flag', `${seed}mg a y\r\n`),
    script('mg no key', 'mg\r\nmg \r\n'),
    script('mg key 250 and 251', `mg ${'k'.repeat(250)} v\r\nmg ${'k'.repeat(251)} v\r\n`),
    script('mg base64 key', `${seed}mg YQ== b v k\r\nmg bm9wZQ== b k O1\r\n`),
    script('mg invalid base64 key', 'mg !!!! b v\r\nmg YQ b v\r\n'),
    script('mg quiet hit and miss with mn', `${seed}mg a v q\r\nmg nope v q\r\nmg a q k\r\nmn\r\n`),
    script('mg quiet miss with opaque', 'mg nope q O5 k\r\nmn\r\n'),
    script('mg on expired item', `${store('set', 'e', 'v', { exptime: -1 })}mg e v\r\n`),
    script('mg T updates ttl', `${seed}mg a T0 t\r\nmg a t\r\nmg a T-1 v\r\nmg a v\r\n`),
    script('mg T not numeric', `${seed}mg a Tabc\r\n`),
    script('mg N not numeric', 'mg nope Nabc v\r\n'),
    script('mg R not numeric', `${seed}mg a Rabc v\r\n`),
    script('mg vivify flow', 'mg viv N100 v c t\r\nmg viv N100 v c t\r\nmg viv v\r\n'),
    script(
      'mg vivify then set clears W',
      `mg viv N100 s\r\nms viv 3 T100\r\nnew\r\nmg viv v N100\r\n`,
    ),
    script('mg recache flow', `${seed}mg a R2000 v t\r\nmg a R2000 v t\r\nmg a R10 v\r\n`),
    script('mg h and l after fetches', `${seed}mg a h l\r\nmg a h l\r\nget a\r\nmg a h\r\n`),
    script('mg E sets cas on vivify', 'mg viv N100 E999 c\r\nmg viv c\r\n'),
    script('mg extra spaces', `${seed}mg  a  v\r\nmg a v \r\n`),
    script('mg bare LF', `${seed}mg a v\nmn\n`),
    script('mg flag token too long', `${seed}mg a O${'x'.repeat(40)}\r\n`),
    script('mg many flags', `${seed}mg a ${'v '.repeat(30)}\r\n`),
  );
  return out;
}

const MODES = ['', 'ME', 'MA', 'MP', 'MR', 'MS', 'Ms', 'Ma', 'MX', 'M', 'MEE'];

function metaSet(): ConformanceScript[] {
  const out: ConformanceScript[] = [];
  for (const mode of MODES) {
    for (const existing of [false, true]) {
      const pre = existing ? store('set', 'k', 'old', { flags: 4 }) : '';
      out.push(
        script(
          `ms mode ${JSON.stringify(mode)} ${existing ? 'existing' : 'missing'}`,
          `${pre}ms k 3 ${mode}\r\nnew\r\nmg k v f\r\n`,
        ),
      );
    }
  }
  const flagCases: [string, string][] = [
    ['T', 'T100'],
    ['T negative', 'T-1'],
    ['T not numeric', 'Tabc'],
    ['F', 'F77'],
    ['F max', 'F4294967295'],
    ['F overflow', 'F4294967296'],
    ['F not numeric', 'Fx'],
    ['k', 'k'],
    ['O', 'O42'],
    ['c', 'c'],
    ['q', 'q'],
    ['b', 'b'],
    ['I', 'I'],
    ['s', 's'],
    ['unknown', '!'],
    ['E', 'E12345'],
    ['C 0', 'C0'],
    ['C not numeric', 'Cx'],
    ['S', 'S3'],
    ['N', 'N100'],
  ];
  for (const [label, flag] of flagCases) {
    out.push(script(`ms flag ${label}`, `ms k 3 ${flag}\r\nnew\r\nmg k v f t c\r\nmn\r\n`));
  }
  out.push(
    script('ms basic', 'ms k 2\r\nhi\r\nmg k v\r\n', { bytewise: true }),
    script('ms zero length', 'ms k 0\r\n\r\nmg k v s\r\n'),
    script('ms missing length', 'ms k\r\nmg k v\r\n'),
    script('ms length not numeric', 'ms k abc\r\nhi\r\n'),
    script('ms negative length', 'ms k -1\r\nhi\r\n'),
    script('ms data too long', 'ms k 2\r\nhello\r\nmg k v\r\n'),
    script('ms data too short', 'ms k 5\r\nhi\r\n\r\nmg k v\r\n'),
    script('ms no key', 'ms\r\n'),
    script('ms key 251', `ms ${'k'.repeat(251)} 1\r\nx\r\n`),
    script('ms base64 key', 'ms Zm9v 3 b k\r\nbar\r\nmg foo v\r\nmg Zm9v b v k\r\n'),
    script('ms invalid mode', 'ms k 1 MZ\r\nx\r\n'),
    script('ms quiet success and failure', `ms k 1 q\r\nx\r\nms k 1 q ME\r\ny\r\nmn\r\nmg k v\r\n`),
    script('ms append autovivify', 'ms k 3 MA N100\r\nnew\r\nmg k v t\r\n'),
    script(
      'ms prepend to existing',
      `${store('set', 'k', 'abc', { flags: 3 })}ms k 3 MP\r\nxyz\r\nmg k v f\r\n`,
    ),
    script(
      'ms invalidate then mg',
      `${store('set', 'k', 'abc')}ms k 3 I T100\r\nxyz\r\nmg k v c\r\n`,
    ),
    script('ms too large', `ms k 2000000\r\n${'z'.repeat(2000000)}\r\nmg k s\r\n`),
    script('ms set stats via text get', 'ms k 5 F3 T0\r\nhello\r\nget k\r\ngets k\r\n'),
  );
  out.push(
    stepped('ms C compare and swap', [
      `${store('set', 'k', 'v1')}mg k c\r\n`,
      'ms k 2 C{c1}\r\nv2\r\nms k 2 C{c1}\r\nv3\r\nmg k v c\r\n',
    ]),
    stepped('ms C on missing key', ['ms nope 1 C1\r\nx\r\n']),
    stepped('ms I with stale cas marks stale', [
      `${store('set', 'k', 'v1')}mg k c\r\n`,
      `${store('set', 'k', 'v2')}ms k 2 I C{c1} T30\r\nv3\r\nmg k v c\r\nmg k v\r\n`,
    ]),
    stepped('md I then ms with cas clears stale', [
      `${store('set', 'k', 'v1')}md k I T30\r\nmg k v c\r\n`,
      'ms k 2 C{c1}\r\nv2\r\nmg k v\r\n',
    ]),
  );
  return out;
}

function metaDelete(): ConformanceScript[] {
  return [
    script('md hit', `${seed}md a\r\nmg a v\r\n`, { bytewise: true }),
    script('md miss', 'md nope\r\n'),
    script('md quiet', `${seed}md a q\r\nmd a q\r\nmn\r\n`),
    script('md k and O', `${seed}md a k O7\r\nmd a k O8\r\n`),
    script('md I marks stale', `${seed}md a I T30\r\nmg a v c\r\nmg a v\r\nmg a\r\n`),
    script('md I without T', `${seed}md a I\r\nmg a v t\r\n`),
    script('md x removes value keeps item', `${seed}md a x\r\nmg a v f s\r\n`),
    script('md C mismatch', `${seed}md a C1\r\nmg a v\r\n`),
    script('md C not numeric', `${seed}md a Cx\r\n`),
    script('md base64 key', `${seed}md YQ== b\r\nmg a v\r\n`),
    script('md no key', 'md\r\n'),
    script('md key 251', `md ${'k'.repeat(251)}\r\n`),
    script('md unknown flag', `${seed}md a !\r\n`),
    stepped('md C match', [`${seed}mg a c\r\n`, 'md a C{c1}\r\nmg a v\r\n']),
  ];
}

function metaArith(): ConformanceScript[] {
  const out: ConformanceScript[] = [];
  const cases: [string, string][] = [
    ['default incr', ''],
    ['MI', 'MI'],
    ['M+', 'M+'],
    ['MD', 'MD'],
    ['M-', 'M-'],
    ['Mi lowercase', 'Mi'],
    ['Md lowercase', 'Md'],
    ['MX invalid', 'MX'],
    ['D5', 'D5'],
    ['D not numeric', 'Dabc'],
    ['D max', 'D18446744073709551615'],
    ['D overflow', 'D18446744073709551616'],
    ['v', 'v'],
    ['t', 't'],
    ['c', 'c'],
    ['k O', 'k O3'],
    ['q', 'q'],
    ['T', 'T100 t'],
    ['N on hit', 'N100 v'],
    ['J on hit', 'J50 v'],
    ['decr below zero', 'MD D100 v'],
    ['unknown flag', '!'],
  ];
  for (const [label, flags] of cases) {
    out.push(script(`ma ${label}`, `${seed}ma n ${flags}\r\nmg n v\r\nmn\r\n`));
  }
  out.push(
    script('ma miss', 'ma nope\r\nma nope v\r\n'),
    script('ma miss quiet', 'ma nope q\r\nmn\r\n'),
    script(
      'ma autovivify with N and J',
      'ma nope N100 J13 v t\r\nma nope N100 J13 v\r\nmg nope v\r\n',
    ),
    script('ma autovivify decr', 'ma nope N100 J13 MD v\r\n'),
    script('ma on non-numeric value', `${seed}ma a\r\nma a v\r\n`),
    script('ma wraps', `${store('set', 'w', '18446744073709551615')}ma w v\r\n`),
    script(
      'ma length change',
      `${store('set', 'w', '99')}ma w v\r\nget w\r\nma w MD D2 v\r\nget w\r\n`,
    ),
    script('ma base64 key', `${seed}ma bg== b v\r\n`),
    script('ma no key', 'ma\r\n'),
    script('ma key 251', `ma ${'k'.repeat(251)}\r\n`),
    stepped('ma C match and mismatch', [`${seed}mg n c\r\n`, 'ma n C{c1} v\r\nma n C{c1} v\r\n']),
    script('ma E sets cas', `${seed}ma n E500 c\r\nmg n c\r\n`),
  );
  return out;
}

function metaMisc(): ConformanceScript[] {
  return [
    script('mn alone', 'mn\r\n', { bytewise: true }),
    script('mn with arguments', 'mn x y\r\n'),
    script('me hit', `${seed}me a\r\n`),
    script('me miss', 'me nope\r\n'),
    script('me no key', 'me\r\n'),
    script('me base64 key', `${seed}me YQ== b\r\n`),
    script('me key 251', `me ${'k'.repeat(251)}\r\n`),
    script(
      'meta pipeline mixed with text',
      `${seed}mg a v\r\nget a\r\nms b 1\r\nx\r\ngets b\r\nmd b q\r\nget b\r\nmn\r\n`,
      { bytewise: true },
    ),
    script('meta uppercase commands', 'MG a v\r\nMN\r\n'),
    script(
      'meta noreply keyword is not a flag',
      `${seed}mg a v noreply\r\nms b 1 noreply\r\nx\r\nmd a noreply\r\nma n noreply\r\n`,
    ),
    script(
      'meta too many flags on every command',
      `${seed}ms b 1 ${'T1 '.repeat(20)}\r\nx\r\nmd a ${'q '.repeat(20)}\r\nma n ${'v '.repeat(20)}\r\nmg a ${'k '.repeat(17)}\r\nmg a ${'k '.repeat(18)}\r\n`,
    ),
    script('meta tab separated', `${seed}mg\ta\tv\r\nms\tb\t1\r\nx\r\n`),
    script('meta empty flags between double spaces', `${seed}mg a  v  k  \r\nma n   v\r\n`),
    script(
      'meta quiet hits are silent, misses and errors are not',
      `${seed}mg a q v\r\nmg nope q v\r\nms b 1 q\r\nx\r\nms b 1 q ME\r\ny\r\nmd nope q\r\nmd b q\r\nma nope q\r\nma n q\r\nma a q\r\nmg a q !\r\nmn\r\n`,
      { bytewise: true },
    ),
    script('unknown meta command', 'mz a\r\nmx a\r\n'),
  ];
}

/** The meta protocol: mg ms md ma mn me, every flag, modes, stampede flows and errors. */
export const metaScripts: ConformanceScript[] = [
  ...metaGet(),
  ...metaSet(),
  ...metaDelete(),
  ...metaArith(),
  ...metaMisc(),
];
