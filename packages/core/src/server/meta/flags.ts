import type { ServerClock } from '../clock.js';
import { decodeBase64Key, encodeBase64Key } from './base64.js';
import { parseInt32, parseUint32, parseUint64, type U64 } from './numbers.js';

/** memcached's MFLAG_MAX_OPT_LENGTH: a meta command line may hold at most this many tokens + 1. */
export const MAX_META_TOKENS = 20;
/** memcached's MFLAG_MAX_OPAQUE_LENGTH, counting the leading `O`. */
export const MAX_OPAQUE_LENGTH = 32;

/** Replies shared by the meta commands, byte for byte as memcached 1.6.18 sends them. */
export const META_ERRORS = {
  format: 'CLIENT_ERROR bad command line format',
  badToken: 'CLIENT_ERROR bad token in command line format',
  duplicate: 'CLIENT_ERROR duplicate flag',
  invalid: 'CLIENT_ERROR invalid flag',
  invalidOrDuplicate: 'CLIENT_ERROR invalid or duplicate flag',
  decodeKey: 'CLIENT_ERROR error decoding key',
  opaqueTooLong: 'CLIENT_ERROR opaque token too long',
  tooManyFlags: 'CLIENT_ERROR options flags too long',
  tooManyFlagsGet: 'CLIENT_ERROR options flags are too long',
} as const;

/**
 * What memcached's `_meta_flag_preparse` learns from a meta command's flags. Exptimes are on
 * the server clock already (memcached's realtime()).
 */
export interface MetaFlags {
  /** The first error met, as memcached would report it; everything else is then unreliable. */
  error: string | undefined;
  /** The key, base64-decoded when `b` was given. */
  key: string;
  keyBinary: boolean;
  noUpdate: boolean;
  /** Flags whose return data must see the item before its LRU bump (h, l, N, R, T). */
  locked: boolean;
  vivify: boolean;
  value: boolean;
  setStale: boolean;
  noReply: boolean;
  hasCas: boolean;
  newTtl: boolean;
  /** Character code of the `M` mode switch, 0 when absent. */
  mode: number;
  exptime: number;
  autovivExptime: number;
  recacheTime: number;
  clientFlags: number;
  reqCas: U64;
  delta: U64;
  initial: U64;
}

/**
 * Parses the flags of a meta command (`tokens[start..]`), the way memcached does: duplicate
 * and unknown flags stop the parse at once, bad values are remembered and the parse goes on
 * (a later bad value's message wins). The caller decides which message to send.
 */
