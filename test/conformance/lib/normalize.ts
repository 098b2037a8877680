/**
 * Everything the comparison normalizes, in one place, each with the reason. Anything not
 * listed here must match memcached byte for byte.
 */
export const NORMALIZED_FIELDS: Readonly<Record<string, string>> = {
  'CAS values':
    'VALUE ... <cas>, meta c<cas>, ME cas=<cas>: each server numbers CAS its own way; distinct values are renamed c#1, c#2... in order of appearance, so which replies share a CAS still must match',
  'VERSION <v>': 'the version string of our server is not 1.6.18',
  'STAT pid/uptime/time/version/libevent/pointer_size': 'process identity and wall clock',
  'STAT rusage_user/rusage_system': 'CPU time used so far',
  'STAT curr_connections/total_connections/connection_structures/reserved_fds/max_connections-free-slots':
    'connections opened by the harness and memcached internal listener/fd bookkeeping',
  'STAT response_obj_*/read_buf_*': 'memcached per-thread buffer pools (allocation internals)',
  'STAT lru_crawler_starts/lru_maintainer_juggles/moves_to_cold/moves_to_warm/moves_within_lru/lrutail_reflocked':
    "memcached's background LRU threads run on their own clock",
  'STAT items:N:number_hot/number_warm/number_cold/age_hot/age_warm/age/moves_*/hits_to_*':
    'segmented-LRU placement is decided by the background LRU maintainer thread, and ages are wall clock',
  'STAT conn_yields':
    'memcached yields after 20 requests taken from one read (-R), so the count follows TCP batching',
  'STAT tcpport': 'each server listens on its own ephemeral port',
  'STAT bytes_written':
    'includes earlier `stats` replies (the start-up pid probe), whose length varies with pid, time and rusage digits',
  'STAT <fd>:... (stats conns)': 'file descriptor numbers, client ports and idle seconds',
  'ME exp=/la=, meta t<ttl>/l<secs>':
    'remaining TTL and seconds since last access tick with the wall clock; bucketed (0-2 -> ~0, otherwise rounded up to a multiple of 10)',
};

const STAT_WALLCLOCK = new Set([
  'pid',
  'uptime',
  'time',
  'version',
  'libevent',
  'pointer_size',
  'rusage_user',
  'rusage_system',
  'curr_connections',
  'total_connections',
  'connection_structures',
  'reserved_fds',
  'response_obj_oom',
  'response_obj_count',
  'response_obj_bytes',
  'read_buf_count',
  'read_buf_bytes',
  'read_buf_bytes_free',
  'read_buf_oom',
  'lru_crawler_starts',
  'lru_maintainer_juggles',
  'moves_to_cold',
  'moves_to_warm',
  'moves_within_lru',
  'lrutail_reflocked',
  'conn_yields',
  'tcpport',
  'bytes_written',
]);

const ITEMS_BACKGROUND =
  /^items:\d+:(number_hot|number_warm|number_cold|age_hot|age_warm|age|lrutail_reflocked|moves_to_cold|moves_to_warm|moves_within_lru|hits_to_hot|hits_to_warm|hits_to_cold|hits_to_temp)$/;

/** Coarse bucket for a time-dependent number, so a second boundary crossed mid-script is harmless. */
export function timeBucket(n: number): string {
  // -1 means "no expiry"; other negatives are memcached's ME exp= (now - exptime) for live items.
  if (n === -1) return '-1';
  if (n < 0) return `-${timeBucket(-n)}`;
  if (n <= 2) return '~0';
  return `~${Math.ceil(n / 10) * 10}`;
}

interface Line {
  /** The line without its terminator. */
  text: string;
  /** `\r\n`, `\n`, or '' when the stream ended without one. */
  eol: string;
  /** Raw data block following a VALUE/VA header (including its own terminator), if any. */
  data?: string;
}

