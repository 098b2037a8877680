import type { CommandHandler } from '../command.js';
import type { Item } from '../item.js';
import { applyDelta } from './delta.js';
import { echoFlags, keyFlag, MAX_OPAQUE_LENGTH, META_ERRORS } from './flags.js';
import { openMetaRequest } from './request.js';

/**
 * `ma <key> <flags>*`: meta arithmetic, memcached's process_marithmetic_command. `MI`/`M+`
 * (default) increments, `MD`/`M-` decrements (never below 0) by `D` (default 1); `N<ttl>`
 * with `J<initial>` creates a missing counter in the same round trip, which is what rate
 * limiters rely on. Like memcached, a value that shrinks is rewritten in place padded with
 * spaces, and a TTL given with `T` is lost when the value has to grow into a new item.
 */
export const ma: CommandHandler = (ctx, tokens) => {
  const f = openMetaRequest(ctx, tokens, {
    tooManyFlags: META_ERRORS.tooManyFlags,
    badFlag: META_ERRORS.invalidOrDuplicate,
  });
  if (f === undefined) return;
  const { store, stats, clock } = ctx.server;
  let incr: boolean;
  switch (f.mode) {
    case 0:
    case 73 /* I */:
    case 43 /* + */:
      incr = true;
      break;
    case 68 /* D */:
    case 45 /* - */:
      incr = false;
      break;
    default:
      ctx.error('CLIENT_ERROR invalid mode for ma M token');
      return;
  }

  let line = '';
  let digits = '';
  let item: Item | undefined;
  let created = false;
  let quiet = false;
  const found = store.get(f.key, false);
  if (found === undefined) {
    if (f.vivify) {
      digits = String(f.initial);
      const fresh = store.create(f.key, 0, 0, Buffer.from(digits, 'latin1'));
      if (store.store(fresh, 'add').result === 'STORED') {
        item = fresh;
        created = true;
      } else {
        line = 'NS';
      }
    } else {
      if (incr) stats.incrMisses++;
      else stats.decrMisses++;
      line = 'NF';
    }
  } else {
    const r = applyDelta(store, stats, found, incr, f.delta, f.reqCas);
    if (r.status === 'non_numeric') {
      ctx.error('CLIENT_ERROR cannot increment or decrement non-numeric value');
      return;
    }
    if (r.status === 'cas_mismatch') {
      line = 'EX';
    } else {
      digits = r.digits;
      item = r.item;
      quiet = f.noReply;
    }
  }

  if (item !== undefined) {
    line = f.value ? `VA ${digits.length}` : 'HD';
    for (let i = 2; i < tokens.length; i++) {
      const tok = tokens[i] as string;
      switch (tok.charCodeAt(0)) {
        case 99 /* c */:
          line += ` c${item.cas}`;
          break;
        case 116 /* t */:
          line += item.exptime === 0 ? ' t-1' : ` t${(item.exptime - clock.now()) >>> 0}`;
          break;
        case 84 /* T */:
          item.exptime = f.exptime;
          break;
        case 78 /* N */:
          if (created) item.exptime = f.autovivExptime;
          break;
        case 79 /* O */:
          if (tok.length > MAX_OPAQUE_LENGTH) {
            ctx.error(META_ERRORS.opaqueTooLong);
            return;
          }
          line += ` ${tok}`;
          break;
        case 107 /* k */:
          line += keyFlag(f.key, f.keyBinary);
          break;
      }
    }
    if (f.value) line += `\r\n${digits}`;
  } else {
    const echo = echoFlags(tokens, 2, f.key, f.keyBinary);
    if (echo === undefined) {
      ctx.error(META_ERRORS.opaqueTooLong);
      return;
    }
    line += echo;
  }
  if (!quiet) ctx.write(`${line}\r\n`);
};
