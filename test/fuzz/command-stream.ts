import fc from 'fast-check';

/** Numbers that sit on memcached's parsing edges, plus junk that must be rejected. */
const edgeNumber = fc.oneof(
  fc.constantFrom(
    '0',
    '1',
    '-1',
    '10',
    '100',
    '4294967295',
    '4294967296',
    '2147483647',
    '2147483648',
    '18446744073709551615',
    '18446744073709551616',
    '99999999999',
    'abc',
    '',
    '1.5',
    '+1',
    '0x1',
    '1048577',
  ),
  fc.nat({ max: 2000 }).map(String),
);

const keyChar = fc.constantFrom(
  'a',
  'b',
  'k',
  'n',
  '1',
  '\x00',
  '\x01',
  '\x7f',
  '\xe9',
  '\t',
  '\r',
  '-',
  '_',
);
const key = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('a', 'b', 'k1', 'n', 'num') },
  { weight: 2, arbitrary: fc.string({ unit: keyChar, minLength: 1, maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom('k'.repeat(250), 'k'.repeat(251), '') },
);
const sep = fc.constantFrom(' ', ' ', ' ', ' ', '  ', '\t');
const eol = fc.constantFrom('\r\n', '\r\n', '\r\n', '\r\n', '\n', '\r', '');
const dataChar = fc.constantFrom('x', 'y', '1', '9', ' ', '\r', '\n', '\x00', '\xff');
const data = fc.string({ unit: dataChar, maxLength: 40 });

const storage = fc
  .record({
    cmd: fc.constantFrom('set', 'add', 'replace', 'append', 'prepend', 'cas'),
    key,
    flags: edgeNumber,
    exptime: fc.oneof(fc.constantFrom('0', '-1', '1000'), edgeNumber),
    data,
    lenDelta: fc.constantFrom(0, 0, 0, 0, -1, 1, 2),
    lenOverride: fc.oneof(
      { weight: 8, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: edgeNumber },
    ),
    cas: edgeNumber,
    noreply: fc.boolean(),
    s: sep,
    e1: eol,
    e2: eol,
  })
  .map((r) => {
    const len = r.lenOverride ?? String(Math.max(0, r.data.length + r.lenDelta));
    const fields = [r.cmd, r.key, r.flags, r.exptime, len];
    if (r.cmd === 'cas') fields.push(r.cas);
    if (r.noreply) fields.push('noreply');
    return `${fields.join(r.s)}${r.e1}${r.data}${r.e2}`;
  });

const retrieval = fc
  .record({
    cmd: fc.constantFrom('get', 'gets', 'gat', 'gats'),
    exptime: edgeNumber,
    keys: fc.array(key, { maxLength: 5 }),
    s: sep,
    e: eol,
  })
  .map((r) => {
    const head = r.cmd.startsWith('gat') ? [r.cmd, r.exptime] : [r.cmd];
    return `${[...head, ...r.keys].join(r.s)}${r.e}`;
  });

const simple = fc
  .record({
    cmd: fc.constantFrom(
      'incr',
      'decr',
      'touch',
      'delete',
      'flush_all',
      'verbosity',
      'version',
      'mn',
      'me',
      'stats',
      'foo',
    ),
    key,
    n: edgeNumber,
    extra: fc.constantFrom('', 'noreply', '0', 'x'),
    s: sep,
    e: eol,
  })
  .map((r) => {
    switch (r.cmd) {
      case 'incr':
      case 'decr':
      case 'touch':
        return `${[r.cmd, r.key, r.n, r.extra].filter(Boolean).join(r.s)}${r.e}`;
      case 'delete':
      case 'me':
        return `${[r.cmd, r.key, r.extra].filter(Boolean).join(r.s)}${r.e}`;
      case 'flush_all':
        // Only immediate flushes: a delayed one would make later replies depend on the clock.
        return `${[r.cmd, r.extra === 'x' ? '0' : r.extra].filter(Boolean).join(r.s)}${r.e}`;
      default:
        return `${[r.cmd, r.extra].filter(Boolean).join(r.s)}${r.e}`;
    }
  });

const metaFlag = fc.oneof(
  fc.constantFrom(
    'v',
    'k',
    's',
    'f',
    't',
    'c',
    'h',
    'l',
    'q',
    'u',
    'b',
    'I',
    'x',
    'O1',
    'Oop',
    'N100',
    'R30',
    'T-1',
    'T100',
    'E5',
    'C1',
    'D3',
    'J9',
    'F7',
    'S3',
    '!',
    'Z',
    'W',
    'X',
  ),
  fc.constantFrom('M', 'T', 'N', 'C', 'D', 'J', 'F', 'E', 'R').chain((f) =>
    fc.oneof(
      fc
        .constantFrom('E', 'A', 'P', 'R', 'S', 'I', 'D', '+', '-', 'Z', 'EE')
        .map((m) => `${f}${m}`),
      edgeNumber.map((n) => `${f}${n}`),
    ),
  ),
);

const meta = fc
  .record({
    cmd: fc.constantFrom('mg', 'ms', 'md', 'ma'),
    key: fc.oneof(key, fc.constantFrom('YQ==', 'bg==', '!!!')),
    flags: fc.array(metaFlag, { maxLength: 6 }),
    data,
    lenDelta: fc.constantFrom(0, 0, 0, 0, -1, 1),
    s: sep,
    e1: eol,
    e2: eol,
  })
  .map((r) => {
    if (r.cmd === 'ms') {
      const len = String(Math.max(0, r.data.length + r.lenDelta));
      return `${[r.cmd, r.key, len, ...r.flags].join(r.s)}${r.e1}${r.data}${r.e2}`;
    }
    return `${[r.cmd, r.key, ...r.flags].join(r.s)}${r.e1}`;
  });

const garbage = fc.oneof(
  fc.string({
    unit: fc.constantFrom('a', ' ', '\r', '\n', '\x00', '\xff', 'g', 'e', 't'),
    maxLength: 30,
  }),
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('latin1')),
);

/** A stream of plausible-but-mangled commands, as one latin1 string. */
export const commandStream = fc
  .array(
    fc.oneof(
      { weight: 5, arbitrary: storage },
      { weight: 4, arbitrary: retrieval },
      { weight: 4, arbitrary: simple },
      { weight: 5, arbitrary: meta },
      { weight: 1, arbitrary: garbage },
    ),
    { minLength: 1, maxLength: 25 },
  )
  .map((parts) => parts.join(''));

/** Raw random bytes, as one latin1 string. */
export const randomBytes = fc
  .uint8Array({ minLength: 1, maxLength: 600 })
  .map((b) => Buffer.from(b).toString('latin1'));
