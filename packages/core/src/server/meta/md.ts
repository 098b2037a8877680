import type { CommandHandler } from '../command.js';
import { echoFlags, META_ERRORS } from './flags.js';
import { openMetaRequest } from './request.js';

/**
 * `md <key> <flags>*`: meta delete, memcached's process_mdelete_command. With `I` the item is
 * not removed but marked stale (optionally with a new TTL from `T`) so the next `mg` hands out
 * one win token while everyone else keeps serving the old value. `C` deletes only on a CAS
 * match. `q` hides only the `HD` reply.
 */
export const md: CommandHandler = (ctx, tokens) => {
  const f = openMetaRequest(ctx, tokens, {
    tooManyFlags: META_ERRORS.tooManyFlags,
    badFlag: META_ERRORS.invalidOrDuplicate,
  });
  if (f === undefined) return;
  const { store, stats } = ctx.server;
  const suffix = echoFlags(tokens, 2, f.key, f.keyBinary);
  if (suffix === undefined) {
    ctx.error(META_ERRORS.opaqueTooLong);
    return;
  }

  const item = store.get(f.key, false);
  if (item === undefined) {
    stats.deleteMisses++;
    ctx.write(`NF${suffix}\r\n`);
    return;
  }
  if (f.hasCas && item.cas !== f.reqCas) {
    stats.deleteMisses++;
    ctx.write(`EX${suffix}\r\n`);
    return;
  }
  if (f.setStale) {
    if (f.newTtl) item.exptime = f.exptime;
    item.stale = true;
    // The next fetcher must be able to win again.
    item.tokenSent = false;
    item.cas = store.nextCas();
  } else {
    const slab = stats.slabs[item.slabClass];
    if (slab) slab.deleteHits++;
    store.unlink(item);
  }
  if (!f.noReply) ctx.write(`HD${suffix}\r\n`);
};