export function parseMetaFlags(
  tokens: readonly string[],
  start: number,
  key: string,
  clock: ServerClock,
): MetaFlags {
  const f: MetaFlags = {
    error: undefined,
    key,
    keyBinary: false,
    noUpdate: false,
    locked: false,
    vivify: false,
    value: false,
    setStale: false,
    noReply: false,
    hasCas: false,
    newTtl: false,
    mode: 0,
    exptime: 0,
    autovivExptime: 0,
    recacheTime: 0,
    clientFlags: 0,
    reqCas: 0,
    delta: 1,
    initial: 0,
  };
  // Flag characters already seen, one bit per ASCII code in four 32-bit words.
  let seen0 = 0;
  let seen1 = 0;
  let seen2 = 0;
  let seen3 = 0;
  let hasError = false;
  let errstr: string = META_ERRORS.format;
  for (let i = start; i < tokens.length; i++) {
    const tok = tokens[i] as string;
    const o = tok.charCodeAt(0);
    const bit = 1 << (o & 31);
    let dup = o >= 127;
    if (!dup) {
      switch (o >> 5) {
        case 0:
          dup = (seen0 & bit) !== 0;
          seen0 |= bit;
          break;
        case 1:
          dup = (seen1 & bit) !== 0;
          seen1 |= bit;
          break;
        case 2:
          dup = (seen2 & bit) !== 0;
          seen2 |= bit;
          break;
        default:
          dup = (seen3 & bit) !== 0;
          seen3 |= bit;
      }
    }
    if (dup) {
      f.error = META_ERRORS.duplicate;
      return f;
    }
    switch (o) {
      case 98 /* b */:
        {
          const decoded = decodeBase64Key(f.key);
          if (decoded === undefined) {
            errstr = META_ERRORS.decodeKey;
            hasError = true;
            f.key = '';
          } else {
            f.key = decoded;
          }
          f.keyBinary = true;
          break;
        }
      case 78 /* N */:
      case 84 /* T */:
      case 82 /* R */:
        {
          f.locked = true;
          if (o === 78) f.vivify = true;
          const n = parseInt32(tok, 1);
          if (n === undefined) {
            errstr = META_ERRORS.badToken;
            hasError = true;
            break;
          }
          // memcached turns negative times into "already expired" before realtime().
          const t = clock.realtime(n < 0 ? -1 : n);
          if (o === 78) f.autovivExptime = t;
          else if (o === 82) f.recacheTime = t;
          else {
            f.exptime = t;
            f.newTtl = true;
          }
          break;
        }
      case 108 /* l */:
      case 104 /* h */:
        f.locked = true;
        break;
      case 79 /* O */:
      case 80 /* P */:
      case 76 /* L */:
      case 107 /* k */:
      case 115 /* s */:
      case 116 /* t */:
      case 99 /* c */:
      case 102 /* f */:
        break;
      case 118 /* v */:
        f.value = true;
        break;
      case 117 /* u */:
        f.noUpdate = true;
        break;
      case 113 /* q */:
        f.noReply = true;
        break;
      case 70 /* F */:
        {
          const n = parseUint32(tok, 1);
          if (n === undefined) hasError = true;
          else f.clientFlags = n;
          break;
        }
      case 67 /* C */:
        {
          const n = parseUint64(tok, 1);
          if (n === undefined) {
            errstr = META_ERRORS.badToken;
            hasError = true;
          } else {
            f.reqCas = n;
            f.hasCas = true;
          }
          break;
        }
      case 77 /* M */:
        if (tok.length !== 2) {
          errstr = 'CLIENT_ERROR incorrect length for M token';
          hasError = true;
        } else {
          f.mode = tok.charCodeAt(1);
        }
        break;
      case 74 /* J */:
        {
          const n = parseUint64(tok, 1);
          if (n === undefined) {
            errstr = 'CLIENT_ERROR invalid numeric initial value';
            hasError = true;
          } else {
            f.initial = n;
          }
          break;
        }
      case 68 /* D */:
        {
          const n = parseUint64(tok, 1);
          if (n === undefined) {
            errstr = 'CLIENT_ERROR invalid numeric delta value';
            hasError = true;
          } else {
            f.delta = n;
          }
          break;
        }
      case 73 /* I */:
        f.setStale = true;
        break;
      default:
        f.error = META_ERRORS.invalid;
        return f;
    }
  }
  if (hasError) f.error = errstr;
  return f;
}

/** The ` k<key>` return flag: base64 plus ` b` for keys that were given in base64. */
export function keyFlag(key: string, binary: boolean): string {
  return binary ? ` k${encodeBase64Key(key)} b` : ` k${key}`;
}

/**
 * The return flags memcached echoes when it has no item to describe (a miss, `md`, a failed
 * `ma`): each ` O<opaque>` and ` k<key>` in request order. `undefined` when an opaque is over
 * {@link MAX_OPAQUE_LENGTH}, which memcached answers with an error.
 */
export function echoFlags(
  tokens: readonly string[],
  start: number,
  key: string,
  binary: boolean,
): string | undefined {
  let out = '';
  for (let i = start; i < tokens.length; i++) {
    const tok = tokens[i] as string;
    const o = tok.charCodeAt(0);
    if (o === 79 /* O */) {
      if (tok.length > MAX_OPAQUE_LENGTH) return undefined;
      out += ` ${tok}`;
    } else if (o === 107 /* k */) {
      out += keyFlag(key, binary);
    }
  }
  return out;
}
