// memcached parses numeric tokens with strtol/strtoul/strtoull plus its own checks (util.c's
// safe_strto*). Meta flags must accept and reject exactly the same spellings, including the
// quirks: a leading '+', leading whitespace, and 32-bit truncation of out-of-range values.

const MAX_SAFE_DIGITS = 15;
const U64_MAX = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;

/** A 64-bit unsigned value: a number while it is exact, a bigint beyond 2^53. */
export type U64 = number | bigint;

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

interface Scanned {
  negative: boolean;
  magnitude: U64;
}

// The part shared by strtol/strtoul/strtoull: whitespace, sign, at least one digit, and the
// end pointer must land on whitespace or the end of the token.
function scan(s: string, from: number): Scanned | undefined {
  const end = s.length;
  let i = from;
  while (i < end && isSpace(s.charCodeAt(i))) i++;
  let negative = false;
  const sign = s.charCodeAt(i);
  if (sign === 45 /* - */ || sign === 43 /* + */) {
    negative = sign === 45;
    i++;
  }
  const digitsStart = i;
  let n = 0;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    i++;
  }
  if (i === digitsStart) return undefined;
  if (i < end && !isSpace(s.charCodeAt(i))) return undefined;
  if (i - digitsStart <= MAX_SAFE_DIGITS) return { negative, magnitude: n };
  return { negative, magnitude: BigInt(s.slice(digitsStart, i)) };
}

/** memcached's safe_strtol: a signed 64-bit parse whose result is truncated to int32. */
export function parseInt32(s: string, from = 0): number | undefined {
  const r = scan(s, from);
  if (r === undefined) return undefined;
  const m = r.magnitude;
  if (typeof m === 'number') return (r.negative ? -m : m) | 0;
  if (m > (r.negative ? I64_MAX + 1n : I64_MAX)) return undefined; // ERANGE
  return Number(BigInt.asIntN(32, r.negative ? -m : m));
}

// strtoull semantics: a '-' negates modulo 2^64; memcached then refuses a '-' whose result
// looks negative as a signed number.
function parseUnsigned(s: string, from: number): bigint | number | undefined {
  const r = scan(s, from);
  if (r === undefined) return undefined;
  const m = r.magnitude;
  if (typeof m === 'number') {
    if (!r.negative || m === 0) return m;
    return undefined; // -m wraps to >= 2^63, which memcached rejects when a '-' is present
  }
  if (m > U64_MAX) return undefined; // ERANGE
  if (!r.negative) return m;
  const v = BigInt.asUintN(64, -m);
  return v > I64_MAX ? undefined : v;
}

/** memcached's safe_strtoul into a uint32_t: 64-bit parse, truncated to 32 bits. */
export function parseUint32(s: string, from = 0): number | undefined {
  const v = parseUnsigned(s, from);
  if (v === undefined) return undefined;
  return typeof v === 'number' ? v >>> 0 : Number(BigInt.asUintN(32, v));
}

/** memcached's safe_strtoull: an unsigned 64-bit value. */
export function parseUint64(s: string, from = 0): U64 | undefined {
  const v = parseUnsigned(s, from);
  if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  return v;
}
