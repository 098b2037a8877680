/**
 * Number parsing with the exact acceptance rules of memcached's safe_strto* helpers (C's
 * strtol family: optional leading whitespace and sign, decimal digits, then the end of the
 * token or whitespace). Shared by the text and meta commands.
 */

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Parses like strtoull: returns the value and whether it overflowed, or undefined if no digits. */
function scan(s: string): { neg: boolean; value: bigint; overflow: boolean } | undefined {
  let i = 0;
  const n = s.length;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  const sign = s.charCodeAt(i);
  if (sign === 45 || sign === 43) {
    neg = sign === 45;
    i++;
  }
  const start = i;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  if (i === start) return undefined;
  // C stops at the first non-digit; a NUL (end of string) or whitespace there is accepted.
  if (i < n && !isSpace(s.charCodeAt(i)) && s.charCodeAt(i) !== 0) return undefined;
  const digits = s.slice(start, i);
  if (digits.length <= 15) {
    return { neg, value: BigInt(Number(digits)), overflow: false };
  }
  const value = BigInt(digits);
  return { neg, value, overflow: value > 0xffffffffffffffffn };
}

/** Fast path for the common plain-digits token. */
function plainDigits(s: string): number {
  const n = s.length;
  if (n === 0 || n > 9) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** memcached's safe_strtol: a signed 32-bit value, or undefined. */
export function parseInt32(s: string): number | undefined {
  const fast = plainDigits(s);
  if (fast >= 0) return fast;
  const r = scan(s);
  if (r === undefined || r.overflow) return undefined;
  const v = r.neg ? -r.value : r.value;
  // strtol on a 64-bit long fails (ERANGE) past 2^63; safe_strtol then truncates to 32 bits.
  if (v > 0x7fffffffffffffffn || v < -0x8000000000000000n) return undefined;
  return Number(BigInt.asIntN(32, v));
}

/**
 * memcached's safe_strtoul into a uint32 (flags, verbosity): strtoul on a 64-bit long, a minus
 * sign rejected only when the result looks negative as a signed long, then truncated to 32 bits.
 */
export function parseUint32(s: string): number | undefined {
  const fast = plainDigits(s);
  if (fast >= 0) return fast;
  const r = scan(s);
  if (r === undefined || r.overflow) return undefined;
  let v = r.value;
  if (r.neg) v = (0x10000000000000000n - v) & 0xffffffffffffffffn;
  if (v >= 0x8000000000000000n && s.includes('-')) return undefined;
  return Number(v & 0xffffffffn);
}

/** memcached's safe_strtoull: an unsigned 64-bit value (incr delta, cas), or undefined. */
export function parseUint64(s: string): bigint | undefined {
  const r = scan(s);
  if (r === undefined || r.overflow) return undefined;
  let v = r.value;
  if (r.neg) v = (0x10000000000000000n - v) & 0xffffffffffffffffn;
  if (v >= 0x8000000000000000n && s.includes('-')) return undefined;
  return v;
}