/** Splits a reply stream into lines, keeping value data blocks apart so they are never rewritten. */
function splitReplies(s: string): Line[] {
  const out: Line[] = [];
  let i = 0;
  while (i < s.length) {
    const nl = s.indexOf('\n', i);
    if (nl < 0) {
      out.push({ text: s.slice(i), eol: '' });
      break;
    }
    const cr = nl > i && s[nl - 1] === '\r';
    const line: Line = { text: s.slice(i, cr ? nl - 1 : nl), eol: cr ? '\r\n' : '\n' };
    i = nl + 1;
    const m = /^VALUE \S+ \S+ (\d+)/.exec(line.text) ?? /^VA (\d+)/.exec(line.text);
    if (m?.[1] !== undefined) {
      const n = Number(m[1]) + 2;
      line.data = s.slice(i, i + n);
      i += n;
    }
    out.push(line);
  }
  return out;
}

const META_PREFIX = /^(HD|VA|EN|NF|NS|EX|OK)( |$)/;

/** The CAS values in a reply stream, in order of first appearance. */
export function extractCas(stream: string): string[] {
  const seen: string[] = [];
  const add = (v: string) => {
    if (!seen.includes(v)) seen.push(v);
  };
  for (const line of splitReplies(stream)) {
    const t = line.text;
    const value = /^VALUE \S+ \S+ \d+ (\d+)$/.exec(t);
    if (value?.[1] !== undefined) add(value[1]);
    if (META_PREFIX.test(t)) {
      for (const tok of t.split(' ').slice(1)) {
        const m = /^c(\d+)$/.exec(tok);
        if (m?.[1] !== undefined) add(m[1]);
      }
    }
    const me = /^ME \S+ .*\bcas=(\d+)/.exec(t);
    if (me?.[1] !== undefined) add(me[1]);
  }
  return seen;
}

/** Normalizes one reply line; `cas` renames a CAS value. */
export function normalizeLine(t: string, cas: (v: string) => string): string {
  if (t.startsWith('VERSION ')) return 'VERSION <v>';
  const value = /^(VALUE \S+ \S+ \d+) (\d+)$/.exec(t);
  if (value?.[1] !== undefined && value[2] !== undefined) return `${value[1]} ${cas(value[2])}`;
  if (META_PREFIX.test(t)) {
    return t
      .split(' ')
      .map((tok, idx) => {
        if (idx === 0) return tok;
        const c = /^c(\d+)$/.exec(tok);
        if (c?.[1] !== undefined) return `c${cas(c[1])}`;
        const tl = /^([tl])(\d+)$/.exec(tok);
        if (tl?.[1] !== undefined && tl[2] !== undefined)
          return `${tl[1]}${timeBucket(Number(tl[2]))}`;
        return tok;
      })
      .join(' ');
  }
  if (t.startsWith('ME ')) {
    return t
      .replace(/\b(exp|la)=(-?\d+)/g, (_, k: string, v: string) => `${k}=${timeBucket(Number(v))}`)
      .replace(/\bcas=(\d+)/, (_, v: string) => `cas=${cas(v)}`);
  }
  const stat = /^STAT (\S+) (.*)$/.exec(t);
  if (stat?.[1] !== undefined) {
    const name = stat[1];
    if (/^\d+:(addr|listen_addr|state|secs_since_last_cmd)$/.test(name))
      return `STAT <fd>:${name.split(':')[1]} <conn>`;
    if (STAT_WALLCLOCK.has(name) || ITEMS_BACKGROUND.test(name)) return `STAT ${name} <n>`;
  }
  return t;
}

/** Makes bytes visible: CR and LF are spelled out, and each reply line ends a display line. */
export function visible(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 13) out += '\\r';
    else if (c === 10) out += '\\n\n';
    else if (c === 92) out += '\\\\';
    else if (c < 32 || c >= 127) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += s[i];
  }
  return out;
}

/** Normalizes a whole transcript (see {@link NORMALIZED_FIELDS}) and renders it for diffing. */
export function normalizeTranscript(stream: string): string {
  const order = extractCas(stream);
  const cas = (v: string) => `#${order.indexOf(v) + 1}`;
  let out = '';
  for (const line of splitReplies(stream)) {
    out += visible(normalizeLine(line.text, cas) + line.eol);
    if (line.data !== undefined) out += visible(line.data);
  }
  return out;
}
