import type { CommandHandler } from '../command.js';
import { itemTotalSize, KEY_MAX_LENGTH } from '../item.js';
import { slabClassFor } from '../slabs.js';
import type { StoreMode, StoreResult } from '../store.js';
import {
  keyFlag,
  MAX_META_TOKENS,
  MAX_OPAQUE_LENGTH,
  META_ERRORS,
  parseMetaFlags,
} from './flags.js';
import { parseInt32 } from './numbers.js';

const INT_MAX = 2147483647;

const CODES: Record<StoreResult, string> = {
  STORED: 'HD',
  EXISTS: 'EX',
  NOT_FOUND: 'NF',
  NOT_STORED: 'NS',
};

function modeOf(mode: number): StoreMode | undefined {
  switch (mode) {
    case 0:
    case 83 /* S */:
      return 'set';
    case 69 /* E */:
      return 'add';
    case 65 /* A */:
      return 'append';
    case 80 /* P */:
      return 'prepend';
    case 82 /* R */:
      return 'replace';
    default:
      return undefined;
  }
}

/**
 * `ms <key> <datalen> <flags>*` + data: meta set, memcached's process_mset_command. `M`
 * switches to add/append/prepend/replace; `C` makes set/replace a compare-and-swap, and with
 * `I` a CAS older than the item's stores the value marked stale instead of failing. Errors
 * found after the length is known swallow the data block, as memcached does.
 */
export const ms: CommandHandler = (ctx, tokens) => {
  if (tokens.length < 2) {
    ctx.reply('ERROR');
    return;
  }
  const rawKey = tokens[1] as string;
  if (rawKey.length > KEY_MAX_LENGTH || tokens.length === 2) {
    ctx.error(META_ERRORS.format);
    return;
  }
  if (tokens.length + 1 > MAX_META_TOKENS) {
    ctx.error(META_ERRORS.tooManyFlags);
    return;
  }
  const vlen = parseInt32(tokens[2] as string);
  if (vlen === undefined || vlen < 0 || vlen > INT_MAX - 2) {
    ctx.error(META_ERRORS.format);
    return;
  }
  const { store, stats, clock } = ctx.server;
  const f = parseMetaFlags(tokens, 3, rawKey, clock);
  const fail = (message: string): void => {
    ctx.error(message);
    ctx.swallow(vlen);
  };
  if (f.error !== undefined) {
    fail(f.error);
    return;
  }

  // The reply is built after the data arrives; keep the return flags (O, k, c) in order.
  let errstr: string | undefined;
  let returns: string[] | undefined;
  for (let i = 3; i < tokens.length; i++) {
    const tok = tokens[i] as string;
    const o = tok.charCodeAt(0);
    if (o === 79 /* O */ || o === 107 /* k */ || o === 99 /* c */) {
      if (o === 79 && tok.length > MAX_OPAQUE_LENGTH) errstr = META_ERRORS.opaqueTooLong;
      else if (returns === undefined) returns = [tok];
      else returns.push(tok);
    }
  }
  let mode = modeOf(f.mode);
  if (mode === undefined) {
    fail('CLIENT_ERROR invalid mode for ms M token');
    return;
  }
  if (f.hasCas && (mode === 'set' || mode === 'replace')) mode = 'cas';
  if (errstr !== undefined) {
    fail(errstr);
    return;
  }
  const key = f.key;
  if (!store.fits(key.length, f.clientFlags, vlen)) {
    stats.storeTooLarge++;
    // A failed set must not leave the old value readable.
    const old = store.get(key, false);
    if (old !== undefined) store.unlink(old);
    fail('SERVER_ERROR object too large for cache');
    return;
  }
  const storeMode = mode;
  const reqCas = typeof f.reqCas === 'bigint' ? Number(f.reqCas) : f.reqCas;
  // As for set: room for the value is made (or refused) before it is read.
  const reserved = store.reservePending(key.length, f.clientFlags, vlen);
  if (reserved === undefined) {
    stats.storeNoMemory++;
    if (storeMode === 'set') {
      const old = store.get(key, false);
      if (old !== undefined) store.unlink(old);
    }
    fail('SERVER_ERROR out of memory storing object');
    return;
  }

  ctx.readData(
    vlen,
    (value) => {
      // memcached counts the set before checking the terminator.
      const size = itemTotalSize(key.length, f.clientFlags, vlen, store.casEnabled);
      const slab = stats.slabs[slabClassFor(ctx.server.slabClasses, size)];
      if (slab) slab.setCmds++;
      if (value === undefined) {
        ctx.error('CLIENT_ERROR bad data chunk');
        return;
      }
      const item = store.create(key, f.clientFlags, f.exptime, value);
      item.cas = reqCas;
      item.keyBinary = f.keyBinary;
      const { result, item: stored } = store.store(
        item,
        storeMode,
        f.setStale && storeMode === 'cas',
      );
      if (result === 'STORED' && f.noReply) return;
      let line = CODES[result];
      if (returns !== undefined) {
        for (const tok of returns) {
          const o = tok.charCodeAt(0);
          if (o === 79 /* O */) line += ` ${tok}`;
          else if (o === 107 /* k */) line += keyFlag(item.key, item.keyBinary);
          else line += ` c${result === 'STORED' ? stored.cas : 0}`;
        }
      }
      ctx.write(`${line}\r\n`);
    },
    reserved,
  );
};
